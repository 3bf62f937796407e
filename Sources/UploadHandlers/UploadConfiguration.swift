import CognitoAuth
import LambdaRuntime
import S3Presigning

/// A configuration variable with a value the handlers cannot use. Thrown at init, so Lambda reports it as an init
/// error and no request is ever served with a half-read configuration.
public struct ConfigurationError: Error, Sendable, Equatable, LambdaReportableError, CustomStringConvertible {
    /// The environment variable to fix.
    public let variable: String
    /// What is wrong with the value and how to fix it, e.g. `is not set; set it to the upload bucket's name`.
    public let message: String

    /// Creates an error about one variable.
    /// - Parameters:
    ///   - variable: The environment variable's name.
    ///   - message: What is wrong with its value and how to fix it.
    public init(_ variable: String, _ message: String) {
        self.variable = variable
        self.message = message
    }

    /// The error type Lambda reports for an init failure: always `Configuration.Invalid`.
    public var errorType: String { "Configuration.Invalid" }
    /// The variable and the problem, as `VARIABLE: message`.
    public var errorMessage: String { "\(variable): \(message)" }
    /// The same text as ``errorMessage``.
    public var description: String { errorMessage }
}

/// Reads environment variables, each failure naming its variable.
public struct EnvironmentReader: Sendable {
    private let lookup: @Sendable (String) -> String?

    /// The process environment.
    public init() {
        lookup = { ProcessEnvironment.value($0) }
    }

    /// A fixed set, for tests and the CLI.
    public init(_ values: [String: String]) {
        lookup = { values[$0] }
    }

    /// The value, trimmed; `nil` when unset or blank.
    public func string(_ name: String) -> String? {
        guard let raw = lookup(name) else { return nil }
        let trimmed = raw.trimmingASCIISpaces()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The value of a variable that must be set, trimmed.
    /// - Parameters:
    ///   - name: The environment variable.
    ///   - what: What it should be set to, for the error message.
    /// - Throws: ``ConfigurationError`` when the variable is unset or blank.
    public func required(_ name: String, _ what: String) throws(ConfigurationError) -> String {
        guard let value = string(name) else { throw ConfigurationError(name, "is not set; set it to \(what)") }
        return value
    }

    /// A whole number in `range`, or `value` when the variable is unset or blank.
    /// - Parameters:
    ///   - name: The environment variable.
    ///   - value: The default for an unset or blank variable.
    ///   - range: The values accepted.
    /// - Throws: ``ConfigurationError`` when the value is not a whole number or falls outside `range`.
    public func integer(
        _ name: String,
        default value: Int64,
        in range: ClosedRange<Int64>
    ) throws(ConfigurationError) -> Int64 {
        guard let text = string(name) else { return value }
        guard let number = Int64(text), range.contains(number) else {
            throw ConfigurationError(
                name,
                "is \"\(text)\"; it must be a whole number from \(range.lowerBound) to \(range.upperBound)"
            )
        }
        return number
    }

    /// A flag written `true`/`1`/`yes` or `false`/`0`/`no` (any case), or `value` when unset or blank.
    /// - Parameters:
    ///   - name: The environment variable.
    ///   - value: The default for an unset or blank variable.
    /// - Throws: ``ConfigurationError`` for any other text.
    public func boolean(_ name: String, default value: Bool) throws(ConfigurationError) -> Bool {
        guard let text = string(name) else { return value }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw ConfigurationError(name, "is \"\(text)\"; it must be true or false")
        }
    }

    /// A comma-separated list, blanks dropped.
    public func list(_ name: String) -> [String]? {
        string(name).map { $0.split(separator: ",").map { String($0).trimmingASCIISpaces() }.filter { !$0.isEmpty } }
    }
}

/// The limits an upload is held to, shared by `presign` (which enforces them) and `pretoken` (which writes them into
/// the user's tokens).
public struct UploadLimits: Sendable, Equatable {
    /// S3's largest single PUT or POST.
    public static let s3SingleUploadMax: Int64 = 5 * 1024 * 1024 * 1024
    /// S3's largest object, which only a multipart upload can make.
    public static let s3ObjectMax: Int64 = 5 * 1024 * 1024 * 1024 * 1024

    /// `UPLOAD_KEY_PREFIX`, ending in `/` (or empty): keys are `{prefix}{sub}/{uuid}/{filename}`.
    public var keyPrefix: String
    /// `UPLOAD_MAX_BYTES`: the limit for users in no group of `groupLimits`.
    public var maxBytes: Int64
    /// `UPLOAD_GROUP_LIMITS`: per-group limits, `pro=104857600,free=10485760`; a user in several gets the largest.
    public var groupLimits: [String: Int64]

    /// Limits given directly, by default a 10 MiB upload under `uploads/` with no group limits.
    public init(keyPrefix: String = "uploads/", maxBytes: Int64 = 10_485_760, groupLimits: [String: Int64] = [:]) {
        self.keyPrefix = keyPrefix
        self.maxBytes = maxBytes
        self.groupLimits = groupLimits
    }

    /// Reads `UPLOAD_KEY_PREFIX` (default `uploads/`), `UPLOAD_MAX_BYTES` (default 10485760) and `UPLOAD_GROUP_LIMITS`.
    /// - Throws: ``ConfigurationError`` for a prefix that is not a safe relative key prefix ending in `/`, or a limit
    ///   that is not a whole number from 1 to ``s3ObjectMax``.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let prefix = environment.string("UPLOAD_KEY_PREFIX") ?? "uploads/"
        try Self.validatePrefix(prefix)
        self.keyPrefix = prefix
        self.maxBytes = try environment.integer("UPLOAD_MAX_BYTES", default: 10_485_760, in: 1...Self.s3ObjectMax)
        var limits: [String: Int64] = [:]
        for entry in environment.list("UPLOAD_GROUP_LIMITS") ?? [] {
            let parts = entry.split(separator: "=", maxSplits: 1).map { String($0).trimmingASCIISpaces() }
            guard parts.count == 2, !parts[0].isEmpty, let bytes = Int64(parts[1]),
                (1...Self.s3ObjectMax).contains(bytes)
            else {
                throw ConfigurationError(
                    "UPLOAD_GROUP_LIMITS",
                    "has \"\(entry)\"; write group=bytes pairs separated by commas, e.g. pro=104857600,free=10485760, "
                        + "each limit from 1 to \(Self.s3ObjectMax)"
                )
            }
            limits[parts[0]] = bytes
        }
        self.groupLimits = limits
    }

    static func validatePrefix(_ prefix: String) throws(ConfigurationError) {
        guard prefix.isEmpty || prefix.hasSuffix("/") else {
            throw ConfigurationError("UPLOAD_KEY_PREFIX", "is \"\(prefix)\"; it must end with / (e.g. uploads/)")
        }
        guard !prefix.hasPrefix("/"), !prefix.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }),
            !prefix.contains("//"), prefix.utf8.count <= 256,
            prefix.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        else {
            throw ConfigurationError(
                "UPLOAD_KEY_PREFIX",
                "is \"\(prefix)\"; it must be a relative S3 key prefix without empty, . or .. segments or control characters"
            )
        }
    }

    /// The limit for a user in `groups`: the largest of their groups' limits, or `maxBytes` when none has one.
    public func maxBytes(forGroups groups: [String]) -> Int64 {
        groups.compactMap { groupLimits[$0] }.max() ?? maxBytes
    }

    /// The user's prefix: `{keyPrefix}{sub}/`.
    public func userPrefix(subject: String) -> String { keyPrefix + subject + "/" }
}

/// Everything `presign` needs, read from the environment at init.
public struct PresignConfiguration: Sendable {
    /// `UPLOAD_BUCKET`: the bucket uploads go to.
    public var bucket: String
    /// `AWS_REGION`: the bucket's region, which URLs are signed for.
    public var region: String
    /// The key prefix and size limits uploads are held to.
    public var limits: UploadLimits
    /// `UPLOAD_ALLOWED_TYPES`: media types, or `type/*`, lowercased.
    public var allowedTypes: [String]
    /// `UPLOAD_EXPIRES_SECONDS`: how long a presigned URL stays valid, 1 s to 7 days (default 300).
    public var expiresSeconds: Int
    /// `UPLOAD_KMS_KEY_ID`: the KMS key uploads are encrypted with; `nil` uses the bucket's default encryption.
    public var kmsKeyID: String?
    /// `UPLOAD_REQUIRED_GROUP`: the Cognito group a user must be in to upload; `nil` lets any signed-in user.
    public var requiredGroup: String?
    /// `CORS_ALLOW_ORIGIN`: `*`, or the allowed origins; unset sends no CORS headers.
    public var corsAllowOrigins: [String]
    /// The S3 endpoint URLs are signed for: `S3_ENDPOINT`, or AWS S3 in `AWS_REGION`, path-style with
    /// `S3_FORCE_PATH_STYLE` or Transfer Acceleration with `UPLOAD_ACCELERATE`.
    public var endpoint: S3Endpoint
    /// `UPLOAD_PUBLIC_ENDPOINT`: where clients send upload bytes instead of the S3 endpoint, e.g.
    /// `https://uploads.example.com/upload` (CloudFront, which forwards to the endpoint with the origin's `Host`).
    /// URLs are still signed for the S3 endpoint; only their scheme and authority are replaced, and this path put in
    /// front of theirs. `nil`: straight to S3.
    public var publicEndpoint: String?
    /// How large uploads are split into parts.
    public var multipart: MultipartConfiguration

    /// The types allowed when `UPLOAD_ALLOWED_TYPES` is unset: JPEG, PNG, GIF, WebP and PDF.
    public static let defaultAllowedTypes = ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"]

    /// Creates a configuration from values, with the same defaults as the environment.
    public init(
        bucket: String,
        region: String,
        limits: UploadLimits = .init(),
        allowedTypes: [String] = defaultAllowedTypes,
        expiresSeconds: Int = 300,
        kmsKeyID: String? = nil,
        requiredGroup: String? = nil,
        corsAllowOrigins: [String] = [],
        endpoint: S3Endpoint,
        publicEndpoint: String? = nil,
        multipart: MultipartConfiguration = .init()
    ) {
        self.bucket = bucket
        self.region = region
        self.limits = limits
        self.allowedTypes = allowedTypes
        self.expiresSeconds = expiresSeconds
        self.kmsKeyID = kmsKeyID
        self.requiredGroup = requiredGroup
        self.corsAllowOrigins = corsAllowOrigins
        self.endpoint = endpoint
        self.publicEndpoint = publicEndpoint
        self.multipart = multipart
    }

    /// Reads every `presign` variable: `UPLOAD_BUCKET` and `AWS_REGION` (required), the limits, the allowed types, the
    /// expiry (default 300 s), KMS, group, CORS, endpoint and multipart settings.
    /// - Throws: ``ConfigurationError`` naming the first variable that is missing or has a value it cannot use.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        bucket = try environment.required("UPLOAD_BUCKET", "the name of the bucket uploads go to")
        do {
            try S3Names.validateBucket(bucket)
        } catch {
            throw ConfigurationError("UPLOAD_BUCKET", error.message)
        }
        region = try environment.required("AWS_REGION", "the bucket's region, e.g. eu-west-1 (Lambda sets it)")
        limits = try UploadLimits(environment: environment)
        let types = environment.list("UPLOAD_ALLOWED_TYPES") ?? Self.defaultAllowedTypes
        allowedTypes = []
        for type in types {
            let lowered = type.lowercased()
            guard MediaType.isValid(lowered, allowWildcardSubtype: true) else {
                throw ConfigurationError(
                    "UPLOAD_ALLOWED_TYPES",
                    "has \"\(type)\", which is not a media type; list types such as image/png or image/*, comma-separated"
                )
            }
            allowedTypes.append(lowered)
        }
        guard !allowedTypes.isEmpty else {
            throw ConfigurationError("UPLOAD_ALLOWED_TYPES", "lists no media type; list at least one, e.g. image/png")
        }
        // SigV4 presigned URLs live at most 7 days.
        expiresSeconds = Int(try environment.integer("UPLOAD_EXPIRES_SECONDS", default: 300, in: 1...604_800))
        kmsKeyID = environment.string("UPLOAD_KMS_KEY_ID")
        requiredGroup = environment.string("UPLOAD_REQUIRED_GROUP")
        corsAllowOrigins = environment.list("CORS_ALLOW_ORIGIN") ?? []
        for origin in corsAllowOrigins where origin != "*" {
            guard origin.hasPrefix("https://") || origin.hasPrefix("http://"), !origin.hasSuffix("/") else {
                throw ConfigurationError(
                    "CORS_ALLOW_ORIGIN",
                    "has \"\(origin)\"; an origin is scheme://host[:port] with no path (or * for any)"
                )
            }
        }

        publicEndpoint = try Self.publicEndpoint(environment)
        multipart = try MultipartConfiguration(environment: environment)

        let accelerate = try environment.boolean("UPLOAD_ACCELERATE", default: false)
        let forcePathStyle = try environment.boolean("S3_FORCE_PATH_STYLE", default: false)
        if let custom = environment.string("S3_ENDPOINT") {
            guard !accelerate else {
                throw ConfigurationError(
                    "UPLOAD_ACCELERATE",
                    "is true while S3_ENDPOINT is set; a custom S3 has no accelerate endpoint"
                )
            }
            do {
                endpoint = try S3Endpoint.custom(custom, region: region)
            } catch {
                throw ConfigurationError("S3_ENDPOINT", error.message)
            }
        } else {
            let style: S3Endpoint.Style =
                accelerate ? .accelerate(dualStack: false) : forcePathStyle ? .pathStyle : .virtualHosted
            do {
                endpoint = try S3Endpoint(region: region, style: style)
            } catch {
                throw ConfigurationError("AWS_REGION", error.message)
            }
            if accelerate, bucket.contains(".") {
                throw ConfigurationError(
                    "UPLOAD_ACCELERATE",
                    "is true, but bucket \(bucket) has dots, which Transfer Acceleration does not allow"
                )
            }
        }
    }

    static func publicEndpoint(_ environment: EnvironmentReader) throws(ConfigurationError) -> String? {
        guard var url = environment.string("UPLOAD_PUBLIC_ENDPOINT") else { return nil }
        while url.hasSuffix("/") { url.removeLast() }
        let parts = url.split(separator: "://", maxSplits: 1)
        guard parts.count == 2,
            parts[0] == "https" || url.hasPrefix("http://127.0.0.1:") || url.hasPrefix("http://localhost:"),
            let authority = parts[1].split(separator: "/").first, !authority.isEmpty,
            !url.contains("?"), !url.contains("#"), !authority.contains("@"),
            url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else {
            throw ConfigurationError(
                "UPLOAD_PUBLIC_ENDPOINT",
                "is \"\(url)\"; it must be an https:// URL with an optional path and no query, such as "
                    + "https://uploads.example.com/upload (http:// only on 127.0.0.1 or localhost)"
            )
        }
        return url
    }

    /// Whether `type` (already lowercased) is allowed: listed exactly, or its top-level type listed as `type/*`.
    public func allows(_ type: String) -> Bool {
        allowedTypes.contains { allowed in
            if allowed.hasSuffix("/*") { return type.hasPrefix(allowed.dropLast()) }
            return allowed == type
        }
    }
}

/// How `presign` plans multipart uploads.
public struct MultipartConfiguration: Sendable, Equatable {
    /// `UPLOAD_PART_BYTES`: the part size, raised for files that would otherwise need more than 10,000 parts.
    public var partBytes: Int64
    /// `UPLOAD_MULTIPART_THRESHOLD`: the size from which clients should upload in parts (advertised, not enforced:
    /// only files over 5 GiB must).
    public var threshold: Int64
    /// `UPLOAD_MULTIPART_EXPIRES_SECONDS`: how long a session may sign parts and complete.
    public var expiresSeconds: Int64

    /// S3's smallest part, 5 MiB, for every part but the last.
    public static let minimumPartBytes: Int64 = 5 * 1024 * 1024
    /// S3's largest part, 5 GiB.
    public static let maximumPartBytes: Int64 = 5 * 1024 * 1024 * 1024
    /// S3's part numbers run 1 to 10,000.
    public static let maximumParts: Int64 = 10_000
    /// At most this many part URLs in one call.
    public static let maximumPartsPerCall = 100

    /// Creates a multipart plan from values, with the same defaults as the environment.
    public init(
        partBytes: Int64 = 8 * 1024 * 1024,
        threshold: Int64 = 64 * 1024 * 1024,
        expiresSeconds: Int64 = 86_400
    ) {
        self.partBytes = partBytes
        self.threshold = threshold
        self.expiresSeconds = expiresSeconds
    }

    /// Reads `UPLOAD_PART_BYTES` (default 8 MiB), `UPLOAD_MULTIPART_THRESHOLD` (default 64 MiB) and
    /// `UPLOAD_MULTIPART_EXPIRES_SECONDS` (default 86400).
    /// - Throws: ``ConfigurationError`` for a value that is not a whole number in its allowed range.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        partBytes = try environment.integer(
            "UPLOAD_PART_BYTES",
            default: 8 * 1024 * 1024,
            in: Self.minimumPartBytes...Self.maximumPartBytes
        )
        threshold = try environment.integer(
            "UPLOAD_MULTIPART_THRESHOLD",
            default: 64 * 1024 * 1024,
            in: 1...UploadLimits.s3SingleUploadMax
        )
        // SigV4 presigned URLs live at most 7 days, and no session should outlive them by much.
        expiresSeconds = try environment.integer("UPLOAD_MULTIPART_EXPIRES_SECONDS", default: 86_400, in: 60...604_800)
    }

    /// The part size for an object of `size` bytes: `partBytes`, raised (to a whole MiB) so that at most 10,000
    /// parts are needed.
    public func partSize(forObjectOf size: Int64) -> Int64 {
        guard size > partBytes * Self.maximumParts else { return partBytes }
        let mebibyte: Int64 = 1024 * 1024
        let needed = (size + Self.maximumParts - 1) / Self.maximumParts
        return min((needed + mebibyte - 1) / mebibyte * mebibyte, Self.maximumPartBytes)
    }
}

extension UploadSessionSealer {
    /// From `UPLOAD_SESSION_KEY` (and `UPLOAD_SESSION_KEY_PREVIOUS` during a rotation); `nil` when unset, which
    /// turns multipart uploads off. The keys are used as their UTF-8 bytes and never logged.
    public init?(environment: EnvironmentReader) throws(ConfigurationError) {
        guard let key = environment.string("UPLOAD_SESSION_KEY") else { return nil }
        try self.init(
            key: Array(key.utf8),
            previousKey: environment.string("UPLOAD_SESSION_KEY_PREVIOUS").map { Array($0.utf8) }
        )
    }
}

extension CognitoVerifierConfiguration {
    /// From `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_IDS`, `COGNITO_TOKEN_USE`, `COGNITO_ISSUER`, `COGNITO_JWKS_URL`,
    /// `JWT_CLOCK_SKEW_SECONDS` and `UPLOAD_REQUIRED_GROUP`.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let issuer: String
        if let configured = environment.string("COGNITO_ISSUER") {
            guard configured.hasPrefix("https://") || Self.isLoopback(configured) else {
                throw ConfigurationError("COGNITO_ISSUER", "is \"\(configured)\"; it must be an https:// URL")
            }
            issuer = configured
        } else {
            let pool = try environment.required(
                "COGNITO_USER_POOL_ID",
                "the user pool id, e.g. eu-west-1_AbCdEf123 (or set COGNITO_ISSUER)"
            )
            guard let derived = Self.issuer(userPoolID: pool) else {
                throw ConfigurationError(
                    "COGNITO_USER_POOL_ID",
                    "is \"\(pool)\"; a user pool id looks like eu-west-1_AbCdEf123"
                )
            }
            issuer = derived
        }
        let clients = environment.list("COGNITO_CLIENT_IDS") ?? []
        guard !clients.isEmpty else {
            throw ConfigurationError(
                "COGNITO_CLIENT_IDS",
                "is not set; set it to the app client ids whose tokens are accepted, comma-separated"
            )
        }
        let tokenUse: TokenUse
        switch environment.string("COGNITO_TOKEN_USE")?.lowercased() ?? "any" {
        case "id": tokenUse = .id
        case "access": tokenUse = .access
        case "any": tokenUse = .any
        case let other: throw ConfigurationError("COGNITO_TOKEN_USE", "is \"\(other)\"; it must be id, access or any")
        }
        let jwksURL = environment.string("COGNITO_JWKS_URL")
        if let jwksURL, !(jwksURL.hasPrefix("https://") || Self.isLoopback(jwksURL)) {
            throw ConfigurationError(
                "COGNITO_JWKS_URL",
                "is \"\(jwksURL)\"; keys are only fetched over https:// (http:// only from 127.0.0.1 or localhost)"
            )
        }
        self.init(
            issuer: issuer,
            jwksURL: jwksURL,
            clientIDs: Set(clients),
            tokenUse: tokenUse,
            clockSkewSeconds: try environment.integer("JWT_CLOCK_SKEW_SECONDS", default: 0, in: 0...300),
            requiredGroup: environment.string("UPLOAD_REQUIRED_GROUP")
        )
    }

    /// `http://127.0.0.1…` or `http://localhost…`: local test servers.
    static func isLoopback(_ url: String) -> Bool {
        ["http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/"].contains {
            url.hasPrefix($0)
        }
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !Self.isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !Self.isSpace($0) })!
        return String(scalars[first...last])
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }
}
