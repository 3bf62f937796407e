import LambdaCodable
import LambdaRuntime

/// Which kind of event a JSON payload is, told by its shape.
///
/// The raw values name the kinds in error messages, summaries and the `Events/` file names. The members each kind is
/// told by are listed in <doc:RequiredFields>.
public enum LambdaEventKind: String, Sendable, CaseIterable, Codable {
    /// An API Gateway HTTP API request, payload format 2.0: `rawPath` and a `requestContext` object.
    case apiGatewayV2 = "apigateway-http-v2"
    /// A Function URL request: payload 2.0 whose `requestContext.domainName` is a `.lambda-url.` host.
    case functionURL = "lambda-url"
    /// An API Gateway REST API proxy request, payload format 1.0: `httpMethod` and `path`.
    case apiGatewayV1 = "apigateway-rest-v1"
    /// A REST `TOKEN` authorizer event: `type` `TOKEN`.
    case tokenAuthorizer = "authorizer-token"
    /// A REST (or HTTP API payload 1.0) `REQUEST` authorizer event: `type` `REQUEST` and a `methodArn`.
    case requestAuthorizer = "authorizer-request"
    /// An HTTP API authorizer event, payload 2.0: `type` `REQUEST` and a `routeArn`.
    case v2Authorizer = "authorizer-http-v2"
    /// S3 notifications: `Records` whose first record's `eventSource` is `aws:s3`.
    case s3 = "s3"
    /// S3's test message: `Event` `s3:TestEvent`.
    case s3Test = "s3-test"
    /// An S3 event through EventBridge: a `detail-type` and `source` `aws.s3`.
    case eventBridgeS3 = "eventbridge-s3"
    /// A GuardDuty Malware Protection scan result through EventBridge: its `detail-type` and `source`.
    case guardDutyMalwareScan = "guardduty-malware-scan"
    /// An SQS batch: `Records` whose first record's `eventSource` is `aws:sqs`.
    case sqs = "sqs"
    /// SNS messages: `Records` whose first record's `EventSource` is `aws:sns`.
    case sns = "sns"
    /// Cognito Pre Token Generation, version 1: a `TokenGeneration_*` `triggerSource` and `version` `"1"`.
    case preTokenGenerationV1 = "cognito-pre-token-generation-v1"
    /// Cognito Pre Token Generation, version 2 or 3: a `TokenGeneration_*` `triggerSource`, any other `version`.
    case preTokenGenerationV2 = "cognito-pre-token-generation-v2"
}

/// Any event the upload service receives, decoded into its type.
public enum LambdaEvent: Sendable, Equatable {
    /// An API Gateway HTTP API request, payload format 2.0.
    case apiGatewayV2(APIGatewayV2Request)
    /// A Lambda Function URL request.
    case functionURL(FunctionURLRequest)
    /// An API Gateway REST API proxy request.
    case apiGatewayV1(APIGatewayRequest)
    /// A REST `TOKEN` authorizer event.
    case tokenAuthorizer(APIGatewayTokenAuthorizerEvent)
    /// A `REQUEST` authorizer event, REST or HTTP API payload 1.0.
    case requestAuthorizer(APIGatewayRequestAuthorizerEvent)
    /// An HTTP API authorizer event, payload 2.0.
    case v2Authorizer(APIGatewayV2AuthorizerEvent)
    /// S3 notifications delivered directly.
    case s3(S3Event)
    /// S3's test message, sent when a notification is configured.
    case s3Test(S3TestEvent)
    /// An S3 event through EventBridge.
    case eventBridgeS3(EventBridgeS3Event)
    /// A GuardDuty Malware Protection scan result through EventBridge.
    case guardDutyMalwareScan(GuardDutyMalwareScanEvent)
    /// An SQS batch.
    case sqs(SQSEvent)
    /// SNS messages.
    case sns(SNSEvent)
    /// Cognito Pre Token Generation, version 1.
    case preTokenGenerationV1(CognitoPreTokenGenerationV1Event)
    /// Cognito Pre Token Generation, version 2 or 3.
    case preTokenGenerationV2(CognitoPreTokenGenerationV2Event)

    /// The kind of the event, as `LambdaEvent.kind(of:)` tells it.
    public var kind: LambdaEventKind {
        switch self {
        case .apiGatewayV2: .apiGatewayV2
        case .functionURL: .functionURL
        case .apiGatewayV1: .apiGatewayV1
        case .tokenAuthorizer: .tokenAuthorizer
        case .requestAuthorizer: .requestAuthorizer
        case .v2Authorizer: .v2Authorizer
        case .s3: .s3
        case .s3Test: .s3Test
        case .eventBridgeS3: .eventBridgeS3
        case .guardDutyMalwareScan: .guardDutyMalwareScan
        case .sqs: .sqs
        case .sns: .sns
        case .preTokenGenerationV1: .preTokenGenerationV1
        case .preTokenGenerationV2: .preTokenGenerationV2
        }
    }

    /// Tells the kind of `bytes` by its shape, without decoding it.
    /// - Throws: `LambdaEventError` `.malformed` for bad JSON, `.unrecognised` (naming the top-level keys) for
    ///   JSON that is no known event.
    public static func kind(of bytes: [UInt8]) throws(LambdaEventError) -> LambdaEventKind {
        try EventShape.kind(of: try EventShape.document(bytes, path: "event"))
    }

    /// Tells the kind of `bytes` by its shape and decodes it as that type, tokenising the JSON once.
    /// - Throws: `LambdaEventError`: `.malformed`, `.unrecognised`, or `.invalid` with the JSON path that failed.
    public static func decode(_ bytes: [UInt8]) throws(LambdaEventError) -> LambdaEvent {
        let document = try EventShape.document(bytes, path: "event")
        let kind = try EventShape.kind(of: document)
        return try decode(kind, from: document)
    }

    /// Decodes `bytes` as `kind`, without looking at its shape.
    /// - Throws: `LambdaEventError`: `.malformed`, or `.invalid` with the JSON path that failed.
    public static func decode(_ kind: LambdaEventKind, from bytes: [UInt8]) throws(LambdaEventError) -> LambdaEvent {
        try decode(kind, from: try EventShape.document(bytes, path: "event"))
    }

    static func decode(_ kind: LambdaEventKind, from document: JSONDocument) throws(LambdaEventError) -> LambdaEvent {
        func value<T: Decodable>(_ type: T.Type) throws(LambdaEventError) -> T {
            try EventShape.decode(type, from: document, kind: kind.rawValue)
        }
        switch kind {
        case .apiGatewayV2: return .apiGatewayV2(try value(APIGatewayV2Request.self))
        case .functionURL: return .functionURL(try value(FunctionURLRequest.self))
        case .apiGatewayV1: return .apiGatewayV1(try value(APIGatewayRequest.self))
        case .tokenAuthorizer: return .tokenAuthorizer(try value(APIGatewayTokenAuthorizerEvent.self))
        case .requestAuthorizer: return .requestAuthorizer(try value(APIGatewayRequestAuthorizerEvent.self))
        case .v2Authorizer: return .v2Authorizer(try value(APIGatewayV2AuthorizerEvent.self))
        case .s3: return .s3(try value(S3Event.self))
        case .s3Test: return .s3Test(try value(S3TestEvent.self))
        case .eventBridgeS3: return .eventBridgeS3(try value(EventBridgeS3Event.self))
        case .guardDutyMalwareScan: return .guardDutyMalwareScan(try value(GuardDutyMalwareScanEvent.self))
        case .sqs: return .sqs(try value(SQSEvent.self))
        case .sns: return .sns(try value(SNSEvent.self))
        case .preTokenGenerationV1: return .preTokenGenerationV1(try value(CognitoPreTokenGenerationV1Event.self))
        case .preTokenGenerationV2: return .preTokenGenerationV2(try value(CognitoPreTokenGenerationV2Event.self))
        }
    }
}

/// Shape detection: a few member lookups on the tokenised document.
enum EventShape {
    static func document(_ bytes: [UInt8], path: String) throws(LambdaEventError) -> JSONDocument {
        do {
            return try JSONDocument(bytes)
        } catch {
            throw LambdaEventError(.malformed, "\(path) is not valid JSON: \(error)")
        }
    }

    static func decode<T: Decodable>(
        _ type: T.Type,
        from document: JSONDocument,
        at index: Int = 0,
        kind: String,
        pathPrefix: String = ""
    ) throws(LambdaEventError) -> T {
        do {
            return try LambdaJSONDecoder().decode(type, from: document, at: index)
        } catch let error as DecodingError {
            let described = DecodingErrorDescription(error)
            let path = [pathPrefix, described.path].filter { !$0.isEmpty }.joined(separator: ".")
            throw LambdaEventError(
                pathPrefix.isEmpty ? .invalid : .invalidNestedPayload,
                "\(kind) event: \(path.isEmpty ? "" : "\(path): ")\(described.problem)"
            )
        } catch {
            throw LambdaEventError(.invalid, "\(kind) event: \(error)")
        }
    }

    static func kind(of document: JSONDocument) throws(LambdaEventError) -> LambdaEventKind {
        guard document.tokens[0].kind == .object else {
            throw LambdaEventError(
                .unrecognised,
                "unrecognised event: expected a JSON object, found \(document.describe(0))"
            )
        }
        // One pass over the top-level members picks out the few that tell the shapes apart.
        let top = Members(document, object: 0)
        var found = [Int?](repeating: nil, count: Marker.allCases.count)
        top.eachMember { name, value in
            if let marker = Marker.match(document, name) { found[marker.rawValue] = value }
        }
        func value(_ marker: Marker) -> Int? { found[marker.rawValue] }
        func string(_ marker: Marker, equals text: String) -> Bool {
            guard let index = found[marker.rawValue] else { return false }
            switch document.tokens[index].kind {
            case .plainString, .escapedString: return document.string(at: index, equals: text)
            default: return false
            }
        }

        if let records = value(.records) {
            guard document.tokens[records].kind == .array, document.tokens[records].count > 0,
                document.tokens[records + 1].kind == .object
            else {
                throw LambdaEventError(.unrecognised, "unrecognised event: Records is empty or not an array of objects")
            }
            let first = Members(document, object: records + 1)
            if first.string("eventSource", equals: "aws:s3") { return .s3 }
            if first.string("eventSource", equals: "aws:sqs") { return .sqs }
            if first.string("EventSource", equals: "aws:sns") { return .sns }
            let source = first.string("eventSource") ?? first.string("EventSource") ?? "none"
            throw LambdaEventError(
                .unrecognised,
                "unrecognised event: Records from event source \"\(source)\"; known: aws:s3, aws:sqs, aws:sns"
            )
        }
        if string(.event, equals: "s3:TestEvent") { return .s3Test }
        if value(.detailType) != nil, string(.source, equals: "aws.s3") { return .eventBridgeS3 }
        if string(.detailType, equals: GuardDutyMalwareScanEvent.detailType),
            string(.source, equals: GuardDutyMalwareScanEvent.source)
        {
            return .guardDutyMalwareScan
        }
        if let trigger = value(.triggerSource) {
            let name = document.tokens[trigger].kind == .plainString ? document.string(at: trigger) : ""
            guard name.hasPrefix("TokenGeneration_") else {
                throw LambdaEventError(
                    .unrecognised,
                    "unrecognised event: Cognito trigger \(name); only Pre Token Generation (TokenGeneration_*) is known"
                )
            }
            return string(.version, equals: "1") ? .preTokenGenerationV1 : .preTokenGenerationV2
        }
        // Only the members that tell the kinds apart are looked at; a kind's other members may be missing (a TOKEN
        // event without a token is still one, and is refused as unauthorised).
        if string(.type, equals: "TOKEN") { return .tokenAuthorizer }
        if string(.type, equals: "REQUEST") {
            if value(.routeArn) != nil { return .v2Authorizer }
            if value(.methodArn) != nil { return .requestAuthorizer }
        }
        if value(.rawPath) != nil, value(.version) == nil || string(.version, equals: "2.0"),
            let context = value(.requestContext), document.tokens[context].kind == .object
        {
            let domain = Members(document, object: context)["domainName"]
            return domain.map { document.string(at: $0, contains: ".lambda-url.") } == true
                ? .functionURL : .apiGatewayV2
        }
        if value(.httpMethod) != nil, value(.path) != nil { return .apiGatewayV1 }

        let names = top.names
        let shown = names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", …" : "")
        throw LambdaEventError(.unrecognised, "unrecognised event: top-level keys [\(shown)]")
    }
}

/// The top-level member names that tell event shapes apart.
enum Marker: Int, CaseIterable {
    case records, event, detailType, source, triggerSource, version, type, routeArn, methodArn
    case rawPath, requestContext, httpMethod, path

    var name: StaticString {
        switch self {
        case .records: "Records"
        case .event: "Event"
        case .detailType: "detail-type"
        case .source: "source"
        case .triggerSource: "triggerSource"
        case .version: "version"
        case .type: "type"
        case .routeArn: "routeArn"
        case .methodArn: "methodArn"
        case .rawPath: "rawPath"
        case .requestContext: "requestContext"
        case .httpMethod: "httpMethod"
        case .path: "path"
        }
    }

    /// The marker member name token `token` is, if any: compares lengths first, bytes only when they match.
    static func match(_ document: JSONDocument, _ token: Int) -> Marker? {
        let entry = document.tokens[token]
        guard entry.kind == .plainString else { return nil }
        let length = Int(entry.end - entry.start)
        for marker in allCases where marker.name.utf8CodeUnitCount == length {
            if document.string(at: token, equalsBytes: marker.name) { return marker }
        }
        return nil
    }
}

/// The members of one object of a document, by name.
struct Members {
    let document: JSONDocument
    let object: Int

    init(_ document: JSONDocument, object: Int) {
        self.document = document
        self.object = object
    }

    /// The token index of member `name`'s value.
    subscript(name: String) -> Int? {
        var token = object + 1
        for _ in 0..<Int(document.tokens[object].count) {
            if document.string(at: token, equals: name) { return token + 1 }
            token = document.next(after: token + 1)
        }
        return nil
    }

    /// Member `name` as a string, when it is one.
    func string(_ name: String) -> String? {
        guard let index = self[name] else { return nil }
        switch document.tokens[index].kind {
        case .plainString, .escapedString: return document.string(at: index)
        default: return nil
        }
    }

    /// Whether member `name` is the string `value`.
    func string(_ name: String, equals value: String) -> Bool {
        guard let index = self[name] else { return false }
        switch document.tokens[index].kind {
        case .plainString, .escapedString: return document.string(at: index, equals: value)
        default: return false
        }
    }

    /// Calls `body` with each member's name token and value token, in order.
    func eachMember(_ body: (_ name: Int, _ value: Int) -> Void) {
        var token = object + 1
        for _ in 0..<Int(document.tokens[object].count) {
            body(token, token + 1)
            token = document.next(after: token + 1)
        }
    }

    var names: [String] {
        var names: [String] = []
        var token = object + 1
        for _ in 0..<Int(document.tokens[object].count) {
            names.append(document.string(at: token))
            token = document.next(after: token + 1)
        }
        return names
    }
}
