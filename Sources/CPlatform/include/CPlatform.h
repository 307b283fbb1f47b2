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

/// Parks every other thread of the process that does not block SIGUSR2 in a signal handler
/// that never returns, and waits up to `timeout_ms` for them to get there: after it, no other
/// thread creates a file. Returns the number of threads parked, or -1. For the end of the
/// process only (an interrupted command removing its staged outputs): nothing resumes them.
int cplatform_park_other_threads(int timeout_ms);

/// Removes a file, or a folder and everything in it, with system calls only and no allocation
/// (safe when other threads are parked holding any lock). Returns 0 when something was removed,
/// 1 when nothing was there, -1 on failure (errno).
int cplatform_remove_tree(const char *path);

#endif
