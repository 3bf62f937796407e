import LambdaRuntime

/// Decodes `Decodable` values from JSON, without Foundation, several times faster than `JSONDecoder` on Lambda
/// events.
///
/// The document is tokenised once into a flat table; containers then look members up by comparing raw bytes,
/// starting where the previous lookup ended (synthesised `init(from:)` asks for keys in declaration order, which
/// is usually the order AWS sends), and only the strings and numbers asked for are ever built.
///
/// Errors are `DecodingError`s whose coding path names the member that failed.
public struct LambdaJSONDecoder: Sendable {
    /// Creates a decoder; it has no options and keeps no state between calls.
    public init() {}

    /// Decodes `type` from `bytes`.
    /// - Throws: `DecodingError.dataCorrupted` for malformed JSON (with the byte offset), or the `DecodingError`
    ///   that names the path and the expected type.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "the data is not valid JSON: \(error)", underlyingError: error)
            )
        }
        return try decode(type, from: document, at: 0)
    }

    /// Decodes `type` from token `index` of an already tokenised document.
    package func decode<T: Decodable>(_ type: T.Type, from document: JSONDocument, at index: Int) throws -> T {
        try JSONTokenDecoder(document: document, index: index, path: nil).unbox(type)
    }
}

/// A coding path as a linked list: built one node per container, turned into an array only when asked (in
/// errors, mostly), instead of an array copied for every member.
final class CodingPathNode {
    let parent: CodingPathNode?
    let key: any CodingKey

    init(parent: CodingPathNode?, key: any CodingKey) {
        self.parent = parent
        self.key = key
    }

    static func path(_ node: CodingPathNode?) -> [any CodingKey] {
        var keys: [any CodingKey] = []
        var current = node
        while let node = current {
            keys.append(node.key)
            current = node.parent
        }
        return keys.reversed()
    }
}

/// The `Decoder` for one token of a document.
struct JSONTokenDecoder: Decoder {
    let document: JSONDocument
    let index: Int
    /// The path to this value.
    let path: CodingPathNode?
    var codingPath: [any CodingKey] { CodingPathNode.path(path) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard document.tokens[index].kind == .object else {
            throw mismatch(Dictionary<String, Any>.self, "an object")
        }
        return KeyedDecodingContainer(JSONKeyedContainer<Key>(document: document, object: index, path: path))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard document.tokens[index].kind == .array else {
            throw mismatch([Any].self, "an array")
        }
        return JSONUnkeyedContainer(document: document, array: index, path: path)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONSingleValueContainer(decoder: self)
    }

    func mismatch(_ type: Any.Type, _ expected: String) -> DecodingError {
        if document.tokens[index].kind == .null {
            return .valueNotFound(
                type,
                .init(codingPath: codingPath, debugDescription: "expected \(expected), found null")
            )
        }
        return .typeMismatch(
            type,
            .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(document.describe(index))")
        )
    }

    /// Decodes `type` here, with fast paths for the scalar types events are made of.
    /// (The `unsafeBitCast`s are guarded by the type checks before them: they only skip a dynamic cast.)
    @inline(__always)
    func unbox<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == String.self { return unsafeBitCast(try decodeString(), to: T.self) }
        if T.self == Int.self { return unsafeBitCast(try decodeInteger(Int.self), to: T.self) }
        if T.self == Int64.self { return unsafeBitCast(try decodeInteger(Int64.self), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try decodeBool(), to: T.self) }
        if T.self == Double.self { return unsafeBitCast(try decodeDouble(), to: T.self) }
        if T.self == JSONValue.self { return unsafeBitCast(document.value(at: index), to: T.self) }
        if T.self == [String: String].self { return unsafeBitCast(try decodeStringDictionary(), to: T.self) }
        if T.self == [String].self { return unsafeBitCast(try decodeStringArray(), to: T.self) }
        if T.self == [String: JSONValue].self {
            guard document.tokens[index].kind == .object, case .object(let members) = document.value(at: index) else {
                throw mismatch([String: JSONValue].self, "an object")
            }
            return unsafeBitCast(members, to: T.self)
        }
        return try T(from: self)
    }

    /// `[String: String]` (headers, claims, query parameters) without the standard library's generic dictionary
    /// decoding and its dynamic casts. Duplicate names: the first wins.
    func decodeStringDictionary() throws -> [String: String] {
        guard document.tokens[index].kind == .object else { throw mismatch([String: String].self, "an object") }
        let count = Int(document.tokens[index].count)
        var result: [String: String] = [:]
        result.reserveCapacity(count)
        var token = index + 1
        for _ in 0..<count {
            let value = token + 1
            switch document.tokens[value].kind {
            case .plainString, .escapedString:
                let name = document.string(at: token)
                if result[name] == nil { result[name] = document.string(at: value) }
            default:
                let key = DictionaryKey(document.string(at: token))
                throw JSONTokenDecoder(document: document, index: value, path: CodingPathNode(parent: path, key: key))
                    .mismatch(String.self, "a string")
            }
            token = document.next(after: value)
        }
        return result
    }

    /// `[String]` without the generic array decoding.
    func decodeStringArray() throws -> [String] {
        guard document.tokens[index].kind == .array else { throw mismatch([String].self, "an array") }
        let count = Int(document.tokens[index].count)
        var result: [String] = []
        result.reserveCapacity(count)
        var token = index + 1
        for position in 0..<count {
            switch document.tokens[token].kind {
            case .plainString, .escapedString:
                result.append(document.string(at: token))
            default:
                throw JSONTokenDecoder(
                    document: document,
                    index: token,
                    path: CodingPathNode(parent: path, key: ElementKey(position))
                )
                .mismatch(String.self, "a string")
            }
            token = document.next(after: token)
        }
        return result
    }

    func decodeString() throws -> String {
        switch document.tokens[index].kind {
        case .plainString, .escapedString: return document.string(at: index)
        default: throw mismatch(String.self, "a string")
        }
    }

    func decodeBool() throws -> Bool {
        switch document.tokens[index].kind {
        case .trueValue: return true
        case .falseValue: return false
        default: throw mismatch(Bool.self, "a boolean")
        }
    }

    func decodeDouble() throws -> Double {
        guard document.tokens[index].kind == .number else { throw mismatch(Double.self, "a number") }
        guard let value = document.double(at: index) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: codingPath,
                    debugDescription: "the number \(document.numberText(at: index)) is out of range"
                )
            )
        }
        return value
    }

    func decodeInteger<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard document.tokens[index].kind == .number else { throw mismatch(type, "an integer") }
        if I.isSigned {
            if let value = document.integer(at: index), let exact = I(exactly: value) { return exact }
        } else if let value = document.unsignedInteger(at: index), let exact = I(exactly: value) {
            return exact
        }
        // 1.0 or 1e3 still name an integer; anything else does not fit.
        if let double = document.double(at: index), let exact = I(exactly: double) { return exact }
        throw DecodingError.dataCorrupted(
            .init(
                codingPath: codingPath,
                debugDescription: "the number \(document.numberText(at: index)) does not fit in \(I.self)"
            )
        )
    }

    func decodeFloat() throws -> Float {
        let value = try decodeDouble()
        guard let float = Float(exactly: value) ?? (value.isFinite ? Float(value) : nil) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "does not fit in Float"))
        }
        return float
    }
}

/// An object's members, looked up by key.
final class JSONKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let document: JSONDocument
    let path: CodingPathNode?
    var codingPath: [any CodingKey] { CodingPathNode.path(path) }
    /// Token indices of the member names, in document order.
    private let names: [Int]
    /// Whether two members share a name. Then every lookup scans from the start, so the first one wins, as in
    /// Foundation's `JSONDecoder`: a document must mean the same to both.
    private let hasDuplicateNames: Bool
    /// Where the last lookup found its member: the next starts just after it. Synthesised `init(from:)` asks for
    /// keys in declaration order, usually the order AWS sends, so most lookups succeed at the first comparison.
    /// (Unchecked exclusivity: the container is used by one decoding call on one thread; the dynamic check cost
    /// more than the lookup.)
    @exclusivity(unchecked) private var cursor = 0

    /// Objects with more members than this are checked for duplicate names with a set, not pairwise.
    private static var pairwiseLimit: Int { 32 }

    init(document: JSONDocument, object: Int, path: CodingPathNode?) {
        self.document = document
        self.path = path
        let count = Int(document.tokens[object].count)
        var names: [Int] = []
        names.reserveCapacity(count)
        var token = object + 1
        for _ in 0..<count {
            names.append(token)
            token = document.next(after: token + 1)
        }
        self.names = names
        self.hasDuplicateNames = Self.containsDuplicates(names, in: document)
    }

    private static func containsDuplicates(_ names: [Int], in document: JSONDocument) -> Bool {
        guard names.count > 1 else { return false }
        if names.count > pairwiseLimit {
            var seen = Set<String>()
            for name in names where !seen.insert(document.string(at: name)).inserted { return true }
            return false
        }
        for (index, first) in names.enumerated() {
            let token = document.tokens[first]
            let length = token.end - token.start
            for second in names[(index + 1)...] {
                let other = document.tokens[second]
                guard other.end - other.start == length else { continue }
                if document.sameString(first, second) { return true }
            }
        }
        return false
    }

    var allKeys: [Key] {
        names.compactMap { Key(stringValue: document.string(at: $0)) }
    }

    /// The token index of `key`'s value, or `nil` when the object has no such member. With duplicate names the
    /// first one wins, as in Foundation's `JSONDecoder` (so both read a document alike).
    @inline(__always)
    private func valueIndex(_ key: Key) -> Int? {
        let name = key.stringValue
        let count = names.count
        guard count > 0 else { return nil }
        if hasDuplicateNames {
            for position in 0..<count where document.string(at: names[position], equals: name) {
                return names[position] + 1
            }
            return nil
        }
        var position = cursor
        for _ in 0..<count {
            if position == count { position = 0 }
            if document.string(at: names[position], equals: name) {
                cursor = position + 1
                return names[position] + 1
            }
            position += 1
        }
        return nil
    }

    private func missing(_ key: Key) -> DecodingError {
        .keyNotFound(
            key,
            .init(codingPath: codingPath, debugDescription: "required key \"\(key.stringValue)\" is missing")
        )
    }

    @inline(__always)
    private func decoder(for key: Key) throws -> JSONTokenDecoder {
        guard let index = valueIndex(key) else { throw missing(key) }
        return JSONTokenDecoder(document: document, index: index, path: CodingPathNode(parent: path, key: key))
    }

    /// The decoder for a scalar member: no path node is built unless decoding fails.
    @inline(__always)
    private func scalar<T>(_ key: Key, _ body: (JSONTokenDecoder) throws -> T) throws -> T {
        guard let index = valueIndex(key) else { throw missing(key) }
        return try scalar(at: index, key, body)
    }

    @inline(__always)
    private func scalar<T>(at index: Int, _ key: Key, _ body: (JSONTokenDecoder) throws -> T) throws -> T {
        do {
            return try body(JSONTokenDecoder(document: document, index: index, path: path))
        } catch {
            // Redo it with the member's own path, for the message.
            return try body(
                JSONTokenDecoder(document: document, index: index, path: CodingPathNode(parent: path, key: key))
            )
        }
    }

    func contains(_ key: Key) -> Bool { valueIndex(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let index = valueIndex(key) else { throw missing(key) }
        return document.tokens[index].kind == .null
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try scalar(key) { try $0.decodeBool() } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try scalar(key) { try $0.decodeString() } }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try scalar(key) { try $0.decodeDouble() } }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try scalar(key) { try $0.decodeFloat() } }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try scalar(key) { try $0.decodeInteger(type) } }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try scalar(key) { try $0.decodeInteger(type) } }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try scalar(key) { try $0.decodeInteger(type) } }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try scalar(key) { try $0.decodeInteger(type) } }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try scalar(key) { try $0.decodeInteger(type) } }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try scalar(key) { try $0.decodeInteger(type) } }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try scalar(key) { try $0.decodeInteger(type) } }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
        try scalar(key) { try $0.decodeInteger(type) }
    }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
        try scalar(key) { try $0.decodeInteger(type) }
    }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
        try scalar(key) { try $0.decodeInteger(type) }
    }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder(for: key).unbox(type) }

    /// One lookup for "absent or null means nil", instead of the default's three.
    @inline(__always)
    private func present(_ key: Key) -> Int? {
        guard let index = valueIndex(key), document.tokens[index].kind != .null else { return nil }
        return index
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let index = present(key) else { return nil }
        return try scalar(at: index, key) { try $0.decodeString() }
    }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        guard let index = present(key) else { return nil }
        return try scalar(at: index, key) { try $0.decodeBool() }
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        guard let index = present(key) else { return nil }
        return try scalar(at: index, key) { try $0.decodeInteger(type) }
    }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        guard let index = present(key) else { return nil }
        return try scalar(at: index, key) { try $0.decodeInteger(type) }
    }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
        guard let index = present(key) else { return nil }
        return try scalar(at: index, key) { try $0.decodeInteger(type) }
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        guard let index = present(key) else { return nil }
        return try scalar(at: index, key) { try $0.decodeDouble() }
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let index = present(key) else { return nil }
        return try JSONTokenDecoder(document: document, index: index, path: CodingPathNode(parent: path, key: key))
            .unbox(type)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(for: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        try decoder(for: Key(stringValue: "super")!)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try decoder(for: key)
    }
}

/// An array's elements, in order.
struct JSONUnkeyedContainer: UnkeyedDecodingContainer {
    let document: JSONDocument
    let path: CodingPathNode?
    var codingPath: [any CodingKey] { CodingPathNode.path(path) }
    let count: Int?
    private(set) var currentIndex = 0
    private var token: Int

    init(document: JSONDocument, array: Int, path: CodingPathNode?) {
        self.document = document
        self.path = path
        self.count = Int(document.tokens[array].count)
        self.token = array + 1
    }

    var isAtEnd: Bool { currentIndex >= count! }

    private mutating func nextDecoder(_ type: Any.Type) throws -> JSONTokenDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type,
                .init(
                    codingPath: codingPath + [ElementKey(currentIndex)],
                    debugDescription: "the array has only \(count!) elements"
                )
            )
        }
        let decoder = JSONTokenDecoder(
            document: document,
            index: token,
            path: CodingPathNode(parent: path, key: ElementKey(currentIndex))
        )
        token = document.next(after: token)
        currentIndex += 1
        return decoder
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if document.tokens[token].kind == .null {
            token += 1
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try nextDecoder(type).decodeBool() }
    mutating func decode(_ type: String.Type) throws -> String { try nextDecoder(type).decodeString() }
    mutating func decode(_ type: Double.Type) throws -> Double { try nextDecoder(type).decodeDouble() }
    mutating func decode(_ type: Float.Type) throws -> Float { try nextDecoder(type).decodeFloat() }
    mutating func decode(_ type: Int.Type) throws -> Int { try nextDecoder(type).decodeInteger(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try nextDecoder(type).decodeInteger(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try nextDecoder(type).decodeInteger(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try nextDecoder(type).decodeInteger(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try nextDecoder(type).decodeInteger(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try nextDecoder(type).decodeInteger(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try nextDecoder(type).decodeInteger(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try nextDecoder(type).decodeInteger(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try nextDecoder(type).decodeInteger(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try nextDecoder(type).decodeInteger(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try nextDecoder(type).unbox(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try nextDecoder([String: Any].self).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try nextDecoder([Any].self).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        try nextDecoder(Any.self)
    }
}

/// A single value.
struct JSONSingleValueContainer: SingleValueDecodingContainer {
    let decoder: JSONTokenDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.document.tokens[decoder.index].kind == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodeBool() }
    func decode(_ type: String.Type) throws -> String { try decoder.decodeString() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.decodeDouble() }
    func decode(_ type: Float.Type) throws -> Float { try decoder.decodeFloat() }
    func decode(_ type: Int.Type) throws -> Int { try decoder.decodeInteger(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.decodeInteger(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.decodeInteger(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.decodeInteger(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.decodeInteger(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.decodeInteger(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.unbox(type) }
}

/// The coding key of a dictionary member, for error paths.
struct DictionaryKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { self.stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The coding key of an array element: its index.
struct ElementKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue!)" }

    init(_ index: Int) { self.intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}
