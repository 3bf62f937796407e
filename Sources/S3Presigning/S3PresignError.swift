/// The one error type of S3 presigning: what is wrong with the bucket, key, expiry or endpoint, and how to fix it.
public struct S3PresignError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is, for code that reacts to one kind; ``message`` says what to fix.
    public enum Code: Sendable, Equatable {
        /// The bucket name breaks one of S3's naming rules (length, characters, a reserved prefix or suffix).
        case invalidBucketName
        /// The object key is empty or longer than ``S3Names/maxKeyBytes`` (1,024) UTF-8 bytes.
        case invalidKey
        /// The expiry is outside 1 second to 7 days.
        case invalidExpiry
        /// Transfer Acceleration needs a bucket name without dots.
        case accelerateWithDottedBucket
        /// The region is empty.
        case emptyRegion
        /// A custom endpoint is not of the form `http(s)://host[:port]`.
        case invalidEndpoint
        /// A POST policy condition that cannot hold (an empty or inverted size range, a bad field name).
        case invalidCondition
        /// Signing failed (credentials, a header that cannot be signed).
        case signing
    }

    /// What kind of problem it is.
    public let code: Code
    /// What was wrong and how to fix it, for example `the region is empty: set AWS_REGION or pass --region`.
    public let message: String

    /// Creates an error of kind `code` whose text is `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The ``message``.
    public var description: String { message }
}
