import CPlatform

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the process sets for itself before doing anything, so that failures stay clear and
/// memory stays private.
public enum ProcessHardening {
    /// The Swift runtime's crash report setting this tool runs with (see ``sanitizeCrashReports()``).
    public static let backtraceSetting = "sanitize=yes"

    public static func apply() {
        sanitizeCrashReports()
        // A file-size limit (`ulimit -f`) reached while writing kills the process with SIGXFSZ by
        // default: no message, a staged output left behind. Ignored, the write fails with EFBIG
        // instead, which the output code reports as one clear line (exit 6) and cleans up.
        signal(SIGXFSZ, SIG_IGN)
        // Ctrl-C, kill or a closed terminal: the staged outputs go, then the process ends.
        Interruption.handleSignals()
        // No core dump: the memory of a crashed run holds keys and clear NIRs read from cohorts.
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        #if canImport(Glibc)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        #else
        _ = setrlimit(RLIMIT_CORE, &none)
        #endif
        // …not even through a core_pattern pipe (systemd-coredump, apport), which ignores
        // RLIMIT_CORE; and no other process of the user may read this one's memory (ptrace,
        // /proc/PID/mem, /proc/PID/environ).
        _ = cplatform_forbid_dumps()
    }

    /// On Linux the Swift runtime answers a crash (an allocation failure under a memory limit, a
    /// bug) with a backtrace on stderr that, by default, prints 16 bytes of memory at every
    /// register — bytes of the cohort being read, a NIR among them (seen on a 200 MB cohort under
    /// `ulimit -v`). `SWIFT_BACKTRACE=sanitize=yes` keeps the backtrace (useful in a bug report)
    /// without memory contents. The runtime reads the variable once, when the process starts, so
    /// the process sets it and replaces itself (execv: same PID, same arguments, before anything
    /// is read); if that fails it carries on as it is.
    static func sanitizeCrashReports() {
        #if os(Linux)
        let current = getenv("SWIFT_BACKTRACE").map { String(cString: $0) } ?? ""
        guard !current.split(separator: ",").contains(where: { $0 == backtraceSetting }) else { return }
        // Checked: re-executing without the setting in place would do it again, forever.
        guard setenv("SWIFT_BACKTRACE", current.isEmpty ? backtraceSetting : current + "," + backtraceSetting, 1) == 0 else { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        #endif
    }
}
