import Crypto

/// A request as SigV4 sees it: method, path, query and headers.
public struct SigningRequest: Sendable, Equatable {
    /// The HTTP method, exactly as it goes into the canonical request: `GET`, `PUT`, `POST`.
    public var method: String
    /// The path. With `CanonicalURIRule.s3` it is used as it goes on the wire (already percent-encoded, as
    /// `S3Endpoint` builds it); with `.generic` the signer percent-encodes it (and may normalise it).
    public var path: String
    /// Query parameters, not encoded: the signer encodes them.
    public var query: [QueryItem]
    /// Header fields in any case and order; `host` must be one of them.
    public var headers: [Header]

    /// One query parameter, unencoded; a name may repeat.
    public struct QueryItem: Sendable, Equatable {
        /// The parameter's name, unencoded.
        public var name: String
        /// The parameter's value, unencoded; it may be empty.
        public var value: String

        /// Creates the parameter `name=value` from unencoded text.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// One header field; a name may repeat, and the signer joins the values with commas.
    public struct Header: Sendable, Equatable {
        /// The field name, in any case.
        public var name: String
        /// The field value; the signer trims it and collapses inner whitespace for the canonical request.
        public var value: String

        /// Creates the field `name: value`.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Creates a request from its parts; see ``path`` for how the path must be encoded.
    public init(method: String, path: String, query: [QueryItem] = [], headers: [Header]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// The value of header `name` (any case), if present.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }
}

/// How the path becomes the canonical URI.
public enum CanonicalURIRule: Sendable, Equatable {
    /// S3: the path exactly as sent, encoded once (by `S3Endpoint`); `//`, `.` and `..` stay.
    case s3
    /// Other services: the path is percent-encoded again (AWS's "double encoding"), and `.`, `..` and repeated
    /// slashes are resolved when `normalizePath` is set. What the generic SigV4 test suites use.
    case generic(normalizePath: Bool)
}

/// What stands for the body in the canonical request.
public enum PayloadHash: Sendable, Equatable {
    /// `UNSIGNED-PAYLOAD`: presigned URLs, where the body is not known when signing.
    case unsigned
    /// The SHA-256 of the body, in lowercase hex.
    case sha256Hex(String)

    /// The hash of an empty body.
    public static let emptyBody = PayloadHash.sha256Hex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )

    var text: String {
        switch self {
        case .unsigned: "UNSIGNED-PAYLOAD"
        case .sha256Hex(let hex): hex
        }
    }
}

extension PayloadHash {
    /// The SHA-256 of a body that is signed with the request (`.emptyBody` for none).
    public static func sha256(of body: [UInt8]) -> PayloadHash {
        body.isEmpty ? .emptyBody : .sha256Hex(Hex.string(SHA256.hash(data: body)))
    }
}
