import ArgumentParser
import Foundation
import LambdaRuntime
import S3Presigning
import SigV4

struct PresignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presign",
        abstract: "Presign an S3 upload or download with the credentials in the environment.",
        discussion: """
            Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; the region from \
            --region, AWS_REGION or AWS_DEFAULT_REGION. Prints JSON: {"method","url","headers"} for put and get, \
            {"method","url","fields"} for post.
            """,
        subcommands: [Put.self, Get.self, Post.self]
    )

    /// The options every presign subcommand takes.
    struct Common: ParsableArguments {
        @Option(help: "The bucket.")
        var bucket: String

        @Option(help: "The object key. For post, a key ending in ${filename} lets S3 use the uploaded file's name.")
        var key: String

        @Option(help: "The region (default: AWS_REGION, then AWS_DEFAULT_REGION).")
        var region: String?

        @Option(help: "A custom S3 endpoint such as http://127.0.0.1:4566 (LocalStack, moto, MinIO), path style.")
        var endpoint: String?

        @Flag(help: "Use path-style URLs (https://s3.REGION.amazonaws.com/BUCKET/KEY); --endpoint always is.")
        var pathStyle = false

        @Flag(help: "Use the Transfer Acceleration endpoint (BUCKET.s3-accelerate.amazonaws.com).")
        var accelerate = false

        @Flag(help: "With --accelerate: the dual-stack (IPv6) accelerate endpoint.")
        var dualStack = false

        @Option(help: "Seconds the URL or form stays valid, 1 to 604800.")
        var expires: Int = 3600

        @Option(help: "A fixed signing time, YYYYMMDDTHHMMSSZ, for reproducible output (default: now).")
        var date: String?

        func validate() throws {
            // A custom endpoint is path style already, so --path-style beside it is redundant, not a conflict.
            if accelerate && (endpoint != nil || pathStyle) {
                throw ValidationError(
                    "--accelerate cannot go with \(endpoint != nil ? "--endpoint" : "--path-style"): it signs for "
                        + "BUCKET.s3-accelerate.amazonaws.com; pass one or the other"
                )
            }
            if dualStack && !accelerate { throw ValidationError("--dual-stack goes with --accelerate") }
        }

        func presigner() throws -> S3Presigner {
            let environment = ProcessInfo.processInfo.environment
            guard let region = region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] else {
                throw ValidationError("no region: pass --region or set AWS_REGION")
            }
            let credentials = try AWSCredentials.fromEnvironment()
            let endpoint: S3Endpoint
            if let url = self.endpoint {
                endpoint = try S3Endpoint.custom(url, region: region)
            } else {
                let style: S3Endpoint.Style =
                    accelerate ? .accelerate(dualStack: dualStack) : pathStyle ? .pathStyle : .virtualHosted
                endpoint = try S3Endpoint(region: region, style: style)
            }
            return try S3Presigner(credentials: credentials, endpoint: endpoint)
        }

        func time() throws -> SigningTime {
            try date.map { try SigningTime(amzDate: $0) } ?? .now()
        }
    }

    /// The options that bind what is uploaded.
    struct Upload: ParsableArguments {
        @Option(help: "The Content-Type the upload must carry.")
        var contentType: String?

        @Option(help: "Require SSE-KMS with this KMS key id or ARN.")
        var kmsKeyId: String?

        @Option(help: "Metadata the upload must carry, as name=value (x-amz-meta-NAME). Repeatable.")
        var meta: [String] = []

        func metadata() throws -> [String: String] {
            var result: [String: String] = [:]
            for item in meta {
                guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                    throw ValidationError("--meta \"\(item)\" must be name=value")
                }
                result[String(item[..<equals])] = String(item[item.index(after: equals)...])
            }
            return result
        }
    }

    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A presigned PUT URL and the headers to send with it."
        )

        @OptionGroup var common: Common
        @OptionGroup var upload: Upload

        @Flag(help: "Sign If-None-Match: * so the PUT can never overwrite an existing object.")
        var noOverwrite = false

        @Option(help: "The base64 SHA-256 of the body; S3 checks the upload against it.")
        var checksumSha256: String?

        func run() throws {
            let url = try common.presigner().presignPut(
                bucket: common.bucket,
                key: common.key,
                options: .init(
                    contentType: upload.contentType,
                    kmsKeyID: upload.kmsKeyId,
                    metadata: try upload.metadata(),
                    checksumSHA256: checksumSha256,
                    noOverwrite: noOverwrite
                ),
                expires: common.expires,
                at: try common.time()
            )
            print(
                PresignOutput.json(
                    method: url.method,
                    url: url.url,
                    group: "headers",
                    members: url.headers.sorted { $0.key < $1.key }
                )
            )
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A presigned GET URL.")

        @OptionGroup var common: Common

        func run() throws {
            let url = try common.presigner().presignGet(
                bucket: common.bucket,
                key: common.key,
                expires: common.expires,
                at: try common.time()
            )
            print(PresignOutput.json(method: url.method, url: url.url, group: "headers", members: []))
        }
    }

    struct Post: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A presigned POST form: its URL and fields.")

        @OptionGroup var common: Common
        @OptionGroup var upload: Upload

        @Option(help: "The smallest upload allowed, in bytes.")
        var minBytes: Int64 = 0

        @Option(help: "The largest upload allowed, in bytes (content-length-range).")
        var maxBytes: Int64?

        func validate() throws {
            if let maxBytes, maxBytes < max(1, minBytes) {
                throw ValidationError("--max-bytes \(maxBytes) is below --min-bytes \(minBytes) (or below 1)")
            }
            if minBytes < 0 { throw ValidationError("--min-bytes cannot be negative") }
        }

        func run() throws {
            let key: PostPolicy.KeyCondition =
                common.key.hasSuffix("${filename}")
                ? .startsWith(String(common.key.dropLast("${filename}".count))) : .exact(common.key)
            let post = try common.presigner().presignPost(
                PostPolicy(
                    bucket: common.bucket,
                    key: key,
                    contentLength: maxBytes.map { minBytes...$0 },
                    contentType: upload.contentType.map { .exact($0) },
                    kmsKeyID: upload.kmsKeyId,
                    metadata: try upload.metadata(),
                    expires: common.expires
                ),
                at: try common.time()
            )
            print(
                PresignOutput.json(
                    method: "POST",
                    url: post.url,
                    group: "fields",
                    members: post.fields.map { ($0.name, $0.value) }
                )
            )
        }
    }
}

/// `{"method":…,"url":…,"headers"|"fields":{…}}`, members in order.
enum PresignOutput {
    static func json(method: String, url: String, group: String, members: [(String, String)]) -> String {
        var out = "{\"method\":\(JSONString.quoted(method)),\"url\":\(JSONString.quoted(url)),\"\(group)\":{"
        out += members.map { "\(JSONString.quoted($0.0)):\(JSONString.quoted($0.1))" }.joined(separator: ",")
        return out + "}}"
    }
}
