import LambdaRuntime

/// The `checksumSHA256` fields of the upload API: S3's `x-amz-checksum-sha256`, the base64 of a SHA-256.
enum ChecksumText {
    /// Whether `text` is the canonical standard base64 of 32 bytes: 44 characters ending in one `=`, nothing a
    /// lenient decoder also takes (no missing or extra padding, no URL-safe alphabet, no stray bits in the last
    /// character). The text is signed into the upload as sent, and `deploy/openapi.yaml` allows only this spelling.
    static func isSHA256(_ text: String) -> Bool {
        guard text.utf8.count == 44, let digest = Base64.decode(text), digest.count == 32 else { return false }
        return Base64.encode(digest) == text
    }
}
