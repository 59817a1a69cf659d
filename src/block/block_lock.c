/* Image locks; see block_int.h.
 *
 * Two kinds, both advisory and both dropped by the kernel when the
 * descriptor closes (so a plex86 that dies holds nothing):
 *
 *   flock(2) on the whole file, LOCK_EX for a writer and LOCK_SH for a
 *   reader: what a second plex86 meets, and what /proc/locks shows with the
 *   holder's pid, which the error names.
 *
 *   QEMU's own, so that QEMU and plex86 keep each other out
 *   (block/file-posix.c, "perm" locking): open file description locks
 *   (F_OFD_SETLK) on single bytes, a read lock on byte 100 + P for each
 *   permission P the opener uses and on byte 200 + P for each it refuses to
 *   share, where P is 0 for "consistent read" and 1 for "write".  A writer
 *   takes 100, 101 and 201 (QEMU's IDE disk takes exactly these), a reader
 *   100 and 201 (QEMU's CD-ROM: readers do not share with a writer).  The
 *   conflicts are then tested as QEMU does: someone's lock on 200 + P for a
 *   permission we use, or on 100 + P for one we refuse to share.
 *
 * The holder is found in /proc/locks (flock: it records the pid) or else
 * in the processes' /proc/PID/fdinfo (OFD locks record none), and named
 * with its pid and /proc/PID/comm. */
#define _GNU_SOURCE 1 /* F_OFD_SETLK */
#include "block/block_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* QEMU's RAW_LOCK_PERM_BASE and RAW_LOCK_SHARED_BASE, and its permission
 * bits' positions (BLK_PERM_CONSISTENT_READ, BLK_PERM_WRITE). */
#define PERM_BASE 100
#define SHARED_BASE 200
#define PERM_READ 0
#define PERM_WRITE 1

static int ofd(int fd, int cmd, short type, off_t byte, struct flock *out)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1 };
    int r = fcntl(fd, cmd, &fl);
    if (out)
        *out = fl;
    return r;
}

/* Whether another open file description holds a lock on `byte`. */
static bool ofd_taken(int fd, off_t byte)
{
    struct flock fl;
    return ofd(fd, F_OFD_GETLK, F_WRLCK, byte, &fl) == 0 && fl.l_type != F_UNLCK;
}

static void ofd_unlock_all(int fd)
{
    struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = PERM_BASE,
                        .l_len = SHARED_BASE + 2 - PERM_BASE };
    fcntl(fd, F_OFD_SETLK, &fl);
}

/* --- who holds it ---------------------------------------------------------- */

/* /proc/locks: "N: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF". */
static pid_t holder_in_proc_locks(dev_t dev, ino_t ino, pid_t self, bool *self_too)
{
    FILE *f = fopen("/proc/locks", "r");
    if (!f)
        return 0;
    char line[256];
    pid_t found = 0;
    while (!found && fgets(line, sizeof(line), f)) {
        char kind[16];
        int pid;
        unsigned maj, min;
        unsigned long long in;
        if (strstr(line, "->") ||
            sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%llu", kind, &pid, &maj, &min, &in) != 5)
            continue;
        if (maj != major(dev) || min != minor(dev) || in != (unsigned long long)ino || pid <= 0)
            continue;
        if (pid == self)
            *self_too = true;
        else
            found = pid;
    }
    fclose(f);
    return found;
}

/* Whether /proc/PID/fdinfo shows a lock on the file (OFD locks, which
 * /proc/locks lists with pid -1). */
static bool fdinfo_has_lock(const char *pid, dev_t dev, ino_t ino)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "/proc/%.32s/fdinfo", pid);
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    char want[64];
    snprintf(want, sizeof(want), " %02x:%02x:%llu ", major(dev), minor(dev),
             (unsigned long long)ino);
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[600], line[256];
        snprintf(path, sizeof(path), "%s/%.255s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        while (!found && fgets(line, sizeof(line), f))
            found = !strncmp(line, "lock:", 5) && strstr(line, want);
        fclose(f);
    }
    closedir(d);
    return found;
}

static pid_t holder_in_fdinfo(dev_t dev, ino_t ino, pid_t self, bool *self_too)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    pid_t found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]) || !fdinfo_has_lock(e->d_name, dev, ino))
            continue;
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid == self)
            *self_too = true;
        else
            found = pid;
    }
    closedir(d);
    return found;
}

/* "process 1234 (qemu-system-i38)", "this plex86 (another of its
 * drives)", or a question when no holder shows. */
static void describe_holder(int fd, char *out, size_t outlen)
{
    struct stat st;
    pid_t self = getpid(), pid = 0;
    bool self_too = false;
    if (fstat(fd, &st) == 0) {
        pid = holder_in_proc_locks(st.st_dev, st.st_ino, self, &self_too);
        if (!pid)
            pid = holder_in_fdinfo(st.st_dev, st.st_ino, self, &self_too);
    }
    if (pid) {
        char path[64], comm[64] = "";
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        FILE *f = fopen(path, "r");
        if (f) {
            if (!fgets(comm, sizeof(comm), f))
                comm[0] = 0;
            fclose(f);
            comm[strcspn(comm, "\n")] = 0;
        }
        snprintf(out, outlen, "the image is in use by process %d%s%s%s", (int)pid,
                 comm[0] ? " (" : "", comm, comm[0] ? ")" : "");
    } else if (self_too) {
        snprintf(out, outlen, "the image is in use by this plex86 (attached twice?)");
    } else {
        snprintf(out, outlen, "is another process using the image?");
    }
}

static int conflict(int fd, const char *path, bool write, char *err, size_t errlen)
{
    char who[160];
    describe_holder(fd, who, sizeof(who));
    /* QEMU's words: the "write" lock is what a writer wants; a reader
     * wants others not to write, the shared "write" lock. */
    snprintf(err, errlen, "%s: Failed to get %s\"write\" lock: %s", path,
             write ? "" : "shared ", who);
    ofd_unlock_all(fd);
    flock(fd, LOCK_UN);
    return -1;
}

/* The byte locks for `write`, then QEMU's conflict test.  1: someone is in
 * the way; 0: taken; -1: not supported here. */
static int qemu_locks(int fd, bool write)
{
    if (ofd(fd, F_OFD_SETLK, F_RDLCK, PERM_BASE + PERM_READ, NULL) < 0)
        return errno == EAGAIN || errno == EACCES ? 1 : -1;
    if ((write && ofd(fd, F_OFD_SETLK, F_RDLCK, PERM_BASE + PERM_WRITE, NULL) < 0) ||
        ofd(fd, F_OFD_SETLK, F_RDLCK, SHARED_BASE + PERM_WRITE, NULL) < 0)
        return 1; /* a write lock from someone on our byte */
    /* Permissions we use that someone will not share; permissions we will
     * not share (write) that someone uses. */
    if (ofd_taken(fd, SHARED_BASE + PERM_READ) ||
        (write && ofd_taken(fd, SHARED_BASE + PERM_WRITE)) ||
        ofd_taken(fd, PERM_BASE + PERM_WRITE))
        return 1;
    return 0;
}

int block_lock(int fd, const char *path, bool write, FILE *warn, char *err, size_t errlen)
{
    if (flock(fd, (write ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            return conflict(fd, path, write, err, errlen);
        if (warn)
            fprintf(warn, "plex86: %s: cannot lock the image (%s): nothing keeps another "
                          "program from writing it at the same time\n", path, strerror(errno));
        return 0;
    }
    int r = qemu_locks(fd, write);
    if (r > 0)
        return conflict(fd, path, write, err, errlen);
    if (r < 0)
        ofd_unlock_all(fd); /* no OFD locks here (Linux < 3.15): flock only */
    return 0;
}

int block_lock_upgrade(int fd, const char *path, char *err, size_t errlen)
{
    if (flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
        char who[160];
        describe_holder(fd, who, sizeof(who));
        snprintf(err, errlen, "%s: Failed to get \"write\" lock: %s", path, who);
        flock(fd, LOCK_SH | LOCK_NB);
        return -1;
    }
    if (ofd(fd, F_OFD_SETLK, F_RDLCK, PERM_BASE + PERM_WRITE, NULL) == 0 &&
        (ofd_taken(fd, SHARED_BASE + PERM_WRITE) || ofd_taken(fd, PERM_BASE + PERM_WRITE))) {
        char who[160];
        describe_holder(fd, who, sizeof(who));
        snprintf(err, errlen, "%s: Failed to get \"write\" lock: %s", path, who);
        block_lock_downgrade(fd);
        return -1;
    }
    return 0;
}

void block_lock_downgrade(int fd)
{
    ofd(fd, F_OFD_SETLK, F_UNLCK, PERM_BASE + PERM_WRITE, NULL);
    flock(fd, LOCK_SH | LOCK_NB);
}
