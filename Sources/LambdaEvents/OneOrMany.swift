/// A JSON value that is either one item or an array of them, as IAM policy `Action` and `Resource` are.
/// It encodes back the way it was decoded.
public enum OneOrMany<Element: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// A single item, not in an array.
    case one(Element)
    /// An array of items.
    case many([Element])

    /// The items, whichever form they came in.
    public var all: [Element] {
        switch self {
        case .one(let element): [element]
        case .many(let elements): elements
        }
    }

    /// Decodes an array as `.many`, anything else as `.one`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let many = try? container.decode([Element].self) {
            self = .many(many)
        } else {
            self = .one(try container.decode(Element.self))
        }
    }

    /// Encodes `.one` as the item, `.many` as an array.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .one(let element): try container.encode(element)
        case .many(let elements): try container.encode(elements)
        }
    }
}
