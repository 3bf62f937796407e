import Foundation
import LambdaRuntime
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Log lines in Lambda's formats")
struct LambdaLogHandlerTests {
    /// Logs through a `LambdaLogHandler` into a pipe and returns the lines written.
    private func capture(_ format: LogFormat, level: Logger.Level, _ body: (Logger) -> Void) -> [String] {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        var logger = Logger(label: "t") { _ in LambdaLogHandler(format: format, level: level, fileDescriptor: fds[1]) }
        logger.logLevel = level
        body(logger)
        close(fds[1])
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fds[0], &chunk, chunk.count)
            if count <= 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        close(fds[0])
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func writesJSONLinesWithTimestampLevelMessageAndRequestID() throws {
        let lines = capture(.json, level: .info) { logger in
            var logger = logger
            logger[metadataKey: "requestId"] = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
            logger.info("stored \"a\"\nnext line", metadata: ["key": "uploads/u-1/a.png", "size": "42"])
            logger.debug("not written at INFO")
        }
        try #require(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["level"] as? String == "INFO")
        #expect(object["message"] as? String == "stored \"a\"\nnext line")
        #expect(object["requestId"] as? String == "8476a536-e9f4-11e8-9739-2dfe598c3fcd")
        #expect(object["key"] as? String == "uploads/u-1/a.png")
        let timestamp = try #require(object["timestamp"] as? String)
        #expect(timestamp.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil)
    }

    @Test func writesTextLinesOnOneLineEach() throws {
        let lines = capture(.text, level: .debug) { logger in
            var logger = logger
            logger[metadataKey: "requestId"] = "r-1"
            logger.warning("two\nlines", metadata: ["b": "2", "a": "1"])
        }
        try #require(lines.count == 1)
        let fields = lines[0].split(separator: "\t", omittingEmptySubsequences: false)
        #expect(fields.count == 4)
        #expect(fields[1] == "r-1")
        #expect(fields[2] == "WARN")
        #expect(fields[3] == #"two\nlines a=1 b=2"#)
    }

    @Test func metadataCannotOverwriteTheFieldsTheLineOwns() throws {
        let lines = capture(.json, level: .info) { logger in
            logger.info("real", metadata: ["message": "forged", "level": "FATAL"])
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["message"] as? String == "real")
        #expect(object["level"] as? String == "INFO")
    }

    @Test(
        arguments: [
            ("JSON", "DEBUG", LogFormat.json, Logger.Level.debug, 0),
            ("json", "warn", .json, .warning, 0),
            (nil, nil, .text, .info, 0),
            ("Text", "FATAL", .text, .critical, 0),
            ("xml", "loud", .text, .info, 2),
        ] as [(String?, String?, LogFormat, Logger.Level, Int)]
    )
    func readsTheLambdaLogVariables(
        format: String?,
        level: String?,
        expectedFormat: LogFormat,
        expectedLevel: Logger.Level,
        warnings: Int
    ) {
        let configuration = LogConfiguration(format: format, level: level)
        #expect(configuration.format == expectedFormat)
        #expect(configuration.level == expectedLevel)
        #expect(configuration.warnings.count == warnings)
    }
}
