/// The one error type of S3 presigning: what is wrong with the bucket, key, expiry or endpoint, and how to fix it.
public struct S3PresignError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case invalidBucketName
        case invalidKey
        case invalidExpiry
        /// Transfer Acceleration needs a bucket name without dots.
        case accelerateWithDottedBucket
        case emptyRegion
        case invalidEndpoint
        /// A POST policy condition that cannot hold (an empty or inverted size range, a bad field name).
        case invalidCondition
        /// Signing failed (credentials, a header that cannot be signed).
        case signing
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
