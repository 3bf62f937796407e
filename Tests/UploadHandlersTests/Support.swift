import Foundation
import LambdaRuntime
import Logging
import S3Presigning
import SigV4
import TestSupport
import UploadHandlers

/// What the handler tests share: a context, fixture editing, and a handler with a fixed clock and UUID.
enum Fixture {
    static let context = LambdaContext(
        requestID: "test-request",
        deadlineMilliseconds: .max,
        invokedFunctionARN: "arn:aws:lambda:eu-west-1:123456789012:function:upload-edge",
        logger: Logger(label: "test")
    )

    /// 2026-11-25T14:27:15Z, the time of the sample events.
    static let now: Int64 = 1_795_616_835
    static let uuid = "0b5c4a8e-3f1d-4e2a-9c7b-6d5e4f3a2b1c"
    static let credentials = try! AWSCredentials(
        accessKeyID: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    )

    static func configuration(
        kms: String? = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        group: String? = nil,
        cors: [String] = ["https://d111111abcdef8.cloudfront.net"],
        limits: UploadLimits = .init()
    ) -> PresignConfiguration {
        PresignConfiguration(
            bucket: "upload-edge-uploads",
            region: "eu-west-1",
            limits: limits,
            kmsKeyID: kms,
            requiredGroup: group,
            corsAllowOrigins: cors,
            endpoint: try! S3Endpoint(region: "eu-west-1")
        )
    }

    static func presign(_ configuration: PresignConfiguration = configuration()) throws -> PresignHandler {
        try PresignHandler(
            configuration: configuration,
            credentials: credentials,
            clock: { now },
            makeUUID: { uuid }
        )
    }

    /// A JSON file as an object, to edit.
    static func object(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw TestFailure("\(path) is not a JSON object") }
        return object
    }

    static func bytes(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object))
    }

    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(String(decoding: bytes, as: UTF8.self))")
        }
        return object
    }

    /// An HTTP response's status, headers and parsed body.
    struct HTTPResult {
        var status: Int
        var headers: [String: String]
        var body: [String: Any]

        var error: String? { body["error"] as? String }
        var message: String { body["message"] as? String ?? "" }
    }

    static func http(_ bytes: [UInt8]) throws -> HTTPResult {
        let response = try json(bytes)
        let body = (response["body"] as? String).flatMap { text in
            try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        }
        return HTTPResult(
            status: response["statusCode"] as? Int ?? -1,
            headers: response["headers"] as? [String: String] ?? [:],
            body: body ?? [:]
        )
    }

    /// Sets the body of an API request event (plain JSON text).
    static func withBody(_ event: [String: Any], _ body: Any?) throws -> [String: Any] {
        var event = event
        if let body {
            if let text = body as? String {
                event["body"] = text
            } else {
                event["body"] = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            }
        } else {
            event["body"] = nil
        }
        event["isBase64Encoded"] = false
        return event
    }
}
