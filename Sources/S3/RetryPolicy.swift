/// How the S3 client retries: bounded attempts, with "full jitter" exponential backoff (a random wait between 0 and
/// `min(cap, base × 2^attempt)`), as AWS's SDKs do.
public struct RetryPolicy: Sendable {
    /// Attempts per request, the first included.
    public var maxAttempts: Int
    /// The backoff ceiling before the first retry, in milliseconds; it doubles with each retry after.
    public var baseDelayMilliseconds: Int
    /// The most any wait can be, in milliseconds, however many retries came before.
    public var maxDelayMilliseconds: Int

    /// The SDK default: 3 attempts.
    public static let standardMaxAttempts = 3

    /// A policy of `maxAttempts` attempts (at least 1), waiting up to 50 ms before the first retry and never more than
    /// 2 s by default; negative delays count as 0.
    public init(
        maxAttempts: Int = RetryPolicy.standardMaxAttempts,
        baseDelayMilliseconds: Int = 50,
        maxDelayMilliseconds: Int = 2_000
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelayMilliseconds = max(0, baseDelayMilliseconds)
        self.maxDelayMilliseconds = max(0, maxDelayMilliseconds)
    }

    /// The wait before retry number `retry` (1 for the first retry).
    func delayMilliseconds<R: RandomNumberGenerator>(beforeRetry retry: Int, using random: inout R) -> Int {
        let exponent = min(retry - 1, 20)
        let ceiling = min(maxDelayMilliseconds, baseDelayMilliseconds << exponent)
        guard ceiling > 0 else { return 0 }
        return Int.random(in: 0...ceiling, using: &random)
    }
}
