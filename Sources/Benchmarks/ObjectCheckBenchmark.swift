import CZlib
import Foundation
import S3
import S3Presigning
import SigV4
import UploadHandlers

/// What `object-created`'s whole-file checks cost on top of reading the object: the same bytes read through the
/// S3 client alone (1 MiB ranged GETs, one ahead, as the checks read them), and then read and checked (with the metadata strip
/// for the JPEG, which writes the stripped copy to a temporary file), taking turns, against a real S3.
public struct ObjectCheckBenchmark {
    public struct Result: Sendable {
        public var name: String
        public var bytes: Int
        /// Seconds per pass, medians.
        public var readSeconds: Double
        public var checkSeconds: Double
        public var readMBps: Double { Double(bytes) / readSeconds / 1_000_000 }
        public var checkMBps: Double { Double(bytes) / checkSeconds / 1_000_000 }
        /// How much longer reading and checking takes than reading alone: 0.25 is 25 %.
        public var overhead: Double { checkSeconds / readSeconds - 1 }
    }

    public var passes: Int
    public var progress: (String) -> Void

    public init(passes: Int = 15, progress: @escaping (String) -> Void = { _ in }) {
        self.passes = passes
        self.progress = progress
    }

    static let credentials = try! AWSCredentials(accessKeyID: "test", secretAccessKey: "test")

    /// A 10 MB JPEG with EXIF (orientation, GPS) and a comment, its scan data varied like a photo's.
    static func jpeg(size: Int) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        func segment(_ marker: UInt8, _ body: [UInt8]) {
            out += [0xFF, marker, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
        }
        segment(0xE0, Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0])
        // EXIF: IFD0 with the orientation (6) and a GPS IFD pointer.
        let tiff: [UInt8] =
            Array("II".utf8) + [42, 0, 8, 0, 0, 0, 2, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]
            + [0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 2, 0, 2, 0, 0, 0]
            + Array("N\0\0\0".utf8) + [0, 0, 0, 0]
        segment(0xE1, Array("Exif\0\0".utf8) + tiff)
        segment(0xFE, Array("Shot on a camera with serial 0123456789".utf8))
        segment(0xDB, [0] + Array(repeating: 1, count: 64))
        segment(0xC0, [8, 0x0F, 0xA0, 0x0B, 0xB8, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])
        segment(0xC4, [0] + [1] + Array(repeating: 0, count: 15) + [0])
        segment(0xDA, [3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0])
        var state: UInt32 = 0x1234_5678
        while out.count < size - 2 {
            state = state &* 1_664_525 &+ 1_013_904_223
            let byte = UInt8(truncatingIfNeeded: state >> 24)
            if byte == 0xFF { out += [0xFF, 0x00] } else if byte != UInt8(ascii: "<") { out.append(byte) }
        }
        return out + [0xFF, 0xD9]
    }

    /// A 10 MB PDF as scans and reports are: 80 % DCT images (JPEG data, which the check only skips), 15 %
    /// FlateDecode page content (skipped: names there are never actions) and 5 % FlateDecode object streams
    /// (inflated and searched); or, with `imageShare` 0, nothing but object streams, the worst case: every byte
    /// inflated and searched.
    static func pdf(size: Int, imageShare: Double = 0.8) -> [UInt8] {
        var objects: [[UInt8]] = []
        // Syntax that compresses about 3:1, as PDF writers' streams do (not a repeated line, which would inflate
        // 20-fold and measure zlib, not a PDF).
        var content = ""
        var syntax = ""
        var line = 0
        var state: UInt32 = 0x9E37_79B9
        while content.utf8.count < 256 * 1024 {
            state = state &* 1_664_525 &+ 1_013_904_223
            let figure = state >> 8
            content += "BT /F1 12 Tf 72 \(720 - line % 700) Td (\(figure) \(state % 977) \(figure % 65_521)) Tj ET\n"
            syntax +=
                "\(line) 0 << /Type /Annot /Subtype /Link /Rect [\(figure % 600) \(state % 800) 612 792] "
                + "/Border [0 0 0] /A << /S /URI /URI (https://example.com/\(figure)) >> >>\n"
            line += 1
        }
        let page = Self.zlib(Array(content.utf8))
        let objectStream = Self.zlib(Array(syntax.utf8))
        func stream(_ dictionary: String, _ data: [UInt8]) -> [UInt8] {
            Array("<< \(dictionary) /Length \(data.count) >>\nstream\n".utf8) + data + Array("\nendstream".utf8)
        }
        var total = 0
        if imageShare > 0 {
            let image = jpeg(size: Int(Double(size) * imageShare))
            objects.append(stream("/Type /XObject /Subtype /Image /Filter /DCTDecode", image))
            total += image.count
            while total < Int(Double(size) * 0.95) {
                objects.append(stream("/Filter /FlateDecode", page))
                total += objects.last!.count
            }
        }
        while total < size - 4096 {
            objects.append(stream("/Type /ObjStm /N 100 /First 10 /Filter /FlateDecode", objectStream))
            total += objects.last!.count
        }
        var out = Array("%PDF-1.7\n".utf8)
        let catalog = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"]
        var offsets: [Int] = []
        for (index, object) in (catalog.map { Array($0.utf8) } + objects).enumerated() {
            offsets.append(out.count)
            out += Array("\(index + 1) 0 obj\n".utf8) + object + Array("\nendobj\n".utf8)
        }
        let xref = out.count
        out += Array("xref\n0 \(offsets.count + 1)\n0000000000 65535 f \n".utf8)
        for offset in offsets { out += Array(String(format: "%010d 00000 n \n", offset).utf8) }
        out += Array("trailer\n<< /Size \(offsets.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }

    /// `bytes` compressed with zlib at its default level, as PDF writers do.
    static func zlib(_ bytes: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = out.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &length, source.baseAddress, uLong(bytes.count), Z_DEFAULT_COMPRESSION)
            }
        }
        precondition(status == Z_OK, "zlib compress2 failed: \(status)")
        return Array(out.prefix(Int(length)))
    }

    public func measure(endpoint: String, size: Int = 10_000_000) throws -> [Result] {
        let s3 = try S3Endpoint.custom(endpoint, region: "eu-west-1")
        let client = try S3Client(credentials: Self.credentials, endpoint: s3)
        let bucket = "bench-checks-\(UUID().uuidString.prefix(8).lowercased())"
        try client.createBucket(bucket)
        var results: [Result] = []
        for (name, type, bytes, strip) in [
            ("10 MB JPEG, checked and stripped", "image/jpeg", Self.jpeg(size: size), true),
            ("10 MB PDF: images, page content, object streams", "application/pdf", Self.pdf(size: size), false),
            (
                "10 MB PDF: all object streams (worst case)", "application/pdf", Self.pdf(size: size, imageShare: 0),
                false
            ),
        ] {
            let key = "uploads/bench/\(UUID().uuidString)/file"
            try client.putObject(bucket: bucket, key: key, body: bytes, options: .init(contentType: type))
            let head = try client.headObject(bucket: bucket, key: key)
            let inspection = ObjectInspection(client: client, maxBytes: 64 * 1024 * 1024)
            // The same reads as the checks make: 1 MiB ranges, one read ahead.
            func read() throws {
                let reader = RangePrefetcher(
                    client: client,
                    bucket: bucket,
                    key: key,
                    end: head.size,
                    rangeBytes: ObjectInspection.readBytes
                )
                defer { reader.finish() }
                while !(try reader.next()).isEmpty {}
            }
            func check() throws {
                let result = try inspection.inspect(bucket: bucket, key: key, head: head, type: type, strip: strip)
                if strip && result.stripped == nil { throw ValidationFailure("the JPEG's metadata was not stripped") }
            }
            try read()
            try check()
            var reads: [Double] = []
            var checks: [Double] = []
            for pass in 0..<passes {
                progress("  \(name): pass \(pass + 1) of \(passes)")
                var start = ContinuousClock.now
                try read()
                reads.append(Self.seconds(since: start))
                start = ContinuousClock.now
                try check()
                checks.append(Self.seconds(since: start))
            }
            results.append(
                Result(
                    name: name,
                    bytes: bytes.count,
                    readSeconds: Self.median(reads),
                    checkSeconds: Self.median(checks)
                )
            )
        }
        return results
    }

    struct ValidationFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}
