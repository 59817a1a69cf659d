/* The IDE drives as a guest sees them, against QEMU: tests/guests/
 * ide_probe.S asks a disk and a CD-ROM what drivers ask (IDENTIFY,
 * INQUIRY, READ CAPACITY, READ TOC, MODE SENSE, ...) and prints the
 * answers on the debug console.  It runs on plex86's board with two
 * in-memory images, and, when qemu-system-i386 is there, on QEMU's pc
 * machine with the same images in files; the answers must be the same
 * but for the differences listed below, each with its reason.  Without
 * QEMU the plex86 half still runs and the test reports a skip (77).
 * usage: test_ide_qemu ide_probe.rom */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/block.h"
#include "check.h"
#include "dev/chardev.h"
#include "dev/ide_util.h"
#include "machine/vm.h"
#include "pc/pc.h"

#define DISK_BYTES (10u << 20)
#define CD_BYTES (300u * 2048)

/* Where the two may differ, by line tag: byte ranges of the data (after
 * the "TAG SSEE:" head, which must always match). */
struct allowed {
    char tag;
    unsigned from, to;          /* bytes [from, to) */
    const char *why;
};

static const struct allowed allowed[] = {
    { 'D', 20, 40, "serial number (PL vs QM)" },
    { 'D', 46, 94, "firmware revision and model" },
    { 'D', 100, 102, "word 50: bit 14 set, as ATA/ATAPI-6 asks" },
    { 'D', 160, 164, "words 80-81: ATA/ATAPI-6 claimed, not ATA-7" },
    { 'D', 164, 166, "word 82: no SMART (not implemented), power management" },
    { 'D', 170, 172, "word 85: the same, enabled" },
    { 'D', 138, 140, "word 69: QEMU 7.2 claims TRIM (DATA SET MANAGEMENT); not implemented" },
    { 'D', 212, 214, "word 106: QEMU's physical sector size word (ATA-7)" },
    { 'D', 338, 340, "word 169: TRIM supported (QEMU)" },
    { 'D', 510, 512, "word 255: the integrity word" },
    { 'I', 20, 40, "serial number" },
    { 'I', 46, 94, "firmware revision and model" },
    { 'I', 100, 102, "word 50" },
    { 'I', 186, 188, "word 93: hardware reset result" },
    { 'I', 510, 512, "word 255" },
    { 'q', 8, 36, "vendor, product, revision" },
    { 'S', 5, 7, "session info: control and track of the first track (QEMU leaves 0)" },
    { 'e', 0, 1024, "page 01h: MMC-3's 10-byte page, QEMU's is the 6-byte SFF-8020i one" },
    { 'g', 0, 4, "GET CONFIGURATION data length: more features listed" },
    { 'm', 2, 3, "MODE SENSE medium type: 0 (MMC-3: reserved), QEMU 70h" },
    { 'r', 0, 1, "sense data: VALID clear (QEMU sets it with no information field)" },
};

static bool may_differ(char tag, unsigned byte)
{
    for (unsigned i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (allowed[i].tag == tag && byte >= allowed[i].from && byte < allowed[i].to)
            return true;
    return false;
}

/* The line for `tag` in `out`, or NULL; its length in *len. */
static const char *find_line(const char *out, char tag, size_t *len)
{
    for (const char *p = out; p && *p;) {
        const char *nl = strchr(p, '\n');
        if (*p == tag) {
            *len = nl ? (size_t)(nl - p) : strlen(p);
            return p;
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

static const char tags[] = "DNPGEItqcTMSmegndhRxrsk";

static void compare(const char *mine, const char *qemu)
{
    for (const char *t = tags; *t; t++) {
        size_t la, lb;
        const char *a = find_line(mine, *t, &la), *b = find_line(qemu, *t, &lb);
        CHECK(a && b);
        if (!a || !b)
            continue;
        /* "T" + status + error + ":" must match. */
        if (la < 6 || lb < 6 || memcmp(a, b, 6) != 0) {
            fprintf(stderr, "line %c: head %.6s (plex86) vs %.6s (QEMU)\n", *t, a, b);
            CHECK(0);
            continue;
        }
        a += 6;
        b += 6;
        la -= 6;
        lb -= 6;
        size_t n = la < lb ? la : lb;
        bool tail_ok = true;
        for (size_t k = n; k < (la > lb ? la : lb); k += 2)
            tail_ok &= may_differ(*t, (unsigned)(k / 2));
        if (!tail_ok) {
            fprintf(stderr, "line %c: %zu bytes (plex86) vs %zu (QEMU)\n", *t, la / 2, lb / 2);
            CHECK(0);
        }
        for (size_t k = 0; k + 1 < n; k += 2) {
            if (memcmp(a + k, b + k, 2) == 0 || may_differ(*t, (unsigned)(k / 2)))
                continue;
            fprintf(stderr, "line %c byte %zu: %.2s (plex86) vs %.2s (QEMU)\n", *t, k / 2,
                    a + k, b + k);
            CHECK(0);
        }
    }
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    (void)n;
    fclose(f);
    return buf;
}

/* QEMU on the same images; NULL when it cannot run. */
static char *run_qemu(const char *rom, const uint8_t *disk, const uint8_t *cd)
{
    if (system("command -v qemu-system-i386 >/dev/null 2>&1") != 0)
        return NULL;
    char dir[] = "/tmp/plex86-ide-qemu-XXXXXX";
    if (!mkdtemp(dir))
        return NULL;
    char dpath[128], cpath[128], opath[128], cmd[1024];
    snprintf(dpath, sizeof(dpath), "%s/disk.img", dir);
    snprintf(cpath, sizeof(cpath), "%s/cd.iso", dir);
    snprintf(opath, sizeof(opath), "%s/out.txt", dir);
    char *out = NULL;
    if (write_file(dpath, disk, DISK_BYTES) == 0 && write_file(cpath, cd, CD_BYTES) == 0) {
        snprintf(cmd, sizeof(cmd),
                 "timeout 30 qemu-system-i386 -M pc -nodefaults -display none -bios '%s' "
                 "-drive file=%s,format=raw,if=ide,index=0 "
                 "-drive file=%s,format=raw,if=ide,index=2,media=cdrom,readonly=on "
                 "-chardev file,id=dc,path=%s -device isa-debugcon,iobase=0xe9,chardev=dc "
                 "-device isa-debug-exit,iobase=0xf4,iosize=4 >/dev/null 2>&1",
                 rom, dpath, cpath, opath);
        (void)system(cmd);
        out = read_text(opath);
    }
    unlink(dpath);
    unlink(cpath);
    unlink(opath);
    rmdir(dir);
    return out;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s ide_probe.rom\n", argv[0]);
        return 2;
    }
    uint8_t *disk = pattern_image(DISK_BYTES), *cd = pattern_image(CD_BYTES);
    struct block *bd = block_open_memory(disk, DISK_BYTES, false);
    struct block *bc = block_open_memory(cd, CD_BYTES, true);
    struct char_buffer con = { 0 };
    struct pc_config cfg = {
        .ram_mb = 2, .cpu_level = CPU_486, .bios_path = argv[1],
        .has_debugcon = true, .debugcon_out = char_sink_buffer(&con),
    };
    cfg.ide[0] = (struct pc_drive){ .present = true, .block = bd };
    cfg.ide[2] = (struct pc_drive){ .present = true, .cdrom = true, .block = bc };
    char err[512];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    if (!pc) {
        fprintf(stderr, "pc_create: %s\n", err);
        return 1;
    }
    enum vm_exit_reason why = vm_run(pc->vm, 20000000);
    CHECK_EQ(why, VM_EXIT_GUEST_EXIT);
    char *mine = calloc(1, con.len + 1);
    memcpy(mine, con.data, con.len);
    /* The plex86 half alone: every question answered; the read data. */
    size_t len;
    for (const char *t = tags; *t; t++)
        CHECK(find_line(mine, *t, &len) != NULL);
    const char *r = find_line(mine, 'R', &len);
    CHECK(r && len == 6 + 4096);
    if (r) {
        bool same = true;
        for (unsigned i = 0; i < 2048; i++) {
            char hex[3];
            snprintf(hex, sizeof(hex), "%02x", cd[16 * 2048 + i]);
            same &= memcmp(r + 6 + 2 * i, hex, 2) == 0;
        }
        CHECK(same);
    }
    pc_destroy(pc);

    char *qemu = run_qemu(argv[1], disk, cd);
    int skipped = 0;
    if (qemu && *qemu) {
        compare(mine, qemu);
    } else {
        fprintf(stderr, "qemu-system-i386 did not run: QEMU half skipped\n");
        skipped = 1;
    }
    if (getenv("IDE_QEMU_SHOW"))
        fprintf(stderr, "--- plex86\n%s--- QEMU\n%s", mine, qemu ? qemu : "");
    free(qemu);
    free(mine);
    char_buffer_free(&con);
    block_close(bd);
    block_close(bc);
    free(disk);
    free(cd);
    int rc = check_report();
    return rc ? rc : skipped ? 77 : 0;
}
