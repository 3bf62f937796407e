import Foundation
import TestSupport
import Testing

@Suite("The bootstrap executable")
struct BootstrapBinaryTests {
    /// Shared libraries that would mean full Foundation (and ICU's 30 MB of data) is linked.
    static let forbidden = ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"]

    private func neededLibraries(_ path: String) throws -> [String] {
        let result = try CommandResult.run(["/usr/bin/readelf", "-d", path])
        try #require(result.status == 0, "readelf failed: \(result.standardError)")
        return result.standardOutput.split(separator: "\n").compactMap { line in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]")
            else { return nil }
            return String(line[line.index(after: open)..<close])
        }
    }

    @Test func doesNotLinkFullFoundationOrICU() throws {
        let needed = try neededLibraries(BuiltProducts.bootstrap)
        // This debug build links the Swift runtime dynamically, so anything it used would show here.
        #expect(needed.contains("libswiftCore.so"), "expected a dynamically linked build, got \(needed)")
        for library in Self.forbidden {
            #expect(!needed.contains(library), "bootstrap links \(library): \(needed)")
        }
    }

    @Test func theCheckWouldSeeFoundationWhereItIsLinked() throws {
        // upload-edge uses full Foundation on purpose; the same check must find it there.
        let needed = try neededLibraries(BuiltProducts.uploadEdge)
        #expect(needed.contains("libFoundation.so"))
    }

    @Test func postsAnInitErrorAndExitsNonZeroForAnUnknownHandler() throws {
        let api = try ScriptedRuntimeAPI(script: [.accepted])
        let result = try CommandResult.run(
            [BuiltProducts.bootstrap],
            environment: ["AWS_LAMBDA_RUNTIME_API": api.endpoint, "_HANDLER": "nope", "AWS_LAMBDA_LOG_FORMAT": "JSON"]
        )
        #expect(result.status == 1)
        let post = try #require(api.requests.first)
        #expect(post.method == "POST")
        #expect(post.path == "/2018-06-01/runtime/init/error")
        #expect(post.header("Lambda-Runtime-Function-Error-Type") == "Runtime.HandlerNotFound")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(post.body)) as? [String: Any])
        let names = #""authorize", "echo", "inspect", "object-created", "presign", "pretoken", "route""#
        #expect((object["errorMessage"] as? String)?.contains("set it to one of: " + names) == true)
        // The log says the same, as a JSON line.
        let line = try #require(result.standardError.split(separator: "\n").first)
        let logged = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(logged["level"] as? String == "FATAL")
    }

    @Test func exitsWithAMessageWhenNoRuntimeAPIIsConfigured() throws {
        let result = try CommandResult.run([BuiltProducts.bootstrap], removing: ["AWS_LAMBDA_RUNTIME_API"])
        #expect(result.status == 3)
        #expect(result.standardError.contains("AWS_LAMBDA_RUNTIME_API is not set"))
    }
}
