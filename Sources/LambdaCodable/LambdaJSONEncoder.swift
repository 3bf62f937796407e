import LambdaRuntime

/// Encodes `Encodable` values as compact JSON, without Foundation.
///
/// Members keep the order they were encoded in (`[String: String]` and `[String: JSONValue]` dictionaries are
/// sorted by key, so output is deterministic); `nil` optionals encoded with `encodeIfPresent` (what synthesised
/// conformances do) are left out; `/` is not escaped. Non-finite numbers are refused, as JSON has none.
public struct LambdaJSONEncoder: Sendable {
    /// Creates an encoder; it has no options and keeps no state between calls.
    public init() {}

    /// The JSON bytes of `value`.
    /// - Throws: `EncodingError.invalidValue` for a NaN or infinite number, or a value that encodes nothing.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let root = try EncodingNode.encode(value, codingPath: [])
        var out: [UInt8] = []
        out.reserveCapacity(256)
        root.write(to: &out)
        return out
    }
}

/// What a value encoded to, before it is written out. Containers are boxes, so containers handed out earlier see
/// later writes, as Codable allows.
enum EncodingNode {
    case null
    case bool(Bool)
    /// A number, already rendered.
    case number(String)
    case string(String)
    case array(ArrayBox)
    case object(ObjectBox)
    /// Nothing was encoded (yet): a container that never received a value.
    case empty

    final class ArrayBox {
        var elements: [EncodingNode] = []
    }

    final class ObjectBox {
        var keys: [String] = []
        var values: [EncodingNode] = []

        func set(_ key: String, _ value: EncodingNode) {
            if let index = keys.lastIndex(of: key) {
                values[index] = value
            } else {
                keys.append(key)
                values.append(value)
            }
        }
    }

    /// Encodes `value`, with fast paths for scalars.
    static func encode<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> EncodingNode {
        switch value {
        case let string as String: return .string(string)
        case let bool as Bool: return .bool(bool)
        case let integer as Int: return .number(String(integer))
        case let integer as Int64: return .number(String(integer))
        case let double as Double: return try number(double, codingPath)
        // Every other primitive too: their `encode(to:)` asks a single-value container to encode themselves.
        case let integer as Int8: return .number(String(integer))
        case let integer as Int16: return .number(String(integer))
        case let integer as Int32: return .number(String(integer))
        case let integer as UInt: return .number(String(integer))
        case let integer as UInt8: return .number(String(integer))
        case let integer as UInt16: return .number(String(integer))
        case let integer as UInt32: return .number(String(integer))
        case let integer as UInt64: return .number(String(integer))
        case let float as Float: return try number(Double(float), codingPath)
        case let json as JSONValue: return node(json)
        // String-keyed dictionaries come out with sorted keys, so output is the same from run to run.
        case let dictionary as [String: String]:
            let box = ObjectBox()
            for key in dictionary.keys.sorted() { box.set(key, .string(dictionary[key]!)) }
            return .object(box)
        case let dictionary as [String: JSONValue]:
            return node(.object(dictionary))
        default:
            let encoder = NodeEncoder(codingPath: codingPath)
            try value.encode(to: encoder)
            guard case .empty = encoder.node else { return encoder.node }
            throw EncodingError.invalidValue(
                value,
                .init(codingPath: codingPath, debugDescription: "\(T.self) encoded no value")
            )
        }
    }

    static func number(_ value: Double, _ codingPath: [any CodingKey]) throws -> EncodingNode {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value,
                .init(codingPath: codingPath, debugDescription: "\(value) cannot be written as JSON")
            )
        }
        // Whole numbers without the ".0" Swift would print.
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number(String(value))
    }

    static func node(_ value: JSONValue) -> EncodingNode {
        switch value {
        case .null: return .null
        case .bool(let bool): return .bool(bool)
        case .integer(let integer): return .number(String(integer))
        case .number(let double): return double.isFinite ? .number(String(double)) : .null
        case .string(let string): return .string(string)
        case .array(let elements):
            let box = ArrayBox()
            box.elements = elements.map(node)
            return .array(box)
        case .object(let members):
            let box = ObjectBox()
            for key in members.keys.sorted() { box.set(key, node(members[key]!)) }
            return .object(box)
        }
    }

    func write(to out: inout [UInt8]) {
        switch self {
        case .null, .empty: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: value ? "true".utf8 : "false".utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let text): JSONString.append(text, to: &out)
        case .array(let box):
            out.append(UInt8(ascii: "["))
            for (index, element) in box.elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let box):
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in zip(box.keys, box.values) {
                if case .empty = value { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                JSONString.append(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// The `Encoder` that builds one node.
final class NodeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var node: EncodingNode = .empty

    init(codingPath: [any CodingKey]) {
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: EncodingNode.ObjectBox
        if case .object(let existing) = node {
            box = existing
        } else {
            box = EncodingNode.ObjectBox()
            node = .object(box)
        }
        return KeyedEncodingContainer(NodeKeyedContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: EncodingNode.ArrayBox
        if case .array(let existing) = node {
            box = existing
        } else {
            box = EncodingNode.ArrayBox()
            node = .array(box)
        }
        return NodeUnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        NodeSingleValueContainer(encoder: self)
    }
}

struct NodeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: EncodingNode.ObjectBox
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { box.set(key.stringValue, .null) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        box.set(key.stringValue, try EncodingNode.encode(value, codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodingNode.ObjectBox()
        box.set(key.stringValue, .object(nested))
        return KeyedEncodingContainer(NodeKeyedContainer<NestedKey>(box: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = EncodingNode.ArrayBox()
        box.set(key.stringValue, .array(nested))
        return NodeUnkeyedContainer(box: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(forKey: Key(stringValue: "super")!)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let encoder = DeferredNodeEncoder(codingPath: codingPath + [key]) { [box] node in box.set(key.stringValue, node)
        }
        return encoder
    }
}

struct NodeUnkeyedContainer: UnkeyedEncodingContainer {
    let box: EncodingNode.ArrayBox
    let codingPath: [any CodingKey]
    var count: Int { box.elements.count }

    mutating func encodeNil() throws { box.elements.append(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        box.elements.append(try EncodingNode.encode(value, codingPath: codingPath + [ElementKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodingNode.ObjectBox()
        let path = codingPath + [ElementKey(count)]
        box.elements.append(.object(nested))
        return KeyedEncodingContainer(NodeKeyedContainer<NestedKey>(box: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = EncodingNode.ArrayBox()
        let path = codingPath + [ElementKey(count)]
        box.elements.append(.array(nested))
        return NodeUnkeyedContainer(box: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let index = box.elements.count
        box.elements.append(.null)
        return DeferredNodeEncoder(codingPath: codingPath + [ElementKey(index)]) { [box] node in
            box.elements[index] = node
        }
    }
}

struct NodeSingleValueContainer: SingleValueEncodingContainer {
    let encoder: NodeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.node = .null }

    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.node = try EncodingNode.encode(value, codingPath: codingPath)
    }
}

/// An encoder whose node is stored into its parent when the encoding finishes (for `superEncoder`).
final class DeferredNodeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    private let inner: NodeEncoder
    private let store: (EncodingNode) -> Void

    init(codingPath: [any CodingKey], store: @escaping (EncodingNode) -> Void) {
        self.codingPath = codingPath
        self.inner = NodeEncoder(codingPath: codingPath)
        self.store = store
    }

    deinit { store(inner.node) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        inner.container(keyedBy: type)
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { inner.unkeyedContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { inner.singleValueContainer() }
}
