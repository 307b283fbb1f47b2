#define _GNU_SOURCE
#include "CPlatform.h"
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

int cplatform_rename_noreplace(const char *from, const char *to) {
#if defined(__linux__) && defined(SYS_renameat2)
    if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */) == 0) return 0;
    /* EINVAL: the file system lacks the flag; ENOSYS: the kernel; EPERM: a seccomp filter. */
    if (errno != EINVAL && errno != ENOSYS && errno != EPERM) return -1;
#endif
    struct stat st;
    if (lstat(from, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        if (link(from, to) == 0) {
            /* Moved: the final name holds the file. A staged name left by a failed unlink is a
               leftover the next run removes. */
            (void)unlink(from);
            return 0;
        }
        if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS && errno != EMLINK) return -1;
    }
    /* No exclusive move here (a folder; a file system without hard links, such as some FUSE or
       CIFS mounts): refuse an existing name, then rename. Not atomic against a run doing the same
       at the same instant, no worse than a plain rename. */
    if (lstat(to, &st) == 0) { errno = EEXIST; return -1; }
    if (errno != ENOENT) return -1;
    return rename(from, to);
}

int cplatform_forbid_dumps(void) {
#ifdef __linux__
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

#ifdef __linux__
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t cplatform_parked = 0;

/* Runs on a thread told to stop: it waits here until the process ends. */
static void cplatform_park(int number) {
    (void)number;
    __atomic_add_fetch(&cplatform_parked, 1, __ATOMIC_SEQ_CST);
    for (;;) pause();
}

/* Whether thread `tid` blocks SIGUSR2 (its SigBlk mask in /proc), read without allocating. */
static int cplatform_blocks_usr2(long tid) {
    /* The path built by hand: some threads may already be parked, holding stdio's locks. */
    char digits[24], path[64] = "/proc/self/task/";
    int count = 0;
    do { digits[count++] = (char)('0' + tid % 10); tid /= 10; } while (tid > 0 && count < 20);
    size_t at = strlen(path);
    while (count > 0) path[at++] = digits[--count];
    memcpy(path + at, "/status", 8);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    char text[4096];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return 1;
    text[n] = 0;
    const char *field = strstr(text, "SigBlk:");
    if (!field) return 1;
    unsigned long long mask = strtoull(field + 7, NULL, 16);
    return (mask >> (SIGUSR2 - 1)) & 1;
}

/* Calls `visit` on every entry of the open folder `fd` but `.` and `..`, reading it with
 * getdents64 into a buffer on the stack (no allocation); returns how many visits returned 1. */
static int cplatform_each_entry(int fd, int (*visit)(const char *name, void *context), void *context) {
    char buffer[2048];
    int counted = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buffer, sizeof buffer);
        if (n <= 0) break;
        for (long offset = 0; offset < n;) {
            struct dirent64 *entry = (struct dirent64 *)(buffer + offset);
            offset += entry->d_reclen;
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
            if (visit(entry->d_name, context) == 1) counted++;
        }
    }
    return counted;
}

struct cplatform_telling { long self; int told; };

/* Sends SIGUSR2 to the thread an entry of /proc/self/task names, unless it is this one or blocks it. */
static int cplatform_tell(const char *name, void *context) {
    struct cplatform_telling *telling = context;
    long tid = strtol(name, NULL, 10);
    if (tid <= 0 || tid == telling->self || cplatform_blocks_usr2(tid)) return 0;
    if (syscall(SYS_tgkill, getpid(), tid, SIGUSR2) != 0) return 0;
    telling->told++;
    return 1;
}

struct cplatform_removing { int fd; int depth; };
static int cplatform_remove_at(int dirfd, const char *name, int depth);

static int cplatform_remove_entry(const char *name, void *context) {
    struct cplatform_removing *removing = context;
    return cplatform_remove_at(removing->fd, name, removing->depth) == 0 ? 1 : 0;
}

int cplatform_park_other_threads(int timeout_ms) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = cplatform_park;
    sigfillset(&action.sa_mask);
    if (sigaction(SIGUSR2, &action, NULL) != 0) return -1;
    long self = syscall(SYS_gettid);
    int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct cplatform_telling telling = {self, 0};
    cplatform_each_entry(fd, cplatform_tell, &telling);
    int told = telling.told;
    close(fd);
    for (int waited = 0; waited < timeout_ms && cplatform_parked < told; waited++) usleep(1000);
    return cplatform_parked;
}

/* Removes `name` (relative to `dirfd`) and, for a folder, everything in it: system calls only,
 * buffers on the stack, no allocation — safe while other threads are parked anywhere. */
static int cplatform_remove_at(int dirfd, const char *name, int depth) {
    if (unlinkat(dirfd, name, 0) == 0) return 0;
    if (errno == ENOENT) return 1;
    if (errno != EISDIR && errno != EPERM) return -1;
    if (depth > 32) return -1;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 1 : -1;
    struct cplatform_removing removing = {fd, depth + 1};
    /* Entries removed while the folder is read may hide others: read again until none goes. */
    do { lseek(fd, 0, SEEK_SET); } while (cplatform_each_entry(fd, cplatform_remove_entry, &removing) > 0);
    close(fd);
    return unlinkat(dirfd, name, AT_REMOVEDIR) == 0 ? 0 : (errno == ENOENT ? 1 : -1);
}

int cplatform_remove_tree(const char *path) { return cplatform_remove_at(AT_FDCWD, path, 0); }
#else
int cplatform_park_other_threads(int timeout_ms) { (void)timeout_ms; return -1; }
int cplatform_remove_tree(const char *path) { return -1; }
#endif
