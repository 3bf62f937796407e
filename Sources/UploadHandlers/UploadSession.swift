import Crypto
import LambdaCodable
import LambdaRuntime

/// A multipart upload's plan, as `presign` decided it when the upload was created: the values no later call may
/// take from the client.
public struct UploadSession: Sendable, Equatable {
    /// The object's key, under the creator's prefix.
    public var key: String
    /// S3's ID for the multipart upload.
    public var uploadID: String
    /// The object's size in bytes.
    public var size: Int64
    /// The size of every part but the last, in bytes.
    public var partSize: Int64
    /// The `sub` of the user who created it.
    public var owner: String
    /// The media type the object is created with.
    public var contentType: String
    /// Seconds since the Unix epoch after which no part is signed and the upload is not completed.
    public var expiresAt: Int64

    /// Creates a plan from its values.
    public init(
        key: String,
        uploadID: String,
        size: Int64,
        partSize: Int64,
        owner: String,
        contentType: String,
        expiresAt: Int64
    ) {
        self.key = key
        self.uploadID = uploadID
        self.size = size
        self.partSize = partSize
        self.owner = owner
        self.contentType = contentType
        self.expiresAt = expiresAt
    }

    /// How many parts the plan has: every one `partSize` bytes but the last.
    public var partCount: Int { Int((size + partSize - 1) / partSize) }

    /// The planned size of part `number` (1-based).
    public func size(ofPart number: Int) -> Int64 {
        number < partCount ? partSize : size - Int64(partCount - 1) * partSize
    }
}

/// Seals an `UploadSession` into the opaque `session` string the client carries, and opens it again.
///
/// The string is `v1.{payload}.{mac}`: the payload is the session as JSON, and the MAC is HMAC-SHA256 over the
/// version and payload with the stack's session key (`UPLOAD_SESSION_KEY`), both base64url. A client can read its
/// own plan but not change one bit of it. During a rotation the previous key (`UPLOAD_SESSION_KEY_PREVIOUS`) still
/// opens sessions; new ones are always sealed with the current key.
public struct UploadSessionSealer: Sendable {
    private let current: SymmetricKey
    private let previous: SymmetricKey?
    static let version = "v1"
    /// The shortest key accepted: 256 bits.
    public static let minimumKeyBytes = 32
    /// The longest `session` string opened; a real one is a few hundred bytes.
    static let maximumSealedBytes = 4096

    /// A sealer with the current key and, during a rotation, the previous one.
    /// - Parameters:
    ///   - key: `UPLOAD_SESSION_KEY`, which seals and opens sessions.
    ///   - previousKey: `UPLOAD_SESSION_KEY_PREVIOUS`, which only opens them; `nil` outside a rotation.
    /// - Throws: ``ConfigurationError`` when a key is shorter than ``minimumKeyBytes``.
    public init(key: [UInt8], previousKey: [UInt8]? = nil) throws(ConfigurationError) {
        guard key.count >= Self.minimumKeyBytes else {
            throw ConfigurationError(
                "UPLOAD_SESSION_KEY",
                "is \(key.count) bytes; it must be at least \(Self.minimumKeyBytes) random bytes (the template generates 64)"
            )
        }
        if let previousKey, previousKey.count < Self.minimumKeyBytes {
            throw ConfigurationError(
                "UPLOAD_SESSION_KEY_PREVIOUS",
                "is \(previousKey.count) bytes; it must be at least \(Self.minimumKeyBytes), or unset"
            )
        }
        current = SymmetricKey(data: key)
        previous = previousKey.map { SymmetricKey(data: $0) }
    }

    /// The `session` string for `session`, sealed with the current key.
    public func seal(_ session: UploadSession) -> String {
        let payload = Base64.encodeURL(Self.json(session))
        let signed = Self.version + "." + payload
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signed.utf8), using: current)
        return signed + "." + Base64.encodeURL(Array(mac))
    }

    /// The session inside `sealed`.
    /// - Throws: 403 for anything this stack did not seal, or sealed and then changed.
    public func open(_ sealed: String) throws(UploadAPIError) -> UploadSession {
        let forged = UploadAPIError(
            403,
            "Forbidden",
            "the session was not issued by this service or has been changed; start the upload again"
        )
        guard sealed.utf8.count <= Self.maximumSealedBytes else { throw forged }
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.version, let mac = Self.decodeBase64URL(parts[2]) else {
            throw forged
        }
        let signed = Array(sealed.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let valid = [current] + (previous.map { [$0] } ?? [])
        guard valid.contains(where: { HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: $0) })
        else { throw forged }
        guard let payload = Self.decodeBase64URL(parts[1]), let session = Self.session(fromJSON: payload) else {
            throw forged
        }
        return session
    }

    // MARK: - Encoding

    private struct Payload: Encodable {
        var key: String
        var uploadId: String
        var size: Int64
        var partSize: Int64
        var owner: String
        var contentType: String
        var expiresAt: Int64
    }

    static func json(_ session: UploadSession) -> [UInt8] {
        let payload = Payload(
            key: session.key,
            uploadId: session.uploadID,
            size: session.size,
            partSize: session.partSize,
            owner: session.owner,
            contentType: session.contentType,
            expiresAt: session.expiresAt
        )
        // Encoding a struct of strings and integers cannot fail.
        return (try? LambdaJSONEncoder().encode(payload)) ?? []
    }

    static func session(fromJSON bytes: [UInt8]) -> UploadSession? {
        guard case .object(let fields)? = try? JSONValue(parsing: bytes),
            case .string(let key)? = fields["key"], case .string(let uploadID)? = fields["uploadId"],
            case .integer(let size)? = fields["size"], case .integer(let partSize)? = fields["partSize"],
            case .string(let owner)? = fields["owner"], case .string(let contentType)? = fields["contentType"],
            case .integer(let expiresAt)? = fields["expiresAt"], size > 0, partSize > 0
        else { return nil }
        return UploadSession(
            key: key,
            uploadID: uploadID,
            size: size,
            partSize: partSize,
            owner: owner,
            contentType: contentType,
            expiresAt: expiresAt
        )
    }

    static func decodeBase64URL(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "/") }) else {
            return nil
        }
        var standard = String(
            text.map { character -> Character in
                switch character {
                case "-": "+"
                case "_": "/"
                default: character
                }
            }
        )
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Base64.decode(standard)
    }
}
