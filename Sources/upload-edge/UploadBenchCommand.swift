import ArgumentParser
import Benchmarks
import Foundation
import LocalLambda

struct UploadBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Token verification against jwt-kit, and the presign handler through the emulator.",
        discussion: """
            1. One Cognito ID token verified with the JWKS cached: CognitoJWTVerifier (every aws-jwt-verify check) \
            against jwt-kit's JWTKeyCollection.verify, interleaved, in this process.
            2. The presign handler in the real bootstrap under the Runtime API emulator, as the runtime benchmark \
            measures it: with the claims of an API Gateway authorizer, and verifying the request's bearer token \
            itself (JWKS served by the emulator), against the same bootstrap's echo handler (the runtime's floor). \
            Each cold start is reported in two parts, as lambda-perf counts the first invocation: init (exec to the \
            first /next; the bearer-token handler fetches the JWKS here) and the first invoke of the fresh process, \
            also as a multiple of the warm p50. The goals of issue 15 are checked against this run. \
            Build in release first (make bench does).
            """
    )

    @Option(help: "Tokens verified per verifier.")
    var tokens: Int = 20_000

    @Option(help: "Invocations measured per handler.")
    var invocations: Int = 20_000

    @Option(help: "Cold starts measured per handler; the median is reported.")
    var coldStarts: Int = 10

    @Option(help: "The CPU to pin to.")
    var cpu: Int = 1

    @Flag(help: "Do not pin to one CPU.")
    var noPin = false

    @Option(help: "The bootstrap to measure (default: the one built beside upload-edge).")
    var bootstrap: String?

    func validate() throws {
        guard tokens > 0, invocations > 0, coldStarts > 0 else {
            throw ValidationError("--tokens, --invocations and --cold-starts must be positive")
        }
    }

    func run() async throws {
        if !noPin { try CPUPinning.ensurePinned(to: cpu) }
        let bootstrapPath = try SiblingExecutable.resolve(bootstrap, name: "bootstrap", product: "bootstrap")
        let progress: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data("  \(line)\n".utf8)) }

        print(
            "Token verification, JWKS cached (\(tokens) tokens each, interleaved)\(noPin ? "" : ", pinned to CPU \(cpu)"):"
        )
        let verification = try await TokenVerificationBenchmark(tokens: tokens).measure(progress: progress)
        print(Self.pad("verifier", 46) + Self.pad("p50", 12) + Self.pad("p99", 12) + "mean")
        for row in verification {
            print(
                Self.pad(row.name, 46) + Self.pad(Self.micro(row.p50Microseconds), 12)
                    + Self.pad(Self.micro(row.p99Microseconds), 12) + Self.micro(row.meanMicroseconds)
            )
        }

        let now = Int64(Date().timeIntervalSince1970)
        let material = try TokenVerificationBenchmark.Material(now: now, lifetime: 24 * 3600)
        let environment = [
            "_HANDLER": "presign", "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "UPLOAD_BUCKET": "upload-edge-uploads",
            "UPLOAD_KMS_KEY_ID": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "CORS_ALLOW_ORIGIN": "https://d111111abcdef8.cloudfront.net", "COGNITO_ISSUER": material.issuer,
            "COGNITO_CLIENT_IDS": material.clientID,
            "COGNITO_JWKS_URL": "http://${AWS_LAMBDA_RUNTIME_API}/_local/jwks.json",
            "AWS_LAMBDA_LOG_LEVEL": "WARN",
        ]
        let withClaims = Array(PresignEvent.json(subject: material.subject, bearer: nil).utf8)
        let withBearer = Array(PresignEvent.json(subject: nil, bearer: material.token).utf8)
        let granted: @Sendable ([UInt8]) -> String? = { body in
            let text = String(decoding: body, as: UTF8.self)
            return text.contains(#""statusCode":200"#) ? nil : String(text.prefix(300))
        }
        let subjects = [
            RuntimeBenchmark.Subject(
                name: "bootstrap echo (floor)",
                arguments: [bootstrapPath],
                environment: ["_HANDLER": "echo"],
                payload: withClaims
            ),
            // Configured as template.yaml deploys it behind the JWT authorizer: the keys are not fetched at init
            // (COGNITO_JWKS_PREFETCH=false), only by a request without claims, which never comes here.
            RuntimeBenchmark.Subject(
                name: "presign, authorizer claims",
                arguments: [bootstrapPath],
                environment: environment.merging(["COGNITO_JWKS_PREFETCH": "false"]) { $1 },
                payload: withClaims,
                staticFiles: ["/_local/jwks.json": material.jwks],
                validate: granted
            ),
            RuntimeBenchmark.Subject(
                name: "presign, verifies the bearer token",
                arguments: [bootstrapPath],
                environment: environment,
                payload: withBearer,
                staticFiles: ["/_local/jwks.json": material.jwks],
                validate: granted
            ),
        ]
        print("\nThe presign handler through the emulator (\(invocations) invocations each, interleaved):")
        let measurements = try await RuntimeBenchmark(
            invocations: invocations,
            coldStarts: coldStarts,
            payload: withClaims
        )
        .measure(subjects, progress: progress)
        print(
            Self.pad("handler", 38) + Self.pad("p50", 12) + Self.pad("p99", 12) + Self.pad("inv/s", 10)
                + Self.pad("init", 11) + Self.pad("first invoke", 14) + Self.pad("first/p50", 11) + "peak RSS"
        )
        for row in measurements {
            print(
                Self.pad(row.name, 38) + Self.pad(Self.micro(row.cycleP50Microseconds), 12)
                    + Self.pad(Self.micro(row.cycleP99Microseconds), 12)
                    + Self.pad(String(format: "%.0f", row.invocationsPerSecond), 10)
                    + Self.pad(String(format: "%.2f ms", row.coldStartMedianMilliseconds), 11)
                    + Self.pad(Self.micro(row.firstInvocationMedianMicroseconds), 14)
                    + Self.pad(Self.times(row.firstInvocationMedianMicroseconds / row.cycleP50Microseconds), 11)
                    + (row.peakResidentBytes.map(RuntimeBenchReport.megabytes) ?? "-")
            )
        }
        print(
            "\ninit = exec to first /next, first invoke = the fresh process's first invocation (queued to answered, "
                + "as p50), medians of \(coldStarts) cold starts"
        )

        let (floor, claims, bearer) = (measurements[0], measurements[1], measurements[2])
        let ours = verification[0].p50Microseconds
        let presignRatio = claims.cycleP50Microseconds / floor.cycleP50Microseconds
        let firstRatio = bearer.firstInvocationMedianMicroseconds / bearer.cycleP50Microseconds
        print("\nGoals (issue 15):")
        Self.goal("token verification p50 ≤ 60 µs", met: ours <= 60, Self.micro(ours))
        Self.goal(
            "presign (authorizer claims) p50 ≤ 1.4× the echo floor's",
            met: presignRatio <= 1.4,
            "\(Self.times(presignRatio)) (\(Self.micro(claims.cycleP50Microseconds)) vs "
                + "\(Self.micro(floor.cycleP50Microseconds)))"
        )
        Self.goal(
            "presign (verifies the bearer token) first invoke ≤ 2× its warm p50",
            met: firstRatio <= 2,
            "\(Self.times(firstRatio)) (\(Self.micro(bearer.firstInvocationMedianMicroseconds)) vs "
                + "\(Self.micro(bearer.cycleP50Microseconds)))"
        )
        Self.rssGoal("echo peak RSS ≤ 10 MB", floor, limit: 10 << 20)
        Self.rssGoal("presign (authorizer claims) peak RSS ≤ 12 MB", claims, limit: 12 << 20)
    }

    /// Prints one goal: met or missed, and what this run measured.
    static func goal(_ name: String, met: Bool, _ measured: String) {
        print("  [\(met ? "met" : "MISSED")] \(name): \(measured)")
    }

    /// Prints a peak-RSS goal; missed when the platform could not report the peak.
    static func rssGoal(_ name: String, _ row: RuntimeBenchmark.Measurement, limit: Int) {
        guard let peak = row.peakResidentBytes else { return goal(name, met: false, "not measured") }
        goal(name, met: peak <= limit, RuntimeBenchReport.megabytes(peak))
    }

    static func times(_ ratio: Double) -> String { String(format: "%.2f×", ratio) }

    static func micro(_ value: Double) -> String { String(format: "%.1f µs", value) }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

/// An HTTP API request for an upload: with a JWT authorizer's claims, or with only a bearer token.
enum PresignEvent {
    static func json(subject: String?, bearer: String?) -> String {
        let authorizer =
            subject.map {
                #","authorizer":{"jwt":{"claims":{"sub":"\#($0)","cognito:groups":"[uploaders]","token_use":"id"},"scopes":null}}"#
            } ?? ""
        let authorization = bearer.map { #","authorization":"Bearer \#($0)""# } ?? ""
        return """
            {"version":"2.0","routeKey":"POST /api/uploads","rawPath":"/api/uploads","rawQueryString":"",\
            "headers":{"content-type":"application/json","origin":"https://d111111abcdef8.cloudfront.net",\
            "host":"abc123defg.execute-api.eu-west-1.amazonaws.com"\(authorization)},\
            "requestContext":{"accountId":"123456789012","apiId":"abc123defg"\(authorizer),\
            "domainName":"abc123defg.execute-api.eu-west-1.amazonaws.com","domainPrefix":"abc123defg",\
            "http":{"method":"POST","path":"/api/uploads","protocol":"HTTP/1.1","sourceIp":"203.0.113.17",\
            "userAgent":"bench"},"requestId":"UyCxVjw1DoEEMsQ=","routeKey":"POST /api/uploads","stage":"$default",\
            "time":"25/Nov/2026:14:27:15 +0000","timeEpoch":1795616835123},\
            "body":"{\\"filename\\":\\"holiday photo.jpg\\",\\"contentType\\":\\"image/jpeg\\",\\"size\\":482133}",\
            "isBase64Encoded":false}
            """
    }
}
