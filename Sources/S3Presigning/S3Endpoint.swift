import SigV4

/// Where S3 requests go, and how the bucket and key become a URL.
public struct S3Endpoint: Sendable, Equatable {
    /// How requests address the bucket: in the host name, in the path, through Transfer Acceleration or at another S3.
    public enum Style: Sendable, Equatable {
        /// `https://{bucket}.s3.{region}.amazonaws.com/{key}`. Buckets with dots fall back to path style, as
        /// their names do not match the wildcard certificate.
        case virtualHosted
        /// `https://s3.{region}.amazonaws.com/{bucket}/{key}`.
        case pathStyle
        /// S3 Transfer Acceleration: `https://{bucket}.s3-accelerate[.dualstack].amazonaws.com/{key}`.
        case accelerate(dualStack: Bool)
        /// Another S3 (LocalStack, moto, MinIO) at `{scheme}://{host}[:{port}]/{bucket}/{key}`.
        case custom(scheme: String, host: String, port: Int?)
    }

    /// The bucket's region, for example `eu-west-1`: it names the AWS host and scopes every signature.
    public var region: String
    /// How the bucket and key become the URL.
    public var style: Style

    /// An endpoint in `region` addressed in `style`, virtual-hosted unless told otherwise.
    /// - Throws: `S3PresignError.emptyRegion` when `region` is empty.
    public init(region: String, style: Style = .virtualHosted) throws(S3PresignError) {
        guard !region.isEmpty else {
            throw S3PresignError(.emptyRegion, "the region is empty: set AWS_REGION or pass --region")
        }
        self.region = region
        self.style = style
    }

    /// A custom endpoint from a URL such as `http://127.0.0.1:4566`, always path style.
    /// - Throws: `S3PresignError.invalidEndpoint` for anything but `http(s)://host[:port]`.
    public static func custom(_ url: String, region: String) throws(S3PresignError) -> S3Endpoint {
        let parts = url.split(separator: "://", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0] == "http" || parts[0] == "https" else {
            throw S3PresignError(.invalidEndpoint, "endpoint \"\(url)\" must start with http:// or https://")
        }
        var authority = parts[1]
        while authority.hasSuffix("/") { authority.removeLast() }
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("?"), !authority.contains("@") else {
            throw S3PresignError(.invalidEndpoint, "endpoint \"\(url)\" must be scheme://host[:port], without a path")
        }
        var host = authority
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else {
                throw S3PresignError(.invalidEndpoint, "endpoint \"\(url)\" has a port that is not 1 to 65535")
            }
            port = number
        }
        return try S3Endpoint(region: region, style: .custom(scheme: parts[0], host: host, port: port))
    }

    /// The URL parts for an object (or, with an empty key, for the bucket).
    package struct Location: Sendable {
        /// `https` for AWS; `http` or `https` for a custom endpoint.
        package var scheme: String
        /// Host with port, as in the `Host` header.
        package var host: String
        /// Percent-encoded path, as sent and as signed.
        package var path: String

        /// `scheme://host[:port]`, without a path.
        package var base: String { "\(scheme)://\(host)" }

        /// `scheme://host[:port]/path`, then `?query` unless it is empty, built in one allocation.
        package func url(query: String = "") -> String {
            query.isEmpty
                ? String(concatenating: scheme, "://", host, path)
                : String(concatenating: scheme, "://", host, path, "?", query)
        }
    }

    /// The URL parts for `key` in `bucket` under this endpoint's style; an empty `key` gives the bucket's own URL.
    /// - Throws: `S3PresignError.invalidBucketName` for a name S3 does not allow, or `.accelerateWithDottedBucket`
    ///   for a dotted bucket under Transfer Acceleration.
    package func location(bucket: String, key: String) throws(S3PresignError) -> Location {
        try S3Names.validateBucket(bucket)
        let encodedKey = URIEncoding.encode(key, keepSlash: true)
        /// `/key`, or `/bucket/key` in path style.
        func path(bucketFirst: Bool) -> String {
            bucketFirst ? String(concatenating: "/", bucket, "/", encodedKey) : String(concatenating: "/", encodedKey)
        }
        /// `[bucket.]s3.region.amazonaws.com`.
        func awsHost(bucket: String?) -> String {
            if let bucket { return String(concatenating: bucket, ".s3.", region, ".amazonaws.com") }
            return String(concatenating: "s3.", region, ".amazonaws.com")
        }
        switch style {
        case .virtualHosted where bucket.utf8.contains(UInt8(ascii: ".")):
            return Location(scheme: "https", host: awsHost(bucket: nil), path: path(bucketFirst: true))
        case .virtualHosted:
            return Location(scheme: "https", host: awsHost(bucket: bucket), path: path(bucketFirst: false))
        case .pathStyle:
            return Location(scheme: "https", host: awsHost(bucket: nil), path: path(bucketFirst: true))
        case .accelerate(let dualStack):
            guard !bucket.utf8.contains(UInt8(ascii: ".")) else {
                throw S3PresignError(
                    .accelerateWithDottedBucket,
                    "bucket \"\(bucket)\" has dots, which Transfer Acceleration does not allow; use a bucket name "
                        + "without dots or turn acceleration off"
                )
            }
            let host = "\(bucket).s3-accelerate\(dualStack ? ".dualstack" : "").amazonaws.com"
            return Location(scheme: "https", host: host, path: "/\(encodedKey)")
        case .custom(let scheme, let host, let port):
            let authority = port.map { "\(host):\($0)" } ?? host
            return Location(scheme: scheme, host: authority, path: "/\(bucket)/\(encodedKey)")
        }
    }

    /// The URL a POST form goes to: the bucket itself. Virtual-hosted: `https://bucket.host/`; path style:
    /// `https://host/bucket`, as botocore writes them.
    func postURL(bucket: String) throws(S3PresignError) -> String {
        var location = try self.location(bucket: bucket, key: "")
        if location.path != "/" { location.path.removeLast() }
        return location.url()
    }
}
