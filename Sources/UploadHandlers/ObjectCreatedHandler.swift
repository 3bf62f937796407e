import LambdaCodable
import LambdaEvents
import LambdaRuntime
import Logging
import S3
import S3Presigning
import SigV4

/// What to do with an object that failed validation (`REJECT_ACTION`).
public enum RejectAction: String, Sendable, CaseIterable {
    /// Copy to `{QUARANTINE_PREFIX}{key}` with metadata, tags and SSE kept, then delete the original.
    case quarantine
    /// Delete it; nothing of the upload is kept.
    case delete
    /// Leave it in place, tagged `upload-status=rejected`.
    case tagOnly = "tag-only"
}

/// The `object-created` handler's settings: the presigner's rules plus what to do with rejects.
public struct ObjectCreatedConfiguration: Sendable {
    /// The presigner's rules, which the stored object is held to.
    public var upload: PresignConfiguration
    /// `REJECT_ACTION` (default `quarantine`): what becomes of an object that fails.
    public var rejectAction: RejectAction
    /// `QUARANTINE_PREFIX` (default `quarantine/`): where rejected objects go. Keys under it are never validated.
    public var quarantinePrefix: String
    /// The client's endpoint: the presigner's, but never the accelerate endpoint (no gain inside the region).
    public var endpoint: S3Endpoint
    /// `SCAN_REQUIRED` (default `true`): a validated object waits, `pending`, for a malware verdict before it is
    /// `clean`. With `false` it is `clean` once validated, for stacks without GuardDuty.
    public var scanRequired: Bool
    /// `UPLOAD_STRIP_METADATA` (default `true`): JPEG, PNG and WebP objects are rewritten without EXIF, XMP,
    /// IPTC, comments and text chunks (the ICC profile and the orientation stay).
    public var stripMetadata: Bool
    /// `VALIDATE_MAX_BYTES` (default 64 MiB): objects up to this size are checked whole; larger ones by their head
    /// and tail, and the log says so.
    public var validateMaxBytes: Int64

    /// Settings given directly; the endpoint is the upload one, without acceleration.
    public init(
        upload: PresignConfiguration,
        rejectAction: RejectAction = .quarantine,
        quarantinePrefix: String,
        scanRequired: Bool = true,
        stripMetadata: Bool = true,
        validateMaxBytes: Int64 = 64 * 1024 * 1024
    ) {
        self.upload = upload
        self.rejectAction = rejectAction
        self.quarantinePrefix = quarantinePrefix
        self.scanRequired = scanRequired
        self.stripMetadata = stripMetadata
        self.validateMaxBytes = validateMaxBytes
        var endpoint = upload.endpoint
        if case .accelerate = endpoint.style { endpoint.style = .virtualHosted }
        self.endpoint = endpoint
    }

    /// From the presigner's variables, `REJECT_ACTION`, `QUARANTINE_PREFIX`, `SCAN_REQUIRED`, `UPLOAD_STRIP_METADATA`
    /// and `VALIDATE_MAX_BYTES`.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let upload = try PresignConfiguration(environment: environment)
        let action: RejectAction
        switch environment.string("REJECT_ACTION")?.lowercased() {
        case nil: action = .quarantine
        case let text?:
            guard let parsed = RejectAction(rawValue: text) else {
                throw ConfigurationError("REJECT_ACTION", "is \"\(text)\"; it must be quarantine, delete or tag-only")
            }
            action = parsed
        }
        let quarantine = try Self.quarantinePrefix(environment, keyPrefix: upload.limits.keyPrefix)
        self.init(
            upload: upload,
            rejectAction: action,
            quarantinePrefix: quarantine,
            scanRequired: try environment.boolean("SCAN_REQUIRED", default: true),
            stripMetadata: try environment.boolean("UPLOAD_STRIP_METADATA", default: true),
            validateMaxBytes: try environment.integer(
                "VALIDATE_MAX_BYTES",
                default: 64 * 1024 * 1024,
                in: 1_048_576...UploadLimits.s3ObjectMax
            )
        )
    }

    /// `QUARANTINE_PREFIX`, checked: a folder, apart from the upload prefix.
    static func quarantinePrefix(
        _ environment: EnvironmentReader,
        keyPrefix: String
    ) throws(ConfigurationError) -> String {
        let quarantine = environment.string("QUARANTINE_PREFIX") ?? "quarantine/"
        guard quarantine.hasSuffix("/"), quarantine != "/", !quarantine.hasPrefix("/") else {
            throw ConfigurationError(
                "QUARANTINE_PREFIX",
                "is \"\(quarantine)\"; it must be a folder such as quarantine/"
            )
        }
        guard !quarantine.hasPrefix(keyPrefix), !keyPrefix.hasPrefix(quarantine) else {
            throw ConfigurationError(
                "QUARANTINE_PREFIX",
                "is \"\(quarantine)\", which overlaps UPLOAD_KEY_PREFIX \"\(keyPrefix)\"; keep them apart"
            )
        }
        return quarantine
    }
}

/// Validates every uploaded object after it lands, then tags it clean, or tags it rejected and quarantines or
/// deletes it.
///
/// Takes S3 notifications directly, from EventBridge, through SNS, or through SQS (answering `batchItemFailures`
/// so only failed messages come back). S3 delivers at least once: processing a record again reaches the same final
/// state, and an object already moved counts as done. An S3 failure on one record leaves that object untouched and
/// does not stop the others.
public struct ObjectCreatedHandler: LambdaHandler {
    /// The tag that records the state, `pending`, `clean` or `rejected`, and the one with a rejection's reason.
    public static let statusTag = "upload-status"
    /// The tag with a rejected object's reason code.
    public static let reasonTag = "upload-reason"

    /// The rules, the reject action and the scan and strip settings.
    public let configuration: ObjectCreatedConfiguration
    /// The checks of one object's size, type, owner and encryption.
    public let validation: ObjectValidation
    let client: S3Client

    /// A handler that reads, tags, rewrites and moves objects through `client`.
    public init(configuration: ObjectCreatedConfiguration, client: S3Client) {
        self.configuration = configuration
        self.validation = ObjectValidation(configuration: configuration.upload)
        self.client = client
    }

    /// From the environment: the presigner's variables, `REJECT_ACTION`, `QUARANTINE_PREFIX` and the function's
    /// credentials.
    public init(environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) {
        let configuration = try ObjectCreatedConfiguration(environment: environment)
        let credentials = try AWSCredentials(environment: environment)
        do {
            self.init(
                configuration: configuration,
                client: try S3Client(credentials: credentials, endpoint: configuration.endpoint)
            )
        } catch {
            throw ConfigurationError("S3_ENDPOINT", "\(error)")
        }
    }

    /// One object to validate, from whichever envelope carried it.
    public struct ObjectRecord: Sendable, Equatable {
        /// The bucket the object is in.
        public var bucket: String
        /// The key as stored (notification keys arrive URL-encoded and are decoded here).
        public var key: String
        /// The size the notification reported, which the stored object must match; `nil` when it gave none.
        public var size: Int64?

        /// The object `key` of `bucket`, with the size the notification reported.
        public init(bucket: String, key: String, size: Int64?) {
            self.bucket = bucket
            self.key = key
            self.size = size
        }
    }

    /// What became of one object.
    public struct Outcome: Sendable, Equatable, Encodable {
        /// How processing one object ended.
        public enum Status: String, Sendable, Encodable {
            /// Validated, waiting for the malware verdict (or a verdict kept until validation ends).
            case pending
            /// `clean`: validated and scanned clean; `rejected`: failed validation or the scan, and the reject action taken;
            /// `skipped`: not an upload to check (another bucket, a quarantine copy, a stale verdict); `gone`: deleted before
            /// it was read; `failed`: an S3 or decoding error, so the message is retried.
            case clean, rejected, skipped, gone, failed
        }

        /// The object's key.
        public var key: String
        /// How processing the object ended.
        public var status: Status
        /// The rejection's reason code, or the S3 error of a failure.
        public var reason: String?
        /// `quarantined`, `deleted`, `tagged`, or nothing.
        public var action: String?
        /// The object's size in bytes, once read.
        public var size: Int64?
        /// The object's stored media type, once read.
        public var type: String?
        /// How much of the object the checks read: `whole-file`, or `head-and-tail` past `VALIDATE_MAX_BYTES`.
        public var checked: String?
    }

    /// Validates every object of an S3, EventBridge, SNS or SQS event, or applies a GuardDuty scan result.
    public mutating func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        switch try LambdaEvent.decode(event) {
        case .sqs(let batch):
            var failed: [String] = []
            for message in batch.records {
                let outcomes = process(messageBody: message.body, context: context)
                if outcomes.contains(where: { $0.status == .failed }) { failed.append(message.messageId) }
            }
            return try LambdaJSONEncoder().encode(SQSBatchResponse(failedMessageIDs: failed))
        case .sns(let event):
            var outcomes: [Outcome] = []
            for record in event.records { outcomes += process(messageBody: record.sns.message, context: context) }
            return try finish(outcomes)
        case .s3(let event):
            return try finish(process(Self.records(of: event), context: context))
        case .eventBridgeS3(let event):
            return try finish(process(Self.records(of: event), context: context))
        case .guardDutyMalwareScan(let event):
            return try finish([process(scan: event, context: context)])
        case .s3Test(let event):
            context.logger.info("s3:TestEvent acknowledged", metadata: ["bucket": "\(event.bucket ?? "-")"])
            return try finish([])
        case let other:
            throw LambdaEventError(
                .unrecognised,
                "object-created takes S3, EventBridge (S3 and GuardDuty), SNS and SQS notifications, not "
                    + "\(other.kind.rawValue) events"
            )
        }
    }

    /// A summary for the invoker; when any record failed, an error naming them so Lambda retries the event.
    private func finish(_ outcomes: [Outcome]) throws -> [UInt8] {
        let failed = outcomes.filter { $0.status == .failed }
        guard failed.isEmpty else { throw ObjectCreatedError(failed: failed) }
        return try LambdaJSONEncoder().encode(Summary(objects: outcomes))
    }

    struct Summary: Encodable {
        var objects: [Outcome]
    }

    /// The records in an SQS or SNS body: an S3 notification (possibly in an SNS envelope) or an EventBridge event.
    /// A body that is neither counts as failed, so SQS keeps it and it ends in the dead-letter queue, not lost.
    private func process(messageBody body: String, context: LambdaContext) -> [Outcome] {
        let records: [ObjectRecord]
        do {
            switch try S3Notification.decode(body, path: "body") {
            case .records(let event): records = Self.records(of: event)
            case .test: return []
            }
        } catch {
            switch try? LambdaEvent.decode(Array(body.utf8)) {
            case .eventBridgeS3(let event)?:
                records = Self.records(of: event)
            case .guardDutyMalwareScan(let event)?:
                return [process(scan: event, context: context)]
            default:
                context.logger.error("message is not an S3 notification", metadata: ["error": "\(error)"])
                return [Outcome(key: "", status: .failed, reason: "undecodable-message")]
            }
        }
        return process(records, context: context)
    }

    static func records(of event: S3Event) -> [ObjectRecord] {
        event.records.filter { $0.eventName.isObjectCreated }.map { record in
            // Notification keys are form-encoded (`+` for a space); an undecodable key is kept as sent and fails
            // its HEAD, which is reported.
            ObjectRecord(
                bucket: record.s3.bucket.name,
                key: record.s3.object.decodedKey ?? record.s3.object.key,
                size: record.s3.object.size
            )
        }
    }

    static func records(of event: EventBridgeS3Event) -> [ObjectRecord] {
        guard event.detailType == "Object Created" else { return [] }
        // EventBridge keys are not encoded.
        return [
            ObjectRecord(bucket: event.detail.bucket.name, key: event.detail.object.key, size: event.detail.object.size)
        ]
    }

    private func process(_ records: [ObjectRecord], context: LambdaContext) -> [Outcome] {
        records.map { record in
            let started = WallClock.nowMilliseconds()
            let outcome: Outcome
            do throws(S3Error) {
                outcome = try process(record)
            } catch {
                outcome = Outcome(key: record.key, status: .failed, reason: "\(error.awsCode)", size: record.size)
                context.logger.error(
                    "object-created failed; the object is left as it was",
                    metadata: ["key": "\(record.key)", "error": "\(error)"]
                )
            }
            var metadata: Logger.Metadata = [
                "bucket": "\(record.bucket)", "key": "\(record.key)", "outcome": "\(outcome.status.rawValue)",
                "durationMs": "\(WallClock.nowMilliseconds() - started)",
            ]
            if let size = outcome.size { metadata["size"] = "\(size)" }
            if let type = outcome.type { metadata["type"] = "\(type)" }
            if let reason = outcome.reason { metadata["reason"] = "\(reason)" }
            if let action = outcome.action { metadata["action"] = "\(action)" }
            if let checked = outcome.checked { metadata["checked"] = "\(checked)" }
            context.logger.info("object-created", metadata: metadata)
            return outcome
        }
    }

    /// Validates one object, then moves it to `pending` (waiting for its malware verdict), `clean` or `rejected`.
    /// - Throws: `S3Error` when S3 fails; nothing has been changed that a retry would not redo the same way.
    public func process(_ record: ObjectRecord) throws(S3Error) -> Outcome {
        let key = record.key
        if key.hasPrefix(configuration.quarantinePrefix) {
            return Outcome(key: key, status: .skipped, reason: "quarantine-copy", size: record.size)
        }
        guard record.bucket == configuration.upload.bucket else {
            return Outcome(key: key, status: .skipped, reason: "other-bucket", size: record.size)
        }
        let bucket = record.bucket
        let head: S3ObjectHead
        do {
            head = try client.headObject(bucket: bucket, key: key)
        } catch  where error.code == .noSuchKey {
            // Already quarantined or deleted by an earlier delivery of this record, or by its owner.
            return Outcome(key: key, status: .gone, size: record.size)
        }
        let object = Subject(bucket: bucket, key: key, head: head)
        let tags = try client.getObjectTagging(bucket: bucket, key: key)
        switch tags[Self.statusTag] {
        case "clean":
            return object.outcome(.clean)
        case "rejected":
            // An earlier delivery tagged it and did not finish moving it: finish.
            let reason = tags[Self.reasonTag] ?? "rejected"
            return object.outcome(.rejected, reason: reason, action: try reject(object, reason: reason))
        case "pending":
            // Validated before (this is a redelivery, or the event of our own stripped rewrite).
            return try conclude(object, action: nil)
        default:
            break
        }
        var action: String?
        var current = object
        do {
            try validation.checkHead(key: key, eventSize: record.size, head: head)
            let firstBytes = try client.getObject(
                bucket: bucket,
                key: key,
                range: 0...Int64(ContentSniffer.sniffLength - 1)
            )
            try validation.checkContent(head: head, firstBytes: firstBytes)
            let strip =
                configuration.stripMetadata && Self.strippableTypes.contains(object.type)
                && head.metadata[Self.originalDigestMetadata] == nil
            let inspection = try ObjectInspection(client: client, maxBytes: configuration.validateMaxBytes)
                .inspect(bucket: bucket, key: key, head: head, type: object.type, strip: strip)
            if let stripped = inspection.stripped {
                current = try rewrite(object, with: stripped, originalSHA256: inspection.sha256Hex)
                action = "stripped"
            }
            current.checked = inspection.wholeFile ? "whole-file" : "head-and-tail"
        } catch let rejection as ObjectValidation.Rejection {
            return object.outcome(
                .rejected,
                reason: rejection.reason,
                action: try reject(object, reason: rejection.reason)
            )
        } catch let error as S3Error {
            throw error
        } catch {
            throw S3Error(.invalidResponse, awsCode: "Unexpected", message: "\(error)")
        }
        return try conclude(current, action: action)
    }
}

/// Raised after every record of a non-SQS event was tried, when some failed: Lambda then retries the event, and
/// the records that succeeded come out the same the second time.
public struct ObjectCreatedError: Error, LambdaReportableError, CustomStringConvertible {
    /// The objects that could not be processed, each with its S3 error.
    public var failed: [ObjectCreatedHandler.Outcome]

    /// `ObjectCreated.Failed`: Lambda retries the event.
    public var errorType: String { "ObjectCreated.Failed" }
    /// How many objects failed, and the first five keys with their errors.
    public var errorMessage: String {
        let keys = failed.prefix(5).map { "\($0.key) (\($0.reason ?? "error"))" }.joined(separator: ", ")
        return "\(failed.count) object(s) could not be processed and were left as they were: \(keys)"
    }
    /// The same text as `errorMessage`, for logs and string interpolation.
    public var description: String { errorMessage }
}

extension AWSCredentials {
    /// The function's credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
    init(environment: EnvironmentReader) throws(ConfigurationError) {
        do {
            try self.init(
                accessKeyID: environment.required(
                    "AWS_ACCESS_KEY_ID",
                    "an access key id (Lambda sets it from the role)"
                ),
                secretAccessKey: environment.required(
                    "AWS_SECRET_ACCESS_KEY",
                    "the secret key (Lambda sets it from the role)"
                ),
                sessionToken: environment.string("AWS_SESSION_TOKEN")
            )
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError("AWS_ACCESS_KEY_ID", "\(error)")
        }
    }
}
