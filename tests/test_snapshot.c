/* Snapshots (pc/snapshot.h) in-process: a machine with RAM written, x87
 * and SSE registers set and a protected-mode segment is saved and loaded
 * into a fresh one, and saving that gives the same bytes; a run continued
 * after a load matches the run continued after the save; a bad file
 * (every byte flipped, truncated anywhere, values the CPU cannot hold, a
 * machine of another size or model) fails with the VM untouched; the disk
 * image identity check refuses a changed image unless forced. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cpu/cpu_model.h"
#include "cpu/exec.h"
#include "pc/pc.h"
#include "pc/snapshot.h"
#include "pc/hostfile.h"
#include "pc/snapshot_images.h"
#include "block/block.h"
#include "block/block_open.h"
#include "pc/snapshot_format.h"
#include "machine/vm.h"

/* A 4 KiB ROM whose reset vector loops over x87 and SSE work:
 *   FFF0 inc eax; addps xmm0, xmm1; fld1; faddp st1, st0; jmp FFF0 */
static uint8_t rom[4096];

static struct pc *new_pc(uint32_t ram_mb, const char *model)
{
    static const uint8_t loop[] = { 0x66, 0x40, 0x0F, 0x58, 0xC1, 0xD9, 0xE8,
                                    0xDE, 0xC1, 0xEB, 0xF5 };
    memset(rom, 0xF4, sizeof(rom));
    memcpy(rom + 0xFF0, loop, sizeof(loop));
    /* With the APICs and the HPET (issue 19), as the host builds it. */
    struct pc_config cfg = { .ram_mb = ram_mb, .cpu_model = cpu_model_find(model), .apic = true,
                             .icount = true, .icount_shift = 3, .bios_data = rom,
                             .bios_size = sizeof(rom) };
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    if (!pc) {
        fprintf(stderr, "pc_create: %s\n", err);
        exit(1);
    }
    return pc;
}

/* The state the loop runs from: x87 masked with ST0 = 2.5, XMM1 = 1.0s,
 * XMM0 = 0.5s, CR4.OSFXSR, and RAM written here and there. */
static void set_state(struct pc *pc)
{
    struct cpu *c = &pc->vm->cpu;
    c->fpu.cw = 0x037F;
    c->fpu.top = 0;
    c->fpu.full = 0x01;
    c->fpu.r[0].sig = 0xA000000000000000ull;
    c->fpu.r[0].se = 0x4000;
    for (int i = 0; i < 4; i++) {
        c->sse.xmm[1].d[i] = 0x3F800000u;
        c->sse.xmm[0].d[i] = 0x3F000000u;
    }
    c->cr4 |= CR4_OSFXSR;
    uint8_t *ram = pc->vm->mem.ram;
    for (uint32_t i = 0; i < 64; i++)
        ram[0x1234 + i * 40960] = (uint8_t)(i * 7 + 1);
    memcpy(ram + pc->vm->mem.ram_size - 16, "last page of RAM", 16);
}

static struct state_out bytes_of(struct pc *pc)
{
    struct state_out o;
    state_out_init(&o);
    char err[256];
    if (snapshot_write_bytes(pc, &o, err, sizeof(err)) < 0)
        fprintf(stderr, "snapshot_write_bytes: %s\n", err);
    return o;
}

static bool same(const struct state_out *a, const struct state_out *b)
{
    return a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
}

static int load(struct pc *pc, const uint8_t *buf, size_t len, bool force, char *err,
                size_t errlen)
{
    return snapshot_load_bytes(pc, buf, len, force, err, errlen);
}

/* Saved, loaded, saved again: the same bytes; and the same run after. */
static void test_round_trip(const char *dir)
{
    char f1[512], f2[512];
    snprintf(f1, sizeof(f1), "%s/one.snap", dir);
    snprintf(f2, sizeof(f2), "%s/two.snap", dir);
    struct pc *a = new_pc(8, "pentium3");
    set_state(a);
    CHECK_EQ(vm_run(a->vm, 1000), VM_EXIT_INSN_LIMIT);
    char err[256];
    CHECK_EQ(snapshot_save(a, f1, err, sizeof(err)), 0);

    struct pc *b = new_pc(8, "pentium3");
    CHECK_EQ(snapshot_load(b, f1, false, err, sizeof(err)), 0);
    CHECK_EQ(b->vm->cpu.fpu.r[0].se, a->vm->cpu.fpu.r[0].se);
    CHECK_EQ(b->vm->cpu.fpu.r[0].sig, a->vm->cpu.fpu.r[0].sig);
    CHECK_EQ(b->vm->cpu.sse.xmm[0].q[0], a->vm->cpu.sse.xmm[0].q[0]);
    CHECK_EQ(b->vm->cpu.gpr[R_EAX], a->vm->cpu.gpr[R_EAX]);
    CHECK_EQ(b->vm->cpu.gpr[R_EAX], 200); /* five instructions a round */
    CHECK_EQ(vm_now_ns(b->vm), vm_now_ns(a->vm));
    CHECK(memcmp(b->vm->mem.ram, a->vm->mem.ram, a->vm->mem.ram_size) == 0);
    CHECK_EQ(snapshot_save(b, f2, err, sizeof(err)), 0);
    uint8_t *d1, *d2;
    size_t n1, n2;
    CHECK_EQ(host_read_file(f1, 1u << 30, &d1, &n1, err, sizeof(err)), 0);
    CHECK_EQ(host_read_file(f2, 1u << 30, &d2, &n2, err, sizeof(err)), 0);
    CHECK(n1 == n2 && memcmp(d1, d2, n1) == 0);
    /* Zero pages skipped: 8 MiB with 65 pages written is a few KiB. */
    CHECK(n1 < 16384);
    printf("8 MiB snapshot: %zu bytes\n", n1);

    /* Both continue the same way. */
    CHECK_EQ(vm_run(a->vm, 5000), VM_EXIT_INSN_LIMIT);
    CHECK_EQ(vm_run(b->vm, 5000), VM_EXIT_INSN_LIMIT);
    struct state_out sa = bytes_of(a), sb = bytes_of(b);
    CHECK(sa.len > 0 && same(&sa, &sb));
    CHECK_EQ(b->vm->cpu.gpr[R_EAX], 1200);
    state_out_free(&sa);
    state_out_free(&sb);

    /* A loaded file is untouched by a failed load: every byte flipped,
     * every length cut. */
    struct pc *c = new_pc(8, "pentium3");
    struct state_out before = bytes_of(c);
    unsigned flipped_ok = 0, cut_ok = 0;
    for (size_t i = 0; i < n1; i++) {
        d1[i] ^= 0x20;
        flipped_ok += load(c, d1, n1, false, err, sizeof(err)) < 0;
        d1[i] ^= 0x20;
    }
    for (size_t i = 0; i < n1; i++)
        cut_ok += load(c, d1, i, false, err, sizeof(err)) < 0;
    CHECK_EQ(flipped_ok, n1);
    CHECK_EQ(cut_ok, n1);
    struct state_out after = bytes_of(c);
    CHECK(same(&before, &after));
    CHECK_EQ(load(c, d1, n1, false, err, sizeof(err)), 0);
    state_out_free(&before);
    state_out_free(&after);
    free(d1);
    free(d2);
    pc_destroy(a);
    pc_destroy(b);
    pc_destroy(c);
}

/* A protected-mode segment and a state the CPU checks on load. */
static void test_cpu_checks(void)
{
    struct pc *a = new_pc(4, "pentium3");
    struct cpu *c = &a->vm->cpu;
    c->cr0 |= CR0_PE;
    c->seg[S_CS] = (struct seg){ .base = 0, .limit = 0xFFFFFFFF, .sel = 0x08, .attr = 0xC09B };
    c->seg[S_DS] = (struct seg){ .base = 0x1000, .limit = 0xFFFFF, .sel = 0x10, .attr = 0x4093 };
    c->gdtr = (struct dtr){ .base = 0x800, .limit = 0x17 };
    c->shadow = SHADOW_SS; /* saved just after a MOV SS */
    cpu_mode_changed(c);
    struct state_out good = bytes_of(a);
    struct pc *b = new_pc(4, "pentium3");
    char err[256];
    CHECK_EQ(load(b, good.buf, good.len, false, err, sizeof(err)), 0);
    CHECK_EQ(b->vm->cpu.seg[S_DS].base, 0x1000);
    CHECK_EQ(b->vm->cpu.seg[S_DS].attr, 0x4093);
    CHECK(b->vm->cpu.code32);
    CHECK_EQ(b->vm->cpu.shadow, SHADOW_SS);
    struct state_out again = bytes_of(b);
    CHECK(same(&good, &again));
    state_out_free(&again);

    /* Values no CPU holds, each in an otherwise good file. */
    for (int k = 0; k < 7; k++) {
        struct pc *x = new_pc(4, "pentium3");
        struct cpu *xc = &x->vm->cpu;
        const char *want = "";
        switch (k) {
        case 0: xc->fpu.top = 9; want = "x87"; break;
        case 1: xc->cr0 |= CR0_PG; want = "PG without PE"; break;
        case 2: xc->cr4 |= 1u << 20; want = "CR4"; break;
        case 3: xc->eflags |= 1u << 3; want = "EFLAGS"; break;
        case 4: xc->sse.mxcsr |= 1u << 16; want = "MXCSR"; break;
        case 5: xc->cr0 |= CR0_PE; xc->seg[S_CS].attr = 0x93; want = "CS"; break;
        case 6: xc->shadow = SHADOW_SS + 1; want = "interrupt shadow"; break;
        }
        struct state_out o = bytes_of(x);
        struct state_out untouched = bytes_of(b);
        CHECK_EQ(load(b, o.buf, o.len, false, err, sizeof(err)), -1);
        CHECK(strstr(err, want) != NULL);
        struct state_out now = bytes_of(b);
        CHECK(same(&untouched, &now));
        state_out_free(&o);
        state_out_free(&untouched);
        state_out_free(&now);
        pc_destroy(x);
    }
    /* Another machine: RAM size, CPU model. */
    struct pc *big = new_pc(8, "pentium3"), *other = new_pc(4, "pentium");
    CHECK_EQ(load(big, good.buf, good.len, false, err, sizeof(err)), -1);
    CHECK(strstr(err, "4 MiB of RAM, this one has 8 MiB") != NULL);
    CHECK_EQ(load(other, good.buf, good.len, false, err, sizeof(err)), -1);
    CHECK(strstr(err, "'pentium3' CPU") != NULL);
    pc_destroy(big);
    pc_destroy(other);
    state_out_free(&good);
    pc_destroy(a);
    pc_destroy(b);
}

/* Disk-image identity: the same image loads; a changed one is refused
 * unless forced. */
static void test_images(const char *dir)
{
    char img[512];
    snprintf(img, sizeof(img), "%s/disk.img", dir);
    FILE *f = fopen(img, "wb");
    for (int i = 0; i < 3 << 20; i++)
        fputc(i * 31 % 251, f);
    fclose(f);
    struct pc *a = new_pc(4, "pentium3");
    a->nimages = 1;
    a->image_paths[0] = img;
    struct state_out o = bytes_of(a);
    char err[512];
    CHECK_EQ(load(a, o.buf, o.len, false, err, sizeof(err)), 0);
    /* The same size, one byte changed in the last MiB. */
    f = fopen(img, "r+b");
    fseek(f, (3 << 20) - 100, SEEK_SET);
    fputc(0xAA, f);
    fclose(f);
    CHECK_EQ(load(a, o.buf, o.len, false, err, sizeof(err)), -1);
    CHECK(strstr(err, "changed since the snapshot (its contents)") != NULL);
    CHECK_EQ(load(a, o.buf, o.len, true, err, sizeof(err)), 0);
    /* Only the middle changed: the modification time tells. */
    f = fopen(img, "r+b");
    fseek(f, 3 << 19, SEEK_SET);
    fputc(0xAA, f);
    fclose(f);
    state_out_free(&o);
    o = bytes_of(a);
    struct timespec t[2] = { { 0, UTIME_OMIT }, { 1000000, 0 } };
    CHECK_EQ(utimensat(AT_FDCWD, img, t, 0), 0);
    CHECK_EQ(load(a, o.buf, o.len, false, err, sizeof(err)), -1);
    CHECK(strstr(err, "(its modification time)") != NULL);
    CHECK_EQ(truncate(img, 1 << 20), 0);
    CHECK_EQ(load(a, o.buf, o.len, false, err, sizeof(err)), -1);
    CHECK(strstr(err, "(its size)") != NULL);
    /* A board with no image against a snapshot with one. */
    struct pc *b = new_pc(4, "pentium3");
    CHECK_EQ(load(b, o.buf, o.len, true, err, sizeof(err)), -1);
    CHECK(strstr(err, "had 1 disk image attached, this machine has 0") != NULL);
    state_out_free(&o);
    pc_destroy(a);
    pc_destroy(b);
}

/* A -snapshot overlay holding guest writes: savevm refuses (the snapshot
 * could not hold them) until they are committed. */
static void test_overlay(const char *dir)
{
    char img[512], snap[600], err[512];
    snprintf(img, sizeof(img), "%s/overlay.img", dir);
    snprintf(snap, sizeof(snap), "%s/overlay.snap", dir);
    FILE *f = fopen(img, "wb");
    for (int i = 0; i < 1 << 20; i++)
        fputc(0, f);
    fclose(f);
    struct block_options bo = { .path = img, .format = BLOCK_FORMAT_RAW, .snapshot = true };
    struct block *blk = block_open(&bo, err, sizeof(err));
    CHECK(blk != NULL);
    if (!blk)
        return;
    struct pc *pc = new_pc(4, "pentium3");
    pc->cfg.ide[0] = (struct pc_drive){ .present = true, .block = blk };
    CHECK_EQ(snapshot_check_overlays(pc, err, sizeof(err)), 0);
    CHECK_EQ(snapshot_save(pc, snap, err, sizeof(err)), 0);
    CHECK_EQ(block_write(blk, 4096, "guest data", 10), 0);
    CHECK_EQ(snapshot_save(pc, snap, err, sizeof(err)), -1);
    CHECK(strstr(err, "IDE drive 0") != NULL && strstr(err, "-snapshot overlay") != NULL);
    uint64_t bytes = 0;
    CHECK_EQ(block_commit(blk, &bytes, err, sizeof(err)), 0);
    CHECK_EQ(snapshot_save(pc, snap, err, sizeof(err)), 0);
    pc_destroy(pc);
    block_close(blk);
}

int main(void)
{
    char dir[] = "/tmp/plex86-snapshot.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    test_round_trip(dir);
    test_cpu_checks();
    test_images(dir);
    test_overlay(dir);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return check_report();
}
