/// Any JSON value, for the parts of an event or context whose shape is not fixed (client context, Cognito
/// identity, claims).
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number without a fraction or exponent that fits in `Int64`.
    case integer(Int64)
    /// Any other number: one with a fraction or an exponent, or an integer beyond `Int64`.
    case number(Double)
    /// A string, unescaped.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, by member name; the members' order is not kept.
    case object([String: JSONValue])

    /// The member `key` of an object; `nil` when it is absent or this is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string of a `.string`; `nil` for every other case.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

extension JSONValue: Codable {
    /// Decodes whichever JSON value the decoder holds, trying null, bool, integer, number, string, array and object
    /// in that order.
    /// - Throws: `DecodingError` when the value is none of them.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value as the JSON it stands for.
    /// - Throws: Whatever the encoder throws, such as `EncodingError.invalidValue` for a non-finite `.number`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    /// `.string` from a string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `.integer` from an integer literal.
    public init(integerLiteral value: Int64) { self = .integer(value) }
    /// `.number` from a floating-point literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// `.bool` from `true` or `false`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `.array` from an array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// `.null` from `nil`.
    public init(nilLiteral: ()) { self = .null }

    /// `.object` from a dictionary literal; for a repeated key, the first value wins.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { first, _ in first }))
    }
}
