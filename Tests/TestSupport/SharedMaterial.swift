import Foundation

/// The read-only material beside the project (`../shared`): real event captures and signing test suites.
public enum SharedMaterial {
    /// `../shared` from the project root, when present.
    public static var directory: String? {
        let path = (BuiltProducts.projectRoot as NSString).deletingLastPathComponent + "/shared"
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? path : nil
    }

    /// Why tests that need `../shared` are skipped.
    public static let missingReason = "../shared is not beside the project: the real-capture tests need it"

    /// The JSON files of `../shared/<relative>`, sorted.
    public static func jsonFiles(in relative: String) -> [String] {
        guard let directory else { return [] }
        let folder = directory + "/" + relative
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { folder + "/" + $0 }
    }
}

/// The project's own event samples in `Events/`.
public enum ProjectEvents {
    public static var directory: String { BuiltProducts.projectRoot + "/Events" }

    /// Every event file (expected-response files excluded), sorted.
    public static var files: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".expected.json") }.sorted().map {
            directory + "/" + $0
        }
    }

    public static func bytes(_ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
            throw TestFailure("Events/\(name) is missing")
        }
        return Array(data)
    }
}
