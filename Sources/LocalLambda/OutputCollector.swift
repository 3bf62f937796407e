import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects what runtime processes write to their output pipes, so replay can show each invocation's logs.
///
/// A reader thread drains the pipes as output arrives (a full pipe would block the runtime); `take()` first
/// drains whatever is already in the pipes, so lines a runtime wrote before answering are never missed.
public final class OutputCollector: Sendable {
    private struct State {
        var descriptors: [Int32] = []
        var buffer: [UInt8] = []
        var stopped = false
    }

    private let state = Mutex(State())
    /// Output beyond this many bytes between two `take()` calls is dropped, with a note.
    static let maxBufferedBytes = 1 << 20

    public init() {
        let thread = Thread { [self] in self.run() }
        thread.name = "runtime-output"
        thread.start()
    }

    /// Adds a pipe's read end; the collector closes it at end-of-file.
    public func add(_ descriptor: Int32) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        state.withLock { $0.descriptors.append(descriptor) }
    }

    /// Everything collected since the last call, as text.
    public func take() -> String {
        state.withLock { state in
            Self.drain(&state)
            defer { state.buffer.removeAll(keepingCapacity: true) }
            return String(decoding: state.buffer, as: UTF8.self)
        }
    }

    /// Stops the reader thread and closes the pipes.
    public func stop() {
        state.withLock { state in
            state.stopped = true
            for descriptor in state.descriptors { close(descriptor) }
            state.descriptors.removeAll()
        }
    }

    private func run() {
        while true {
            let descriptors: [Int32]? = state.withLock { $0.stopped ? nil : $0.descriptors }
            guard let descriptors else { return }
            if descriptors.isEmpty {
                usleep(20_000)
                continue
            }
            var polled = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            _ = poll(&polled, nfds_t(polled.count), 50)
            if polled.contains(where: { $0.revents != 0 }) {
                state.withLock { Self.drain(&$0) }
            }
        }
    }

    private static func drain(_ state: inout State) {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        var closed: [Int32] = []
        for descriptor in state.descriptors {
            while true {
                let count = read(descriptor, &chunk, chunk.count)
                if count > 0 {
                    if state.buffer.count < maxBufferedBytes {
                        state.buffer.append(contentsOf: chunk[0..<count])
                        if state.buffer.count >= maxBufferedBytes {
                            state.buffer.append(contentsOf: Array("\n[output truncated]\n".utf8))
                        }
                    }
                    continue
                }
                if count == 0 { closed.append(descriptor) }
                break
            }
        }
        for descriptor in closed {
            close(descriptor)
            state.descriptors.removeAll { $0 == descriptor }
        }
    }
}
