import Foundation
import TestSupport
import Testing

/// The bootstrap `make lambda` links, with its symbols, and the order file it is linked with.
enum LambdaBuild {
    static let bootstrap = BuiltProducts.projectRoot + "/.build-lambda/release/bootstrap"
    static let orderFile = BuiltProducts.projectRoot + "/deploy/bootstrap.order"
}

/// `deploy/bootstrap.order`, the order lld lays out bootstrap's hot code in, still names the functions that the
/// shipped bootstrap defines. A rename or a new code path leaves entries the linker silently skips, and the pages
/// they save are lost without any build failing; this is where that shows.
@Suite(
    "deploy/bootstrap.order matches the bootstrap make lambda builds",
    .enabled(
        if: FileManager.default.fileExists(atPath: LambdaBuild.bootstrap),
        Comment(rawValue: "no \(LambdaBuild.bootstrap): build it with make lambda (make test does)")
    )
)
struct BootstrapOrderFileTests {
    /// The names the order file lists, comments left out.
    static func listed() throws -> [String] {
        try String(contentsOfFile: LambdaBuild.orderFile, encoding: .utf8)
            .split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// The text symbols the bootstrap defines.
    static func defined() throws -> Set<String> {
        let result = try CommandResult.run(["/usr/bin/nm", "--defined-only", LambdaBuild.bootstrap])
        try #require(result.status == 0, "nm \(LambdaBuild.bootstrap): \(result.standardError)")
        var names = Set<String>()
        for line in result.standardOutput.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, "tTwW".contains(fields[1]) else { continue }
            names.insert(String(fields[2]))
        }
        return names
    }

    @Test func nearlyEveryListedFunctionIsDefinedInTheBootstrap() throws {
        let listed = try Self.listed()
        let defined = try Self.defined()
        #expect(listed.count > 1_000, "deploy/bootstrap.order lists \(listed.count) functions: regenerate it")
        let missing = listed.filter { !defined.contains($0) }
        // Some churn is harmless (a function inlined away); past a few percent, the hot code is spread out again.
        #expect(
            Double(missing.count) <= Double(listed.count) * 0.05,
            """
            \(missing.count) of \(listed.count) functions in deploy/bootstrap.order are not in bootstrap any more \
            (first: \(missing.prefix(3).joined(separator: ", "))): run `make order-file` and commit the file
            """
        )
    }

    @Test func listsTheRuntimeLoopAndEachDeployedHandler() throws {
        let listed = try Self.listed()
        // The runtime's loop, and the entry point of each handler a deployed function runs.
        for fragment in [
            "13LambdaRuntime0B4LoopO4main", "14PresignHandlerV6handle", "16AuthorizeHandlerV", "15PreTokenHandlerV",
            "20ObjectCreatedHandlerV",
        ] {
            #expect(listed.contains { $0.contains(fragment) }, "no function containing \(fragment) is listed")
        }
    }
}
