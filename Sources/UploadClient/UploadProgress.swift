// Full Foundation is fine here: UploadClient is upload-edge's, never linked into bootstrap (BootstrapBinaryTests
// keeps that binary free of Foundation), so no canImport(FoundationEssentials) is needed.
import Foundation
import Synchronization

/// What the upload client reports while it works. Called from the worker threads.
public protocol UploadProgress: Sendable {
    /// A file starts: `doneBytes` of `totalBytes` are already up (parts an earlier run sent).
    func begin(file: String, totalBytes: Int64, doneBytes: Int64)
    /// `bytes` more are up.
    func advance(bytes: Int64)
    /// The file is done, or failed.
    func end(succeeded: Bool)
    /// A line for the user: resuming, starting over, retrying.
    func note(_ message: String)
}

/// Reports nothing.
public struct SilentProgress: UploadProgress {
    public init() {}
    public func begin(file: String, totalBytes: Int64, doneBytes: Int64) {}
    public func advance(bytes: Int64) {}
    public func end(succeeded: Bool) {}
    public func note(_ message: String) {}
}

/// Progress on standard error: a bar redrawn in place on a terminal, otherwise a plain line every 10 % or every
/// `lineInterval`.
public final class ProgressDisplay: UploadProgress {
    public enum Style: Sendable {
        /// `\r`-redrawn bar with bytes, rate and ETA.
        case bar
        /// One line per 10 % or per `lineInterval`.
        case lines
    }

    struct State {
        var file = ""
        var total: Int64 = 0
        var done: Int64 = 0
        /// What was already up at the start: not part of the rate.
        var resumed: Int64 = 0
        var started = Date.distantPast
        /// When the last byte was up: the rate stops there, while the API assembles the object.
        var sent: Date?
        var lastDraw = Date.distantPast
        var lastLineTenth = -1
        var active = false
        var drawn = false
        /// `end` was called: the figures are final.
        var finished = false
    }

    public let style: Style
    let write: @Sendable (String) -> Void
    let now: @Sendable () -> Date
    let lineInterval: TimeInterval
    private let state = Mutex(State())

    /// - Parameters:
    ///   - write: Where the text goes (standard error), without added newlines.
    ///   - now: The clock, for the rate and the ETA.
    public init(
        style: Style,
        lineInterval: TimeInterval = 5,
        now: @escaping @Sendable () -> Date = { Date() },
        write: @escaping @Sendable (String) -> Void
    ) {
        self.style = style
        self.lineInterval = lineInterval
        self.now = now
        self.write = write
    }

    /// `.bar` when standard error is a terminal, `.lines` otherwise.
    public static var standardErrorStyle: Style { isatty(2) == 1 ? .bar : .lines }

    public func begin(file: String, totalBytes: Int64, doneBytes: Int64) {
        let time = now()
        let text = state.withLock { state -> String? in
            state = State(
                file: file,
                total: totalBytes,
                done: doneBytes,
                resumed: doneBytes,
                started: time,
                active: true
            )
            return render(&state, at: time, force: true)
        }
        if let text { write(text) }
    }

    public func advance(bytes: Int64) {
        let time = now()
        let text = state.withLock { state -> String? in
            state.done += bytes
            if state.done >= state.total && state.sent == nil { state.sent = time }
            return render(&state, at: time, force: state.done >= state.total)
        }
        if let text { write(text) }
    }

    /// Redraws the bar, so the rate and ETA move between parts; a no-op for `.lines`.
    public func tick() {
        guard style == .bar else { return }
        let time = now()
        let text = state.withLock { state -> String? in render(&state, at: time, force: false) }
        if let text { write(text) }
    }

    public func end(succeeded: Bool) {
        let time = now()
        let text = state.withLock { state -> String? in
            guard state.active else { return nil }
            state.finished = true
            var line = render(&state, at: time, force: true) ?? ""
            if style == .bar { line += "\n" }
            state.active = false
            state.drawn = false
            return line
        }
        if let text { write(text) }
    }

    public func note(_ message: String) {
        let text = state.withLock { state -> String in
            // On a terminal, the note goes on its own line and the bar is drawn again under it.
            let clear = style == .bar && state.drawn ? "\r\u{1B}[K" : ""
            state.lastDraw = .distantPast
            return clear + message + "\n"
        }
        write(text)
    }

    /// The text to write now, or `nil` when it is too soon (the bar redraws at most 10 times a second).
    private func render(_ state: inout State, at time: Date, force: Bool) -> String? {
        guard state.active else { return nil }
        switch style {
        case .bar:
            guard force || time.timeIntervalSince(state.lastDraw) >= 0.1 else { return nil }
            state.lastDraw = time
            state.drawn = true
            return "\r\u{1B}[K" + Self.barLine(state, at: time)
        case .lines:
            let tenth = state.total > 0 ? Int(state.done * 10 / state.total) : 10
            guard force || tenth > state.lastLineTenth || time.timeIntervalSince(state.lastDraw) >= lineInterval
            else { return nil }
            state.lastLineTenth = tenth
            state.lastDraw = time
            return Self.plainLine(state, at: time) + "\n"
        }
    }

    static func barLine(_ state: State, at time: Date) -> String {
        let fraction = state.total > 0 ? Double(state.done) / Double(state.total) : 1
        let width = 24
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        return "\(shortName(state.file)) [\(bar)] " + figures(state, at: time)
    }

    static func plainLine(_ state: State, at time: Date) -> String {
        "\(state.file): " + figures(state, at: time)
    }

    /// `48%  123.0/256.0 MiB  105.3 MiB/s  ETA 0:01`.
    static func figures(_ state: State, at time: Date) -> String {
        let percent = state.total > 0 ? Int(state.done * 100 / state.total) : 100
        let elapsed = time.timeIntervalSince(state.started)
        let sending = (state.sent ?? time).timeIntervalSince(state.started)
        let sent = Double(state.done - state.resumed)
        let rate = sending > 0 ? sent / sending : 0
        var text = String(format: "%3d%%  ", percent) + "\(mebibytes(state.done))/\(mebibytes(state.total))  "
        text += rate > 0 ? String(format: "%.1f MiB/s", rate / 1_048_576) : "-- MiB/s"
        if state.done >= state.total {
            text += state.finished ? "  in " + clock(elapsed) : "  completing…"
        } else if rate > 0 {
            text += "  ETA " + clock(Double(state.total - state.done) / rate)
        }
        return text
    }

    static func mebibytes(_ bytes: Int64) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }

    /// `m:ss`, or `h:mm:ss` past an hour.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    static func shortName(_ name: String) -> String {
        name.count <= 24 ? name : "…" + name.suffix(23)
    }
}
