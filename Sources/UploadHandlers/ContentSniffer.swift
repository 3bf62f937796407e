/// Tells a file's type from its first bytes, and finds markup and script in files that claim to be something else.
///
/// Browsers and clients say what they like in `Content-Type`; S3 stores it as given. The first 4 KB of the object
/// are what it is. A file passes when its magic number matches the declared type and nothing in those bytes reads
/// as HTML, SVG, script or PHP, which is what a polyglot (a valid image with a script in a comment chunk) carries.
public enum ContentSniffer {
    /// How many leading bytes the validator reads.
    public static let sniffLength = 4096

    /// Why a file does not match its declared type.
    public struct Mismatch: Sendable, Equatable, CustomStringConvertible {
        /// A short code for tags and logs: `type-mismatch`, `active-content`, `unknown-type`.
        public var reason: String
        /// A sentence for the log: the declared type, what the bytes are, or the marker found.
        public var detail: String
        /// The reason and the detail, as `reason: detail`.
        public var description: String { "\(reason): \(detail)" }
    }

    /// The media type the bytes carry by their magic number, or `nil` when none is recognised.
    public static func detect(_ bytes: some Collection<UInt8>) -> String? {
        let head = Array(bytes.prefix(64))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<(offset + magic.count)]) == magic
        }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return "image/gif" }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return "image/webp" }
        if starts(Array("%PDF-".utf8)) { return "application/pdf" }
        if starts(Array("ftyp".utf8), at: 4) {
            // ISO base media: the major brand says which.
            let brand = head.count >= 12 ? String(decoding: head[8..<12], as: UTF8.self) : ""
            switch brand {
            case "avif", "avis": return "image/avif"
            case "heic", "heix", "heim", "heis", "mif1", "msf1": return "image/heic"
            case "qt  ": return "video/quicktime"
            default: return "video/mp4"
            }
        }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "image/tiff" }
        if starts(Array("BM".utf8)), head.count >= 14 { return "image/bmp" }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return "application/zip" }
        if starts([0x1F, 0x8B]) { return "application/gzip" }
        return nil
    }

    /// Checks the first bytes of a file against its declared type.
    /// - Parameters:
    ///   - declared: The stored `Content-Type`, lowercased, without parameters.
    ///   - bytes: The file's first bytes (up to `sniffLength`).
    /// - Returns: `nil` when they agree and carry no active content; else why not.
    public static func check(declared: String, bytes: [UInt8]) -> Mismatch? {
        if let marker = activeContent(in: bytes, declared: declared) {
            return Mismatch(reason: "active-content", detail: "declared \(declared) but contains \(marker)")
        }
        if isTextual(declared) {
            guard isPlainText(bytes) else {
                return Mismatch(reason: "type-mismatch", detail: "declared \(declared) but the bytes are binary")
            }
            return nil
        }
        guard let detected = detect(bytes) else {
            return Mismatch(reason: "unknown-type", detail: "declared \(declared) but no known file signature")
        }
        guard equivalent(detected, declared) else {
            return Mismatch(reason: "type-mismatch", detail: "declared \(declared) but the bytes are \(detected)")
        }
        return nil
    }

    /// Types whose bytes are text, checked as UTF-8 without NUL rather than by magic number.
    static func isTextual(_ type: String) -> Bool {
        type == "text/plain" || type == "text/csv" || type == "application/json"
    }

    static func equivalent(_ detected: String, _ declared: String) -> Bool {
        if detected == declared { return true }
        switch declared {
        case "image/jpg", "image/pjpeg": return detected == "image/jpeg"
        case "image/heif": return detected == "image/heic"
        case "image/x-ms-bmp": return detected == "image/bmp"
        case "application/x-zip-compressed": return detected == "application/zip"
        case "application/x-gzip": return detected == "application/gzip"
        default: return false
        }
    }

    /// Markers of content a browser or interpreter would run, matched without regard to case. Markup markers
    /// (`<script`, `<svg`, `<html`, …) are never expected in the first 4 KB of an image or PDF; in a PDF, the
    /// `/JavaScript`, `/JS` and `/Launch` actions are refused as well.
    static let markupMarkers = [
        "<script", "<html", "<!doctype html", "<svg", "<iframe", "<object", "<embed", "<?php", "<%", "javascript:",
        "onerror=", "onload=",
    ]
    static let pdfMarkers = ["/javascript", "/js ", "/js(", "/js<", "/launch", "/embeddedfile"]

    static func activeContent(in bytes: [UInt8], declared: String) -> String? {
        let lowered = bytes.prefix(sniffLength).map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 | 0x20 : $0 }
        var markers = markupMarkers
        if declared == "application/pdf" {
            // PDFs are text-like: "<<" dictionaries are normal, but actions that run code are not.
            markers = pdfMarkers + ["<script", "<html", "<?php"]
        } else if isTextual(declared) {
            markers = ["<script", "<html", "<!doctype html", "<svg", "<iframe", "<?php"]
        }
        for marker in markers where contains(lowered, Array(marker.utf8)) {
            return "\"\(marker)\""
        }
        return nil
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return true }
            }
            index += 1
        }
        return false
    }

    /// UTF-8 without NUL or other C0 controls but tab, newline and carriage return. A multi-byte sequence cut at
    /// the end of the sample is allowed.
    static func isPlainText(_ bytes: [UInt8]) -> Bool {
        var sample = bytes
        // Drop a sequence that the 4 KB cut may have split.
        var tail = 0
        while tail < 3, let last = sample.last, last & 0xC0 == 0x80 || last >= 0xC0 {
            let isLead = last >= 0xC0
            sample.removeLast()
            tail += 1
            if isLead { break }
        }
        for byte in sample where byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D { return false }
        return String(validating: sample, as: UTF8.self) != nil
    }
}
