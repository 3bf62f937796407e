import CCurl

/// One libcurl easy handle, kept for the life of the process so its connection stays alive.
///
/// This is the only code in the runtime that touches C pointers. It is not thread-safe: the runtime loop owns it.
package final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    /// The connection pool `handle` shares with the one-off handles of streamed POSTs.
    private let share: UnsafeMutableRawPointer?
    private let exchange: Exchange
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// A handle with no proxy, `TCP_NODELAY` and no signals, sharing its connections with streamed POSTs' handles.
    /// - Parameters:
    ///   - capturedHeaders: Response header names to keep (any case); see `header(_:)`.
    ///   - connectTimeoutMilliseconds: How long to wait for a TCP connection. There is no overall timeout.
    /// - Throws: `LambdaRuntimeError` with `.transport` when libcurl cannot be initialised.
    package init(
        capturedHeaders: [String],
        connectTimeoutMilliseconds: Int
    ) throws(LambdaRuntimeError) {
        _ = CurlEasy.globalInit
        guard let handle = curl_easy_init() else {
            throw LambdaRuntimeError(.transport, "libcurl could not create an easy handle (out of memory?)")
        }
        self.handle = handle
        self.share = curl_share_init()
        if let share, ue_curl_share_connections(share) == CURLSHE_OK {
            ue_curl_setopt_pointer(handle, CURLOPT_SHARE, share)
        }
        self.exchange = Exchange(capturedHeaders: capturedHeaders)
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let context = Unmanaged.passUnretained(exchange).toOpaque()
        // Proxy settings in the environment must never reroute Runtime API calls: "" disables proxies, and with
        // no-proxy "*" curl stops reading the proxy variables on every request.
        ue_curl_setopt_string(handle, CURLOPT_PROXY, "")
        ue_curl_setopt_string(handle, CURLOPT_NOPROXY, "*")
        ue_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        ue_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ue_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMilliseconds)
        ue_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, 0)
        ue_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http")
        ue_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteCallback)
        ue_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        ue_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        ue_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        ue_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    }

    deinit {
        curl_easy_cleanup(handle)
        if let share { curl_share_cleanup(share) }
        errorBuffer.deallocate()
    }

    /// The body of the last GET. The array keeps its capacity from one GET to the next, and POST replies land
    /// elsewhere (`replyBody`), so an event handed to a handler is never copied or reallocated by the runtime.
    package var body: [UInt8] { exchange.body }

    /// The body of the last POST's reply.
    package var replyBody: [UInt8] { exchange.replyBody }

    /// The value of captured header `index` (in the order given at init) from the last response.
    package func header(_ index: Int) -> String? { exchange.headers.values[index] }

    /// Performs a GET of `url`; the response body lands in `body`.
    package func get(_ url: String, headers: HeaderList?) throws(LambdaRuntimeError) -> Int {
        ue_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        ue_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers?.list)
        // libcurl reads the list during `perform` without copying it: it must outlive the call, not just its last
        // use here (Swift may free an object right after its last use).
        defer { withExtendedLifetime(headers) {} }
        exchange.capturesReply = false
        return try perform(url)
    }

    /// POSTs `body` from memory with an explicit `Content-Length`.
    package func post(_ url: String, body: [UInt8], headers: HeaderList?) throws(LambdaRuntimeError) -> Int {
        ue_curl_setopt_long(handle, CURLOPT_POST, 1)
        ue_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers?.list)
        defer { withExtendedLifetime(headers) {} }
        ue_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
        exchange.capturesReply = true
        // A non-null pointer is required even for an empty body, or curl would fall back to a read callback.
        let storage = body.isEmpty ? [0] : body
        let result: Result<Int, LambdaRuntimeError> = storage.withUnsafeBytes { bytes in
            // libcurl reads the body from this pointer during `perform`, without copying it.
            ue_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, bytes.baseAddress)
            defer { ue_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil) }
            do throws(LambdaRuntimeError) {
                return .success(try perform(url))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// POSTs a body that `channel` hands over chunk by chunk, with `Transfer-Encoding: chunked` (which `headers`
    /// must carry), and the channel's trailer lines after the last chunk.
    ///
    /// It runs on a copy of the handle (`curl_easy_duphandle`) that shares the connection pool, and is thrown away
    /// afterwards: libcurl 7.88 (Debian 12, and the build in the zip) does not reset its trailer state between
    /// requests, and the next chunked upload on the same handle writes its chunk header before the upload buffer
    /// (found by AddressSanitizer on the second streamed response of a process).
    package func postStreaming(
        _ url: String,
        channel: StreamChannel,
        headers: HeaderList
    ) throws(LambdaRuntimeError) -> Int {
        guard let handle = curl_easy_duphandle(self.handle) else {
            throw LambdaRuntimeError(.transport, "libcurl could not copy its handle for a streamed response")
        }
        defer { curl_easy_cleanup(handle) }
        if let share { ue_curl_setopt_pointer(handle, CURLOPT_SHARE, share) }
        ue_curl_setopt_long(handle, CURLOPT_POST, 1)
        ue_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers.list)
        // The caller's list is often a temporary: keep it alive until libcurl is done with it.
        defer { withExtendedLifetime(headers) {} }
        ue_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
        ue_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, -1)
        // Bigger than libcurl's 64 KiB default: a large write goes out in fewer callbacks, chunks and sends. It is
        // allocated for this request's handle only.
        ue_curl_setopt_long(handle, CURLOPT_UPLOAD_BUFFERSIZE, StreamChannel.uploadBufferBytes)
        let context = Unmanaged.passUnretained(channel).toOpaque()
        ue_curl_setopt_callback(handle, CURLOPT_READFUNCTION, curlReadCallback)
        ue_curl_setopt_pointer(handle, CURLOPT_READDATA, context)
        ue_curl_setopt_trailer_callback(handle, curlTrailerCallback)
        ue_curl_setopt_pointer(handle, CURLOPT_TRAILERDATA, context)
        exchange.capturesReply = true
        // The caller holds `channel` for the whole call, so the unretained pointer stays valid; the handle that
        // points at it is cleaned up before this returns.
        return try perform(url, on: handle)
    }

    private func perform(_ url: String) throws(LambdaRuntimeError) -> Int {
        try perform(url, on: handle)
    }

    private func perform(_ url: String, on handle: UnsafeMutableRawPointer) throws(LambdaRuntimeError) -> Int {
        exchange.reset()
        errorBuffer[0] = 0
        ue_curl_setopt_string(handle, CURLOPT_URL, url)
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let summary = String(cString: curl_easy_strerror(code))
            throw LambdaRuntimeError(
                .transport,
                "request to \(url) failed: \(detail.isEmpty ? summary : detail) (curl error \(code.rawValue))"
            )
        }
        var status = 0
        ue_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return status
    }

    /// Runs `curl_global_init` once per process, before the first handle.
    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()
}

/// A `curl_slist` of request headers, built once and reused.
package final class HeaderList {
    fileprivate let list: UnsafeMutablePointer<curl_slist>?

    /// A list of `lines`, each a whole `Name: value` header line (`Name:` alone removes curl's default).
    package init(_ lines: [String]) {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for line in lines {
            list = curl_slist_append(list, line)
        }
        self.list = list
    }

    deinit {
        curl_slist_free_all(list)
    }
}

/// State the C callbacks write into during one request.
private final class Exchange {
    var body: [UInt8] = []
    var replyBody: [UInt8] = []
    /// Whether the body being received is a POST's reply rather than a GET's payload.
    var capturesReply = false
    var headers: RuntimeResponseHeaders

    init(capturedHeaders: [String]) {
        self.headers = RuntimeResponseHeaders(capturing: capturedHeaders)
        body.reserveCapacity(64 * 1024)
    }

    func reset() {
        if capturesReply {
            replyBody.removeAll(keepingCapacity: true)
        } else {
            body.removeAll(keepingCapacity: true)
        }
        headers.reset()
    }

    /// Handles one header line, `Name: value\r\n`, or a status line, which starts a new response.
    func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
        headers.receive(line: line)
    }
}

private func curlWriteCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int {
    let total = size * count
    guard let data, let context, total > 0 else { return total }
    let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: total)
    if exchange.capturesReply {
        exchange.replyBody.append(contentsOf: bytes)
    } else {
        exchange.body.append(contentsOf: bytes)
    }
    return total
}

private func curlReadCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let channel = Unmanaged<StreamChannel>.fromOpaque(context).takeUnretainedValue()
    return channel.read(into: UnsafeMutableRawBufferPointer(start: data, count: size * count))
}

private func curlTrailerCallback(
    _ list: UnsafeMutablePointer<UnsafeMutablePointer<curl_slist>?>?,
    _ context: UnsafeMutableRawPointer?
) -> Int32 {
    guard let list, let context else { return Int32(CURL_TRAILERFUNC_OK) }
    let channel = Unmanaged<StreamChannel>.fromOpaque(context).takeUnretainedValue()
    for line in channel.trailerLines() {
        // libcurl frees the list once the trailers are sent.
        list.pointee = curl_slist_append(list.pointee, line)
    }
    return Int32(CURL_TRAILERFUNC_OK)
}

private func curlHeaderCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int {
    let total = size * count
    guard let data, let context, total > 0 else { return total }
    let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
    exchange.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: total))
    return total
}
