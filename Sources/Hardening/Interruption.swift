import CPlatform
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What an interrupted command (Ctrl-C, `kill`, a closed terminal) leaves: nothing of what it was
/// writing.
///
/// Staged outputs (``StagedOutputs``) are deleted when a command fails, but a signal ends the
/// process without unwinding, and its hidden `.NAME.partial-PID` files — a drawn cohort's clear
/// NIRs among them — would stay until a later run writes the same output. On SIGINT, SIGTERM or
/// SIGHUP the staged files of this process are deleted, then it ends by that signal (a shell shows
/// 130, 143, 129), as a shell expects of an interrupted program. The signal is handled on a dispatch queue, not in the signal
/// handler, so deleting files is safe; a commit in progress finishes first (it holds the lock), so
/// outputs are all old or all new. SIGKILL cannot be caught: its leftovers are removed by the next
/// run (``StagedOutputs/removeLeftovers(of:)``).
public enum Interruption {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var staged: Set<String> = []
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Installs the handlers; called once by the command line before any work. A signal ignored
    /// when the process started stays ignored: `nohup` (SIGHUP) and a script's background job
    /// (SIGINT) ask for a run that survives them, and get it.
    ///
    /// The signals are blocked first, and stay blocked in every thread (threads inherit the mask):
    /// a signal that arrived between their being set to "ignore" and the dispatch source's start
    /// was discarded — a `kill -TERM` right after the start could go unseen, and the run end with
    /// 0. Blocked, it stays pending until the source takes it (Linux never discards a blocked
    /// signal, even an ignored one).
    public static func handleSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        for number in [SIGINT, SIGTERM, SIGHUP] {
            // A signal ignored from the start stays ignored (and blocked: never delivered).
            var current = sigaction()
            sigaction(number, nil, &current)
            if unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
            // Ignored for the default action, delivered to the dispatch source instead.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop(by: number) }
            source.resume()
            sources.append(source)
        }
    }

    /// Removes what is staged, says so, and ends the process by the signal itself — so that a shell
    /// sees a run killed by Ctrl-C (status 130, a loop over cohorts stops), not one that exited.
    ///
    /// The other threads go on while this runs: the main thread could create a staged file (or a
    /// folder's contents) just after it was removed, and leave it. So they are parked first, in a
    /// signal handler that never returns (``cplatform_park_other_threads``), and only then is
    /// anything removed — with system calls alone (``cplatform_remove_tree``), since a parked
    /// thread may hold any lock, malloc's included. What the removal needs (paths, the message) is
    /// made before the park.
    private static func stop(by number: Int32) -> Never {
        lock.lock()  // never released: the process ends holding it, no commit or staging starts after
        // A commit that held the lock has moved its files: what remains staged is what goes.
        let paths = staged.compactMap { strdup($0) }
        let folders = StagedOutputs.createdDirectoriesDeepestFirst().compactMap { strdup($0) }
        let removedLine = strdup("\nappariement: interrupted; the outputs being written were removed\n")
        let noneLine = strdup("\nappariement: interrupted; no output was being written (those in place are complete)\n")
        _ = cplatform_park_other_threads(200)
        var removed = false
        for path in paths where cplatform_remove_tree(path) == 0 { removed = true }
        for folder in folders { _ = rmdir(folder) }
        // write(2), not FileHandle: on a closed terminal (SIGHUP) the write fails, and must not trap.
        let line = removed ? removedLine : noneLine
        if let line { _ = write(2, line, strlen(line)) }
        signal(number, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(number)
        _exit(128 + number)
    }

    static func register(_ url: URL) { lock.withLock { _ = staged.insert(url.path) } }
    static func unregister(_ url: URL) { lock.withLock { _ = staged.remove(url.path) } }

    /// Runs a commit so that an interruption waits for its end.
    static func whileCommitting(_ body: () throws(OutputError) -> Void) throws(OutputError) {
        lock.lock()
        defer { lock.unlock() }
        try body()
    }
}
