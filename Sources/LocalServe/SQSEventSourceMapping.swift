import CurlHTTP
// Full Foundation (JSONSerialization, FileManager, URL) is fine here: LocalServe belongs to upload-edge serve and is
// never linked into bootstrap (see Package.swift; BootstrapBinaryTests fails if bootstrap links Foundation).
import Foundation
import LambdaRuntime
import LocalLambda
import SigV4

/// What Lambda's event source mapping does for an SQS queue: long-polls it, invokes the function with batches of
/// up to 10 messages as an SQS event, and deletes the messages that succeeded. With `ReportBatchItemFailures`, the
/// messages named in `batchItemFailures` stay in the queue for another try; when the invocation fails, all do.
///
/// `onObjectCreated`, when given, hears of the objects each delivered batch's S3 notifications name, as the batch goes
/// to the function and without waiting for it: what GuardDuty Malware Protection hears of the same creations in AWS.
public final class SQSEventSourceMapping: @unchecked Sendable {
    // @unchecked: `stopped` is the only shared state, behind `lock`; the client is used only by the polling thread.
    let queueURL: String
    let queueARN: String
    let region: String
    let function: RuntimeAPIEmulator
    let signer: SigV4Signer
    let endpoint: String
    let log: @Sendable (String) -> Void
    let onObjectCreated: (@Sendable ([CreatedObject]) -> Void)?
    private let lock = NSLock()
    private var stopped = false

    public init(
        endpoint: String,
        queueURL: String,
        queueARN: String,
        region: String,
        credentials: AWSCredentials,
        function: RuntimeAPIEmulator,
        log: @escaping @Sendable (String) -> Void,
        onObjectCreated: (@Sendable ([CreatedObject]) -> Void)? = nil
    ) throws {
        self.endpoint = endpoint
        self.onObjectCreated = onObjectCreated
        self.queueURL = queueURL
        self.queueARN = queueARN
        self.region = region
        self.function = function
        self.log = log
        signer = try SigV4Signer(
            credentials: credentials,
            region: region,
            service: "sqs",
            uriRule: .generic(normalizePath: true)
        )
    }

    /// Polls on a thread of its own until `stop()`.
    public func start() {
        Thread { [self] in self.run() }.start()
    }

    public func stop() {
        lock.withLock { stopped = true }
    }

    var isStopped: Bool { lock.withLock { stopped } }

    private func run() {
        guard let client = try? CurlHTTPClient() else { return log("SQS poller: libcurl could not start") }
        while !isStopped {
            do {
                let received = try call(
                    client,
                    "ReceiveMessage",
                    ["QueueUrl": queueURL, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1, "AttributeNames": ["All"]]
                )
                let messages = received["Messages"] as? [[String: Any]] ?? []
                if messages.isEmpty { continue }
                try deliver(messages, client: client)
            } catch {
                log("SQS poller: \(error); retrying in 1 s")
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    private func deliver(_ messages: [[String: Any]], client: CurlHTTPClient) throws {
        if let onObjectCreated {
            let created = messages.flatMap { Self.createdObjects(inBody: $0["Body"] as? String ?? "") }
            if !created.isEmpty { onObjectCreated(created) }
        }
        let records = messages.map { message -> [String: Any] in
            [
                "messageId": message["MessageId"] ?? "", "receiptHandle": message["ReceiptHandle"] ?? "",
                "body": message["Body"] ?? "", "attributes": message["Attributes"] ?? [String: String](),
                "messageAttributes": [String: Any](), "md5OfBody": message["MD5OfBody"] ?? "",
                "eventSource": "aws:sqs", "eventSourceARN": queueARN, "awsRegion": region,
            ]
        }
        let event = try JSONSerialization.data(withJSONObject: ["Records": records])
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox()
        let function = self.function
        Task {
            box.result = await function.invoke(InvocationRequest(payload: Array(event)))
            semaphore.signal()
        }
        semaphore.wait()
        guard let result = box.result, result.status == .ok else {
            log(
                "object-created failed (\(box.result?.status.rawValue ?? "no result")): its \(messages.count) message(s) stay queued"
            )
            return
        }
        var failed = Set<String>()
        if let answer = try? JSONSerialization.jsonObject(with: Data(result.body)) as? [String: Any],
            let failures = answer["batchItemFailures"] as? [[String: Any]]
        {
            for failure in failures { if let id = failure["itemIdentifier"] as? String { failed.insert(id) } }
        }
        let done = messages.filter { !failed.contains($0["MessageId"] as? String ?? "") }
        if !failed.isEmpty { log("object-created: \(failed.count) message(s) failed and stay queued") }
        guard !done.isEmpty else { return }
        let entries = done.enumerated().map { index, message in
            ["Id": "m\(index)", "ReceiptHandle": message["ReceiptHandle"] as? String ?? ""]
        }
        _ = try call(client, "DeleteMessageBatch", ["QueueUrl": queueURL, "Entries": entries])
    }

    final class ResultBox: @unchecked Sendable {  // written once by the task, read after the semaphore
        var result: InvocationResult?
    }

    /// One call of SQS's JSON protocol, signed.
    func call(_ client: CurlHTTPClient, _ action: String, _ parameters: [String: Any]) throws -> [String: Any] {
        let body = Array(try JSONSerialization.data(withJSONObject: parameters))
        guard let url = URL(string: endpoint), let host = url.host else {
            throw SetupError("bad SQS endpoint \(endpoint)")
        }
        let authority = url.port.map { "\(host):\($0)" } ?? host
        let request = SigningRequest(
            method: "POST",
            path: "/",
            headers: [
                .init("Host", authority), .init("Content-Type", "application/x-amz-json-1.0"),
                .init("X-Amz-Target", "AmazonSQS.\(action)"),
            ]
        )
        let signed = try signer.signHeaders(
            request,
            payload: .sha256(of: body),
            at: .now(),
            addContentSHA256Header: false
        )
        let headers = signed.request.headers.filter { $0.name != "Host" }.map { ($0.name, $0.value) }
        let response = try client.send(
            "POST",
            endpoint + "/",
            headers: headers,
            body: body,
            timeoutMilliseconds: 10_000
        )
        guard response.status == 200 else {
            throw SetupError("SQS \(action) answered \(response.status): \(response.text.prefix(200))")
        }
        return (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }
}

public struct SetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
