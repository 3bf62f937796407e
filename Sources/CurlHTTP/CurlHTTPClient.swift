import CCurl
import LambdaRuntime

/// An HTTP(S) client over one libcurl easy handle: the connection to each host stays open between requests.
///
/// Not thread-safe: one client per thread (the Lambda runtime has one). Only this file touches C pointers.
public final class CurlHTTPClient {
    /// A response: status, headers (names lowercased, repeated ones joined with ", "), body.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Defaults for every request of the client.
    public struct Configuration: Sendable {
        /// How long to wait for a TCP (and TLS) connection.
        public var connectTimeoutMilliseconds = 2_000
        /// How long a whole request may take.
        public var timeoutMilliseconds = 5_000
        /// The CA bundle for HTTPS; see `CABundle`.
        public var caBundle: String? = CABundle.path()
        /// Responses larger than this fail with `.responseTooLarge`.
        public var maxResponseBytes = 16 * 1024 * 1024
        public var userAgent = "upload-edge/1.0"

        public init() {}
    }

    private let handle: UnsafeMutableRawPointer
    private let state = ResponseState()
    private let errorBuffer: UnsafeMutablePointer<CChar>
    public let configuration: Configuration

    public init(configuration: Configuration = .init()) throws(HTTPClientError) {
        _ = CurlHTTPClient.globalInit
        guard let handle = curl_easy_init() else {
            throw HTTPClientError(.transport, "libcurl could not create an easy handle")
        }
        self.handle = handle
        self.configuration = configuration
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let context = Unmanaged.passUnretained(state).toOpaque()
        ue_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ue_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        ue_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        ue_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeoutMilliseconds)
        ue_curl_setopt_string(handle, CURLOPT_USERAGENT, configuration.userAgent)
        ue_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        ue_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if let caBundle = configuration.caBundle { ue_curl_setopt_string(handle, CURLOPT_CAINFO, caBundle) }
        ue_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, httpWriteCallback)
        ue_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        ue_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, httpHeaderCallback)
        ue_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        ue_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends one request and reads the whole response.
    /// - Parameters:
    ///   - timeoutMilliseconds: Overrides the client's timeout for this request.
    /// - Throws: `HTTPClientError`: `.invalidURL`, `.transport`, `.timeout`, `.responseTooLarge`.
    public func send(
        _ method: String,
        _ url: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        timeoutMilliseconds: Int? = nil
    ) throws(HTTPClientError) -> Response {
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw HTTPClientError(.invalidURL, "\"\(url.prefix(80))\" is not an http(s) URL")
        }
        state.reset(limit: configuration.maxResponseBytes)
        errorBuffer[0] = 0
        ue_curl_setopt_string(handle, CURLOPT_URL, url)
        ue_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds ?? configuration.timeoutMilliseconds)
        // "Expect:" stops curl from waiting for a 100 Continue on larger bodies.
        var lines = headers.map { "\($0.0): \($0.1)" }
        lines.append("Expect:")
        // libcurl sends a body as a form (application/x-www-form-urlencoded) unless told otherwise: S3 would store
        // that as the object's type, and a signed request would carry a header it did not sign.
        if !headers.contains(where: { $0.0.lowercased() == "content-type" }) { lines.append("Content-Type:") }
        let list = HeaderLines(lines)
        ue_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list.list)
        let sendBody = body ?? []
        switch method {
        case "GET":
            ue_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "HEAD":
            ue_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        default:
            ue_curl_setopt_long(handle, CURLOPT_POST, 1)
            ue_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
        }
        defer {
            ue_curl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, nil)
            ue_curl_setopt_long(handle, CURLOPT_NOBODY, 0)
            ue_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
            ue_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
        }
        let storage = sendBody.isEmpty ? [0] : sendBody
        let code: CURLcode = storage.withUnsafeBytes { bytes in
            if method != "GET" && method != "HEAD" {
                ue_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(sendBody.count))
                ue_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, bytes.baseAddress)
            }
            return curl_easy_perform(handle)
        }
        withExtendedLifetime(list) {}
        guard code == CURLE_OK else {
            if state.overflowed {
                throw HTTPClientError(
                    .responseTooLarge,
                    "\(method) \(Self.redact(url)): the response is over \(configuration.maxResponseBytes) bytes"
                )
            }
            let detail = String(cString: errorBuffer)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw HTTPClientError(
                code == CURLE_OPERATION_TIMEDOUT ? .timeout : .transport,
                "\(method) \(Self.redact(url)) failed: \(reason)"
            )
        }
        var status = 0
        ue_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Response(status: status, headers: state.headers, body: state.body)
    }

    /// A URL for messages: scheme, host and path, without the query (presigned signatures and tokens stay out
    /// of logs).
    static func redact(_ url: String) -> String {
        String(url.prefix { $0 != "?" })
    }

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()
}

/// A `curl_slist` that frees itself.
private final class HeaderLines {
    let list: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for line in lines { list = curl_slist_append(list, line) }
        self.list = list
    }

    deinit { curl_slist_free_all(list) }
}

/// What the callbacks collect during one request.
private final class ResponseState {
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var limit = 0
    var overflowed = false

    func reset(limit: Int) {
        body.removeAll(keepingCapacity: true)
        headers.removeAll(keepingCapacity: true)
        self.limit = limit
        overflowed = false
    }

    func header(_ line: UnsafeRawBufferPointer) {
        if line.starts(with: "HTTP/".utf8) {
            // A new response (after 100 Continue or a redirect): start afresh.
            headers.removeAll(keepingCapacity: true)
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[..<colon]), as: UTF8.self).lowercased()
        // Trimmed as bytes: as Characters, "\r\n" is one grapheme and matches neither "\r" nor "\n".
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = colon + 1
        var end = line.count
        while start < end, isSpace(line[start]) { start += 1 }
        while end > start, isSpace(line[end - 1]) { end -= 1 }
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
        headers[name] = headers[name].map { $0 + ", " + value } ?? value
    }
}

private func httpWriteCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int {
    let total = size * count
    guard let data, let context else { return total }
    let state = Unmanaged<ResponseState>.fromOpaque(context).takeUnretainedValue()
    guard state.body.count + total <= state.limit else {
        state.overflowed = true
        return 0  // makes curl stop with a write error
    }
    state.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: total))
    return total
}

private func httpHeaderCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int {
    let total = size * count
    guard let data, let context else { return total }
    Unmanaged<ResponseState>.fromOpaque(context).takeUnretainedValue().header(
        UnsafeRawBufferPointer(start: data, count: total)
    )
    return total
}
