/// Media types as the upload API takes them: `type/subtype`, RFC 6838 characters, no parameters.
enum MediaType {
    /// Whether `text` (lowercased) is `type/subtype`; with `allowWildcardSubtype`, `type/*` too.
    static func isValid(_ text: String, allowWildcardSubtype: Bool = false) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, text.utf8.count <= 127 else { return false }
        if allowWildcardSubtype, parts[1] == "*" { return isName(parts[0]) }
        return isName(parts[0]) && isName(parts[1])
    }

    /// RFC 6838 §4.2 restricted-name: a letter or digit, then letters, digits and `!#$&-^_.+`.
    private static func isName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, isAlphanumeric(first), name.utf8.count <= 63 else { return false }
        return name.utf8.allSatisfy { byte in
            isAlphanumeric(byte) || "!#$&-^_.+".utf8.contains(byte)
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

/// The object key of an upload, made on the server: `{prefix}{sub}/{uuid}/{filename}`. The client's filename is a
/// hint for the last segment only; nothing the client sends can move the key out of `{prefix}{sub}/`.
public enum UploadKey {
    /// The longest filename segment kept, in UTF-8 bytes (S3 keys may have 1,024).
    public static let maxFilenameBytes = 200

    /// Why a filename hint cannot be used.
    public enum FilenameProblem: Error, Sendable, Equatable {
        /// Nothing usable is left once paths and control characters are dropped.
        case empty
        /// The name is only dots (`.` or `..`), which would be a path segment.
        case dotSegment
    }

    /// A user id fit for a key segment: Cognito's `sub` is a UUID; anything with other characters is refused
    /// rather than cleaned, as it names the user's whole prefix.
    public static func isSafeSubject(_ subject: String) -> Bool {
        guard !subject.isEmpty, subject.utf8.count <= 128, subject != ".", subject != ".." else { return false }
        return subject.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    /// The filename segment for a client's hint:
    /// 1. only the part after the last `/` or `\` (a path is never kept), found scalar by scalar: a slash that a
    ///    combining mark or joiner makes part of a larger character is still a slash;
    /// 2. Unicode NFC, so one name has one key;
    /// 3. control, format (including every bidi override and isolate), separator and unassigned characters
    ///    removed; characters that break URLs, shells or Windows (`"*:<>?|^{}[]%#~` and backtick) become `_`;
    /// 4. runs of whitespace become one space, and spaces are trimmed;
    /// 5. `.` and `..` (and names of dots only) refused;
    /// 6. at most `maxFilenameBytes` UTF-8 bytes, cut on a character boundary (inside a character only when one
    ///    character alone is longer), the extension kept, and steps 4 and 5 checked again on what is left.
    ///
    /// The result never contains `/` or `\`: coverage-guided fuzzing (`make fuzz`, target `fuzz-filename`) holds it
    /// to that, and to every other rule here.
    public static func sanitiseFilename(_ hint: String) throws(FilenameProblem) -> String {
        let scalars = hint.unicodeScalars
        var name = String(scalars)
        if let separator = scalars.lastIndex(where: { $0 == "/" || $0 == "\\" }) {
            name = String(scalars[scalars.index(after: separator)...])
        }
        let normalised = String(decoding: name._nfcCodeUnits, as: UTF8.self)

        var cleaned = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in normalised.unicodeScalars {
            let properties = scalar.properties
            switch properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .unassigned, .surrogate, .privateUse:
                continue
            case .spaceSeparator:
                pendingSpace = !cleaned.isEmpty
                continue
            default:
                break
            }
            if properties.isBidiControl || properties.isNoncharacterCodePoint || properties.isDefaultIgnorableCodePoint
            {
                continue
            }
            if pendingSpace {
                cleaned.append(" ")
                pendingSpace = false
            }
            if "\"*:<>?|^{}[]%#~`/\\".unicodeScalars.contains(scalar) {
                cleaned.append("_")
            } else {
                cleaned.append(scalar)
            }
        }
        var result = String(cleaned)
        guard !result.isEmpty else { throw .empty }
        guard !result.allSatisfy({ $0 == "." }) else { throw .dotSegment }
        if result.utf8.count > maxFilenameBytes {
            result = truncate(result, keepingExtensionTo: maxFilenameBytes)
            guard !result.isEmpty else { throw .empty }
            guard !result.allSatisfy({ $0 == "." }) else { throw .dotSegment }
        }
        return result
    }

    /// `name` cut to `limit` UTF-8 bytes on a character boundary, its extension (up to 16 bytes) kept.
    static func truncate(_ name: String, keepingExtensionTo limit: Int) -> String {
        var suffix = ""
        var stem = Substring(name)
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let ext = name[dot...]
            if ext.utf8.count <= 16 {
                suffix = String(ext)
                stem = name[..<dot]
            }
        }
        var kept = ""
        var bytes = suffix.utf8.count
        let room = limit - bytes
        for character in stem {
            let size = character.utf8.count
            guard bytes + size <= limit else {
                if size > room {
                    // This character alone is longer than the room (a letter with hundreds of combining marks): it
                    // could never fit whole, so cut it between scalars rather than lose it.
                    var scalars = String.UnicodeScalarView()
                    for scalar in character.unicodeScalars {
                        guard bytes + UTF8.width(scalar) <= limit else { break }
                        scalars.append(scalar)
                        bytes += UTF8.width(scalar)
                    }
                    kept.unicodeScalars.append(contentsOf: scalars)
                }
                break
            }
            kept.append(character)
            bytes += size
        }
        while kept.last == " " { kept.removeLast() }
        return kept + suffix
    }

    /// `{prefix}{sub}/{uuid}/{filename}`.
    public static func make(userPrefix: String, uuid: String, filename: String) -> String {
        userPrefix + uuid + "/" + filename
    }

    /// A random (version 4) UUID, lowercase, from the system's secure generator.
    public static func randomUUID() -> String {
        // Two draws, not sixteen: each draw from the system generator is a getrandom call.
        var generator = SystemRandomNumberGenerator()
        let high = generator.next()
        let low = generator.next()
        var bytes = (0..<16).map { index in
            UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> UInt64(8 * (index % 8)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
