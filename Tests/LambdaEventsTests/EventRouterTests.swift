import LambdaEvents
import LambdaRuntime
import Logging
import TestSupport
import Testing

@Suite("Routing events to handlers by shape")
struct EventRouterTests {
    private let context = LambdaContext(
        requestID: "r",
        deadlineMilliseconds: .max,
        invokedFunctionARN: "arn",
        logger: Logger(label: "test")
    )

    @Test func sendsEachKindToItsHandlerAndTheRestToTheFallback() throws {
        var router = EventRouter(
            routes: [
                .s3: ClosureHandler { _, _ in Array("s3 handler".utf8) },
                .apiGatewayV2: ClosureHandler { _, _ in Array("api handler".utf8) },
            ],
            fallback: ClosureHandler { _, _ in Array("fallback".utf8) }
        )
        #expect(
            String(
                decoding: try router.handle(try ProjectEvents.bytes("s3-objectremoved-delete.json"), context: context),
                as: UTF8.self
            ) == "s3 handler"
        )
        #expect(
            String(
                decoding: try router.handle(
                    try ProjectEvents.bytes("apigw-http-v2-jwt-id-token.json"),
                    context: context
                ),
                as: UTF8.self
            ) == "api handler"
        )
        #expect(
            String(
                decoding: try router.handle(try ProjectEvents.bytes("cognito-pretokengen-v2.json"), context: context),
                as: UTF8.self
            ) == "fallback"
        )
    }

    @Test func saysWhichKindsItRoutesWhenAnEventHasNoHandler() throws {
        var router = EventRouter(routes: [.s3: EchoHandler()])
        do {
            _ = try router.handle(try ProjectEvents.bytes("sqs-s3-objectcreated.json"), context: context)
            Issue.record("routed an SQS event")
        } catch let error as LambdaEventError {
            #expect(error.message == "no handler for sqs events; routed: s3")
            #expect(error.errorType == "Event.Unrecognised")
        }
    }

    @Test func inspectSummarisesWithoutEchoingTokens() throws {
        let bytes = try ProjectEvents.bytes("authorizer-rest-token.json")
        let summary = try JSONValue(parsing: try InspectHandler().handle(bytes, context: context))
        #expect(summary["kind"] == "authorizer-token")
        let text = String(decoding: try InspectHandler().handle(bytes, context: context), as: UTF8.self)
        #expect(!text.contains("Bearer"))
        #expect(!text.contains("eyJ"))
    }
}
