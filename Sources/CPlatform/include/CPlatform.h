// System calls the Swift overlay does not expose: Linux-only (GNU) declarations, and variadic C.
#ifndef CPLATFORM_H
#define CPLATFORM_H

/// Renames `from` to `to` only if `to` does not exist (renameat2 RENAME_NOREPLACE), so two runs
/// writing the same output cannot both believe they wrote it. Returns 0, or -1 with errno (EEXIST
/// when `to` exists). Where the file system or kernel lacks renameat2, a file is moved by link(2)
/// then unlink(2), which is as exclusive; a folder is moved after checking nothing is at `to`.
/// Where hard links are not supported either (some FUSE or CIFS mounts), a file is moved the same
/// way: not exclusive against a run doing the same at the same instant.
int cplatform_rename_noreplace(const char *from, const char *to);

/// Marks the process not dumpable (prctl PR_SET_DUMPABLE 0): no core file, even through a piped
/// core_pattern (systemd-coredump, apport) that ignores RLIMIT_CORE, and no ptrace or
/// /proc/PID/mem reads by other processes of the same user. Returns 0, or -1 where unsupported.
int cplatform_forbid_dumps(void);

#endif
