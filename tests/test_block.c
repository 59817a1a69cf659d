/* The block layer behind the drives (src/block/block_open.h): raw images
 * read, written and flushed in every cache mode, files that must be
 * refused, read-only drives, the locks (against a second opener in
 * another process, and against QEMU's qemu-io when it is installed),
 * -snapshot overlays and commit, format probing and its sector-0 guard,
 * and qcow2 images: made by qemu-img when it is there (versions 2 and 3,
 * compressed, with a backing file, several cluster sizes), and built
 * here by hand, good and hostile.
 *
 * Files go in a directory made under the current one (ctest runs this in
 * the build tree, a real file system, so O_DIRECT is tried for real). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "block/block.h"
#include "block/block_open.h"
#include "check.h"

static char dir[256];
static bool have_qemu_img, have_qemu_io;

static void path_of(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* The file's bytes (malloc'ed), *len its size. */
static uint8_t *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

static struct block *open_with(const char *path, enum block_format fmt, bool ro, bool snap,
                               enum block_cache cache, enum block_media media, FILE *warn,
                               char *err)
{
    struct block_options o = { .path = path, .format = fmt, .read_only = ro, .snapshot = snap,
                               .cache = cache, .media = media, .warn = warn };
    err[0] = 0;
    return block_open(&o, err, 512);
}

static struct block *open_raw(const char *path, bool ro, char *err)
{
    return open_with(path, BLOCK_FORMAT_RAW, ro, false, BLOCK_CACHE_WRITEBACK,
                     BLOCK_MEDIA_DISK, NULL, err);
}

static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* --- raw images ---------------------------------------------------------- */

static void check_rw_cycle(enum block_cache cache, size_t size)
{
    char path[300], err[512];
    path_of(path, sizeof(path), "rw.img");
    uint8_t *img = malloc(size), *buf = malloc(size);
    fill(img, size, (uint32_t)cache + 1);
    write_file(path, img, size);
    struct block *b = open_with(path, BLOCK_FORMAT_RAW, false, false, cache,
                                BLOCK_MEDIA_DISK, NULL, err);
    CHECK(b != NULL);
    if (!b) {
        fprintf(stderr, "cache=%s: %s\n", block_cache_name(cache), err);
        free(img);
        free(buf);
        return;
    }
    CHECK_EQ(block_length(b), size);
    struct block_info info;
    CHECK(block_get_info(b, &info));
    CHECK_STR(info.format, "raw");
    CHECK_EQ(info.cache, cache);
    CHECK(!info.snapshot && !info.read_only && !info.probed);
    /* O_DIRECT for cache=none and directsync; the test directory is on a
     * real file system, which has it. */
    CHECK_EQ(info.direct, cache == BLOCK_CACHE_NONE || cache == BLOCK_CACHE_DIRECTSYNC);
    CHECK_EQ(block_write_cache_enabled(b),
             cache != BLOCK_CACHE_WRITETHROUGH && cache != BLOCK_CACHE_DIRECTSYNC);
    /* Whole reads, then reads and writes at odd offsets and lengths. */
    CHECK_EQ(block_read(b, 0, buf, size), 0);
    CHECK(!memcmp(buf, img, size));
    CHECK_EQ(block_read(b, 100, buf, 1000), 0);
    CHECK(!memcmp(buf, img + 100, 1000));
    uint8_t data[3000];
    fill(data, sizeof(data), 77);
    CHECK_EQ(block_write(b, 777, data, sizeof(data)), 0);
    memcpy(img + 777, data, sizeof(data));
    CHECK_EQ(block_write(b, size - 700, data, 700), 0);
    memcpy(img + size - 700, data, 700);
    CHECK_EQ(block_write(b, 4096, data, 2048), 0);
    memcpy(img + 4096, data, 2048);
    CHECK_EQ(block_read(b, 0, buf, size), 0);
    CHECK(!memcmp(buf, img, size));
    CHECK_EQ(block_flush(b), 0);
    /* Ranges past the end. */
    CHECK_EQ(block_read(b, size - 1, buf, 2), -EINVAL);
    CHECK_EQ(block_write(b, size, data, 1), -EINVAL);
    const struct block_stats *st = block_get_stats(b);
    CHECK_EQ(st->write_ops, 4);
    CHECK_EQ(st->bytes_written, 3000 + 700 + 2048);
    CHECK_EQ(st->read_ops, 4);
    CHECK_EQ(st->bytes_read, size + 1000 + size);
    CHECK_EQ(st->flush_ops, 1);
    CHECK_EQ(st->errors, 2);
    block_close(b);
    size_t n;
    uint8_t *now = read_whole(path, &n);
    CHECK_EQ(n, size); /* never grown, even by O_DIRECT's whole blocks */
    CHECK(now && !memcmp(now, img, size));
    free(now);
    free(img);
    free(buf);
}

static void test_raw(void)
{
    static const enum block_cache modes[] = { BLOCK_CACHE_WRITEBACK, BLOCK_CACHE_WRITETHROUGH,
                                              BLOCK_CACHE_NONE, BLOCK_CACHE_DIRECTSYNC,
                                              BLOCK_CACHE_UNSAFE };
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        check_rw_cycle(modes[i], 64 * 1024);
        /* Not a multiple of 4 KiB: O_DIRECT's last block passes the end. */
        check_rw_cycle(modes[i], 512 * 21);
        /* Larger than the 1 MiB bounce buffer. */
        check_rw_cycle(modes[i], (3u << 20) + 512);
    }
    enum block_cache c;
    CHECK(block_parse_cache("off", &c) == 0 && c == BLOCK_CACHE_NONE);
    CHECK(block_parse_cache("directsync", &c) == 0 && c == BLOCK_CACHE_DIRECTSYNC);
    CHECK_EQ(block_parse_cache("fast", &c), -1);
    CHECK_STR(block_cache_name(BLOCK_CACHE_UNSAFE), "unsafe");
}

/* The guest turns its write cache off (ATA SET FEATURES 82h). */
static void test_write_cache_toggle(void)
{
    char path[300], err[512];
    path_of(path, sizeof(path), "wce.img");
    uint8_t z[4096] = { 0 };
    write_file(path, z, sizeof(z));
    struct block *b = open_raw(path, false, err);
    CHECK(b && block_write_cache_enabled(b));
    block_set_write_cache(b, false);
    CHECK(!block_write_cache_enabled(b));
    CHECK_EQ(block_write(b, 0, "x", 1), 0);
    block_set_write_cache(b, true);
    CHECK(block_write_cache_enabled(b));
    block_close(b);
    struct block *m = block_open_memory(z, sizeof(z), false);
    CHECK(block_write_cache_enabled(m));
    CHECK(!block_get_info(m, &(struct block_info){ 0 }));
    block_close(m);
}

static void expect_refused(const char *path, enum block_media media, const char *want)
{
    char err[512];
    struct block *b = open_with(path, BLOCK_FORMAT_PROBE, false, false, BLOCK_CACHE_WRITEBACK,
                                media, NULL, err);
    CHECK(b == NULL);
    block_close(b);
    CHECK(strstr(err, want) != NULL && !strchr(err, '\n') && !strncmp(err, path, strlen(path)));
    if (!strstr(err, want))
        fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, want);
}

static void test_refused_files(void)
{
    char path[300];
    path_of(path, sizeof(path), "missing.img");
    expect_refused(path, BLOCK_MEDIA_DISK, "No such file or directory");
    expect_refused(dir, BLOCK_MEDIA_DISK, "Is a directory");
    path_of(path, sizeof(path), "empty.img");
    write_file(path, "", 0);
    expect_refused(path, BLOCK_MEDIA_DISK, "the image is empty");
    path_of(path, sizeof(path), "odd.img");
    uint8_t buf[4096] = { 0 };
    write_file(path, buf, 1000);
    expect_refused(path, BLOCK_MEDIA_DISK, "image size 1000 bytes is not a multiple of 512");
    write_file(path, buf, 1536);
    expect_refused(path, BLOCK_MEDIA_CDROM, "not a multiple of 2048");
    /* A FIFO with no writer: refused at once, not waited on. */
    path_of(path, sizeof(path), "fifo");
    CHECK_EQ(mkfifo(path, 0600), 0);
    alarm(20);
    expect_refused(path, BLOCK_MEDIA_DISK, "not a regular file");
    alarm(0);
    unlink(path);
    expect_refused("/dev/null", BLOCK_MEDIA_DISK, "not a regular file");
    /* Other formats QEMU knows are named, not read as raw. */
    path_of(path, sizeof(path), "vmdk.img");
    memcpy(buf, "KDMV", 4);
    write_file(path, buf, 4096);
    expect_refused(path, BLOCK_MEDIA_DISK, "looks like a vmdk image");
    /* Unreadable (root reads everything: then there is nothing to see). */
    if (geteuid() != 0) {
        path_of(path, sizeof(path), "noread.img");
        write_file(path, buf, 4096);
        chmod(path, 0);
        expect_refused(path, BLOCK_MEDIA_DISK, "Permission denied");
    }
    /* No name at all. */
    char err[512];
    struct block *b = open_with("", BLOCK_FORMAT_RAW, false, false, 0, 0, NULL, err);
    CHECK(!b && strstr(err, "empty file name"));
}

static void test_read_only(void)
{
    char path[300], err[512];
    path_of(path, sizeof(path), "ro.img");
    uint8_t img[8192], buf[512];
    fill(img, sizeof(img), 5);
    write_file(path, img, sizeof(img));
    chmod(path, 0444);
    struct block *b = open_raw(path, true, err);
    CHECK(b && block_is_read_only(b));
    CHECK_EQ(block_write(b, 0, img, 512), -EROFS);
    CHECK_EQ(block_get_stats(b)->errors, 1);
    CHECK_EQ(block_read(b, 512, buf, 512), 0);
    CHECK(!memcmp(buf, img + 512, 512));
    CHECK_EQ(block_flush(b), 0);
    block_close(b);
    /* A CD is read-only whatever the options say. */
    b = open_with(path, BLOCK_FORMAT_RAW, false, false, 0, BLOCK_MEDIA_CDROM, NULL, err);
    CHECK(b && block_is_read_only(b));
    CHECK_EQ(block_write(b, 0, img, 512), -EROFS);
    block_close(b);
    size_t n;
    uint8_t *now = read_whole(path, &n);
    CHECK(n == sizeof(img) && !memcmp(now, img, n));
    free(now);
    if (geteuid() != 0) {
        b = open_raw(path, false, err);
        CHECK(!b && strstr(err, "Permission denied (to use it without writing"));
    }
    chmod(path, 0644);
}

/* --- locks ----------------------------------------------------------------- */

/* A child process that opens `path` (read-only or not) and holds it until
 * told to go: returns its pid, or -1. */
static pid_t hold_in_child(const char *path, bool ro, int *go_fd)
{
    int ready[2], go[2];
    if (pipe(ready) < 0 || pipe(go) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        close(go[1]);
        char err[512];
        struct block *b = open_raw(path, ro, err);
        char c = b ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        if (read(go[0], &c, 1) < 0)
            _exit(1);
        block_close(b);
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    char c = 0;
    if (read(ready[0], &c, 1) != 1 || c != 'y') {
        close(ready[0]);
        close(go[1]);
        return -1;
    }
    close(ready[0]);
    *go_fd = go[1];
    return pid;
}

static void release_child(pid_t pid, int go_fd)
{
    char c = 'g';
    if (write(go_fd, &c, 1) != 1)
        kill(pid, SIGTERM);
    close(go_fd);
    int st;
    waitpid(pid, &st, 0);
}

static void test_locks(void)
{
    char path[300], err[512], want[128];
    path_of(path, sizeof(path), "lock.img");
    uint8_t img[8192] = { 0 };
    write_file(path, img, sizeof(img));

    /* Two drives of one plex86 on one image. */
    struct block *a = open_raw(path, false, err);
    CHECK(a != NULL);
    struct block *b = open_raw(path, false, err);
    CHECK(b == NULL);
    CHECK(strstr(err, "Failed to get \"write\" lock: the image is in use by this plex86"));
    b = open_raw(path, true, err);
    CHECK(b == NULL);
    CHECK(strstr(err, "Failed to get shared \"write\" lock"));
    block_close(a);
    /* Closed: free again. */
    a = open_raw(path, false, err);
    CHECK(a != NULL);
    block_close(a);

    /* Another process holds it for writing: named, with pid and name. */
    int go;
    pid_t pid = hold_in_child(path, false, &go);
    CHECK(pid > 0);
    if (pid > 0) {
        snprintf(want, sizeof(want), "in use by process %d (test_block)", (int)pid);
        a = open_raw(path, false, err);
        CHECK(!a && strstr(err, want) && strstr(err, "Failed to get \"write\" lock"));
        if (!a && !strstr(err, want))
            fprintf(stderr, "  got \"%s\"\n", err);
        a = open_raw(path, true, err);
        CHECK(!a && strstr(err, want) && strstr(err, "Failed to get shared \"write\" lock"));
        /* -snapshot opens the image read-only: still refused. */
        a = open_with(path, BLOCK_FORMAT_RAW, false, true, 0, 0, NULL, err);
        CHECK(!a && strstr(err, want));
        release_child(pid, go);
    }
    /* Readers share; a writer waits for all of them. */
    pid = hold_in_child(path, true, &go);
    CHECK(pid > 0);
    if (pid > 0) {
        a = open_raw(path, true, err);
        CHECK(a != NULL);
        b = open_with(path, BLOCK_FORMAT_RAW, false, true, 0, 0, NULL, err);
        CHECK(b != NULL);
        block_close(b);
        block_close(a);
        a = open_raw(path, false, err);
        snprintf(want, sizeof(want), "in use by process %d", (int)pid);
        CHECK(!a && strstr(err, want));
        release_child(pid, go);
        a = open_raw(path, false, err);
        CHECK(a != NULL);
        block_close(a);
    }
}

/* QEMU's locks, both ways, with qemu-io (QEMU's own block tool). */
static void test_qemu_locks(void)
{
    if (!have_qemu_io) {
        fprintf(stderr, "qemu-io not found: QEMU lock interplay not tested\n");
        return;
    }
    char path[300], err[512], cmd[800], out[300];
    path_of(path, sizeof(path), "qlock.img");
    path_of(out, sizeof(out), "qemu-io.out");
    uint8_t img[65536] = { 0 };
    write_file(path, img, sizeof(img));
    /* plex86 writes: QEMU may neither write nor read. */
    struct block *a = open_raw(path, false, err);
    CHECK(a != NULL);
    snprintf(cmd, sizeof(cmd), "qemu-io -f raw -c 'read 0 512' '%s' >'%s' 2>&1", path, out);
    CHECK(run(cmd) != 0);
    size_t n;
    char *text = (char *)read_whole(out, &n);
    CHECK(text && memmem(text, n, "Failed to get \"write\" lock", 26));
    free(text);
    /* qemu-io -r shares every permission, a reader that lets others
     * write: QEMU's rules let it in beside a writer. */
    snprintf(cmd, sizeof(cmd), "qemu-io -r -f raw -c 'read 0 512' '%s' >'%s' 2>&1", path,
             out);
    CHECK(run(cmd) == 0);
    block_close(a);
    /* plex86 reads: QEMU may read too, not write. */
    a = open_raw(path, true, err);
    CHECK(a != NULL);
    CHECK(run(cmd) == 0);
    snprintf(cmd, sizeof(cmd), "qemu-io -f raw -c 'write 0 512' '%s' >'%s' 2>&1", path, out);
    CHECK(run(cmd) != 0);
    block_close(a);
    /* QEMU writes: plex86 is refused and names it. */
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execlp("qemu-io", "qemu-io", "-f", "raw", "-c", "sleep 300000", path, (char *)NULL);
        _exit(127);
    }
    CHECK(pid > 0);
    /* Wait until qemu-io holds its lock before trying ours: QEMU checks
     * for conflicts once, when it opens the image, so probing with
     * open_raw meanwhile (our locks held for a moment each time) could
     * make it fail to open and quit; F_OFD_GETLK on the "write"
     * permission byte (QEMU's RAW_LOCK_PERM_BASE + 1) takes no lock.
     * qemu-io starts slowly on a loaded machine (over a minute seen while
     * CI ran beside it): wait until it holds the lock or has died, with a
     * bound below ctest's TIMEOUT only against a qemu-io that hangs. */
    bool child_alive = true, locked = false;
    int probe = open(path, O_RDONLY);
    CHECK(probe >= 0);
    for (int i = 0; i < 8000 && !locked && child_alive && probe >= 0; i++) {
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 101,
                            .l_len = 1 };
        locked = fcntl(probe, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
        if (!locked) {
            usleep(25000);
            child_alive = waitpid(pid, NULL, WNOHANG) == 0;
        }
    }
    if (probe >= 0)
        close(probe);
    CHECK(child_alive);
    CHECK(locked);
    a = open_raw(path, false, err);
    bool refused = a == NULL;
    block_close(a);
    char want[64];
    snprintf(want, sizeof(want), "in use by process %d (qemu-io)", (int)pid);
    CHECK(refused && strstr(err, want));
    if (!strstr(err, want))
        fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, want);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* --- -snapshot and commit ------------------------------------------------------ */

static void test_snapshot(void)
{
    char path[300], err[512];
    path_of(path, sizeof(path), "snap.img");
    const size_t size = 40u << 20; /* three bitmap pages */
    uint8_t *img = malloc(size), *buf = malloc(size), *want = malloc(size);
    fill(img, size, 9);
    write_file(path, img, size);
    memcpy(want, img, size);
    setenv("TMPDIR", dir, 1);
    struct block *b = open_with(path, BLOCK_FORMAT_RAW, false, true, BLOCK_CACHE_WRITEBACK,
                                BLOCK_MEDIA_DISK, NULL, err);
    CHECK(b != NULL);
    if (!b) {
        fprintf(stderr, "snapshot: %s\n", err);
        return;
    }
    struct block_info info;
    CHECK(block_get_info(b, &info) && info.snapshot && !info.read_only);
    CHECK_STR(info.format, "raw");
    CHECK_EQ(info.overlay_bytes, 0);
    /* Whole sectors, a partial one, a run across a bitmap page. */
    uint8_t data[8192];
    fill(data, sizeof(data), 3);
    CHECK_EQ(block_write(b, 0, data, 1024), 0);
    memcpy(want, data, 1024);
    CHECK_EQ(block_write(b, 5000, data, 100), 0);
    memcpy(want + 5000, data, 100);
    CHECK_EQ(block_write(b, 5050, data + 100, 1000), 0);
    memcpy(want + 5050, data + 100, 1000);
    CHECK_EQ(block_write(b, (16u << 20) - 4096, data, 8192), 0);
    memcpy(want + (16u << 20) - 4096, data, 8192);
    CHECK_EQ(block_write(b, size - 512, data, 512), 0);
    memcpy(want + size - 512, data, 512);
    CHECK_EQ(block_read(b, 0, buf, size), 0);
    CHECK(!memcmp(buf, want, size));
    CHECK_EQ(block_read(b, 4990, buf, 2000), 0);
    CHECK(!memcmp(buf, want + 4990, 2000));
    CHECK_EQ(block_flush(b), 0);
    CHECK(block_get_info(b, &info));
    CHECK_EQ(info.overlay_bytes, 1024 + 3 * 512 + 8192 + 512);
    /* The image has not changed. */
    size_t n;
    uint8_t *now = read_whole(path, &n);
    CHECK(n == size && !memcmp(now, img, size));
    free(now);
    /* The overlay is nowhere to be seen in the directory. */
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q plex86-snapshot", dir);
    CHECK(run(cmd) != 0);
    /* Commit: the image now holds the guest's writes, the guest sees the
     * same, and the overlay is empty again. */
    uint64_t bytes = 0;
    CHECK_EQ(block_commit(b, &bytes, err, sizeof(err)), 0);
    CHECK_EQ(bytes, 1024 + 3 * 512 + 8192 + 512);
    now = read_whole(path, &n);
    CHECK(n == size && !memcmp(now, want, size));
    free(now);
    CHECK(block_get_info(b, &info) && info.overlay_bytes == 0);
    CHECK_EQ(block_read(b, 0, buf, size), 0);
    CHECK(!memcmp(buf, want, size));
    /* Writes after a commit go to the overlay again. */
    CHECK_EQ(block_write(b, 512, data, 512), 0);
    now = read_whole(path, &n);
    CHECK(n == size && !memcmp(now, want, size));
    free(now);
    /* A commit while another process reads the image: refused. */
    int go;
    pid_t pid = hold_in_child(path, true, &go);
    CHECK(pid > 0);
    if (pid > 0) {
        CHECK_EQ(block_commit(b, &bytes, err, sizeof(err)), -EBUSY);
        char w[64];
        snprintf(w, sizeof(w), "in use by process %d", (int)pid);
        CHECK(strstr(err, w) != NULL);
        release_child(pid, go);
    }
    /* The lock went back to shared: another reader may come. */
    struct block *r = open_raw(path, true, err);
    CHECK(r != NULL);
    block_close(r);
    block_close(b);
    now = read_whole(path, &n);
    CHECK(n == size && !memcmp(now, want, size)); /* the last write was never committed */
    free(now);

    /* No overlay, nothing to commit. */
    b = open_raw(path, false, err);
    CHECK_EQ(block_commit(b, &bytes, err, sizeof(err)), -ENOTSUP);
    CHECK(strstr(err, "not a -snapshot drive"));
    block_close(b);
    /* Read-only with -snapshot: no overlay either; writes refused. */
    b = open_with(path, BLOCK_FORMAT_RAW, true, true, 0, 0, NULL, err);
    CHECK(b && block_is_read_only(b));
    CHECK_EQ(block_write(b, 0, data, 512), -EROFS);
    CHECK_EQ(block_commit(b, &bytes, err, sizeof(err)), -EROFS);
    CHECK(strstr(err, "a read-only drive has no writes to commit"));
    block_close(b);
    /* An overlay in a directory that cannot be written: one line. */
    setenv("TMPDIR", "/nonexistent-plex86-dir", 1);
    b = open_with(path, BLOCK_FORMAT_RAW, false, true, 0, 0, NULL, err);
    CHECK(!b && strstr(err, "-snapshot: cannot create a temporary file in "
                            "/nonexistent-plex86-dir"));
    setenv("TMPDIR", dir, 1);
    free(img);
    free(buf);
    free(want);
}

/* --- probing ---------------------------------------------------------------------- */

static void test_probe(void)
{
    char path[300], err[512];
    path_of(path, sizeof(path), "probe.img");
    uint8_t img[8192] = { 0 };
    write_file(path, img, sizeof(img));
    char *text = NULL;
    size_t tlen = 0;
    FILE *warn = open_memstream(&text, &tlen);
    struct block *b = open_with(path, BLOCK_FORMAT_PROBE, false, false, 0, 0, warn, err);
    fflush(warn);
    CHECK(b != NULL);
    CHECK(text && strstr(text, "Image format was not specified for '") &&
          strstr(text, "probing guessed raw"));
    struct block_info info;
    CHECK(block_get_info(b, &info) && info.probed);
    /* Sector 0 may not become a qcow2 header (whose backing file could
     * name any host file), whole or piece by piece. */
    uint8_t hdr[512] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    CHECK_EQ(block_write(b, 0, hdr, 512), -EPERM);
    CHECK_EQ(block_write(b, 0, hdr, 4), 0);
    CHECK_EQ(block_write(b, 4, hdr + 4, 4), -EPERM);
    CHECK_EQ(block_write(b, 512, hdr, 512), 0); /* elsewhere: fine */
    uint8_t mbr[512] = { 0xeb, 0x3c, 0x90 };
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    CHECK_EQ(block_write(b, 0, mbr, 512), 0);
    block_close(b);
    fclose(warn);
    free(text);
    /* Given format=raw: no warning, no guard. */
    text = NULL;
    warn = open_memstream(&text, &tlen);
    b = open_with(path, BLOCK_FORMAT_RAW, false, false, 0, 0, warn, err);
    CHECK_EQ(block_write(b, 0, hdr, 512), 0);
    block_close(b);
    fflush(warn);
    CHECK_EQ(tlen, 0);
    fclose(warn);
    free(text);
    /* Read-only and -snapshot drives are never written: no warning. */
    write_file(path, img, sizeof(img));
    text = NULL;
    warn = open_memstream(&text, &tlen);
    b = open_with(path, BLOCK_FORMAT_PROBE, true, false, 0, 0, warn, err);
    block_close(b);
    b = open_with(path, BLOCK_FORMAT_PROBE, false, true, 0, 0, warn, err);
    CHECK(b != NULL);
    /* ... but a commit of a header into sector 0 is refused. */
    CHECK_EQ(block_write(b, 0, hdr, 512), 0);
    uint64_t bytes;
    CHECK_EQ(block_commit(b, &bytes, err, sizeof(err)), -EPERM);
    CHECK(strstr(err, "give format=raw"));
    block_close(b);
    fflush(warn);
    CHECK_EQ(tlen, 0);
    fclose(warn);
    free(text);
    CHECK(block_probe_format(hdr, 512) && !strcmp(block_probe_format(hdr, 512), "qcow2"));
    CHECK(block_probe_format(mbr, 512) == NULL);
    uint8_t vdi[512] = { 0 };
    memcpy(vdi + 0x40, "\x7f\x10\xda\xbe", 4);
    CHECK_STR(block_probe_format(vdi, 512), "vdi");
    CHECK(block_probe_format(vdi, 0x43) == NULL);
}

/* --- qcow2 from qemu-img -------------------------------------------------------------- */

/* Makes `raw` (size bytes: random data with zero stretches), converts it
 * with qemu-img using `opts`, and checks that plex86 reads the same. */
static void check_converted(const char *opts, size_t size, bool expect_compressed)
{
    char raw[300], q[300], cmd[1200], err[512];
    path_of(raw, sizeof(raw), "src.raw");
    path_of(q, sizeof(q), "conv.qcow2");
    uint8_t *img = malloc(size), *buf = malloc(size);
    /* Text-like bytes (compressible), zeros qemu-img leaves unallocated,
     * and a run. */
    fill(img, size, 42);
    for (size_t i = 0; i < size; i++)
        img[i] = (uint8_t)("plex86 disk "[img[i] % 12]);
    memset(img + size / 4, 0, size / 4);
    memset(img + size / 2, 'A', 70000 < size / 8 ? 70000 : size / 8);
    write_file(raw, img, size);
    unlink(q);
    snprintf(cmd, sizeof(cmd), "qemu-img convert -f raw -O qcow2 %s '%s' '%s' >/dev/null 2>&1",
             opts, raw, q);
    CHECK_EQ(run(cmd), 0);
    char *text = NULL;
    size_t tlen = 0;
    FILE *warn = open_memstream(&text, &tlen);
    struct block *b = open_with(q, BLOCK_FORMAT_PROBE, true, false, BLOCK_CACHE_WRITEBACK,
                                BLOCK_MEDIA_DISK, warn, err);
    fclose(warn);
    CHECK(b != NULL);
    CHECK_EQ(tlen, 0); /* a probed qcow2 is no danger: no warning */
    free(text);
    if (!b) {
        fprintf(stderr, "qcow2 (%s): %s\n", opts, err);
        free(img);
        free(buf);
        return;
    }
    struct block_info info;
    CHECK(block_get_info(b, &info));
    CHECK_STR(info.format, "qcow2");
    CHECK_EQ(block_length(b), size);
    CHECK_EQ(block_read(b, 0, buf, size), 0);
    CHECK(!memcmp(buf, img, size));
    if (memcmp(buf, img, size))
        fprintf(stderr, "qcow2 (%s): contents differ\n", opts);
    /* Pieces at odd places, across clusters. */
    for (uint64_t off = 1; off + 5000 < size; off += size / 7) {
        CHECK_EQ(block_read(b, off, buf, 5000), 0);
        CHECK(!memcmp(buf, img + off, 5000));
    }
    CHECK_EQ(block_write(b, 0, buf, 512), -EROFS);
    block_close(b);
    if (expect_compressed) {
        /* The file really is smaller than the data (compressed). */
        struct stat st;
        CHECK(stat(q, &st) == 0 && (uint64_t)st.st_size < size / 2);
    } else if (!strstr(opts, "-c")) {
        struct stat st;
        CHECK(stat(q, &st) == 0 && (uint64_t)st.st_size > size / 2);
    }
    free(img);
    free(buf);
}

static void test_qcow2_qemu_img(void)
{
    if (!have_qemu_img) {
        fprintf(stderr, "qemu-img not found: qcow2 images from QEMU not tested\n");
        return;
    }
    check_converted("", 3u << 20, false);                       /* version 3, 64 KiB */
    check_converted("-o compat=0.10", 3u << 20, false);         /* version 2 */
    check_converted("-c", 3u << 20, true);                      /* compressed */
    check_converted("-c -o compat=0.10,cluster_size=4096", 1u << 20, true);
    check_converted("-o cluster_size=512", 1u << 20, false);
    /* 2 MiB clusters: the metadata alone outweighs the data. */
    check_converted("-c -o cluster_size=2M", 5u << 20, false);

    char base[300], top[300], cmd[1200], err[512];
    path_of(base, sizeof(base), "base.raw");
    path_of(top, sizeof(top), "top.qcow2");
    /* An unallocated image reads zeros. */
    unlink(top);
    snprintf(cmd, sizeof(cmd), "qemu-img create -f qcow2 '%s' 10M >/dev/null", top);
    CHECK_EQ(run(cmd), 0);
    struct block *b = open_with(top, BLOCK_FORMAT_QCOW2, true, false, 0, 0, NULL, err);
    CHECK(b != NULL);
    uint8_t *buf = malloc(10u << 20), *img = malloc(4u << 20);
    memset(buf, 0x5a, 10u << 20);
    CHECK_EQ(block_read(b, 0, buf, 10u << 20), 0);
    bool zeros = true;
    for (size_t i = 0; i < (10u << 20); i++)
        zeros &= buf[i] == 0;
    CHECK(zeros);
    block_close(b);
    /* As a writable disk: refused; with -snapshot: writes to the overlay,
     * and no commit into qcow2. */
    b = open_with(top, BLOCK_FORMAT_PROBE, false, false, 0, 0, NULL, err);
    CHECK(!b && strstr(err, "does not write them: use readonly=on or -snapshot"));
    b = open_with(top, BLOCK_FORMAT_PROBE, false, true, 0, 0, NULL, err);
    CHECK(b && !block_is_read_only(b));
    CHECK_EQ(block_write(b, 4096, "hello", 5), 0);
    CHECK_EQ(block_read(b, 4096, buf, 5), 0);
    CHECK(!memcmp(buf, "hello", 5));
    uint64_t bytes;
    CHECK_EQ(block_commit(b, &bytes, err, sizeof(err)), -ENOTSUP);
    CHECK(strstr(err, "cannot write into a qcow2 image"));
    block_close(b);

    /* A backing file (relative name): what the top holds, else the base,
     * and zeros past the base's end. */
    fill(img, 4u << 20, 8);
    write_file(base, img, 4u << 20);
    unlink(top);
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && qemu-img create -f qcow2 -b base.raw -F raw top.qcow2 8M >/dev/null"
             " && qemu-io -f qcow2 -c 'write -P 0x55 65536 4096' top.qcow2 >/dev/null",
             dir);
    CHECK_EQ(run(cmd), 0);
    b = open_with(top, BLOCK_FORMAT_PROBE, true, false, 0, 0, NULL, err);
    CHECK(b != NULL);
    if (b) {
        struct block_info info;
        CHECK(block_get_info(b, &info) && info.backing_depth == 1 && info.backing_path &&
              strstr(info.backing_path, "base.raw"));
        CHECK_EQ(block_read(b, 0, buf, 8u << 20), 0);
        memset(img + 65536, 0x55, 4096);
        CHECK(!memcmp(buf, img, 4u << 20));
        zeros = true;
        for (size_t i = 4u << 20; i < (8u << 20); i++)
            zeros &= buf[i] == 0;
        CHECK(zeros);
        /* The backing file is locked shared: no writer may come. */
        struct block *w = open_raw(base, false, err);
        CHECK(!w && strstr(err, "in use by this plex86"));
        block_close(b);
    }
    /* A backing file that is missing: one line naming both. */
    unlink(base);
    b = open_with(top, BLOCK_FORMAT_PROBE, true, false, 0, 0, NULL, err);
    CHECK(!b && strstr(err, "top.qcow2: backing file: ") && strstr(err, "base.raw: No such"));
    free(buf);
    free(img);
}

/* --- qcow2 built here, good and hostile ------------------------------------------------ */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

/* A version-3 image with 2^cb-byte clusters and 8 guest clusters: header
 * in cluster 0, L1 in 1, L2 in 2; guest cluster 0 is data at cluster 3
 * (bytes 0xA0), 1 is compressed at cluster 4 (bytes 0xC1), 2 is a zero
 * cluster, the rest unallocated.  Returns the length. */
#define Q_CLUSTER 512
static size_t make_qcow2_cb(uint8_t *img, unsigned cb)
{
    const size_t c = (size_t)1 << cb;
    memset(img, 0, 8 * c);
    put32(img, 0x514649fb);
    put32(img + 4, 3);
    put32(img + 20, cb);                    /* cluster_bits */
    put64(img + 24, 8 * c);                 /* size */
    put32(img + 36, 1);                     /* l1_size */
    put64(img + 40, c);                     /* l1_table_offset */
    put32(img + 96, 4);                     /* refcount_order */
    put32(img + 100, 104);                  /* header_length */
    put64(img + c, 2 * c);                  /* L1[0] */
    uint8_t *l2 = img + 2 * c;
    put64(l2, 3 * c);
    memset(img + 3 * c, 0xA0, c);
    /* Compressed: raw deflate of a cluster of 0xC1. */
    uint8_t plain[1024], packed[256];
    memset(plain, 0xC1, sizeof(plain));
    z_stream z = { 0 };
    deflateInit2(&z, 9, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY);
    z.next_in = plain;
    z.avail_in = (uInt)c;
    z.next_out = packed;
    z.avail_out = sizeof(packed);
    deflate(&z, Z_FINISH);
    size_t clen = sizeof(packed) - z.avail_out;
    deflateEnd(&z);
    memcpy(img + 4 * c, packed, clen);
    /* x = 62 - (cb - 8) offset bits; one sector (0 additional). */
    put64(l2 + 8, (1ull << 62) | (uint64_t)(4 * c));
    put64(l2 + 16, 1);                      /* zero cluster */
    return 5 * c;
}

static size_t make_qcow2(uint8_t *img)
{
    return make_qcow2_cb(img, 9);
}

static struct block *open_mem(uint8_t *img, size_t len, char *err)
{
    err[0] = 0;
    return block_qcow2_open_block(block_open_memory(img, len, true), "hostile.qcow2", err,
                                  512);
}

static void expect_bad_header(uint8_t *img, size_t len, const char *want)
{
    char err[512];
    struct block *b = open_mem(img, len, err);
    CHECK(b == NULL);
    block_close(b);
    CHECK(strstr(err, want) && !strncmp(err, "hostile.qcow2: ", 15) && !strchr(err, '\n'));
    if (!strstr(err, want))
        fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, want);
}

static void test_qcow2_hostile(void)
{
    static uint8_t img[16 * Q_CLUSTER], buf[8 * Q_CLUSTER];
    char err[512];
    size_t len = make_qcow2(img);
    struct block *b = open_mem(img, len, err);
    CHECK(b != NULL);
    if (b) {
        CHECK_EQ(block_length(b), 8 * Q_CLUSTER);
        memset(buf, 0x77, sizeof(buf));
        CHECK_EQ(block_read(b, 0, buf, sizeof(buf)), 0);
        bool ok = true;
        for (size_t i = 0; i < sizeof(buf); i++)
            ok &= buf[i] == (i < Q_CLUSTER ? 0xA0 : i < 2 * Q_CLUSTER ? 0xC1 : 0);
        CHECK(ok);
        CHECK_EQ(block_read(b, Q_CLUSTER + 100, buf, 10), 0); /* cached inflate */
        CHECK_EQ(buf[9], 0xC1);
        block_close(b);
    }

    /* Headers that lie. */
    len = make_qcow2(img);
    put32(img + 20, 8);
    expect_bad_header(img, len, "cluster_bits 8 is out of range");
    len = make_qcow2(img);
    put32(img + 20, 22);
    expect_bad_header(img, len, "cluster_bits 22 is out of range");
    len = make_qcow2(img);
    put32(img + 20, 0xffffffff);
    expect_bad_header(img, len, "out of range");
    len = make_qcow2(img);
    put32(img + 36, 0x10000000);
    expect_bad_header(img, len, "L1 table of 268435456 entries is too large");
    len = make_qcow2(img);
    put32(img + 36, 0);
    expect_bad_header(img, len, "is too small");
    len = make_qcow2(img);
    put64(img + 24, 1ull << 62);
    expect_bad_header(img, len, "is more than a drive can have");
    len = make_qcow2(img);
    put64(img + 24, 0);
    expect_bad_header(img, len, "virtual size 0");
    len = make_qcow2(img);
    put64(img + 40, 1ull << 40);
    expect_bad_header(img, len, "the L1 table is past the end of the file");
    len = make_qcow2(img);
    put64(img + 40, 0xfffffffffffffe00ull);
    expect_bad_header(img, len, "past the end of the file");
    len = make_qcow2(img);
    put64(img + 40, 100);
    expect_bad_header(img, len, "not cluster aligned");
    len = make_qcow2(img);
    put32(img + 4, 4);
    expect_bad_header(img, len, "qcow2 version 4 is not supported");
    len = make_qcow2(img);
    put32(img + 4, 1);
    expect_bad_header(img, len, "qcow (version 1)");
    len = make_qcow2(img);
    put32(img + 32, 1);
    expect_bad_header(img, len, "encrypted");
    len = make_qcow2(img);
    put64(img + 72, 1ull << 40);
    expect_bad_header(img, len, "unsupported qcow2 feature bits 0x10000000000");
    len = make_qcow2(img);
    put64(img + 72, 1ull << 4);
    expect_bad_header(img, len, "extended L2");
    len = make_qcow2(img);
    put64(img + 72, 1ull << 2);
    expect_bad_header(img, len, "external data file");
    len = make_qcow2(img);
    put64(img + 72, 1ull << 3);
    put32(img + 100, 112);
    img[104] = 1;
    expect_bad_header(img, len, "zstd");
    len = make_qcow2(img);
    put32(img + 100, 4096);
    expect_bad_header(img, len, "bad qcow2 header length 4096");
    len = make_qcow2(img);
    put32(img + 100, 8);
    expect_bad_header(img, len, "bad qcow2 header length 8");
    expect_bad_header(img, 50, "header too short");
    memcpy(img, "QFI", 3);
    expect_bad_header(img, 0, "header too short");
    /* Header extensions: one that runs past the cluster. */
    len = make_qcow2(img);
    put32(img + 104, 0xe2792aca);
    put32(img + 108, 1000);
    expect_bad_header(img, len, "header extension past the first cluster");
    /* A backing file name: out of the cluster, too long, or followed
     * nowhere (memory images have no directory). */
    len = make_qcow2(img);
    put64(img + 8, 400);
    put32(img + 16, 200);
    expect_bad_header(img, len, "bad backing file name");
    len = make_qcow2(img);
    put64(img + 8, 0xffffffffffffff00ull);
    put32(img + 16, 10);
    expect_bad_header(img, len, "bad backing file name");
    len = make_qcow2(img);
    put64(img + 8, 200);
    put32(img + 16, 5000);
    expect_bad_header(img, len, "bad backing file name");
    len = make_qcow2(img);
    put64(img + 8, 200);
    put32(img + 16, 10);
    memcpy(img + 200, "/etc/passw", 10);
    expect_bad_header(img, len, "has a backing file (/etc/passw), not followed here");

    /* Tables that lie: found on reading, an I/O error for that read only. */
    len = make_qcow2_cb(img, 10);                  /* 1 KiB clusters */
    b = open_mem(img, len, err);
    CHECK(b && block_read(b, 0, buf, 2048) == 0 && buf[0] == 0xA0 && buf[1024] == 0xC1);
    block_close(b);
    put64(img + 1024, 2 * 1024 + 512);             /* L2 not aligned */
    b = open_mem(img, len, err);
    CHECK(b && block_read(b, 0, buf, 512) == -EIO);
    block_close(b);
    len = make_qcow2(img);
    put64(img + Q_CLUSTER, 1ull << 40);            /* L2 past the end */
    b = open_mem(img, len, err);
    CHECK(b && block_read(b, 0, buf, 512) == -EIO);
    block_close(b);
    len = make_qcow2(img);
    put64(img + 2 * Q_CLUSTER, 1ull << 40);        /* data past the end */
    b = open_mem(img, len, err);
    CHECK(b && block_read(b, 0, buf, 512) == -EIO);
    CHECK(b && block_read(b, 3 * Q_CLUSTER, buf, 512) == 0); /* the rest reads */
    block_close(b);
    len = make_qcow2_cb(img, 10);
    put64(img + 2 * 1024, 3 * 1024 + 512);         /* data not aligned */
    b = open_mem(img, len, err);
    CHECK(b && block_read(b, 0, buf, 512) == -EIO);
    block_close(b);
    len = make_qcow2(img);
    memset(img + 4 * Q_CLUSTER, 0xff, 64);          /* compressed garbage */
    b = open_mem(img, len, err);
    CHECK(b && block_read(b, Q_CLUSTER, buf, 512) == -EIO);
    CHECK(b && block_read(b, 0, buf, 512) == 0);
    block_close(b);
    len = make_qcow2(img);
    put64(img + 2 * Q_CLUSTER + 8, (1ull << 62) | (1ull << 60)); /* compressed at 2^60 */
    b = open_mem(img, len, err);
    CHECK(b && block_read(b, Q_CLUSTER, buf, 512) == -EIO);
    block_close(b);
    len = make_qcow2(img);
    put64(img + 2 * Q_CLUSTER + 8, 1ull << 62);    /* compressed at 0: the header */
    b = open_mem(img, len, err);
    CHECK(b && block_read(b, Q_CLUSTER, buf, 512) == -EIO);
    block_close(b);
    /* Version 2 has no zero flag. */
    len = make_qcow2(img);
    put32(img + 4, 2);
    b = open_mem(img, len, err);
    CHECK(b && block_read(b, 2 * Q_CLUSTER, buf, 512) == -EIO);
    block_close(b);
}

/* A backing chain that loops: an image that is its own backing file. */
static void test_qcow2_loop(void)
{
    static uint8_t img[16 * Q_CLUSTER];
    char path[300], err[512];
    path_of(path, sizeof(path), "loop.qcow2");
    size_t len = make_qcow2(img);
    put64(img + 8, 200);
    put32(img + 16, 10);
    memcpy(img + 200, "loop.qcow2", 10);
    write_file(path, img, len);
    struct block *b = open_with(path, BLOCK_FORMAT_PROBE, true, false, 0, 0, NULL, err);
    CHECK(b == NULL);
    CHECK(strstr(err, "backing chain deeper than 16 files (a loop?)") && !strchr(err, '\n'));
    /* A good chain of two built here: backing "base.img" raw. */
    char base[300];
    path_of(base, sizeof(base), "chain-base.img");
    uint8_t data[8 * Q_CLUSTER];
    memset(data, 0xBB, sizeof(data));
    write_file(base, data, sizeof(data));
    len = make_qcow2(img);
    put64(img + 8, 200);
    put32(img + 16, 14);
    memcpy(img + 200, "chain-base.img", 14);
    write_file(path, img, len);
    b = open_with(path, BLOCK_FORMAT_PROBE, true, false, 0, 0, NULL, err);
    CHECK(b != NULL);
    if (b) {
        uint8_t buf[8 * Q_CLUSTER];
        CHECK_EQ(block_read(b, 0, buf, sizeof(buf)), 0);
        /* Cluster 2 is a zero cluster (zeros, not the backing file's). */
        CHECK(buf[0] == 0xA0 && buf[Q_CLUSTER] == 0xC1 && buf[2 * Q_CLUSTER] == 0 &&
              buf[3 * Q_CLUSTER] == 0xBB && buf[sizeof(buf) - 1] == 0xBB);
        block_close(b);
    }
}

int main(void)
{
    snprintf(dir, sizeof(dir), "block-test.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char *abs = realpath(dir, NULL);
    snprintf(dir, sizeof(dir), "%s", abs);
    free(abs);
    setenv("TMPDIR", dir, 1);
    have_qemu_img = run("qemu-img --version >/dev/null 2>&1") == 0;
    have_qemu_io = run("qemu-io --version >/dev/null 2>&1") == 0;
    test_raw();
    test_write_cache_toggle();
    test_refused_files();
    test_read_only();
    test_locks();
    test_qemu_locks();
    test_snapshot();
    test_probe();
    test_qcow2_qemu_img();
    test_qcow2_hostile();
    test_qcow2_loop();
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (!check_failed)
        run(cmd);
    return check_report();
}
