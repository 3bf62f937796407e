import LambdaEvents
import LambdaRuntime
import TestSupport
import Testing

@Suite("Dispatch by shape")
struct DispatchTests {
    private func error(_ json: String) -> LambdaEventError? {
        do {
            _ = try LambdaEvent.decode(Array(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func namesTheTopLevelKeysOfAnUnknownShape() {
        #expect(
            error(#"{"foo": 1, "bar": [2]}"#)
                == LambdaEventError(.unrecognised, "unrecognised event: top-level keys [foo, bar]")
        )
        #expect(error("[1]")?.message == "unrecognised event: expected a JSON object, found an array")
        #expect(error(#"{"Records": []}"#)?.code == .unrecognised)
        #expect(error(#"{"Records": [{"eventSource": "aws:kinesis"}]}"#)?.message.contains("aws:kinesis") == true)
        #expect(error(#"{"triggerSource": "PreSignUp_SignUp"}"#)?.message.contains("PreSignUp_SignUp") == true)
    }

    @Test func namesTheJSONPathThatFailedToDecode() {
        let request = #"""
            {"version":"2.0","routeKey":"$default","rawPath":"/","rawQueryString":"","headers":{},
             "requestContext":{"accountId":"1","apiId":"a","domainName":"a.execute-api.eu-west-1.amazonaws.com",
             "domainPrefix":"a","http":{"method":7,"path":"/","protocol":"HTTP/1.1","sourceIp":"1.2.3.4",
             "userAgent":"x"},"requestId":"r","routeKey":"$default","stage":"$default","time":"t","timeEpoch":1},
             "isBase64Encoded":false}
            """#
        #expect(
            error(request)
                == LambdaEventError(.invalid, "apigateway-http-v2 event: requestContext.http.method: expected a string")
        )
        let missing = request.replacingOccurrences(of: #""rawPath":"/","#, with: "")
        #expect(error(missing)?.code == .unrecognised)
        let noSize =
            #"{"Records":[{"eventSource":"aws:s3","eventVersion":"2.1","awsRegion":"eu-west-1","eventTime":"t","eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","configurationId":"c","bucket":{"name":"b","arn":"a"},"object":{"key":5}}}]}"#
        #expect(error(noSize)?.message == "s3 event: Records[0].s3.object.key: expected a string")
    }

    @Test func takesHandMadeEventsWithOnlyWhatHandlersReadAndNamesWhatIsMissing() throws {
        // No domainPrefix, nor anything else a handler does not read.
        let request = #"{"rawPath":"/api/uploads","requestContext":{"http":{"method":"POST"}}}"#
        guard case .apiGatewayV2(let http) = try LambdaEvent.decode(Array(request.utf8)) else {
            throw TestFailure("not an HTTP API request")
        }
        #expect(http.requestContext.http.method == "POST")
        #expect(http.header("authorization") == nil)
        #expect(try http.bodyBytes() == nil)
        let token = #"{"type":"TOKEN","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:a/prod/GET/x"}"#
        guard case .tokenAuthorizer(let authorizer) = try LambdaEvent.decode(Array(token.utf8)) else {
            throw TestFailure("not a TOKEN authorizer event")
        }
        #expect(authorizer.authorizationToken == nil)

        #expect(
            error(#"{"type":"TOKEN","authorizationToken":"Bearer x"}"#)
                == LambdaEventError(.invalid, "authorizer-token event: methodArn: required key is missing")
        )
        let noBucketName = #"""
            {"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put",
             "s3":{"bucket":{},"object":{"key":"k"}}}]}
            """#
        #expect(
            error(noBucketName)
                == LambdaEventError(.invalid, "s3 event: Records[0].s3.bucket.name: required key is missing")
        )
    }

    @Test func reportsMalformedJSONAndNestedPayloadsWithTheirPlace() throws {
        #expect(error(#"{"Records": [{"eventSource": "aws:s3""#)?.code == .malformed)
        let sqs =
            #"{"Records":[{"messageId":"m","receiptHandle":"r","body":"{not json","attributes":{},"messageAttributes":{},"md5OfBody":"x","eventSource":"aws:sqs","eventSourceARN":"a","awsRegion":"eu-west-1"}]}"#
        guard case .sqs(let event) = try LambdaEvent.decode(Array(sqs.utf8)) else {
            Issue.record("not sqs")
            return
        }
        do {
            _ = try event.records[0].s3Notification()
            Issue.record("decoded a broken body")
        } catch {
            #expect(error.code == .invalidNestedPayload)
            #expect(error.message.hasPrefix("body is not valid JSON"))
        }
    }

    @Test func survivesHostileInput() {
        let deep = String(repeating: #"{"a":"#, count: 100_000)
        #expect(error(deep)?.code == .malformed)
        let huge = #"{"x":""# + String(repeating: "y", count: 10 * 1024 * 1024) + #""}"#
        #expect(error(huge)?.code == .unrecognised)
        for cut in [1, 10, 30, 60] {
            let truncated = String(
                #"{"version":"2.0","routeKey":"$default","rawPath":"/","requestContext":{"domainName":"x"}}"#.prefix(
                    cut
                )
            )
            #expect(error(truncated)?.code == .malformed)
        }
    }
}
