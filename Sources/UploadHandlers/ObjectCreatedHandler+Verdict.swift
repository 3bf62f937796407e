import LambdaEvents
import LambdaRuntime
import S3

/// The malware verdict, and the states it moves an upload through.
///
/// `upload-status` (`statusTag`) moves `pending` → `clean` or `rejected`:
/// - `pending`: validation passed, no verdict yet;
/// - `clean`: validation passed and the scan said `NO_THREATS_FOUND` (or `SCAN_REQUIRED` is off);
/// - `rejected`: validation failed, or the scan found a threat (`malware:<name>`), or it could not scan
///   (`scan-unsupported`, `scan-access_denied`, `scan-failed`): fail closed.
///
/// The two events may come in either order, and more than once. A verdict that arrives before validation ends is
/// kept in the object's tags (`upload-scan`, `upload-threat`, `upload-scan-etag`), and the verdict's handler runs
/// the validation itself, which applies it (a validation running at the same time reaches the same end).
/// A verdict names the ETag it scanned: one for other bytes than the object now holds (a replaced object, or the
/// original of a stripped image) is stale and ignored. Tags are always merged with what the object has, so
/// GuardDuty's `GuardDutyMalwareScanStatus` stays.
extension ObjectCreatedHandler {
    /// The verdict kept until validation ends: GuardDuty's result, the threat's name, and the ETag scanned.
    public static let scanTag = "upload-scan"
    /// The name of the threat a kept verdict found.
    public static let threatTag = "upload-threat"
    /// The ETag of the bytes a kept verdict scanned, so a verdict for other bytes is ignored.
    public static let scanETagTag = "upload-scan-etag"
    /// The tag GuardDuty Malware Protection writes on every object it scans.
    public static let guardDutyTag = "GuardDutyMalwareScanStatus"
    /// Metadata of a rewritten (stripped) object: the hex SHA-256 of the bytes that were uploaded.
    public static let originalDigestMetadata = "original-sha256"
    static let strippableTypes: Set<String> = ["image/jpeg", "image/png", "image/webp"]

    /// One object as it stands: where it is, its HEAD, its validated type.
    struct Subject {
        var bucket: String
        var key: String
        var head: S3ObjectHead
        var checked: String?

        init(bucket: String, key: String, head: S3ObjectHead) {
            self.bucket = bucket
            self.key = key
            self.head = head
        }

        var type: String { ObjectValidation.mediaType(head.contentType) }

        func outcome(_ status: Outcome.Status, reason: String? = nil, action: String? = nil) -> Outcome {
            Outcome(
                key: key,
                status: status,
                reason: reason,
                action: action,
                size: head.size,
                type: type,
                checked: checked
            )
        }
    }

    /// A verdict, from an event or from the tags.
    struct Verdict: Equatable {
        var result: GuardDutyMalwareScanEvent.ScanResult
        var threat: String?

        /// The state and reason it gives a validated object.
        var conclusion: (status: String, reason: String?) {
            switch result {
            case .noThreatsFound: ("clean", nil)
            case .threatsFound: ("rejected", "malware:" + (threat ?? "unknown"))
            default: ("rejected", "scan-" + result.description.lowercased())
            }
        }
    }

    /// The verdict for the object's current bytes in `tags`: ours when it names this ETag (or none), else
    /// GuardDuty's own tag, which belongs to the object version it was written on.
    static func verdict(in tags: [String: String], eTag: String?) -> Verdict? {
        if let kept = tags[scanTag] {
            let scanned = tags[scanETagTag]
            if scanned == nil || eTag == nil || scanned == PresignHandler.unquoted(eTag!).description {
                return Verdict(result: .init(kept), threat: tags[threatTag])
            }
        }
        if let status = tags[guardDutyTag] { return Verdict(result: .init(status), threat: nil) }
        return nil
    }

    // MARK: - Validation's end

    /// After validation passed: applies a verdict already known (or `clean` without `SCAN_REQUIRED`), else marks
    /// the object `pending` and looks once more, since a verdict may have landed meanwhile.
    func conclude(_ object: Subject, action: String?) throws(S3Error) -> Outcome {
        var tags = try client.getObjectTagging(bucket: object.bucket, key: object.key)
        let verdict =
            configuration.scanRequired
            ? Self.verdict(in: tags, eTag: object.head.eTag) : Verdict(result: .noThreatsFound)
        if let verdict { return try apply(verdict, to: object, tags: tags, action: action) }
        if tags[Self.statusTag] != "pending" {
            tags[Self.statusTag] = "pending"
            tags[Self.reasonTag] = nil
            try client.putObjectTagging(bucket: object.bucket, key: object.key, tags: Self.bounded(tags))
        }
        let again = try client.getObjectTagging(bucket: object.bucket, key: object.key)
        if let verdict = Self.verdict(in: again, eTag: object.head.eTag) {
            return try apply(verdict, to: object, tags: again, action: action)
        }
        if again[Self.statusTag] != "pending" {
            // A verdict's tag write replaced ours in the same instant: write it again, merged.
            var merged = again
            merged[Self.statusTag] = "pending"
            try client.putObjectTagging(bucket: object.bucket, key: object.key, tags: Self.bounded(merged))
        }
        return object.outcome(.pending, action: action)
    }

    /// Moves a validated object to the verdict's state.
    func apply(
        _ verdict: Verdict,
        to object: Subject,
        tags: [String: String],
        action: String?
    ) throws(S3Error) -> Outcome {
        let (status, reason) = verdict.conclusion
        if status == "clean" {
            var clean = tags
            clean[Self.statusTag] = "clean"
            clean[Self.reasonTag] = nil
            if clean != tags {
                try client.putObjectTagging(bucket: object.bucket, key: object.key, tags: Self.bounded(clean))
            }
            return object.outcome(.clean, action: action ?? (clean != tags ? "tagged" : nil))
        }
        let why = reason ?? "rejected"
        return object.outcome(.rejected, reason: why, action: try reject(object, reason: why))
    }

    // MARK: - The scan result

    /// GuardDuty's (or the local stand-in's) verdict on one object.
    func process(scan event: GuardDutyMalwareScanEvent, context: LambdaContext) -> Outcome {
        let details = event.detail.s3ObjectDetails
        do throws(S3Error) {
            let outcome = try process(scan: event)
            context.logger.info(
                "object-created scan result",
                metadata: [
                    "key": "\(details.objectKey)", "result": "\(event.detail.result)",
                    "threats": "\((event.detail.scanResultDetails?.threats ?? []).compactMap(\.name))",
                    "outcome": "\(outcome.status.rawValue)", "reason": "\(outcome.reason ?? "-")",
                ]
            )
            return outcome
        } catch {
            context.logger.error(
                "object-created failed to apply a scan result; the object is left as it was",
                metadata: ["key": "\(details.objectKey)", "error": "\(error)"]
            )
            return Outcome(key: details.objectKey, status: .failed, reason: "\(error.awsCode)")
        }
    }

    /// Applies a malware scan's verdict to its object, or keeps it in the tags until validation ends.
    public func process(scan event: GuardDutyMalwareScanEvent) throws(S3Error) -> Outcome {
        let details = event.detail.s3ObjectDetails
        let key = details.objectKey
        guard details.bucketName == configuration.upload.bucket else {
            return Outcome(key: key, status: .skipped, reason: "other-bucket")
        }
        if key.hasPrefix(configuration.quarantinePrefix) {
            return Outcome(key: key, status: .skipped, reason: "quarantine-copy")
        }
        let head: S3ObjectHead
        do {
            head = try client.headObject(bucket: details.bucketName, key: key)
        } catch  where error.code == .noSuchKey {
            try nameThreat(of: event, inQuarantineCopyOf: key)
            return Outcome(key: key, status: .gone)
        }
        let object = Subject(bucket: details.bucketName, key: key, head: head)
        if let scanned = details.eTag, let current = head.eTag,
            PresignHandler.unquoted(scanned) != PresignHandler.unquoted(current)
        {
            // A verdict on bytes this key no longer holds: its own scan comes with its own event.
            return object.outcome(.skipped, reason: "stale-verdict")
        }
        let verdict = Verdict(
            result: event.detail.result,
            threat: event.detail.scanResultDetails?.threats?.first?.name.map { Self.tagValue($0) }
        )
        var tags = try client.getObjectTagging(bucket: object.bucket, key: key)
        switch tags[Self.statusTag] {
        case "pending", "clean":
            // A late threat verdict rejects a clean object too (SCAN_REQUIRED was off, or the scans disagreed).
            return try apply(verdict, to: object, tags: tags, action: nil)
        case "rejected":
            let reason = tags[Self.reasonTag] ?? "rejected"
            return object.outcome(.rejected, reason: reason, action: try reject(object, reason: reason))
        default:
            // No state yet: validation has not ended, or its `pending` was lost to a concurrent tag write (GuardDuty's
            // own merge of its tag, or ours). Keep the verdict, then validate here: the validation concludes with the
            // kept verdict, and one running at the same time reaches the same end. Nothing is left waiting for an
            // event that already came.
            tags[Self.scanTag] = verdict.result.description
            tags[Self.threatTag] = verdict.threat
            tags[Self.scanETagTag] = head.eTag.map { PresignHandler.unquoted($0).description }
            try client.putObjectTagging(bucket: object.bucket, key: key, tags: Self.bounded(tags))
            return try process(ObjectRecord(bucket: object.bucket, key: key, size: nil))
        }
    }

    /// Validation may have rejected the object on GuardDuty's tag alone (`malware:unknown`: the tag has no threat
    /// name) and moved it before this event came: give the quarantine copy the threat's name.
    func nameThreat(of event: GuardDutyMalwareScanEvent, inQuarantineCopyOf key: String) throws(S3Error) {
        guard event.detail.result == .threatsFound,
            let threat = event.detail.scanResultDetails?.threats?.first?.name,
            configuration.rejectAction == .quarantine
        else { return }
        let copy = configuration.quarantinePrefix + key
        let tags: [String: String]
        do {
            tags = try client.getObjectTagging(bucket: configuration.upload.bucket, key: copy)
        } catch  where error.code == .noSuchKey {
            return
        }
        guard tags[Self.reasonTag] == "malware:unknown" else { return }
        var named = tags
        named[Self.reasonTag] = Self.tagValue("malware:" + threat)
        named[Self.threatTag] = Self.tagValue(threat)
        try client.putObjectTagging(bucket: configuration.upload.bucket, key: copy, tags: Self.bounded(named))
    }

    // MARK: - Rejection

    /// Tags the object rejected (merged, fresh), then applies `REJECT_ACTION`. Each step is safe to repeat: the
    /// quarantine copy is made only when it does not exist yet, and deleting a deleted key succeeds. Quarantine is
    /// under `QUARANTINE_PREFIX`, which the bucket policy lets no one but this function's role read.
    func reject(_ object: Subject, reason: String) throws(S3Error) -> String {
        let bucket = object.bucket
        let key = object.key
        let tags = try client.getObjectTagging(bucket: bucket, key: key)
        var rejected = tags
        rejected[Self.statusTag] = "rejected"
        rejected[Self.reasonTag] = Self.tagValue(reason)
        if rejected != tags {
            try client.putObjectTagging(bucket: bucket, key: key, tags: Self.bounded(rejected))
        }
        switch configuration.rejectAction {
        case .tagOnly:
            return "tagged"
        case .delete:
            try client.deleteObject(bucket: bucket, key: key)
            return "deleted"
        case .quarantine:
            let destination = configuration.quarantinePrefix + key
            let exists: Bool
            do {
                _ = try client.headObject(bucket: bucket, key: destination)
                exists = true
            } catch  where error.code == .noSuchKey {
                exists = false
            }
            if !exists {
                // Keep the object's own KMS key; an object that came without SSE-KMS is encrypted with ours.
                let head = object.head
                let kmsKey = head.serverSideEncryption == "aws:kms" ? head.kmsKeyID : configuration.upload.kmsKeyID
                // The copy gets its tags in the copy request itself: the source's set may have been rewritten
                // since our tag write (GuardDuty merges its tag by reading and rewriting the whole set), and a
                // quarantined copy without its status and reason would say "rejected" with no reason.
                var copyTags = try client.getObjectTagging(bucket: bucket, key: key)
                copyTags[Self.statusTag] = "rejected"
                copyTags[Self.reasonTag] = Self.tagValue(reason)
                try client.copyObject(
                    from: (bucket, key),
                    to: (bucket, destination),
                    options: .init(kmsKeyID: kmsKey, tags: Self.bounded(copyTags))
                )
            }
            try client.deleteObject(bucket: bucket, key: key)
            return "quarantined"
        }
    }

    /// S3 allows 10 tags: ours win over the object's own when there are too many.
    static func bounded(_ tags: [String: String]) -> [String: String] {
        guard tags.count > 10 else { return tags }
        let ours: Set<String> = [statusTag, reasonTag, scanTag, threatTag, scanETagTag, guardDutyTag]
        var kept = tags.filter { ours.contains($0.key) }
        for (name, value) in tags.sorted(by: { $0.key < $1.key }) where kept.count < 10 && kept[name] == nil {
            kept[name] = value
        }
        return kept
    }

    /// `text` as an S3 tag value: letters, digits, spaces and `_ . : / = + - @` only (others become `_`), at most
    /// 256 characters. Threat names such as `EICAR-Test-File (not a virus)` carry parentheses.
    static func tagValue(_ text: String) -> String {
        let allowed = Set(" _.:/=+-@")
        let mapped = text.map { character -> Character in
            character.isLetter || character.isNumber || allowed.contains(character) ? character : "_"
        }
        return String(mapped.prefix(256))
    }
}
