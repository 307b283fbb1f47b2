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
