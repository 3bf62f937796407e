import Foundation
import LambdaRuntime

/// How the local Runtime API behaves, and which function it pretends to be.
public struct EmulatorConfiguration: Sendable {
    /// The address to listen on. Only loopback makes sense: the emulator has no authentication.
    public var host: String = "127.0.0.1"
    /// The port; 0 picks a free one.
    public var port: Int = 9001
    /// The function timeout: an invocation running longer is failed with `timeout` and its runtime killed.
    public var timeoutSeconds: Int = 300
    public var functionName: String = "test_function"
    public var region: String = "us-east-1"
    /// Responses over this many bytes are refused with 413, as Lambda does.
    public var maxResponseBytes: Int = RuntimeAPI.maxResponseBytes
    /// Documents served as JSON on `GET` at their paths (which start with `/_local/`): what a local function fetches
    /// from a service it would call in AWS, such as a user pool's JWKS for replayed authorizer events.
    public var staticFiles: [String: [UInt8]] = [:]

    /// How many invocations may be in flight at once. Above 1 the emulator behaves as Lambda Managed Instances do:
    /// the runtime is started with `AWS_LAMBDA_MAX_CONCURRENCY` and JSON logs, up to this many `/next` calls are
    /// answered before the first answer comes back, and an invocation that times out does not stop the runtime:
    /// its late answer is refused with 410.
    public var maxConcurrency: Int = 1
    /// The most `maxConcurrency` accepts, as the runtime does.
    public static let concurrencyLimit = 1024

    /// The path prefix of `staticFiles`.
    public static let staticPrefix = "/_local/"

    public init() {}

    /// The ARN the emulator hands the runtime as the invoked function.
    public var functionARN: String { "arn:aws:lambda:\(region):012345678912:function:\(functionName)" }

    /// Reads `AWS_LAMBDA_FUNCTION_TIMEOUT` (whole seconds, as the RIE does), `AWS_LAMBDA_MAX_CONCURRENCY`,
    /// `AWS_LAMBDA_FUNCTION_NAME` and `AWS_REGION`.
    /// - Throws: `LocalLambdaError` when the timeout is not a positive whole number of seconds, or the concurrency
    ///   not a whole number from 1 to 1024.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(LocalLambdaError) -> EmulatorConfiguration {
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        var configuration = EmulatorConfiguration()
        if let raw = value(LambdaEnvironment.functionTimeout) {
            guard let seconds = Int(raw), seconds > 0 else {
                throw LocalLambdaError(
                    .invalidConfiguration,
                    "\(LambdaEnvironment.functionTimeout)=\"\(raw)\" is not a positive whole number of seconds"
                )
            }
            configuration.timeoutSeconds = seconds
        }
        if let raw = value(LambdaEnvironment.maxConcurrency) {
            guard let count = Int(raw), (1...concurrencyLimit).contains(count) else {
                throw LocalLambdaError(
                    .invalidConfiguration,
                    "\(LambdaEnvironment.maxConcurrency)=\"\(raw)\" is not a whole number from 1 to \(concurrencyLimit)"
                )
            }
            configuration.maxConcurrency = count
        }
        if let name = value(LambdaEnvironment.functionName) { configuration.functionName = name }
        if let region = value("AWS_REGION") { configuration.region = region }
        return configuration
    }
}
