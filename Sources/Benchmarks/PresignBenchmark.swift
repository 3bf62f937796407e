import Foundation
import S3Presigning
import SigV4

/// Presigned PUT URLs and POST policies per second, as the `presign` handler makes them.
public struct PresignBenchmark: Sendable {
    public struct Measurement: Sendable, Codable {
        public var name: String
        public var microseconds: Double
        public var perSecond: Double
    }

    public var seconds: Double

    public init(seconds: Double = 2) {
        self.seconds = seconds
    }

    /// Times each operation for about `seconds`, in batches of 1,000, after a warm-up.
    public func measure() throws -> [Measurement] {
        let presigner = try S3Presigner(
            credentials: try AWSCredentials(
                accessKeyID: "AKIDEXAMPLE",
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
            ),
            endpoint: try S3Endpoint(region: "eu-west-1")
        )
        let time = SigningTime.now()
        let bucket = "upload-edge-uploads"
        let key = "uploads/7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f/2c1e7a3b-5d4f-4e6a-9b8c-7d6e5f4a3b2c/photo.png"
        let operations: [(String, () throws -> Void)] = [
            (
                "PUT URL (Content-Type, signed)",
                {
                    _ = try presigner.presignPut(
                        bucket: bucket,
                        key: key,
                        options: .init(contentType: "image/png"),
                        expires: 300,
                        at: time
                    )
                }
            ),
            (
                "POST policy (Content-Type, size range)",
                {
                    _ = try presigner.presignPost(
                        PostPolicy(
                            bucket: bucket,
                            key: .exact(key),
                            contentLength: 1...10_485_760,
                            contentType: .exact("image/png"),
                            expires: 300
                        ),
                        at: time
                    )
                }
            ),
        ]
        return try operations.map { name, operation in
            for _ in 0..<2_000 { try operation() }
            var count = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                for _ in 0..<1_000 { try operation() }
                count += 1_000
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            } while elapsed < seconds
            return Measurement(
                name: name,
                microseconds: elapsed / Double(count) * 1e6,
                perSecond: Double(count) / elapsed
            )
        }
    }
}
