import CProcessSpawn

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A process started with `posix_spawn`, in a process group of its own so that it and anything it starts can be
/// stopped together.
public final class ChildProcess: Sendable {
    /// Where the child's standard output and error go.
    public enum Output: Sendable {
        /// The emulator's own terminal.
        case inherit
        /// Discarded.
        case discard
        /// Into a pipe whose read end is `ChildProcess.outputDescriptor`.
        case pipe
    }

    /// How a child ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        /// Lambda's wording: `exit status 1`, `signal: killed`.
        public var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signalled(let signal): "signal: \(ChildProcess.signalName(signal))"
            }
        }
    }

    public let pid: pid_t
    /// The read end of the output pipe, when `Output.pipe` was asked for; the caller closes it.
    package let outputDescriptor: Int32?

    private init(pid: pid_t, outputDescriptor: Int32?) {
        self.pid = pid
        self.outputDescriptor = outputDescriptor
    }

    /// Starts `arguments[0]` (looked up in `PATH` when it has no `/`) with exactly `environment`.
    /// - Throws: `LocalLambdaError.spawnFailed`, naming the command and the system's reason.
    package static func spawn(
        arguments: [String],
        environment: [String: String],
        output: Output
    ) throws(LocalLambdaError) -> ChildProcess {
        guard let executable = arguments.first else {
            throw LocalLambdaError(.spawnFailed, "no command to run")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        // The child starts with default signal dispositions and nothing blocked, whatever the emulator set.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        )

        var readEnd: Int32? = nil
        var writeEnd: Int32? = nil
        switch output {
        case .inherit:
            break
        case .discard:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .pipe:
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else {
                throw LocalLambdaError(.spawnFailed, "cannot create a pipe: \(Self.systemError(errno))")
            }
            // Neither end may leak into other children the emulator starts later.
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            readEnd = fds[0]
            writeEnd = fds[1]
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        }

        // Only standard input, output and error cross over: the emulator's listening socket and its client
        // connections would otherwise stay open in the runtime, and a client reading to end-of-file would hang.
        posix_spawn_file_actions_addclosefrom(&actions)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let result: Int32
        if executable.contains("/") {
            result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        } else {
            result = posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        }
        // The parent keeps only the read end, so the reader sees end-of-file once the child is gone.
        if let writeEnd { close(writeEnd) }
        guard result == 0 else {
            if let readEnd { close(readEnd) }
            throw LocalLambdaError(
                .spawnFailed,
                "cannot start \(executable): \(Self.systemError(result))"
                    + (executable.contains("/") ? "" : " (looked up in PATH)")
            )
        }
        return ChildProcess(pid: pid, outputDescriptor: readEnd)
    }

    /// Sends `signal` to the child's whole process group.
    public func signal(_ signal: Int32) {
        kill(-pid, signal)
    }

    /// Blocks until the child ends, and reaps it.
    package func waitForTermination() -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .exited(-1) }
        }
        if status & 0x7F == 0 {
            return .exited((status >> 8) & 0xFF)
        }
        return .signalled(status & 0x7F)
    }

    /// The child's peak resident set (`VmHWM`) in bytes, while it runs.
    public func peakResidentBytes() -> Int? {
        ProcStatus.value("VmHWM", pid: pid).map { $0 * 1024 }
    }

    package static func systemError(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(validatingCString: message) ?? "error \(code)"
    }

    package static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: "killed"
        case SIGSEGV: "segmentation fault"
        case SIGABRT: "aborted"
        case SIGILL: "illegal instruction"
        case SIGTRAP: "trace/breakpoint trap"
        case SIGBUS: "bus error"
        case SIGTERM: "terminated"
        case SIGINT: "interrupt"
        default: "\(signal)"
        }
    }
}

private func posix_spawn_file_actions_addclosefrom(_ actions: inout posix_spawn_file_actions_t) {
    _ = ue_spawn_file_actions_closefrom(&actions, 3)
}

/// Reads `/proc/<pid>/status` fields given in kB.
package enum ProcStatus {
    package static func value(_ field: String, pid: pid_t) -> Int? {
        guard let file = fopen("/proc/\(pid)/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = line.withUnsafeBufferPointer { String(validatingCString: $0.baseAddress!) ?? "" }
            guard text.hasPrefix(field + ":") else { continue }
            let digits = text.dropFirst(field.count + 1).filter { $0.isNumber }
            return Int(digits)
        }
        return nil
    }
}
