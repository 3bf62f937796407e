import LambdaRuntime

/// What a later call names: the key, the upload and its sealed session.
struct SessionReference {
    var key: String
    var uploadID: String
    var session: String

    init(key: String, uploadID: String, session: String) {
        self.key = key
        self.uploadID = uploadID
        self.session = session
    }

    /// From `?key=…&uploadId=…&session=…`.
    init(query: [String: String]) throws(UploadAPIError) {
        func value(_ name: String) throws(UploadAPIError) -> String {
            guard let value = query[name], !value.isEmpty else {
                throw .badRequest("the query parameter \(name) is missing; send key, uploadId and session")
            }
            return value
        }
        self.init(key: try value("key"), uploadID: try value("uploadId"), session: try value("session"))
    }
}

/// The JSON body of `…/parts` and `…/complete`.
struct MultipartBody {
    static let maxSignBodyBytes = 64 * 1024
    /// 10,000 parts of about 130 bytes each.
    static let maxCompleteBodyBytes = 2 * 1024 * 1024

    var fields: [String: JSONValue]
    var reference: SessionReference

    static func parse(_ body: [UInt8]?, maxBytes: Int) throws(UploadAPIError) -> MultipartBody {
        guard let body, !body.isEmpty else {
            throw .badRequest(#"the body is empty; send JSON {"key", "uploadId", "session", "parts"}"#)
        }
        guard body.count <= maxBytes else {
            throw .badRequest("the body is \(body.count) bytes; this call takes at most \(maxBytes)")
        }
        guard case .object(let fields)? = try? JSONValue(parsing: body) else {
            throw .badRequest(#"the body is not a JSON object; send {"key", "uploadId", "session", "parts"}"#)
        }
        func string(_ name: String) throws(UploadAPIError) -> String {
            guard case .string(let value)? = fields[name], !value.isEmpty else {
                throw .badRequest("\(name) is missing; send the \(name) the create call returned, as a string")
            }
            return value
        }
        return MultipartBody(
            fields: fields,
            reference: SessionReference(
                key: try string("key"),
                uploadID: try string("uploadId"),
                session: try string("session")
            )
        )
    }

    /// The `parts` array, each entry an object with the `required` fields.
    func parts(required: [String], count: ClosedRange<Int>) throws(UploadAPIError) -> [Entry] {
        guard case .array(let items)? = fields["parts"] else {
            throw .badRequest(
                "parts is missing; send an array of {\(required.map { "\"\($0)\"" }.joined(separator: ", "))}"
            )
        }
        guard count.contains(items.count) else {
            throw .badRequest("parts has \(items.count) entries; send \(count.lowerBound) to \(count.upperBound)")
        }
        var entries: [Entry] = []
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item else { throw .badRequest("parts[\(index)] is not an object") }
            let entry = Entry(index: index, fields: fields)
            for name in required where fields[name] == nil || fields[name] == .null {
                throw .badRequest("parts[\(index)].\(name) is missing")
            }
            entries.append(entry)
        }
        return entries
    }

    struct Entry {
        var index: Int
        var fields: [String: JSONValue]

        func partNumber(in session: UploadSession) throws(UploadAPIError) -> Int {
            let number: Int64
            switch fields["partNumber"] {
            case .integer(let value)?: number = value
            case .number(let value)? where value == value.rounded(.down) && abs(value) < 1e9: number = Int64(value)
            default: throw .badRequest("parts[\(index)].partNumber must be a whole number")
            }
            guard (1...Int64(session.partCount)).contains(number) else {
                throw .badRequest(
                    "parts[\(index)].partNumber is \(number); this upload has parts 1 to \(session.partCount)"
                )
            }
            return Int(number)
        }

        func string(_ name: String) throws(UploadAPIError) -> String? {
            switch fields[name] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default: throw .badRequest("parts[\(index)].\(name) must be a string")
            }
        }

        /// The part's base64 SHA-256, checked for shape.
        func checksum() throws(UploadAPIError) -> String? {
            guard let text = try string("checksumSHA256") else { return nil }
            guard ChecksumText.isSHA256(text) else {
                throw .badRequest(
                    "parts[\(index)].checksumSHA256 must be the base64 (not hex) of the part's 32-byte SHA-256"
                )
            }
            return text
        }
    }
}
