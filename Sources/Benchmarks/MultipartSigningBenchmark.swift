import Foundation
import S3Presigning
import SigV4

/// Presigned UploadPart URLs as `POST /uploads/multipart/parts` makes them: each with its Content-Length and
/// x-amz-checksum-sha256 signed in, a batch of 100 parts per call.
public struct MultipartSigningBenchmark: Sendable {
    public struct Measurement: Sendable {
        /// The median over the runs, per part URL.
        public var microsecondsPerPart: Double
        public var partsPerSecond: Double { 1e6 / microsecondsPerPart }
        public var parts: Int
    }

    public var seconds: Double

    public init(seconds: Double = 2) {
        self.seconds = seconds
    }

    /// Signs batches of 100 part URLs for about `seconds` after a warm-up; the median of the batches' per-part time.
    public func measure() throws -> Measurement {
        let presigner = try S3Presigner(
            credentials: try AWSCredentials(
                accessKeyID: "AKIDEXAMPLE",
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
            ),
            endpoint: try S3Endpoint(region: "eu-west-1")
        )
        let time = SigningTime.now()
        let key = "uploads/7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f/2c1e7a3b-5d4f-4e6a-9b8c-7d6e5f4a3b2c/big.png"
        let uploadID = "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA-" + String(repeating: "x", count: 64)
        // Distinct checksums, as real parts have.
        let checksums = (0..<100).map { index in
            Data((0..<32).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }).base64EncodedString()
        }
        func batch() throws {
            for index in 0..<100 {
                _ = try presigner.presignUploadPart(
                    bucket: "upload-edge-uploads",
                    key: key,
                    uploadID: uploadID,
                    partNumber: index + 1,
                    contentLength: 8_388_608,
                    checksumSHA256: checksums[index],
                    expires: 300,
                    at: time
                )
            }
        }
        for _ in 0..<20 { try batch() }
        var perPart: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        repeat {
            let batchStart = DispatchTime.now().uptimeNanoseconds
            try batch()
            perPart.append(Double(DispatchTime.now().uptimeNanoseconds - batchStart) / 1e3 / 100)
        } while Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds
        perPart.sort()
        return Measurement(microsecondsPerPart: perPart[perPart.count / 2], parts: perPart.count * 100)
    }
}
