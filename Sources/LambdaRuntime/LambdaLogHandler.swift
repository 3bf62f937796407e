import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-log handler that writes what Lambda's log pipeline expects, one line per entry.
///
/// - `Text`: `2026-11-25T14:27:15.123Z\t<requestId>\tINFO\tmessage key=value`
/// - `JSON`: `{"timestamp":"2026-11-25T14:27:15.123Z","level":"INFO","message":"…","requestId":"…",…metadata}`
///
/// Each line goes out in a single `write(2)`, so lines from different threads never interleave.
public struct LambdaLogHandler: LogHandler {
    /// The metadata key that carries the request id; the runtime sets it on each invocation's logger.
    public static let requestIDKey = "requestId"

    /// Metadata on every line of this logger, such as the request id; an entry's own metadata wins on a clash.
    public var metadata: Logger.Metadata = [:]
    /// Metadata gathered at each entry (from task-local values, say); it wins over ``metadata`` on a clash.
    public var metadataProvider: Logger.MetadataProvider?
    /// The lowest level written; lower entries are dropped before they are rendered.
    public var logLevel: Logger.Level
    /// Whether lines are text or JSON.
    public let format: LogFormat
    private let fileDescriptor: Int32

    /// A handler that writes entries of `level` and above as lines in `format` to `fileDescriptor`.
    /// - Parameters:
    ///   - format: Text or JSON lines.
    ///   - level: The lowest level written.
    ///   - fileDescriptor: Where lines go; standard error by default.
    public init(format: LogFormat, level: Logger.Level, fileDescriptor: Int32 = 2) {
        self.format = format
        self.logLevel = level
        self.fileDescriptor = fileDescriptor
    }

    /// The logger's metadata value for `key`; `nil` when unset, and setting `nil` removes it.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one entry as a line in ``format``, with the merged metadata and the current UTC time.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = LogLine.render(
            format: format,
            timestamp: RFC3339.now(),
            level: event.level,
            message: event.message.description,
            metadata: merged
        )
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 {
                    if written < 0, errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// `AWS_LAMBDA_LOG_FORMAT`: how log lines are written.
public enum LogFormat: String, Sendable {
    /// Tab-separated text: time, request id, level, then the message and its metadata as `key=value`.
    case text = "Text"
    /// One JSON object per line, with the metadata as top-level fields.
    case json = "JSON"
}

/// Reads `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL`.
public struct LogConfiguration: Sendable, Equatable {
    /// The line format to write.
    public var format: LogFormat
    /// The lowest level to write.
    public var level: Logger.Level
    /// Problems with the variables, to log once the logger exists (a bad value never stops the function).
    public var warnings: [String]

    /// Parses the two variables' values; a value it does not know falls back to the default and adds a warning.
    /// - Parameters:
    ///   - format: The value of `AWS_LAMBDA_LOG_FORMAT` (`Text` or `JSON`, any case); `nil` means `Text`.
    ///   - level: The value of `AWS_LAMBDA_LOG_LEVEL` (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`);
    ///     `nil` means `INFO`.
    public init(format: String?, level: String?) {
        var warnings: [String] = []
        switch format?.lowercased() {
        case nil, "", "text": self.format = .text
        case "json": self.format = .json
        case .some(let other):
            self.format = .text
            warnings.append("\(LambdaEnvironment.logFormat)=\"\(other)\" is not Text or JSON; writing Text logs")
        }
        switch level?.uppercased() {
        case nil, "", "INFO": self.level = .info
        case "TRACE": self.level = .trace
        case "DEBUG": self.level = .debug
        case "WARN", "WARNING": self.level = .warning
        case "ERROR": self.level = .error
        case "FATAL": self.level = .critical
        case .some(let other):
            self.level = .info
            warnings.append(
                "\(LambdaEnvironment.logLevel)=\"\(other)\" is not one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL; "
                    + "logging at INFO"
            )
        }
        self.warnings = warnings
    }

    /// Reads the two variables from the process's environment; a bad value falls back to the default and adds a
    /// warning.
    public static func fromEnvironment() -> LogConfiguration {
        LogConfiguration(
            format: ProcessEnvironment.value(LambdaEnvironment.logFormat),
            level: ProcessEnvironment.value(LambdaEnvironment.logLevel)
        )
    }
}

/// Renders one log entry as bytes, without the trailing newline.
package enum LogLine {
    /// The line for one entry in `format`: for text, tab-separated fields; for JSON, one object.
    package static func render(
        format: LogFormat,
        timestamp: String,
        level: Logger.Level,
        message: String,
        metadata: Logger.Metadata
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.utf8.count + 96)
        let requestID = metadata[LambdaLogHandler.requestIDKey].map { "\($0)" }
        switch format {
        case .text:
            out.append(contentsOf: timestamp.utf8)
            out.append(0x09)
            out.append(contentsOf: (requestID ?? "-").utf8)
            out.append(0x09)
            out.append(contentsOf: lambdaName(level).utf8)
            out.append(0x09)
            // A multi-line message stays one log line: newlines would split it in CloudWatch.
            for byte in message.utf8 {
                switch byte {
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                default: out.append(byte)
                }
            }
            for key in metadata.keys.sorted() where key != LambdaLogHandler.requestIDKey {
                out.append(contentsOf: " \(key)=\(metadata[key]!)".utf8.map { $0 == 0x0A ? 0x20 : $0 })
            }
        case .json:
            out.append(contentsOf: #"{"timestamp":"#.utf8)
            JSONString.append(timestamp, to: &out)
            out.append(contentsOf: #","level":"#.utf8)
            JSONString.append(lambdaName(level), to: &out)
            out.append(contentsOf: #","message":"#.utf8)
            JSONString.append(message, to: &out)
            if let requestID {
                out.append(contentsOf: #","requestId":"#.utf8)
                JSONString.append(requestID, to: &out)
            }
            for key in metadata.keys.sorted() where key != LambdaLogHandler.requestIDKey {
                guard !reservedJSONKeys.contains(key) else { continue }
                out.append(UInt8(ascii: ","))
                JSONString.append(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendJSON(metadata[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        return out
    }

    /// Keys the JSON line owns; metadata cannot overwrite them.
    private static let reservedJSONKeys: Set<String> = ["timestamp", "level", "message"]

    /// Lambda's level names (those `AWS_LAMBDA_LOG_LEVEL` accepts).
    package static func lambdaName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info, .notice: "INFO"
        case .warning: "WARN"
        case .error: "ERROR"
        case .critical: "FATAL"
        }
    }

    private static func appendJSON(_ value: Logger.MetadataValue, to out: inout [UInt8]) {
        switch value {
        case .string(let string): JSONString.append(string, to: &out)
        case .stringConvertible(let convertible): JSONString.append(convertible.description, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendJSON(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let members):
            out.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.append(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendJSON(members[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// RFC 3339 timestamps in UTC with milliseconds, without Foundation's formatters.
package enum RFC3339 {
    /// The current time, e.g. `2026-11-25T14:27:15.123Z`.
    package static func now() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return format(seconds: Int64(now.tv_sec), milliseconds: Int(now.tv_nsec / 1_000_000))
    }

    /// Formats a Unix time.
    package static func format(seconds: Int64, milliseconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var remaining = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(remaining / divisor % 10))
                remaining %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        out.append(UInt8(ascii: "."))
        digits(milliseconds, 3)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}
