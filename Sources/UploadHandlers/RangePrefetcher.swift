import S3

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads an object's ranges one ahead on a thread of its own, so the checks of one range overlap the network wait
/// for the next: the checks then cost CPU time the read spends waiting anyway.
///
/// At most one range is in flight and one waits to be taken: memory stays at two ranges. The S3 client is used
/// only by the reading thread while it runs, and by nobody else (the caller waits in `next()`), so its one easy
/// handle is never shared.
package final class RangePrefetcher: @unchecked Sendable {
    // @unchecked: every field but the constants is read and written with `mutex` held; the client is used by the
    // reading thread alone between `init` and the end of the last range (the owner does not touch it meanwhile).
    private let client: S3Client
    private let bucket: String
    private let key: String
    private let end: Int64
    private let rangeBytes: Int64
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var ready: Result<[UInt8], S3Error>?
    private var taken = true
    private var stopped = false
    private var thread = pthread_t()
    /// Whether the reading thread started (and has not been joined yet). Without it, `next()` reads itself.
    private var threadRunning = false
    /// Where `next()` reads from when there is no thread.
    private var inlineOffset: Int64 = 0

    /// Starts reading `0..<end` of the object in ranges of `rangeBytes`.
    package init(client: S3Client, bucket: String, key: String, end: Int64, rangeBytes: Int64) {
        self.client = client
        self.bucket = bucket
        self.key = key
        self.end = end
        self.rangeBytes = rangeBytes
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(
            &thread,
            nil,
            { context in
                let prefetcher = Unmanaged<RangePrefetcher>.fromOpaque(context!).takeRetainedValue()
                prefetcher.run()
                return nil
            },
            context
        )
        if started == 0 {
            threadRunning = true
        } else {
            // No thread: `next()` reads in the caller instead.
            Unmanaged<RangePrefetcher>.fromOpaque(context).release()
        }
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    private func run() {
        var offset: Int64 = 0
        while offset < end {
            let last = min(offset + rangeBytes, end) - 1
            let result: Result<[UInt8], S3Error>
            do throws(S3Error) {
                result = .success(try client.getObject(bucket: bucket, key: key, range: offset...last))
            } catch {
                result = .failure(error)
            }
            pthread_mutex_lock(&mutex)
            while !taken && !stopped { pthread_cond_wait(&condition, &mutex) }
            if stopped {
                pthread_mutex_unlock(&mutex)
                return
            }
            ready = result
            taken = false
            pthread_cond_broadcast(&condition)
            pthread_mutex_unlock(&mutex)
            guard case .success(let bytes) = result, !bytes.isEmpty else { break }
            offset += Int64(bytes.count)
        }
        pthread_mutex_lock(&mutex)
        while !taken && !stopped { pthread_cond_wait(&condition, &mutex) }
        stopped = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// The next range, in order; empty at the end.
    package func next() throws(S3Error) -> [UInt8] {
        if !threadRunning {
            guard inlineOffset < end else { return [] }
            let bytes = try client.getObject(
                bucket: bucket,
                key: key,
                range: inlineOffset...(min(inlineOffset + rangeBytes, end) - 1)
            )
            inlineOffset += Int64(bytes.count)
            return bytes
        }
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while taken && !stopped { pthread_cond_wait(&condition, &mutex) }
        guard !taken, let result = ready else { return [] }
        ready = nil
        taken = true
        pthread_cond_broadcast(&condition)
        return try result.get()
    }

    /// Stops reading and waits for the reading thread, so the client is free again. Safe to call twice.
    package func finish() {
        guard threadRunning else { return }
        pthread_mutex_lock(&mutex)
        stopped = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
        pthread_join(thread, nil)
        threadRunning = false
    }
}
