import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Progress of a long job, written to stderr only when stderr is a terminal.
///
/// Piped or captured output (CI logs, tests) stays clean; a person at a terminal sees one line per
/// phase, rewritten in place with a count, a rate and an estimated time left. Thread-safe, so
/// workers on several cores may advance it.
public final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool
    private var phase = ""
    private var total = 0
    private var done = 0
    private var started = Date()
    private var lastDraw = Date.distantPast

    /// - Parameter enabled: force on or off; by default on when stderr is a terminal.
    public init(enabled: Bool? = nil) {
        self.enabled = enabled ?? (isatty(STDERR_FILENO) == 1)
    }

    /// A reporter that never prints, for tests and library callers.
    public static var silent: ProgressReporter { ProgressReporter(enabled: false) }

    /// Starts a phase with `total` units of work (0 when unknown).
    public func begin(_ phase: String, total: Int = 0) {
        lock.lock()
        defer { lock.unlock() }
        finishLineLocked()
        self.phase = phase
        self.total = total
        self.done = 0
        self.started = Date()
        self.lastDraw = .distantPast
        drawLocked(force: true)
    }

    /// Records `count` more units done.
    public func advance(by count: Int = 1) {
        lock.lock()
        defer { lock.unlock() }
        done += count
        drawLocked(force: false)
    }

    /// Ends the current phase, leaving its last line on screen.
    public func end() {
        lock.lock()
        defer { lock.unlock() }
        finishLineLocked()
    }

    /// A one-off message on its own line (shown only on a terminal, like the rest).
    public func note(_ message: String) {
        lock.lock()
        defer { lock.unlock() }
        guard enabled else { return }
        finishLineLocked()
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    private func finishLineLocked() {
        guard enabled, !phase.isEmpty else { return }
        drawLocked(force: true)
        FileHandle.standardError.write(Data("\n".utf8))
        phase = ""
    }

    private func drawLocked(force: Bool) {
        guard enabled, !phase.isEmpty else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(started)
        var line = "\r\u{1B}[2K" + phase
        if total > 0 {
            let percent = Double(done) / Double(total) * 100
            line += String(format: "  %d/%d (%.0f%%)", done, total, percent)
            if done > 0, elapsed > 1 {
                let rate = Double(done) / elapsed
                let left = Double(total - done) / rate
                line += String(format: "  %.0f/s, %@ left", rate, Self.duration(left))
            }
        } else if done > 0 {
            line += "  \(done)"
        }
        line += "  [\(Self.duration(elapsed))]"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(pad2(s % 60))s" : "\(s)s"
    }

    private static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
