/// Where a `StreamingLambdaHandler` writes its response.
///
/// Nothing goes to Lambda until the first write (or the prelude): an error thrown before it is an ordinary
/// `/error`. Writes block while a megabyte is still on its way, so a fast handler cannot outrun the network and
/// fill memory. Not thread-safe: the handler's thread writes.
public final class LambdaResponseStream {
    /// The media type a stream without a prelude is sent as, unless the handler sets another.
    public static let defaultContentType = "application/octet-stream"

    private let open: (String) throws(LambdaRuntimeError) -> StreamChannel
    private var channel: StreamChannel?
    private var contentType = LambdaResponseStream.defaultContentType

    /// Bytes written so far, the prelude included.
    public private(set) var bytesWritten = 0

    /// A stream that calls `open` with its content type at the first write, to start the response's upload.
    package init(open: @escaping (String) throws(LambdaRuntimeError) -> StreamChannel) {
        self.open = open
    }

    /// Whether any byte has gone out: after that, an error can only end the stream with trailers.
    public var hasStarted: Bool { channel != nil }

    /// Sets the response's `Content-Type`.
    /// - Throws: `.responseStream` once bytes have gone out: the type travels in the request's head.
    public func setContentType(_ type: String) throws(LambdaRuntimeError) {
        guard channel == nil else {
            throw LambdaRuntimeError(
                .responseStream,
                "setContentType(\"\(type)\") came after the first byte of the stream; set the type before writing"
            )
        }
        contentType = type
    }

    /// Writes the Function URL prelude: the status, headers and cookies the caller gets, as
    /// `application/vnd.awslambda.http-integration-response`, followed by eight NUL bytes. Call it first.
    /// - Throws: `.responseStream` when bytes went out already.
    public func writeHTTPIntegrationPrelude(
        statusCode: Int,
        headers: [String: String] = [:],
        cookies: [String] = []
    ) throws(LambdaRuntimeError) {
        guard channel == nil else {
            throw LambdaRuntimeError(
                .responseStream,
                "the HTTP integration prelude (status \(statusCode)) came after the first byte of the stream; "
                    + "write it before any body bytes"
            )
        }
        contentType = RuntimeAPI.httpIntegrationContentType
        var prelude = Array(#"{"statusCode":"#.utf8)
        prelude.append(contentsOf: String(statusCode).utf8)
        prelude.append(contentsOf: #","headers":{"#.utf8)
        for (index, name) in headers.keys.sorted().enumerated() {
            if index > 0 { prelude.append(UInt8(ascii: ",")) }
            JSONString.append(name, to: &prelude)
            prelude.append(UInt8(ascii: ":"))
            JSONString.append(headers[name]!, to: &prelude)
        }
        prelude.append(contentsOf: #"},"cookies":["#.utf8)
        for (index, cookie) in cookies.enumerated() {
            if index > 0 { prelude.append(UInt8(ascii: ",")) }
            JSONString.append(cookie, to: &prelude)
        }
        prelude.append(contentsOf: "]}".utf8)
        prelude.append(contentsOf: [UInt8](repeating: 0, count: 8))
        try write(prelude)
    }

    /// Writes one chunk of the body.
    /// - Throws: `.responseStream` past Lambda's 200 MB limit; `.transport` when the connection to Lambda broke
    ///   (the invocation is lost; stop writing and return or rethrow).
    public func write(_ bytes: some Collection<UInt8>) throws(LambdaRuntimeError) {
        guard !bytes.isEmpty else { return }
        guard bytesWritten + bytes.count <= RuntimeAPI.maxStreamedResponseBytes else {
            throw LambdaRuntimeError(
                .responseStream,
                "the response stream would reach \(bytesWritten + bytes.count) bytes, over Lambda's limit of "
                    + "\(RuntimeAPI.maxStreamedResponseBytes) bytes (200 MB); stream less, or put the payload in "
                    + "S3 and return its key"
            )
        }
        let channel = try startIfNeeded()
        // Arrays and their slices are handed over as they are (they share storage, copy-on-write): no copy of a
        // large body before libcurl's own.
        if let slice = bytes as? ArraySlice<UInt8> {
            try channel.push(slice)
        } else if let array = bytes as? [UInt8] {
            try channel.push(array[...])
        } else {
            try channel.push(ArraySlice(bytes))
        }
        bytesWritten += bytes.count
    }

    /// Writes a string's UTF-8.
    public func write(_ text: String) throws(LambdaRuntimeError) {
        try write(Array(text.utf8))
    }

    /// Opens the stream with no bytes, for a handler that returned without writing.
    package func startIfNeeded() throws(LambdaRuntimeError) -> StreamChannel {
        if let channel { return channel }
        return try start()
    }

    /// The channel the response is going out on; `nil` while nothing has been written.
    package var openedChannel: StreamChannel? { channel }

    private func start() throws(LambdaRuntimeError) -> StreamChannel {
        let opened = try open(contentType)
        channel = opened
        return opened
    }
}

/// The hand-over between a streaming handler, which pushes chunks, and the libcurl upload that pulls them on a
/// thread of its own.
///
/// `@unchecked Sendable`: every stored property is read and written only under `lock`.
package final class StreamChannel: @unchecked Sendable {
    /// How many bytes may wait to be sent before `push` blocks.
    package static let maxQueuedBytes = 1 << 20
    /// libcurl's upload buffer for a streamed response: how much one read of the channel can take.
    package static let uploadBufferBytes = 512 * 1024

    private let lock = ConditionLock()
    private var chunks: [ArraySlice<UInt8>] = []
    private var head = 0
    private var offset = 0
    private var queuedBytes = 0
    private var finished = false
    private var failure: LambdaErrorPayload?
    private var uploadEnded: String?

    /// An empty, open channel.
    package init() {}

    /// Queues `chunk`, waiting while too much is queued.
    /// - Throws: `.transport` when the upload has ended early (the connection broke).
    package func push(_ chunk: ArraySlice<UInt8>) throws(LambdaRuntimeError) {
        let ended: String? = lock.withLock {
            while queuedBytes >= Self.maxQueuedBytes && uploadEnded == nil { lock.wait() }
            if let uploadEnded { return uploadEnded }
            chunks.append(chunk)
            queuedBytes += chunk.count
            lock.broadcast()
            return nil
        }
        if let ended {
            throw LambdaRuntimeError(.transport, "the response stream to Lambda ended early: \(ended)")
        }
    }

    /// Ends the stream: after the queued chunks, the body ends, with error trailers when `error` is set.
    package func finish(error: LambdaErrorPayload?) {
        lock.withLock {
            finished = true
            failure = error
            lock.broadcast()
        }
    }

    /// Called by the upload when it is over, for whatever reason, so a blocked `push` wakes up.
    package func uploadDidEnd(_ reason: String) {
        lock.withLock {
            uploadEnded = reason
            lock.broadcast()
        }
    }

    /// Copies the next bytes into `buffer`, waiting for them; 0 means the body is complete. At most one chunk per
    /// call, so each `write` becomes its own HTTP chunk when it fits libcurl's buffer.
    package func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        lock.withLock {
            while head == chunks.count && !finished { lock.wait() }
            guard head < chunks.count else { return 0 }
            let chunk = chunks[head]
            let count = min(buffer.count, chunk.count - offset)
            chunk.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
            }
            offset += count
            queuedBytes -= count
            if offset == chunk.count {
                head += 1
                offset = 0
                if head == chunks.count {
                    chunks.removeAll(keepingCapacity: true)
                    head = 0
                }
            }
            lock.broadcast()
            return count
        }
    }

    /// The trailer lines to send after the body: the error's type and its JSON in base64, or none.
    package func trailerLines() -> [String] {
        guard let failure = lock.withLock({ failure }) else { return [] }
        return [
            "\(RuntimeAPI.Header.functionErrorType): \(failure.headerSafeErrorType)",
            "\(RuntimeAPI.Header.functionErrorBody): \(Base64.encode(failure.jsonBytes()))",
        ]
    }
}
