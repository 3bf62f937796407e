import ArgumentParser
import Foundation

/// Finds the executables built beside `upload-edge` (`bootstrap`, `raw-runtime-client`).
enum SiblingExecutable {
    /// The path of `name` in the directory that holds the running `upload-edge`.
    static func path(_ name: String) -> String {
        let own =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return ((own as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
    }

    /// `explicit` when given, else the sibling `name`; fails with a message that says how to build it.
    static func resolve(_ explicit: String?, name: String, product: String) throws -> String {
        let path = explicit ?? path(name)
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError(
                "no executable at \(path); build it with `swift build --product \(product)`"
                    + (explicit == nil ? " (or pass its path)" : "")
            )
        }
        return path
    }
}
