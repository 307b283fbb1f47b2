import Foundation
import Testing

@testable import Hardening

/// The control group's memory limit, read from fake /proc/self/cgroup files and cgroup trees laid
/// out as the kernel lays them out, v1 (this project's CI machines) and v2.
struct MemoryBudgetTests {
    /// A scratch folder holding `files` (path → content), removed by the caller.
    static func tree(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-\(UUID().uuidString)")
        for (path, content) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func version1LimitsAreRead() throws {
        let root = try Self.tree([
            "cgroup": "9:name=systemd:/\n4:memory:/job/42\n3:cpu,cpuacct:/\n0::/\n",
            "fs/memory/job/42/memory.limit_in_bytes": "2147483648\n",
            "fs/memory/job/42/memory.usage_in_bytes": "536870912\n",
            // An ancestor's lower limit binds.
            "fs/memory/job/42/memory.stat": "cache 0\nhierarchical_memory_limit 1610612736\nrss 5\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let found = MemoryBudget.controlGroupMemory(
            cgroupFile: root.appendingPathComponent("cgroup").path, root: root.appendingPathComponent("fs").path)
        #expect(found?.limit == 1_610_612_736 && found?.used == 536_870_912, "\(String(describing: found))")
    }

    @Test func version1WithoutALimitIsNoLimit() throws {
        // What this machine kind shows: a memory hierarchy whose limit is "unlimited" (near 2^63),
        // and a group path that does not exist under the mount (the container's own namespace).
        let root = try Self.tree([
            "cgroup": "4:memory:/process_api/abc\n0::/\n",
            "fs/memory/memory.limit_in_bytes": "9223372036854771712\n",
            "fs/memory/memory.usage_in_bytes": "1453555712\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(
            MemoryBudget.controlGroupMemory(cgroupFile: root.appendingPathComponent("cgroup").path, root: root.appendingPathComponent("fs").path)
                == nil)
        // The same with a limit: read from the mount's root.
        try "1073741824\n".write(to: root.appendingPathComponent("fs/memory/memory.limit_in_bytes"), atomically: true, encoding: .utf8)
        let found = MemoryBudget.controlGroupMemory(
            cgroupFile: root.appendingPathComponent("cgroup").path, root: root.appendingPathComponent("fs").path)
        #expect(found?.limit == 1_073_741_824)
    }

    @Test func version2LimitsAreRead() throws {
        let root = try Self.tree([
            "cgroup": "0::/user.slice/job\n",
            "fs/user.slice/job/memory.max": "3221225472\n",
            "fs/user.slice/job/memory.current": "104857600\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let found = MemoryBudget.controlGroupMemory(
            cgroupFile: root.appendingPathComponent("cgroup").path, root: root.appendingPathComponent("fs").path)
        #expect(found?.limit == 3_221_225_472 && found?.used == 104_857_600)
        try "max\n".write(to: root.appendingPathComponent("fs/user.slice/job/memory.max"), atomically: true, encoding: .utf8)
        #expect(
            MemoryBudget.controlGroupMemory(cgroupFile: root.appendingPathComponent("cgroup").path, root: root.appendingPathComponent("fs").path)
                == nil)
    }
}
