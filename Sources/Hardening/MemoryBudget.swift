import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How much more memory this process may take: the smaller of what its address-space limit
/// (`ulimit -v`) leaves and what the machine has available — so that an input too large for it is
/// refused with a sentence before it is read, rather than met by an allocation failure halfway
/// (a crash, exit 134, and nothing said about why).
public struct MemoryBudget: Sendable, Equatable {
    public let bytes: Int
    /// What sets it, for messages, with its figure: "the memory limit (ulimit -v 1.9 GB)" or "this
    /// machine's available memory (21.3 GB)" — the limit rather than what is left of it, which
    /// varies with what the process has mapped so far.
    public let source: String

    /// The current budget; nil where neither figure can be read (it is then not checked).
    public static func current() -> MemoryBudget? {
        var budgets: [MemoryBudget] = []
        #if os(Linux)
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max,
            let used = statusField("VmSize", in: "/proc/self/status")
        {
            let total = Int(clamping: limit.rlim_cur)
            budgets.append(MemoryBudget(bytes: max(0, total - used), source: "the memory limit (ulimit -v \(shown(total)))"))
        }
        if let available = statusField("MemAvailable", in: "/proc/meminfo") {
            budgets.append(MemoryBudget(bytes: available, source: "this machine's available memory (\(shown(available)))"))
        }
        if let (limit, used) = controlGroupMemory() {
            budgets.append(MemoryBudget(bytes: max(0, limit - used), source: "the control group's memory limit (\(shown(limit)))"))
        }
        #endif
        return budgets.min { $0.bytes < $1.bytes }
    }

    /// The memory limit of the process's control group and what it uses, when there is a limit:
    /// /proc/meminfo shows the host's memory inside a container or a systemd unit.
    ///
    /// cgroup v2 (one hierarchy, `0::PATH`): `memory.max` and `memory.current`. cgroup v1 (a
    /// `memory` hierarchy of its own, as on this project's CI machines): `memory.limit_in_bytes`,
    /// lowered by the `hierarchical_memory_limit` of `memory.stat` (an ancestor's limit binds too),
    /// and `memory.usage_in_bytes`. Inside a container the group's path may not exist under the
    /// mount (its own namespace): the mount's root is then the group. v1 writes "no limit" as a
    /// number near 2^63, read as no limit.
    static func controlGroupMemory(cgroupFile: String = "/proc/self/cgroup", root: String = "/sys/fs/cgroup") -> (limit: Int, used: Int)? {
        guard let groups = try? String(contentsOfFile: cgroupFile, encoding: .utf8) else { return nil }
        func number(_ path: String) -> Int? {
            (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        let lines = groups.split(separator: "\n").map { $0.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false) }
        // v2: "max" is no limit (not a number).
        if let line = lines.first(where: { $0.count == 3 && $0[0] == "0" && $0[1].isEmpty }) {
            let folder = root + line[2]
            if let limit = number(folder + "/memory.max"), let used = number(folder + "/memory.current") { return (limit, used) }
        }
        // v1: the hierarchy whose controllers include memory.
        guard let line = lines.first(where: { $0.count == 3 && $0[1].split(separator: ",").contains("memory") }) else { return nil }
        for folder in [root + "/memory" + line[2], root + "/memory"] {
            guard var limit = number(folder + "/memory.limit_in_bytes"), let used = number(folder + "/memory.usage_in_bytes") else { continue }
            if let stat = try? String(contentsOfFile: folder + "/memory.stat", encoding: .utf8),
                let field = stat.split(separator: "\n").first(where: { $0.hasPrefix("hierarchical_memory_limit ") }),
                let hierarchical = Int(field.split(separator: " ").last ?? "")
            {
                limit = min(limit, hierarchical)
            }
            return limit >= 1 << 62 ? nil : (limit, used)
        }
        return nil
    }

    /// A `Name:   123 kB` field of a /proc file, in bytes.
    static func statusField(_ name: String, in path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kB = Int(parts[1]) else { return nil }
            return kB * 1024
        }
        return nil
    }

    /// A size as messages show it: GB with one decimal, or whole MB (rounded up).
    public static func shown(_ bytes: Int) -> String {
        bytes >= 1 << 30
            ? String(format: "%.1f GB", Double(bytes) / Double(1 << 30))
            : String(format: "%.0f MB", (Double(bytes) / Double(1 << 20)).rounded(.up))
    }
}
