/// S3's rules for bucket names and object keys, checked before anything is signed.
public enum S3Names {
    /// The longest key S3 stores, in UTF-8 bytes.
    public static let maxKeyBytes = 1024

    /// Checks `name` against the rules for general purpose buckets.
    /// - Throws: `S3PresignError.invalidBucketName`, naming the rule broken.
    public static func validateBucket(_ name: String) throws(S3PresignError) {
        func fail(_ reason: String) -> S3PresignError {
            S3PresignError(.invalidBucketName, "bucket name \"\(name)\" \(reason)")
        }
        var text = name
        if let reason = text.withUTF8(problem) { throw fail(reason) }
        for prefix in reservedPrefixes where name.hasPrefix(prefix) {
            throw fail("must not begin with \"\(prefix)\", which S3 reserves")
        }
        for suffix in reservedSuffixes where name.hasSuffix(suffix) {
            throw fail("must not end with \"\(suffix)\", which S3 reserves")
        }
    }

    private static let reservedPrefixes = ["xn--", "sthree-", "amzn-s3-demo-"]
    private static let reservedSuffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]

    /// The rule a bucket name's bytes break, or `nil`; worked on the bytes in place, as this runs on every presign.
    private static func problem(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard (3...63).contains(bytes.count) else { return "must be 3 to 63 characters long, not \(bytes.count)" }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."),
                UInt8(ascii: "-"):
                continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                return "has uppercase letters; bucket names are lowercase"
            default:
                return "may hold only lowercase letters, digits, dots and hyphens"
            }
        }
        guard isLetterOrDigit(bytes.first!), isLetterOrDigit(bytes.last!) else {
            return "must begin and end with a letter or a digit"
        }
        // Byte checks: this runs on every presign, and String's substring search is slow.
        var dots = 0
        var digitsAndDotsOnly = true
        for (index, byte) in bytes.enumerated() where index > 0 {
            let previous = bytes[index - 1]
            if byte == UInt8(ascii: ".") && previous == UInt8(ascii: ".") {
                return "must not have two dots in a row"
            }
            if (byte == UInt8(ascii: ".") && previous == UInt8(ascii: "-"))
                || (byte == UInt8(ascii: "-") && previous == UInt8(ascii: "."))
            {
                return "must not have a dot next to a hyphen"
            }
        }
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                dots += 1
            } else if !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                digitsAndDotsOnly = false
            }
        }
        if digitsAndDotsOnly, dots == 3,
            bytes.split(separator: UInt8(ascii: ".")).allSatisfy({ UInt8(String(decoding: $0, as: UTF8.self)) != nil })
        {
            return "must not look like an IP address"
        }
        return nil
    }

    /// Checks that `key` is a key S3 can store.
    /// - Throws: `S3PresignError.invalidKey` for an empty key or one over 1,024 UTF-8 bytes.
    public static func validateKey(_ key: String) throws(S3PresignError) {
        guard !key.isEmpty else { throw S3PresignError(.invalidKey, "the object key is empty") }
        let length = key.utf8.count
        guard length <= maxKeyBytes else {
            throw S3PresignError(
                .invalidKey,
                "the object key is \(length) bytes of UTF-8; S3 keys are at most \(maxKeyBytes)"
            )
        }
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
