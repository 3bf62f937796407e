import LambdaCodable
import LambdaEvents
import LambdaRuntime
import Testing

/// Responses encode to the exact JSON AWS reads, and decode back.
@Suite("Response encoding")
struct ResponseEncodingTests {
    private func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try LambdaJSONEncoder().encode(value), as: UTF8.self)
    }

    @Test func encodesHTTPAPIResponsesWithCookiesAndBase64() throws {
        let response = APIGatewayV2Response(
            statusCode: 201,
            headers: ["content-type": "application/json"],
            cookies: ["a=1; Secure", "b=2; HttpOnly"],
            body: #"{"ok":true}"#
        )
        #expect(
            try json(response)
                == #"{"statusCode":201,"headers":{"content-type":"application/json"},"cookies":["a=1; Secure","b=2; HttpOnly"],"body":"{\"ok\":true}"}"#
        )
        let binary = APIGatewayV2Response(statusCode: 200, binaryBody: [0, 255, 1])
        #expect(binary.body == "AP8B")
        #expect(binary.isBase64Encoded == true)
        for value in [response, binary] {
            #expect(
                try LambdaJSONDecoder().decode(APIGatewayV2Response.self, from: try LambdaJSONEncoder().encode(value))
                    == value
            )
        }
    }

    @Test func encodesRESTResponsesWithMultiValueHeaders() throws {
        let response = APIGatewayResponse(statusCode: 302, multiValueHeaders: ["Set-Cookie": ["a=1", "b=2"]], body: "")
        #expect(try json(response) == #"{"statusCode":302,"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":""}"#)
        #expect(
            try LambdaJSONDecoder().decode(APIGatewayResponse.self, from: try LambdaJSONEncoder().encode(response))
                == response
        )
    }

    @Test func encodesAnIAMPolicyInTheShapeAPIGatewayReads() throws {
        let policy = APIGatewayAuthorizerPolicyResponse(
            principalId: "7d8e9f10",
            effect: .allow,
            resource: "arn:aws:execute-api:eu-west-1:123456789012:abc123defg/prod/POST/uploads",
            context: ["sub": .string("7d8e9f10"), "maxBytes": .integer(10_485_760)]
        )
        #expect(
            try json(policy)
                == #"{"principalId":"7d8e9f10","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:eu-west-1:123456789012:abc123defg/prod/POST/uploads"}]},"context":{"maxBytes":10485760,"sub":"7d8e9f10"}}"#
        )
        #expect(
            try LambdaJSONDecoder().decode(
                APIGatewayAuthorizerPolicyResponse.self,
                from: try LambdaJSONEncoder().encode(policy)
            )
                == policy
        )
    }

    @Test func encodesTheSimpleAuthorizerResponse() throws {
        let response = APIGatewaySimpleAuthorizerResponse(
            isAuthorized: true,
            context: ["groups": .array([.string("pro")])]
        )
        #expect(try json(response) == #"{"isAuthorized":true,"context":{"groups":["pro"]}}"#)
    }

    @Test func encodesTheSQSBatchResponse() throws {
        #expect(
            try json(SQSBatchResponse(failedMessageIDs: ["m-1", "m-2"]))
                == #"{"batchItemFailures":[{"itemIdentifier":"m-1"},{"itemIdentifier":"m-2"}]}"#
        )
        #expect(try json(SQSBatchResponse()) == #"{"batchItemFailures":[]}"#)
    }

    @Test func preTokenGenerationV1TakesStringsAndV2TypedClaims() throws {
        var v1 = try LambdaJSONDecoder().decode(
            CognitoPreTokenGenerationV1Event.self,
            from: try ProjectEventsBytes.load("cognito-pretokengen-v1.json")
        )
        v1.response = .init(claimsOverrideDetails: .init(claimsToAddOrOverride: ["upload:maxBytes": "10485760"]))
        let v1JSON = try json(v1)
        #expect(
            v1JSON.contains(
                #""response":{"claimsOverrideDetails":{"claimsToAddOrOverride":{"upload:maxBytes":"10485760"}}}"#
            )
        )

        var v2 = try LambdaJSONDecoder().decode(
            CognitoPreTokenGenerationV2Event.self,
            from: try ProjectEventsBytes.load("cognito-pretokengen-v2.json")
        )
        v2.response = .init(
            claimsAndScopeOverrideDetails: .init(
                idTokenGeneration: .init(claimsToAddOrOverride: ["upload:maxBytes": .integer(10_485_760)]),
                accessTokenGeneration: .init(
                    claimsToAddOrOverride: ["upload:prefix": .string("uploads/u/")],
                    scopesToAdd: ["upload/write"]
                )
            )
        )
        let v2JSON = try json(v2)
        #expect(v2JSON.contains(#""idTokenGeneration":{"claimsToAddOrOverride":{"upload:maxBytes":10485760}}"#))
        #expect(v2JSON.contains(#""scopesToAdd":["upload/write"]"#))
        #expect(try LambdaJSONDecoder().decode(CognitoPreTokenGenerationV2Event.self, from: Array(v2JSON.utf8)) == v2)
    }
}

/// Reads a sample without Foundation in the test's signature.
enum ProjectEventsBytes {
    static func load(_ name: String) throws -> [UInt8] {
        try TestSupportBridge.bytes(name)
    }
}
