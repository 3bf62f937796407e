/// Turns a `DecodingError` into a JSON path and a short statement of what was wrong there.
package struct DecodingErrorDescription: Sendable {
    /// The failing member's JSON path, for example `records[0].s3.object.key`; empty when the top level failed.
    package let path: String
    /// What was wrong at `path`, for example `expected a string, found null`.
    package let problem: String

    /// Describes `error` by the path of its coding context and the kind of failure.
    package init(_ error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let context):
            path = Self.render(context.codingPath)
            problem = "expected \(Self.article(for: type))"
        case .valueNotFound(let type, let context):
            path = Self.render(context.codingPath)
            problem = "expected \(Self.article(for: type)), found null"
        case .keyNotFound(let key, let context):
            path = Self.render(context.codingPath + [key])
            problem = "required key is missing"
        case .dataCorrupted(let context):
            path = Self.render(context.codingPath)
            if let underlying = context.underlyingError {
                problem = "\(context.debugDescription) (\(underlying))"
            } else {
                problem = context.debugDescription
            }
        @unknown default:
            path = ""
            problem = String(describing: error)
        }
    }

    private static func render(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                if !out.isEmpty { out += "." }
                out += key.stringValue
            }
        }
        return out
    }

    private static func article(for type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt64.Type, is UInt32.Type, is UInt.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        default:
            if String(describing: type).hasPrefix("Array") {
                "an array"
            } else if String(describing: type).hasPrefix("Dictionary") {
                "an object"
            } else {
                "a value of type \(type)"
            }
        }
    }
}
