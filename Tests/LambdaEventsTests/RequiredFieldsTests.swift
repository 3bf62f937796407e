import Foundation
import LambdaCodable
import LambdaEvents
import LambdaRuntime
import TestSupport
import Testing

/// Strict where it matters, lenient where AWS varies: every event type still decodes when any one of its optional
/// members is deleted from a real sample, and refuses to decode when a required one is, naming its path. Both
/// directions are driven by the type's `requiredFields`, and by the kind's `shapeFields` for dispatch by shape.
@Suite("Required fields")
struct RequiredFieldsTests {
    @Test func httpAPIAndFunctionURLRequestsNeedOnlyTheirPathAndMethod() throws {
        try Self.check(APIGatewayV2Request.self, kinds: [.apiGatewayV2, .functionURL], "apigw-http-v2-", "lambdaurl-")
    }

    @Test func restRequestsNeedOnlyTheirMethodAndPath() throws {
        try Self.check(APIGatewayRequest.self, kinds: [.apiGatewayV1], "apigw-rest-v1-")
    }

    @Test func tokenAuthorizerEventsNeedOnlyTheMethodARN() throws {
        try Self.check(APIGatewayTokenAuthorizerEvent.self, kinds: [.tokenAuthorizer], "authorizer-rest-token")
    }

    @Test func requestAuthorizerEventsNeedOnlyTheMethodARN() throws {
        try Self.check(
            APIGatewayRequestAuthorizerEvent.self,
            kinds: [.requestAuthorizer],
            "authorizer-rest-request",
            "authorizer-http-v1-"
        )
    }

    @Test func httpAPIAuthorizerEventsNeedNothing() throws {
        try Self.check(APIGatewayV2AuthorizerEvent.self, kinds: [.v2Authorizer], "authorizer-http-v2-")
    }

    @Test func s3NotificationsNeedTheEventNameBucketAndKeyOfEachRecord() throws {
        try Self.check(S3Event.self, kinds: [.s3], "s3-objectcreated-", "s3-objectremoved-", "s3-objectrestore-")
    }

    @Test func s3TestEventsNeedNothing() throws {
        try Self.check(S3TestEvent.self, kinds: [.s3Test], "s3-testevent")
    }

    @Test func eventBridgeS3EventsNeedTheirDetailTypeBucketAndKey() throws {
        try Self.check(EventBridgeS3Event.self, kinds: [.eventBridgeS3], "eventbridge-s3-")
    }

    @Test func guardDutyScanResultsNeedOnlyTheBucketAndKey() throws {
        try Self.check(GuardDutyMalwareScanEvent.self, kinds: [.guardDutyMalwareScan], "eventbridge-guardduty-")
    }

    @Test func sqsMessagesNeedOnlyTheirIDAndBody() throws {
        try Self.check(SQSEvent.self, kinds: [.sqs], "sqs-")
    }

    @Test func snsRecordsNeedOnlyTheirMessage() throws {
        try Self.check(SNSEvent.self, kinds: [.sns], "sns-")
    }

    @Test func snsEnvelopesNeedOnlyTheirMessage() throws {
        // The envelope SNS puts in an SQS body without raw delivery, as S3Notification.decode reads it.
        let batch = try LambdaJSONDecoder().decode(
            SQSEvent.self,
            from: ProjectEvents.bytes("sqs-sns-s3-objectcreated.json")
        )
        let body = try #require(batch.records.first?.body)
        let envelope = Shape(name: "SNS envelope", fields: SNSNotification.shapeFields) { bytes in
            (try? S3Notification.decode(String(decoding: bytes, as: UTF8.self), path: "body")) == nil
                ? nil : "SNS envelope"
        }
        try Self.check(SNSNotification.self, sample: "sqs-sns-s3-objectcreated.json body", Array(body.utf8)) { _ in
            envelope
        }
    }

    @Test func preTokenGenerationV1NeedsOnlyTheUserAttributes() throws {
        try Self.check(CognitoPreTokenGenerationV1Event.self, kinds: [.preTokenGenerationV1], "cognito-pretokengen-v1")
    }

    @Test func preTokenGenerationV2NeedsOnlyTheUserAttributes() throws {
        try Self.check(CognitoPreTokenGenerationV2Event.self, kinds: [.preTokenGenerationV2], "cognito-pretokengen-v2")
    }

    /// The captures in `../shared/fixtures/events/`, when present: more shapes than the project's own samples.
    @Test(
        .enabled(if: SharedMaterial.directory != nil, Comment(rawValue: SharedMaterial.missingReason)),
        arguments: SharedMaterial.jsonFiles(in: "fixtures/events").filter {
            RealCaptureTests.expectedKind(($0 as NSString).lastPathComponent) != nil
        }
    )
    func realCapturesDecodeWithoutEachOptionalMember(path: String) throws {
        let bytes = try #require(FileManager.default.contents(atPath: path).map(Array.init))
        let name = (path as NSString).lastPathComponent
        let kind = try LambdaEvent.kind(of: bytes)
        let shape: ([UInt8]) throws -> Shape = { _ in Shape(kind) }
        switch kind {
        case .apiGatewayV2, .functionURL: try Self.check(APIGatewayV2Request.self, sample: name, bytes, shape: shape)
        case .apiGatewayV1: try Self.check(APIGatewayRequest.self, sample: name, bytes, shape: shape)
        case .tokenAuthorizer: try Self.check(APIGatewayTokenAuthorizerEvent.self, sample: name, bytes, shape: shape)
        case .requestAuthorizer:
            try Self.check(APIGatewayRequestAuthorizerEvent.self, sample: name, bytes, shape: shape)
        case .v2Authorizer: try Self.check(APIGatewayV2AuthorizerEvent.self, sample: name, bytes, shape: shape)
        case .s3: try Self.check(S3Event.self, sample: name, bytes, shape: shape)
        case .s3Test: try Self.check(S3TestEvent.self, sample: name, bytes, shape: shape)
        case .eventBridgeS3: try Self.check(EventBridgeS3Event.self, sample: name, bytes, shape: shape)
        case .guardDutyMalwareScan: try Self.check(GuardDutyMalwareScanEvent.self, sample: name, bytes, shape: shape)
        case .sqs: try Self.check(SQSEvent.self, sample: name, bytes, shape: shape)
        case .sns: try Self.check(SNSEvent.self, sample: name, bytes, shape: shape)
        case .preTokenGenerationV1:
            try Self.check(CognitoPreTokenGenerationV1Event.self, sample: name, bytes, shape: shape)
        case .preTokenGenerationV2:
            try Self.check(CognitoPreTokenGenerationV2Event.self, sample: name, bytes, shape: shape)
        }
    }

    /// RequiredFields.md names every required member and every shape member, in the section of its type.
    @Test func theRequiredFieldsArticleListsEveryRequiredAndShapeMember() throws {
        let path = BuiltProducts.projectRoot + "/Sources/LambdaEvents/Documentation.docc/RequiredFields.md"
        let article = try #require(
            FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        )
        let sections = article.components(separatedBy: "\n### ")
        func section(_ type: String) -> String? { sections.first { $0.hasPrefix("``\(type)``") } }
        let types: [(String, [String], [LambdaEventKind])] = [
            ("APIGatewayV2Request", APIGatewayV2Request.requiredFields, [.apiGatewayV2, .functionURL]),
            ("APIGatewayRequest", APIGatewayRequest.requiredFields, [.apiGatewayV1]),
            ("APIGatewayTokenAuthorizerEvent", APIGatewayTokenAuthorizerEvent.requiredFields, [.tokenAuthorizer]),
            ("APIGatewayRequestAuthorizerEvent", APIGatewayRequestAuthorizerEvent.requiredFields, [.requestAuthorizer]),
            ("APIGatewayV2AuthorizerEvent", APIGatewayV2AuthorizerEvent.requiredFields, [.v2Authorizer]),
            ("S3Event", S3Event.requiredFields, [.s3]),
            ("S3TestEvent", S3TestEvent.requiredFields, [.s3Test]),
            ("EventBridgeS3Event", EventBridgeS3Event.requiredFields, [.eventBridgeS3]),
            ("GuardDutyMalwareScanEvent", GuardDutyMalwareScanEvent.requiredFields, [.guardDutyMalwareScan]),
            ("SQSEvent", SQSEvent.requiredFields, [.sqs]),
            ("SNSEvent", SNSEvent.requiredFields, [.sns]),
            ("SNSNotification", SNSNotification.requiredFields, []),
            (
                "CognitoPreTokenGenerationV1Event", CognitoPreTokenGenerationV1Event.requiredFields,
                [.preTokenGenerationV1]
            ),
            (
                "CognitoPreTokenGenerationV2Event", CognitoPreTokenGenerationV2Event.requiredFields,
                [.preTokenGenerationV2]
            ),
        ]
        #expect(Set(types.flatMap(\.2)) == Set(LambdaEventKind.allCases), "every kind's type is listed")
        for (type, required, kinds) in types {
            guard let text = section(type) else {
                Issue.record("RequiredFields.md has no section ### ``\(type)``")
                continue
            }
            let shapeFields = type == "SNSNotification" ? SNSNotification.shapeFields : kinds.flatMap(\.shapeFields)
            for field in required + shapeFields where !text.contains("`\(field)`") {
                Issue.record("RequiredFields.md, ``\(type)``: `\(field)` is not listed")
            }
            if required.isEmpty, !text.contains("Nothing is required") {
                Issue.record("RequiredFields.md, ``\(type)``: does not say that nothing is required")
            }
        }
    }
}

// MARK: - The check

extension RequiredFieldsTests {
    /// How an event's kind is told: the members that tell it, and what the bytes are taken for.
    struct Shape {
        var name: String
        var fields: [String]
        /// Whether this is `LambdaEvent`'s dispatch, which handlers decode through.
        var isDispatch = false
        /// What the bytes are taken for; `nil` for nothing known.
        var tell: ([UInt8]) -> String?

        init(name: String, fields: [String], tell: @escaping ([UInt8]) -> String?) {
            self.name = name
            self.fields = fields
            self.tell = tell
        }

        /// Dispatch by shape, `LambdaEvent.kind(of:)`, taking the bytes for `kind`.
        init(_ kind: LambdaEventKind) {
            self.init(name: kind.rawValue, fields: kind.shapeFields) { (try? LambdaEvent.kind(of: $0))?.rawValue }
            isDispatch = true
        }
    }

    /// Checks `T` against the samples in `Events/` whose names start with one of `prefixes`; each must be one of
    /// `kinds`.
    static func check<T: EventRequirements>(
        _ type: T.Type,
        kinds: Set<LambdaEventKind>,
        _ prefixes: String...
    ) throws {
        let samples = ProjectEvents.files.filter { path in
            prefixes.contains { (path as NSString).lastPathComponent.hasPrefix($0) }
        }
        try #require(!samples.isEmpty, "no sample in Events/ starts with \(prefixes)")
        for path in samples {
            let name = (path as NSString).lastPathComponent
            try check(type, sample: name, try ProjectEvents.bytes(name)) { bytes in
                let kind = try LambdaEvent.kind(of: bytes)
                try #require(kinds.contains(kind), "\(name) is taken for \(kind.rawValue)")
                return Shape(kind)
            }
        }
    }

    /// Deletes each member of `bytes` in turn: a required member must be refused with its path, any other must
    /// still decode; a shape member must change what the event is taken for, any other must not. Then deletes every
    /// member that is neither at once: what is left must still decode, as the same kind.
    static func check<T: EventRequirements>(
        _ type: T.Type,
        sample: String,
        _ bytes: [UInt8],
        shape makeShape: ([UInt8]) throws -> Shape
    ) throws {
        let shape = try makeShape(bytes)
        let document = try JSONValue(parsing: bytes)
        let members = Member.all(in: document)
        let required = Set(T.requiredFields)
        let shapeFields = Set(shape.fields)
        let kind = try #require(shape.tell(bytes), "\(sample) is not taken for \(shape.name)")
        _ = try LambdaJSONDecoder().decode(T.self, from: bytes)

        let present = Set(members.map(\.pattern)).union(members.map(\.concrete))
        for field in required.union(shapeFields).subtracting(present) {
            Issue.record("\(sample) has no \(field): the list names a member the sample lacks")
        }

        for member in members {
            let without = try LambdaJSONEncoder().encode(member.deleted(from: document))
            let isRequired = required.contains(member.pattern)
            do {
                _ = try LambdaJSONDecoder().decode(T.self, from: without)
                if isRequired { Issue.record("\(sample) without \(member.concrete) decoded; it is required") }
            } catch let error as DecodingError {
                let described = DecodingErrorDescription(error)
                let refusal = "\(described.path): \(described.problem)"
                if !isRequired {
                    Issue.record("\(sample) without optional \(member.concrete) is refused: \(refusal)")
                } else if refusal != "\(member.concrete): required key is missing" {
                    Issue.record("\(sample) without \(member.concrete) is refused as \(refusal)")
                }
            }
            let takenFor = shape.tell(without)
            if shapeFields.contains(member.concrete) {
                if takenFor == kind {
                    Issue.record("\(sample) without shape member \(member.concrete) is still \(kind)")
                }
            } else if takenFor != kind {
                Issue.record("\(sample) without \(member.concrete) is taken for \(takenFor ?? "nothing"), not \(kind)")
            } else if isRequired, shape.isDispatch {
                // What a handler sees: dispatch by shape names the member too.
                let expected = "\(kind) event: \(member.concrete): required key is missing"
                #expect(throws: LambdaEventError(.invalid, expected)) { try LambdaEvent.decode(without) }
            }
        }

        let minimal = try LambdaJSONEncoder().encode(
            Member.keeping(required: required, shape: shapeFields, in: document)
        )
        #expect(throws: Never.self, "\(sample) with only its required and shape members") {
            try LambdaJSONDecoder().decode(T.self, from: minimal)
        }
        #expect(shape.tell(minimal) == kind, "\(sample) with only its required and shape members")
    }
}

/// One member of a JSON document, by its path.
struct Member {
    enum Step {
        case key(String)
        case index(Int)
    }

    var steps: [Step]

    /// The path as decoding errors name it: `Records[0].s3.object.key`.
    var concrete: String { Self.render(steps, indices: true) }
    /// The path as `requiredFields` lists it: `Records[].s3.object.key`.
    var pattern: String { Self.render(steps, indices: false) }

    static func render(_ steps: [Step], indices: Bool) -> String {
        var out = ""
        for step in steps {
            switch step {
            case .key(let key): out += (out.isEmpty ? "" : ".") + key
            case .index(let index): out += indices ? "[\(index)]" : "[]"
            }
        }
        return out
    }

    /// Every object member of `value`, at any depth, inside arrays too.
    static func all(in value: JSONValue, at path: [Step] = []) -> [Member] {
        switch value {
        case .object(let members):
            return members.keys.sorted().flatMap { key in
                [Member(steps: path + [.key(key)])] + all(in: members[key]!, at: path + [.key(key)])
            }
        case .array(let items):
            return items.indices.flatMap { all(in: items[$0], at: path + [.index($0)]) }
        default:
            return []
        }
    }

    /// `document` without this member.
    func deleted(from document: JSONValue) -> JSONValue {
        Self.deleting(steps[...], from: document)
    }

    private static func deleting(_ steps: ArraySlice<Step>, from value: JSONValue) -> JSONValue {
        guard let step = steps.first else { return value }
        switch (step, value) {
        case (.key(let key), .object(var members)):
            if steps.count == 1 {
                members[key] = nil
            } else if let child = members[key] {
                members[key] = deleting(steps.dropFirst(), from: child)
            }
            return .object(members)
        case (.index(let index), .array(var items)):
            items[index] = deleting(steps.dropFirst(), from: items[index])
            return .array(items)
        default:
            return value
        }
    }

    /// `document` with only the members that are required (by pattern), shape members (by concrete path), or
    /// parents of either.
    static func keeping(
        required: Set<String>,
        shape: Set<String>,
        in value: JSONValue,
        at path: [Step] = []
    ) -> JSONValue {
        switch value {
        case .object(let members):
            var kept: [String: JSONValue] = [:]
            for (key, child) in members {
                let member = Member(steps: path + [.key(key)])
                let wanted =
                    required.contains { covers($0, member.pattern) } || shape.contains { covers($0, member.concrete) }
                if wanted { kept[key] = keeping(required: required, shape: shape, in: child, at: member.steps) }
            }
            return .object(kept)
        case .array(let items):
            return .array(
                items.indices.map { keeping(required: required, shape: shape, in: items[$0], at: path + [.index($0)]) }
            )
        default:
            return value
        }
    }

    /// Whether `field` is `path` or lies inside it.
    private static func covers(_ field: String, _ path: String) -> Bool {
        field == path || field.hasPrefix(path + ".") || field.hasPrefix(path + "[")
    }
}
