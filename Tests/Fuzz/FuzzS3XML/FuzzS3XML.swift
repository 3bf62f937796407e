import FuzzSupport
import S3

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// S3 XML responses from arbitrary bytes: `XMLElement.parse`, and the parse of what it read written out again.
enum S3XMLFuzzer {
    /// `XMLElement.maxDepth`: the most elements one document may nest.
    static let maxDepth = 32

    /// Parses `input`; when it parses, the tree must be no deeper than the limit, and writing it out as XML and
    /// parsing that must give the same tree.
    static func check(_ input: [UInt8]) {
        guard let root = try? S3.XMLElement.parse(input) else { return }
        let depth = depth(of: root)
        guard depth <= maxDepth else { fatalError("parsed a tree \(depth) elements deep; the limit is \(maxDepth)") }
        // What S3Client reads from its responses, so the accessors run on the tree too.
        _ = root.text("Code")
        _ = root["TagSet"]?.all("Tag").map { ($0.text("Key"), $0.text("Value")) }
        _ = root.all("Contents").map { ($0.text("Key"), $0.text("Size").flatMap { Int64($0) }) }

        var written: [UInt8] = []
        write(root, to: &written)
        let reparsed: S3.XMLElement
        do {
            reparsed = try S3.XMLElement.parse(written)
        } catch {
            fatalError("the tree of the input, written out, does not parse: \(error)")
        }
        guard reparsed == root else {
            fatalError("the tree of the input, written out, parses to another tree: \(root) then \(reparsed)")
        }
    }

    static func depth(of element: S3.XMLElement) -> Int {
        1 + (element.children.map(depth).max() ?? 0)
    }

    /// `element` as XML: its text (escaped) before its children, each name behind a `p:` prefix, which the parser
    /// drops, so that a name such as `!--` or an empty one (from `<a:>`) is written as it was read.
    static func write(_ element: S3.XMLElement, to out: inout [UInt8]) {
        out.append(contentsOf: "<p:\(element.name)>".utf8)
        for byte in element.text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            default: out.append(byte)
            }
        }
        for child in element.children { write(child, to: &out) }
        out.append(contentsOf: "</p:\(element.name)>".utf8)
    }
}

#if FUZZING
/// libFuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    S3XMLFuzzer.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// The program's entry point, which SwiftPM names `<module>_main`: it starts libFuzzer's driver.
@_cdecl("FuzzS3XML_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    LibFuzzer.run(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
#else
/// Without libFuzzer: replays the files given, or every file under the directories given, through the same check.
@main
struct ReplayS3XML {
    static func main() { CorpusReplay.main(S3XMLFuzzer.check) }
}
#endif
