/// Why a file fails the whole-file check. `reason` becomes the `upload-reason` tag.
public struct FileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// "malformed", "trailing-data", "truncated", "active-content", "too-complex"
    public var reason: String
    /// A sentence for the log: what was wrong, and at which byte offset.
    public var detail: String
    /// The reason and the detail, as `reason: detail`.
    public var description: String { "\(reason): \(detail)" }

    /// Creates a problem from its tag value and its log sentence.
    public init(reason: String, detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// The structure is broken: a bad signature, length, checksum or marker.
    static func malformed(_ detail: String) -> FileProblem { FileProblem(reason: "malformed", detail: detail) }
    /// Bytes follow the format's end (a polyglot's favourite hiding place).
    static func trailingData(_ detail: String) -> FileProblem { FileProblem(reason: "trailing-data", detail: detail) }
    /// The file ends before the format does.
    static func truncated(_ detail: String) -> FileProblem { FileProblem(reason: "truncated", detail: detail) }
    /// Markup, script or a PDF action that a reader would run.
    static func activeContent(_ detail: String) -> FileProblem { FileProblem(reason: "active-content", detail: detail) }
    /// More work than a sane file needs (a decompression bomb, say).
    static func tooComplex(_ detail: String) -> FileProblem { FileProblem(reason: "too-complex", detail: detail) }
}
