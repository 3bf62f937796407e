/// Checks one file's structure as its bytes stream past, and (given an output) writes it again without
/// identifying metadata.
package protocol FileInspector {
    /// The next bytes of the file, in order; chunks of any size, from 1 byte to megabytes.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(FileProblem)
    /// The whole file has been consumed.
    mutating func finish() throws(FileProblem)
    /// Only the first part of a too-large file was consumed: accept what was seen so far (no "truncated").
    mutating func finishHead() throws(FileProblem)
    /// Whether the output differs from the input (something was stripped). False without an output.
    var stripped: Bool { get }
}
