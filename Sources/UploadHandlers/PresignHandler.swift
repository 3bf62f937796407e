import CognitoAuth
import LambdaCodable
import LambdaEvents
import LambdaRuntime
import Logging
import S3
import S3Presigning
import SigV4

/// What a client asks for: `{"filename", "contentType", "size", "method"?, "checksumSHA256"?}`.
public struct UploadRequest: Sendable, Equatable {
    /// How the client will send the bytes: `method` in the request, `POST` when absent (any case accepted).
    public enum Method: String, Sendable {
        /// A browser form POST with a signed policy that holds the upload to its key, type and size.
        case post = "POST"
        /// A single presigned PUT with the headers the client must send exactly.
        case put = "PUT"
        /// In parts: `POST /uploads/multipart/parts` signs them, `…/complete` assembles the object.
        case multipart = "MULTIPART"
    }

    /// The client's name for the file; sanitised (paths and control characters dropped), it ends the key.
    public var filename: String
    /// Lowercased, without parameters.
    public var contentType: String
    /// The file's size in bytes, at least 1; it must not exceed the user's limit.
    public var size: Int64
    /// How the client will upload; ``Method/post`` when the request names none.
    public var method: Method
    /// The file's SHA-256 in standard base64 (44 characters), which S3 then checks the upload against; optional.
    public var checksumSHA256: String?

    /// The largest request body read.
    public static let maxBodyBytes = 16 * 1024

    /// Parses a request body, each problem a 400 that says which field to fix.
    public static func parse(_ body: [UInt8]?) throws(UploadAPIError) -> UploadRequest {
        guard let body, !body.isEmpty else {
            throw .badRequest(#"the body is empty; send JSON {"filename", "contentType", "size"}"#)
        }
        guard body.count <= maxBodyBytes else {
            throw .badRequest("the body is \(body.count) bytes; an upload request is at most \(maxBodyBytes)")
        }
        guard case .object(let fields)? = try? JSONValue(parsing: body) else {
            throw .badRequest(#"the body is not a JSON object; send {"filename", "contentType", "size"}"#)
        }
        func string(_ name: String, required: Bool) throws(UploadAPIError) -> String? {
            switch fields[name] {
            case .string(let value)?: return value
            case nil, .null?:
                guard !required else { throw .badRequest("\(name) is missing; it must be a string") }
                return nil
            default: throw .badRequest("\(name) must be a string")
            }
        }
        let filename = try string("filename", required: true)!
        let rawType = try string("contentType", required: true)!
        let contentType = rawType.trimmingASCIISpaces().lowercased()
        guard MediaType.isValid(contentType) else {
            throw .badRequest(
                "contentType \"\(rawType.prefix(80))\" is not a media type such as image/png (no parameters)"
            )
        }
        let size: Int64
        switch fields["size"] {
        case .integer(let value)?: size = value
        case .number(let value)? where value == value.rounded(.down) && abs(value) < 9e15: size = Int64(value)
        case nil, .null?: throw .badRequest("size is missing; it must be the file's size in bytes")
        default: throw .badRequest("size must be a whole number of bytes")
        }
        guard size >= 1 else { throw .badRequest("size is \(size); an upload has at least 1 byte") }
        let method: Method
        // ASCII case only: `uppercased()` would also turn "multıpart" (dotless ı) into MULTIPART.
        let rawMethod = try string("method", required: false)
        switch rawMethod.map({ $0.utf8.allSatisfy { $0 < 0x80 } ? $0.uppercased() : $0 }) {
        case nil, "POST": method = .post
        case "PUT": method = .put
        case "MULTIPART": method = .multipart
        case let other?: throw .badRequest("method \"\(other.prefix(20))\" is not POST, PUT or MULTIPART")
        }
        let checksum = try string("checksumSHA256", required: false)
        if let checksum {
            guard ChecksumText.isSHA256(checksum) else {
                throw .badRequest("checksumSHA256 must be the base64 (not hex) of the file's 32-byte SHA-256")
            }
            guard method == .put else {
                throw .badRequest(
                    "checksumSHA256 is only signed into PUT uploads (a MULTIPART upload sends one per part); "
                        + "send method PUT, or leave it out"
                )
            }
        }
        return UploadRequest(
            filename: filename,
            contentType: contentType,
            size: size,
            method: method,
            checksumSHA256: checksum
        )
    }
}

/// The answer: `{"method", "url", "fields" | "headers", "key", "expiresAt", "maxBytes"}`.
public struct UploadGrant: Sendable, Equatable, Encodable {
    /// The HTTP method the client must use: `POST` or `PUT`.
    public var method: String
    /// Where to send the upload: the bucket's URL for a POST, the object's presigned URL for a PUT.
    public var url: String
    /// POST: the form fields, in order; the file goes last.
    public var fields: [(name: String, value: String)]?
    /// PUT: the headers to send exactly.
    public var headers: [String: String]?
    /// The object's key, chosen by the server: `{prefix}{sub}/{uuid}/{filename}`.
    public var key: String
    /// RFC 3339, UTC.
    public var expiresAt: String
    /// The largest upload the grant allows, in bytes: the size the client asked for.
    public var maxBytes: Int64

    /// Whether two grants are the same, comparing POST fields in order.
    public static func == (lhs: UploadGrant, rhs: UploadGrant) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.fields?.map(\.name) == rhs.fields?.map(\.name)
            && lhs.fields?.map(\.value) == rhs.fields?.map(\.value) && lhs.headers == rhs.headers && lhs.key == rhs.key
            && lhs.expiresAt == rhs.expiresAt && lhs.maxBytes == rhs.maxBytes
    }

    private enum CodingKeys: String, CodingKey {
        case method, url, fields, headers, key, expiresAt, maxBytes
    }

    private struct FieldKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Writes the JSON answer, with `fields` as an object whose keys keep their order.
    /// - Throws: The encoder's error.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encode(url, forKey: .url)
        if let fields {
            var nested = container.nestedContainer(keyedBy: FieldKey.self, forKey: .fields)
            for field in fields { try nested.encode(field.value, forKey: FieldKey(stringValue: field.name)) }
        }
        try container.encodeIfPresent(headers, forKey: .headers)
        try container.encode(key, forKey: .key)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(maxBytes, forKey: .maxBytes)
    }
}

/// The `presign` handler: a signed-in user's request for an upload becomes a presigned POST form (the default) or
/// PUT URL for one object under their own prefix, of the type and at most the size they asked for, encrypted with
/// the configured KMS key, owned by them in its metadata, and usable for `UPLOAD_EXPIRES_SECONDS`.
///
/// The user comes from the request's authorizer (an HTTP API JWT authorizer, a REST Cognito authorizer, or the
/// `authorize` handler's context). With none, and when Cognito is configured, the handler verifies the request's
/// bearer token itself (a Function URL behind CloudFront). Everything else about the key is the server's choice.
public struct PresignHandler: LambdaHandler, Sendable {
    /// What the handler was configured with: bucket, limits, allowed types, expiry and endpoints.
    public let configuration: PresignConfiguration
    let presigner: S3Presigner
    private let verifier: CognitoJWTVerifier?
    private let cors: CORSPolicy
    let clock: @Sendable () -> Int64
    private let makeUUID: @Sendable () -> String
    /// Reads an upload's validation status for `GET /uploads/{key}`; `nil` answers 501.
    let statusSource: (any UploadStatusSource)?
    /// Seals multipart sessions; `nil` (no `UPLOAD_SESSION_KEY`) answers multipart requests 501.
    let sessionSealer: UploadSessionSealer?
    /// Creates, lists, completes and aborts multipart uploads; `nil` answers multipart requests 501.
    let multipartStore: (any MultipartStore)?
    /// The scheme and authority of the URLs the presigner makes, which `UPLOAD_PUBLIC_ENDPOINT` replaces.
    private let originBase: String

    /// - Parameters:
    ///   - configuration: The bucket, limits, types, encryption and endpoints uploads are held to.
    ///   - credentials: The credentials that sign the presigned requests.
    ///   - verifier: Verifies bearer tokens of requests that no authorizer vouched for; `nil` answers those 401.
    ///   - clock: Seconds since the Unix epoch.
    ///   - makeUUID: Makes the random segment of each upload's key.
    ///   - statusSource: Reads an upload's validation status for `GET /uploads/{key}`; `nil` answers 501.
    ///   - sessionSealer: Seals multipart sessions; `nil` answers multipart requests 501.
    ///   - multipartStore: Creates, lists, completes and aborts multipart uploads; `nil` answers them 501.
    public init(
        configuration: PresignConfiguration,
        credentials: AWSCredentials,
        verifier: CognitoJWTVerifier? = nil,
        clock: (@Sendable () -> Int64)? = nil,
        makeUUID: @escaping @Sendable () -> String = UploadKey.randomUUID,
        statusSource: (any UploadStatusSource)? = nil,
        sessionSealer: UploadSessionSealer? = nil,
        multipartStore: (any MultipartStore)? = nil
    ) throws(ConfigurationError) {
        self.configuration = configuration
        self.statusSource = statusSource
        self.sessionSealer = sessionSealer
        self.multipartStore = multipartStore
        do {
            presigner = try S3Presigner(credentials: credentials, endpoint: configuration.endpoint)
            originBase = try configuration.endpoint.location(bucket: configuration.bucket, key: "").base
        } catch {
            throw ConfigurationError("AWS_REGION", error.message)
        }
        self.verifier = verifier
        self.cors = CORSPolicy(allowOrigins: configuration.corsAllowOrigins)
        self.clock = clock ?? { WallClock.nowMilliseconds() / 1000 }
        self.makeUUID = makeUUID
    }

    /// From the environment: `PresignConfiguration`'s variables, the function's credentials, and the Cognito
    /// variables when `COGNITO_CLIENT_IDS` is set.
    public init(environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) {
        let configuration = try PresignConfiguration(environment: environment)
        let credentials = try AWSCredentials(environment: environment)
        let verifier =
            environment.string("COGNITO_CLIENT_IDS") == nil
            ? nil : CognitoJWTVerifier(configuration: try CognitoVerifierConfiguration(environment: environment))
        // The JWKS at init, not on the first request; a failure here is retried on first use. Behind an API
        // Gateway authorizer every request carries claims and no token is verified here, so
        // COGNITO_JWKS_PREFETCH=false leaves the fetch, and OpenSSL's init with it, to a request that needs them.
        if try environment.boolean("COGNITO_JWKS_PREFETCH", default: true) {
            verifier?.jwks.prefetch()
            // With the keys loaded, one made-up token per key, stopped at its signature: the first real one then
            // finds the RSA state built and the code paged in.
            verifier?.warmUp()
        }
        let statusSource: S3UploadStatusSource
        let client: S3Client
        do {
            var endpoint = configuration.endpoint
            // The function's own calls go to the regional endpoint: acceleration speeds up uploads from afar.
            if case .accelerate = endpoint.style { endpoint.style = .virtualHosted }
            client = try S3Client(credentials: credentials, endpoint: endpoint)
            statusSource = S3UploadStatusSource(
                bucket: configuration.bucket,
                quarantinePrefix: try ObjectCreatedConfiguration.quarantinePrefix(
                    environment,
                    keyPrefix: configuration.limits.keyPrefix
                ),
                client: client
            )
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError("S3_ENDPOINT", "\(error)")
        }
        try self.init(
            configuration: configuration,
            credentials: credentials,
            verifier: verifier,
            statusSource: statusSource,
            sessionSealer: try UploadSessionSealer(environment: environment),
            multipartStore: S3MultipartStore(
                bucket: configuration.bucket,
                kmsKeyID: configuration.kmsKeyID,
                client: client
            )
        )
        warmUp()
    }

    /// Answers two made-up upload requests, a presigned POST and a PUT, and drops the answers: for a handler's
    /// init, so that the first real request does not pay what a process pays once (type metadata, protocol
    /// conformance lookups, the first touch of the decoding, signing and encoding code). Measured with `bench
    /// upload`, that was 1.6 ms of a first invocation that took 6× a warm one. Nothing leaves the process
    /// (presigning computes, it sends nothing), nothing is logged, and a failure is ignored: the warm-up is never
    /// fatal.
    /// - Returns: How many of the two requests were answered with 200 (for tests).
    @discardableResult
    public func warmUp() -> Int {
        let context = LambdaContext(
            requestID: "warm-up",
            deadlineMilliseconds: .max,
            invokedFunctionARN: "",
            logger: Logger(label: "warm-up") { _ in SwiftLogNoOpLogHandler() }
        )
        let allowed = configuration.allowedTypes.first ?? "application/octet-stream"
        let type = allowed.hasSuffix("/*") ? allowed.dropLast() + "x-warm-up" : allowed
        // Configured values are quoted as JSON: a group name with a quote in it must not break the event.
        let group = configuration.requiredGroup.map { #","cognito:groups":"# + JSONString.quoted("[\($0)]") } ?? ""
        var granted = 0
        for method in ["POST", "PUT"] {
            let body =
                #"{"filename":"warm-up","contentType":"# + JSONString.quoted(String(type))
                + #","size":1,"method":"\#(method)"}"#
            let event = """
                {"version":"2.0","routeKey":"POST /uploads","rawPath":"/uploads","rawQueryString":"",\
                "headers":{"content-type":"application/json"},"requestContext":{"authorizer":{"jwt":{"claims":\
                {"sub":"warm-up","token_use":"id"\(group)},"scopes":null}},"http":{"method":"POST",\
                "path":"/uploads"},"requestId":"warm-up"},"body":\(JSONString.quoted(body)),"isBase64Encoded":false}
                """
            if let answer = try? handle(Array(event.utf8), context: context),
                String(decoding: answer.prefix(32), as: UTF8.self).contains(#""statusCode":200"#)
            {
                granted += 1
            }
        }
        return granted
    }

    /// Answers one API Gateway (HTTP or REST API) or Function URL request; every API error is an HTTP answer.
    /// - Throws: `LambdaEventError` for an event that is not an HTTP request or cannot be decoded, which Lambda
    ///   reports as the invocation's error.
    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let exchange: HTTPExchange
        switch try LambdaEvent.decode(event) {
        case .apiGatewayV2(let request), .functionURL(let request): exchange = try HTTPExchange(request)
        case .apiGatewayV1(let request): exchange = try HTTPExchange(request)
        case let other:
            throw LambdaEventError(
                .unrecognised,
                "presign answers API Gateway and Function URL requests, not \(other.kind.rawValue) events"
            )
        }
        return try exchange.encode(respond(to: exchange, context: context))
    }

    func respond(to exchange: HTTPExchange, context: LambdaContext) -> HTTPResponse {
        let origin = exchange.headers["origin"]
        if exchange.method == "OPTIONS" {
            return HTTPResponse(status: 204, headers: cors.headers(origin: origin, preflight: true), body: nil)
        }
        let corsHeaders = cors.headers(origin: origin, preflight: false)
        do {
            switch try route(of: exchange) {
            case .limits: return .json(200, try limits(for: exchange), headers: corsHeaders)
            case .status(let key): return .json(200, try status(of: key, for: exchange), headers: corsHeaders)
            case .list: return .json(200, try list(for: exchange), headers: corsHeaders)
            case .download(let key):
                return .json(200, try download(of: key, for: exchange, context: context), headers: corsHeaders)
            case .create:
                let identity = try uploader(of: exchange)
                let request = try UploadRequest.parse(exchange.body)
                if request.method == .multipart {
                    return .json(
                        200,
                        try createMultipart(request, for: identity, context: context),
                        headers: corsHeaders
                    )
                }
                return .json(200, try grant(request, for: identity, context: context), headers: corsHeaders)
            case .signParts: return .json(200, try signParts(for: exchange, context: context), headers: corsHeaders)
            case .listParts: return .json(200, try listParts(for: exchange), headers: corsHeaders)
            case .complete: return .json(200, try complete(for: exchange, context: context), headers: corsHeaders)
            case .abort:
                try abort(for: exchange, context: context)
                return HTTPResponse(status: 204, headers: corsHeaders, body: nil)
            }
        } catch {
            context.logger.info(
                "upload refused",
                metadata: ["status": "\(error.status)", "error": "\(error.error)", "reason": "\(error.message)"]
            )
            var headers = corsHeaders
            if error.status == 401 { headers["WWW-Authenticate"] = "Bearer" }
            return .json(error.status, error, headers: headers)
        }
    }

    /// The caller, once they may upload at all: a user whose `sub` can name a prefix, in the required group.
    func uploader(of exchange: HTTPExchange) throws(UploadAPIError) -> UploadIdentity {
        let identity = try self.identity(of: exchange)
        guard UploadKey.isSafeSubject(identity.subject) else {
            throw UploadAPIError(403, "Forbidden", "the token's sub cannot name an upload prefix")
        }
        if let group = configuration.requiredGroup, !identity.groups.contains(group) {
            throw UploadAPIError(403, "Forbidden", "uploading needs membership of the group \(group)")
        }
        return identity
    }

    /// The caller's own limit, up to S3's largest object.
    func limit(for identity: UploadIdentity) -> Int64 {
        min(identity.maxBytes ?? configuration.limits.maxBytes(forGroups: identity.groups), UploadLimits.s3ObjectMax)
    }

    /// Checks a new upload's size, type and name, and derives its key.
    func plan(_ request: UploadRequest, for identity: UploadIdentity) throws(UploadAPIError) -> String {
        let limit = limit(for: identity)
        guard request.size <= limit else {
            throw UploadAPIError(
                413,
                "TooLarge",
                "the file is \(request.size) bytes; your uploads may be at most \(limit)"
            )
        }
        if request.method != .multipart, request.size > UploadLimits.s3SingleUploadMax {
            throw UploadAPIError(
                413,
                "TooLarge",
                "the file is \(request.size) bytes; a single \(request.method.rawValue) is at most "
                    + "\(UploadLimits.s3SingleUploadMax) (5 GiB): send method MULTIPART"
            )
        }
        guard configuration.allows(request.contentType) else {
            throw UploadAPIError(
                415,
                "UnsupportedType",
                "\(request.contentType) is not accepted; send one of \(configuration.allowedTypes.joined(separator: ", "))"
            )
        }
        let filename: String
        do {
            filename = try UploadKey.sanitiseFilename(request.filename)
        } catch {
            throw .badRequest(
                "filename \"\(request.filename.prefix(80))\" has no usable name once paths, control characters and "
                    + "dot names are removed; send the file's own name, e.g. photo.jpg"
            )
        }
        return UploadKey.make(
            userPrefix: configuration.limits.userPrefix(subject: identity.subject),
            uuid: makeUUID(),
            filename: filename
        )
    }

    /// A presigned POST form or PUT URL for one upload.
    func grant(
        _ request: UploadRequest,
        for identity: UploadIdentity,
        context: LambdaContext
    ) throws(UploadAPIError) -> UploadGrant {
        let key = try plan(request, for: identity)
        let now = clock()
        let time = SigningTime(epochSeconds: now)
        let expiresAt = SigningTime(epochSeconds: now + Int64(configuration.expiresSeconds)).iso8601
        let grant: UploadGrant
        do {
            switch request.method {
            case .post, .multipart:
                let post = try presigner.presignPost(
                    PostPolicy(
                        bucket: configuration.bucket,
                        key: .exact(key),
                        contentLength: 1...request.size,
                        contentType: .exact(request.contentType),
                        kmsKeyID: configuration.kmsKeyID,
                        serverSideEncryptionKMS: configuration.kmsKeyID != nil,
                        metadata: ["owner": identity.subject],
                        successActionStatus: 201,
                        expires: configuration.expiresSeconds
                    ),
                    at: time
                )
                grant = UploadGrant(
                    method: "POST",
                    url: publicURL(post.url),
                    fields: post.fields,
                    key: key,
                    expiresAt: expiresAt,
                    maxBytes: request.size
                )
            case .put:
                let put = try presigner.presignPut(
                    bucket: configuration.bucket,
                    key: key,
                    options: .init(
                        contentType: request.contentType,
                        kmsKeyID: configuration.kmsKeyID,
                        serverSideEncryptionKMS: configuration.kmsKeyID != nil,
                        metadata: ["owner": identity.subject],
                        checksumSHA256: request.checksumSHA256,
                        noOverwrite: true,
                        contentLength: request.size
                    ),
                    expires: configuration.expiresSeconds,
                    at: time
                )
                grant = UploadGrant(
                    method: "PUT",
                    url: publicURL(put.url),
                    headers: put.headers,
                    key: key,
                    expiresAt: expiresAt,
                    maxBytes: request.size
                )
            }
        } catch {
            // The key and metadata are ours, so this is a configuration fault, not the client's.
            throw UploadAPIError(500, "InternalError", "the upload could not be signed; the function's log says why")
        }
        context.logger.info(
            "upload granted",
            metadata: [
                "sub": "\(identity.subject)", "key": "\(key)", "method": "\(grant.method)",
                "contentType": "\(request.contentType)", "size": "\(request.size)",
            ]
        )
        return grant
    }

    /// `url` with the S3 endpoint's scheme and authority replaced by `UPLOAD_PUBLIC_ENDPOINT`, when it is set. The
    /// signature still covers the S3 host, which the public endpoint sends as `Host`.
    func publicURL(_ url: String) -> String {
        guard let publicEndpoint = configuration.publicEndpoint, url.hasPrefix(originBase) else { return url }
        let rest = url.dropFirst(originBase.count)
        return publicEndpoint + (rest.hasPrefix("/") ? rest : "/" + rest)
    }

    func identity(of exchange: HTTPExchange) throws(UploadAPIError) -> UploadIdentity {
        if let identity = exchange.identity { return identity }
        guard let verifier, let token = exchange.bearerToken else {
            throw UploadAPIError(401, "Unauthorized", "sign in: the request carries no verified user")
        }
        let verified: VerifiedToken
        do {
            verified = try verifier.verify(token, now: clock())
        } catch {
            switch error.code {
            case .jwksUnavailable:
                throw UploadAPIError(503, "Unavailable", "the sign-in keys cannot be fetched; try again shortly")
            case .missingGroup, .missingScope:
                throw UploadAPIError(403, "Forbidden", error.message)
            default:
                throw UploadAPIError(401, "Unauthorized", "the token was refused: \(error.message)")
            }
        }
        guard let identity = UploadIdentity(claims: verified.claims) else {
            throw UploadAPIError(401, "Unauthorized", "the token has no sub")
        }
        return identity
    }
}
