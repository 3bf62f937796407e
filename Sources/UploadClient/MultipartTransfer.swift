// Full Foundation is fine here: UploadClient is upload-edge's, never linked into bootstrap (BootstrapBinaryTests
// keeps that binary free of Foundation), so no canImport(FoundationEssentials) is needed.
import Foundation

/// Sends the missing parts of one multipart upload: a signer thread hashes the parts in order and signs them in
/// batches of up to 100, while `concurrency` worker threads, each with its own connection, send the signed parts.
///
/// Transitions of a part: waiting → hashed → signed (queued) → sent (completed), or back to signed when its URL
/// expired, or failed after `PartAnswer.maximumAttempts` tries, which stops the whole transfer.
final class MultipartTransfer: @unchecked Sendable {  // every mutable field is guarded by `condition`
    /// A part ready to send: its URL and the headers to send exactly.
    struct Ticket {
        var partNumber: Int
        var checksum: String
        var url: String
        var headers: [(String, String)]
        var expiresAt: Date
    }

    let file: UploadFile
    let plan: PartPlan
    let session: UploadAPIClient.Session
    let settings: UploadClient.Settings
    let transport: any HTTPTransport
    let progress: any UploadProgress

    /// The most signed, unsent parts: more would only risk their URLs expiring in the queue.
    static let maximumSignedAhead = UploadAPI.maximumPartsPerSigning

    private let condition = NSCondition()
    private var queue: [Ticket] = []
    private var queueHead = 0
    private var signingDone = false
    private var failure: UploadError?
    private var completed: [Int: CompletedPart] = [:]

    init(
        file: UploadFile,
        plan: PartPlan,
        session: UploadAPIClient.Session,
        settings: UploadClient.Settings,
        transport: any HTTPTransport,
        progress: any UploadProgress
    ) {
        self.file = file
        self.plan = plan
        self.session = session
        self.settings = settings
        self.transport = transport
        self.progress = progress
    }

    /// Sends `missing` (part numbers, ascending) and returns what S3 stored for each.
    /// - Throws: The first `UploadError` any thread met; parts already sent stay in S3 for a resume.
    func run(missing: [Int]) throws(UploadError) -> [Int: CompletedPart] {
        guard !missing.isEmpty else { return [:] }
        let workers = max(1, min(settings.concurrency, missing.count))
        let group = DispatchGroup()
        func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
            group.enter()
            let thread = Thread {
                body()
                group.leave()
            }
            thread.name = name
            thread.start()
        }
        start("upload-edge signer") { self.sign(missing, workers: workers) }
        for index in 0..<workers {
            start("upload-edge part \(index + 1)") { self.work() }
        }
        group.wait()
        if let failure { throw failure }
        return completed
    }

    // MARK: - Signing

    /// Hashes the parts in order and signs them: the first batch as big as the worker pool, so sending starts at
    /// once, then twice as big each time up to 100.
    private func sign(_ missing: [Int], workers: Int) {
        do {
            let connection = try transport.makeConnection()
            let api = UploadAPIClient(base: settings.api, token: settings.token, connection: connection)
            var scratch: [UInt8] = []
            var batch: [(Int, String)] = []
            var limit = min(workers, UploadAPI.maximumPartsPerSigning)
            for number in missing {
                guard waitForRoom() else { return }
                let checksum = try file.sha256(
                    offset: plan.offset(of: number),
                    length: plan.length(of: number),
                    scratch: &scratch
                )
                batch.append((number, checksum))
                if batch.count >= limit {
                    try publish(api.signed(session, batch, settings: settings))
                    batch.removeAll(keepingCapacity: true)
                    limit = min(limit * 2, UploadAPI.maximumPartsPerSigning)
                }
            }
            if !batch.isEmpty { try publish(api.signed(session, batch, settings: settings)) }
            condition.withLock {
                signingDone = true
                condition.broadcast()
            }
        } catch {
            fail(error)
        }
    }

    /// Waits while the queue is full; `false` when the transfer has failed.
    private func waitForRoom() -> Bool {
        condition.withLock {
            while failure == nil && queue.count - queueHead >= Self.maximumSignedAhead { condition.wait() }
            return failure == nil
        }
    }

    private func publish(_ tickets: [Ticket]) {
        condition.withLock {
            queue.append(contentsOf: tickets)
            condition.broadcast()
        }
    }

    private func fail(_ error: any Error) {
        let error =
            error as? UploadError ?? UploadError(.transferFailed, "the upload of \(file.path) failed: \(error)")
        condition.withLock {
            if failure == nil { failure = error }
            condition.broadcast()
        }
    }

    // MARK: - Sending

    /// The next part to send; `nil` when all are sent or the transfer has failed.
    private func next() -> Ticket? {
        condition.withLock {
            while failure == nil && queueHead == queue.count && !signingDone { condition.wait() }
            guard failure == nil, queueHead < queue.count else { return nil }
            let ticket = queue[queueHead]
            queueHead += 1
            if queueHead > 256 {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            condition.broadcast()  // room for the signer
            return ticket
        }
    }

    private func work() {
        do {
            let connection = try transport.makeConnection()
            let api = UploadAPIClient(base: settings.api, token: settings.token, connection: connection)
            var buffer: [UInt8] = []
            while let ticket = next() {
                let part = try send(ticket, api: api, buffer: &buffer)
                condition.withLock { completed[part.partNumber] = part }
                progress.advance(bytes: plan.length(of: part.partNumber))
            }
        } catch {
            fail(error)
        }
    }

    /// Sends one part, trying again after network errors and 5xx answers and signing again when its URL expired.
    private func send(_ ticket: Ticket, api: UploadAPIClient, buffer: inout [UInt8]) throws -> CompletedPart {
        var ticket = ticket
        let number = ticket.partNumber
        let what = "part \(number) of \(file.filename)"
        let length = Int(plan.length(of: number))
        try file.read(offset: plan.offset(of: number), length: length, into: &buffer)
        var last = ""
        for attempt in 1...PartAnswer.maximumAttempts {
            if settings.now().addingTimeInterval(PartAnswer.expiryMargin) >= ticket.expiresAt {
                ticket = try api.signed(session, [(number, ticket.checksum)], settings: settings)[0]
            }
            let answer: PartAnswer
            do {
                let response = try api.connection.send(
                    "PUT",
                    ticket.url,
                    headers: ticket.headers,
                    body: buffer,
                    timeout: PartAnswer.timeout(bytes: length)
                )
                answer = PartAnswer.classify(response, what: what)
            } catch  where PartAnswer.isTransient(error) {
                answer = .retryable("\(error)")
            }
            switch answer {
            case .stored(let etag):
                return CompletedPart(partNumber: number, etag: etag, checksumSHA256: ticket.checksum)
            case .expired:
                last = "its URL expired"
                ticket.expiresAt = .distantPast
            case .retryable(let reason):
                last = reason
                if attempt < PartAnswer.maximumAttempts {
                    let delay = PartAnswer.backoff(afterAttempt: attempt)
                    progress.note(
                        "\(what): \(reason); trying again in \(delay) (try \(attempt + 1) of \(PartAnswer.maximumAttempts))"
                    )
                    settings.sleep(delay)
                }
            case .fatal(let error):
                throw error
            }
        }
        throw UploadError(
            .transferFailed,
            "\(what) failed \(PartAnswer.maximumAttempts) times (last: \(last)); run the same command again to "
                + "resume: the parts already sent are kept"
        )
    }
}

extension UploadAPIClient {
    /// Signs `parts` and pairs each URL with its checksum and expiry; tries again when the API is unreachable or
    /// answers 5xx.
    /// - Throws: `UploadError.transferFailed` when the answer misses a part that was asked for.
    func signed(
        _ session: Session,
        _ parts: [(Int, String)],
        settings: UploadClient.Settings
    ) throws(UploadError)
        -> [MultipartTransfer.Ticket]
    {
        var attempt = 1
        var answer: SignedParts
        while true {
            do {
                answer = try signParts(session, parts: parts)
                break
            } catch
                where (error.code == .unreachable || error.code == .unavailable)
                && attempt < PartAnswer.maximumAttempts
            {
                settings.sleep(PartAnswer.backoff(afterAttempt: attempt))
                attempt += 1
            }
        }
        let now = settings.now
        // Without an expiresAt, assume the API's default lifetime of five minutes.
        let expiresAt = answer.expiresAt.flatMap(UploadAPI.date) ?? now().addingTimeInterval(300)
        let byNumber = Dictionary(answer.parts.map { ($0.partNumber, $0) }, uniquingKeysWith: { first, _ in first })
        return try parts.map { number, checksum throws(UploadError) in
            guard let signed = byNumber[number] else {
                throw UploadError(.transferFailed, "the API signed no URL for part \(number)")
            }
            return MultipartTransfer.Ticket(
                partNumber: number,
                checksum: checksum,
                url: signed.url,
                headers: (signed.headers ?? [:]).sorted { $0.key < $1.key },
                expiresAt: expiresAt
            )
        }
    }
}
