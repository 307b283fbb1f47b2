#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the process sets for itself before doing anything, so that failures stay clear and
/// memory stays private.
enum ProcessHardening {
    static func apply() {
        // A file-size limit (`ulimit -f`) reached while writing kills the process with SIGXFSZ by
        // default: no message, a staged output left behind. Ignored, the write fails with EFBIG
        // instead, which the output code reports as one clear line (exit 6) and cleans up.
        signal(SIGXFSZ, SIG_IGN)
        // No core dump: the memory of a crashed run holds keys and clear NIRs read from cohorts.
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        #if canImport(Glibc)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        #else
        _ = setrlimit(RLIMIT_CORE, &none)
        #endif
    }
}
