import S3

/// The rules an uploaded object is held to after it lands, and the check of one object against them.
///
/// The presigner bound each upload to its key, size, type, owner and encryption; a PUT cannot enforce size, a
/// browser may lie about the type, and a polyglot passes a type check. This reads what S3 actually stored.
public struct ObjectValidation: Sendable {
    /// The presigner's configuration: prefix, limits, allowed types and KMS key are the same rules.
    public var configuration: PresignConfiguration
    /// The key prefix and size limits, from ``configuration``.
    public var limits: UploadLimits { configuration.limits }
    /// The KMS key every object must be encrypted with, from ``configuration``.
    public var kmsKeyID: String? { configuration.kmsKeyID }

    /// Rules taken from the presigner's configuration.
    public init(configuration: PresignConfiguration) {
        self.configuration = configuration
    }

    /// The largest size any user may upload: the default limit or the largest group limit. The validator cannot
    /// know the uploader's groups; the presigned policy already held the user to their own limit.
    public var largestAllowedSize: Int64 {
        max(limits.maxBytes, limits.groupLimits.values.max() ?? 0)
    }

    /// Why an object failed, as a tag value (`reason`) and a sentence for the log (`detail`).
    public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
        /// A short machine-readable tag for the failure, written as the object's tag value.
        public var reason: String
        /// A sentence for the log saying what was wrong with the object.
        public var detail: String
        /// The reason and the detail, as `reason: detail`.
        public var description: String { "\(reason): \(detail)" }

        init(_ reason: String, _ detail: String) {
            self.reason = reason
            self.detail = detail
        }
    }

    /// The owner a key names: the segment after the upload prefix, when the key has the shape
    /// `{prefix}{sub}/{uuid}/{filename}`.
    public func owner(ofKey key: String) -> String? {
        guard key.hasPrefix(limits.keyPrefix) else { return nil }
        let rest = key.dropFirst(limits.keyPrefix.count)
        let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, UploadKey.isSafeSubject(String(parts[0])) else { return nil }
        return String(parts[0])
    }

    /// Every check that needs only `HEAD`: key and owner, size, type, encryption. The first that fails is thrown.
    /// - Parameters:
    ///   - key: The object's key, decoded.
    ///   - eventSize: The size the notification reported, when it did.
    ///   - head: What `HEAD` answered for the object.
    public func checkHead(key: String, eventSize: Int64?, head: S3ObjectHead) throws(Rejection) {
        guard let owner = owner(ofKey: key) else {
            throw Rejection("outside-prefix", "key is not under \(limits.keyPrefix){sub}/")
        }
        guard let claimed = head.metadata["owner"] else {
            throw Rejection("owner-missing", "x-amz-meta-owner is not set; the key names \(owner)")
        }
        guard claimed == owner else {
            throw Rejection("owner-mismatch", "x-amz-meta-owner is \(claimed.prefix(64)) but the key names \(owner)")
        }
        guard head.size >= 1 else { throw Rejection("empty", "the object has no bytes") }
        guard head.size <= largestAllowedSize else {
            throw Rejection("too-large", "\(head.size) bytes is over the limit of \(largestAllowedSize)")
        }
        if let eventSize, eventSize != head.size {
            throw Rejection("size-mismatch", "the notification said \(eventSize) bytes, S3 holds \(head.size)")
        }
        let type = Self.mediaType(head.contentType)
        guard !type.isEmpty else { throw Rejection("type-missing", "the object has no Content-Type") }
        guard configuration.allows(type) else {
            throw Rejection("type-not-allowed", "\(type.prefix(80)) is not an allowed type")
        }
        if let kmsKeyID {
            guard head.serverSideEncryption == "aws:kms" else {
                throw Rejection(
                    "sse-missing",
                    "encrypted with \(head.serverSideEncryption ?? "nothing"), not SSE-KMS with the upload key"
                )
            }
            guard Self.kmsKey(head.kmsKeyID, matches: kmsKeyID) else {
                throw Rejection("sse-wrong-key", "encrypted with KMS key \(head.kmsKeyID ?? "(none)")")
            }
        }
    }

    /// The check of the first bytes against the declared type.
    public func checkContent(head: S3ObjectHead, firstBytes: [UInt8]) throws(Rejection) {
        if let mismatch = ContentSniffer.check(declared: Self.mediaType(head.contentType), bytes: firstBytes) {
            throw Rejection(mismatch.reason, mismatch.detail)
        }
    }

    /// `Content-Type` without parameters, lowercased.
    static func mediaType(_ contentType: String?) -> String {
        guard let contentType else { return "" }
        let bare = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return bare.trimmingASCIISpaces().lowercased()
    }

    /// Whether the key S3 reports (an ARN) is the configured one, given as an ARN or a bare key id. An alias cannot
    /// be resolved without KMS, so with an alias configured any KMS key passes (the bucket policy is the guard).
    static func kmsKey(_ actual: String?, matches configured: String) -> Bool {
        guard let actual else { return false }
        if actual == configured { return true }
        if configured.hasPrefix("alias/") || configured.contains(":alias/") { return true }
        let configuredID = configured.split(separator: "/").last.map(String.init) ?? configured
        let actualID = actual.split(separator: "/").last.map(String.init) ?? actual
        return configuredID == actualID
    }
}
