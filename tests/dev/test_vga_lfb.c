/* The VGA's linear framebuffer written at RAM speed with dirty-page
 * tracking (dev/vga.h lfb_writable, vm/physmem.h direct_writable, cpu/mmu.h
 * TLB_T_NOHOST in write tags), on the board as pc_create wires it:
 *
 *  - the first store to a page since the last picture reaches the device
 *    (counted: vga_lfb_writes, vga_lfb_dirty_faults), the ones after it
 *    are host stores through the TLB;
 *  - an update takes the pages and draws them, and the next store to a
 *    taken page reaches the device again: nothing written after an update
 *    is missed by the next one;
 *  - a store that lands between the update clearing its marks and the
 *    CPUs' write translations being dropped (another CPU's store, in the
 *    window of the race) is drawn by that same update;
 *  - guest code run by the translator (a full-screen fill at 1024x768x32)
 *    stores at RAM speed too: one device call per page per picture, not
 *    one per store, and every frame shows its colour;
 *  - the legacy window at 0xA0000 in mode 13h (chain-4, all planes, A0000
 *    64K) is the same kind of direct window over VRAM (plus VBE's bank):
 *    reads by pointer, stores by pointer once their page is marked, all
 *    drawn, a store in the race window too; leaving chain-4, a narrower
 *    map mask or another memory map makes every access a device call
 *    again (vga_legacy_update). */
#include <stdlib.h>

#include "check.h"
#include "cpu/mmu.h"
#include "dev/vga.h"
#include "engine/engine.h"
#include "pc/pc.h"

#define LFB 0xE0000000u
#define W 1024u
#define H 768u

static struct pc *pc;
static struct vga *v;
static struct cpu *c;

static void vbe(uint16_t i, uint16_t val)
{
    vga_vbe_ops.out(v, VBE_DISPI_IOPORT_INDEX, i, 2);
    vga_vbe_ops.out(v, VBE_DISPI_IOPORT_DATA, val, 2);
}

static void board(void)
{
    static uint8_t rom[0x10000];
    rom[0xFFF0] = 0xF4;   /* hlt */
    struct pc_config cfg = { .ram_mb = 16, .bios_data = rom, .bios_size = sizeof(rom),
                             .jit = true };
    char err[256];
    pc = pc_create(&cfg, err, sizeof(err));
    if (!pc) {
        fprintf(stderr, "pc_create: %s\n", err);
        exit(1);
    }
    v = pc->vga;
    c = &pc->vm->cpu;
    CHECK(v != NULL);
    /* BAR0 at LFB, memory decoding on, as the BIOS would. */
    uint32_t bdf = pci_bdf(0, VGA_PCI_DEV, 0);
    pci_config_write(pc->pci, bdf, PCI_BAR0, LFB, 4);
    pci_config_write(pc->pci, bdf, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    CHECK(v->fn.bar[0].mapped && v->fn.bar[0].mapped_base == LFB);
    vbe(VBE_DISPI_INDEX_XRES, W);
    vbe(VBE_DISPI_INDEX_YRES, H);
    vbe(VBE_DISPI_INDEX_BPP, 32);
    vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    /* The attribute controller's palette address source on: a picture. */
    vga_port_ops.in(v, 0x3DA, 1);
    vga_port_ops.out(v, 0x3C0, 0x20, 1);
}

static const struct tlb_entry *entry(uint32_t la)
{
    return tlb_entry_for(c->tlb, la);
}

static const uint32_t *update(struct display_rect *r)
{
    struct display_surface s;
    CHECK(display_update(vga_display(v), &s, r));
    CHECK_EQ(s.width, W);
    CHECK_EQ(s.height, H);
    return s.pixels;
}

static uint32_t px(uint32_t x, uint32_t y)
{
    return LFB + 4 * (y * W + x);
}

/* Stores through the CPU's TLB (paging off: linear = physical). */
static void test_cpu_stores(void)
{
    struct display_rect r;
    update(&r);                          /* the mode's first picture */
    uint64_t writes = v->lfb_writes, faults = v->lfb_dirty_faults;
    mmu_write(c, px(10, 100), 0x112233, 4);
    CHECK_EQ(v->lfb_writes, writes + 1);
    CHECK_EQ(v->lfb_dirty_faults, faults + 1);
    CHECK_EQ(entry(px(10, 100))->tag_w & TLB_T_NOHOST, 0);
    /* The same page: host stores, the device sees nothing. */
    for (uint32_t x = 11; x < 20; x++)
        mmu_write(c, px(x, 100), 0x445566, 4);
    CHECK_EQ(v->lfb_writes, writes + 1);
    CHECK_EQ(mmu_read(c, px(19, 100), 4), 0x445566);
    const uint32_t *p = update(&r);
    CHECK_EQ(p[100 * W + 10], 0x112233);
    CHECK_EQ(p[100 * W + 19], 0x445566);
    CHECK(r.y0 <= 100 && r.y1 > 100 && r.y1 - r.y0 <= 4);
    /* Taken: the write translation is gone, reads stay at RAM speed. */
    CHECK(entry(px(10, 100))->tag_w & TLB_T_NOHOST);
    CHECK_EQ(entry(px(10, 100))->tag_r & (TLB_T_NOHOST | TLB_T_INVALID), 0);
    p = update(&r);
    CHECK(r.y0 == r.y1);
    /* The next store after the update reaches the device and is drawn. */
    mmu_write(c, px(12, 100), 0x778899, 4);
    CHECK_EQ(v->lfb_writes, writes + 2);
    CHECK_EQ(v->lfb_dirty_faults, faults + 2);
    p = update(&r);
    CHECK_EQ(p[100 * W + 12], 0x778899);
    CHECK(r.y0 <= 100 && r.y1 > 100);
    /* A store crossing two pages goes bytewise through the device; a
     * 2-byte store, an 8-bit one: all drawn. */
    uint32_t cross = LFB + 0x3000 - 2;
    mmu_write(c, cross, 0xAABBCCDD, 4);
    mmu_write(c, px(5, 700), 0x1234, 2);
    mmu_write(c, px(5, 700) + 2, 0x56, 1);
    p = update(&r);
    CHECK_EQ(v->vram[0x3000 - 2], 0xDD);
    CHECK_EQ(v->vram[0x3000 + 1], 0xAA);
    CHECK_EQ(p[(0x3000 - 4) / 4], 0xDD0000);
    CHECK_EQ(p[0x3000 / 4], 0xAABB);
    CHECK_EQ(p[700 * W + 5], 0x561234);
}

/* The race: a store between the update's clearing of the marks and the
 * dropping of write translations.  The board's rearm function is wrapped:
 * before dropping, it stores as another CPU would, through the write
 * translation it still holds. */
static struct write_rearm real_rearm;
static unsigned rearms;

static void racing_rearm(void *opaque, uint32_t pa, uint32_t len)
{
    rearms++;
    CHECK(pa <= px(0, 300) && px(0, 300) < pa + len);
    uint64_t writes = v->lfb_writes;
    mmu_write(c, px(7, 300), 0xCAFE01, 4);   /* a RAM-speed store, unseen */
    CHECK_EQ(v->lfb_writes, writes);
    real_rearm.rearm(real_rearm.opaque, pa, len);
}

static void test_race_window(void)
{
    struct display_rect r;
    mmu_write(c, px(1, 300), 0x010101, 4);   /* the page becomes writable */
    real_rearm = pc_write_rearm(pc->vm);
    vga_connect_rearm(v, (struct write_rearm){ .rearm = racing_rearm });
    rearms = 0;
    const uint32_t *p = update(&r);
    CHECK_EQ(rearms, 1);
    /* Drawn by this update, as it reads VRAM after the drop. */
    CHECK_EQ(p[300 * W + 1], 0x010101);
    CHECK_EQ(p[300 * W + 7], 0xCAFE01);
    vga_connect_rearm(v, real_rearm);
    /* And the page is tracked again: the next store reaches the device. */
    uint64_t writes = v->lfb_writes;
    mmu_write(c, px(8, 300), 0xCAFE02, 4);
    CHECK_EQ(v->lfb_writes, writes + 1);
    p = update(&r);
    CHECK_EQ(p[300 * W + 8], 0xCAFE02);
    /* One page writable: one call; then nothing writable, nothing to
     * drop: no call. */
    mmu_write(c, px(9, 300), 0xCAFE03, 4);
    rearms = 0;
    vga_connect_rearm(v, (struct write_rearm){ .rearm = racing_rearm });
    update(&r);
    update(&r);
    CHECK_EQ(rearms, 1);
    vga_connect_rearm(v, real_rearm);
}

/* Guest code, translated: fill the screen with EAX, hlt; four times,
 * each followed by a picture. */
static void test_translated_fill(void)
{
    static const uint8_t prog[] = {
        0xBF, 0x00, 0x00, 0x00, 0xE0,   /* mov edi, LFB */
        0xB9, 0x00, 0x00, 0x0C, 0x00,   /* mov ecx, 1024*768 */
        0x89, 0x07,                     /* 1: mov [edi], eax */
        0x83, 0xC7, 0x04,               /* add edi, 4 */
        0x49,                           /* dec ecx */
        0x75, 0xF8,                     /* jnz 1b */
        0xF4,                           /* hlt */
    };
    phys_copy_in(&pc->vm->mem, 0x10000, prog, sizeof(prog));
    /* Flat 32-bit protected mode, no paging, as a loader leaves it. */
    c->cr0 |= CR0_PE;
    for (int s = 0; s < S_COUNT; s++)
        c->seg[s] = (struct seg){ .base = 0, .limit = 0xFFFFFFFFu, .sel = 0x10, .attr = 0xC093 };
    c->seg[S_CS] = (struct seg){ .base = 0, .limit = 0xFFFFFFFFu, .sel = 0x08, .attr = 0xC09B };
    c->cpl = 0;
    c->eflags &= ~(uint32_t)F_IF;
    cpu_mode_changed(c);
    struct display_rect r;
    update(&r);
    const uint32_t pages = W * H * 4 / 4096;
    for (uint32_t k = 1; k <= 4; k++) {
        uint32_t colour = 0x10203 * k;
        uint64_t writes = v->lfb_writes;
        c->eip = 0x10000;
        c->halted = false;
        c->gpr[R_EAX] = colour;
        CHECK_EQ(vm_run(pc->vm, 0), VM_EXIT_HALTED);
        pc->vm->exit_reason = VM_EXIT_NONE;
        CHECK_EQ(c->gpr[R_ECX], 0);
        /* One device call per page, not per pixel. */
        CHECK_EQ(v->lfb_writes - writes, pages);
        const uint32_t *p = update(&r);
        CHECK(r.y0 == 0 && r.y1 == H);
        CHECK_EQ(p[0], colour);
        CHECK_EQ(p[W * H / 2 + 77], colour);
        CHECK_EQ(p[W * H - 1], colour);
    }
    struct engine_stats es;
    engine_stats(pc->vm->engine, &es);
    if (engine_kind(pc->vm->engine) == ENGINE_JIT)
        CHECK(es.jit.blocks_translated > 0);
}


/* --- the legacy window in mode 13h ---------------------------------------- */

static void port(uint16_t p, uint8_t val) { vga_port_ops.out(v, p, val, 1); }
static void seq(uint8_t i, uint8_t val) { port(0x3C4, i); port(0x3C5, val); }
static void gr(uint8_t i, uint8_t val) { port(0x3CE, i); port(0x3CF, val); }

/* Mode 13h's registers as the IBM tables give them (test_vga.c's). */
static void set_mode13(void)
{
    static const uint8_t sq[5] = { 0x03, 0x01, 0x0F, 0x00, 0x0E };
    static const uint8_t crtc[25] = { 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00,
                                      0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x0E,
                                      0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF };
    static const uint8_t g[9] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF };
    static const uint8_t ar[21] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                    0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
                                    0x0E, 0x0F, 0x41, 0x00, 0x0F, 0x00, 0x00 };
    vbe(VBE_DISPI_INDEX_ENABLE, 0);
    port(0x3C2, 0x63);
    for (uint8_t i = 0; i < 5; i++)
        seq(i, sq[i]);
    port(0x3D4, 0x11);
    port(0x3D5, 0x00);
    for (uint8_t i = 0; i < 25; i++) {
        port(0x3D4, i);
        port(0x3D5, crtc[i]);
    }
    for (uint8_t i = 0; i < 9; i++)
        gr(i, g[i]);
    vga_port_ops.in(v, 0x3DA, 1);
    for (uint8_t i = 0; i < 21; i++) {
        port(0x3C0, i);
        port(0x3C0, ar[i]);
    }
    port(0x3C0, 0x20);
    /* DAC 1 red, 2 green, 3 blue (6 bits each). */
    static const uint8_t rgb[3][3] = { { 63, 0, 0 }, { 0, 63, 0 }, { 0, 0, 63 } };
    port(0x3C8, 1);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            port(0x3C9, rgb[i][k]);
}

#define A 0xA0000u
static const uint32_t RED = 0xFF0000, GREEN = 0x00FF00, BLUE = 0x0000FF;

/* Mode 13h's 320x200 is drawn doubled, 640x400: pixel (x, y) of the mode
 * is p[2y * 640 + 2x]. */
static const uint32_t *update13(struct display_rect *r)
{
    struct display_surface s;
    CHECK(display_update(vga_display(v), &s, r));
    CHECK_EQ(s.width, 640);
    CHECK_EQ(s.height, 400);
    return s.pixels;
}
static uint32_t pix13(const uint32_t *p, uint32_t x, uint32_t y) { return p[2 * y * 640 + 2 * x]; }

static void test_mode13_stores(void)
{
    set_mode13();
    CHECK_EQ(v->legacy_mode, 1);
    struct display_rect r;
    update13(&r);
    /* Reads at RAM speed: VRAM byte a, no device call. */
    v->vram[320 * 50 + 3] = 3;
    uint64_t reads = v->legacy_reads;
    CHECK_EQ(mmu_read(c, A + 320 * 50 + 3, 1), 3);
    CHECK_EQ(v->legacy_reads, reads);
    CHECK_EQ(entry(A)->tag_r & (TLB_T_NOHOST | TLB_T_INVALID), 0);
    /* The first store to a page calls the device, the next ones do not. */
    uint64_t writes = v->legacy_writes;
    mmu_write(c, A + 320 * 10 + 7, 1, 1);
    CHECK_EQ(v->legacy_writes, writes + 1);
    CHECK_EQ(entry(A)->tag_w & TLB_T_NOHOST, 0);
    mmu_write(c, A + 320 * 10 + 8, 2, 1);
    mmu_write(c, A + 320 * 10 + 9, 0x0303, 2);
    CHECK_EQ(v->legacy_writes, writes + 1);
    CHECK_EQ(v->vram[320 * 10 + 8], 2);
    const uint32_t *p = update13(&r);
    CHECK_EQ(pix13(p, 7, 10), RED);
    CHECK_EQ(pix13(p, 8, 10), GREEN);
    CHECK_EQ(pix13(p, 10, 10), BLUE);
    CHECK(r.y0 <= 20 && r.y1 > 20);
    /* Taken: the next store reaches the device again and is drawn. */
    CHECK(entry(A)->tag_w & TLB_T_NOHOST);
    mmu_write(c, A + 320 * 10 + 7, 2, 1);
    CHECK_EQ(v->legacy_writes, writes + 2);
    p = update13(&r);
    CHECK_EQ(pix13(p, 7, 10), GREEN);
    /* The upper 64 KiB decodes nothing in this memory map: device reads,
     * all ones. */
    reads = v->legacy_reads;
    CHECK_EQ(mmu_read(c, 0xB0000, 1), 0xFF);
    CHECK_EQ(v->legacy_reads, reads + 1);

    /* Unchained (mode X): every store is a device call, planar. */
    mmu_write(c, A + 100, 1, 1);          /* a writable page... */
    seq(4, 0x06);
    CHECK_EQ(v->legacy_mode, -1);
    writes = v->legacy_writes;
    seq(2, 0x04);
    mmu_write(c, A + 100, 0x77, 1);       /* plane 2 at 100: VRAM 402 */
    mmu_write(c, A + 101, 0x78, 1);
    CHECK_EQ(v->legacy_writes, writes + 2);
    CHECK_EQ(v->vram[4 * 100 + 2], 0x77);
    CHECK_EQ(v->vram[4 * 101 + 2], 0x78);
    CHECK(entry(A)->tag_r & TLB_T_NOHOST);
    /* Chained again with a map mask of planes 0-1: still device calls,
     * which drop the bytes of planes 2-3. */
    seq(4, 0x0E);
    CHECK_EQ(v->legacy_mode, -1);
    seq(2, 0x03);
    CHECK_EQ(v->legacy_mode, -1);
    writes = v->legacy_writes;
    uint8_t before = v->vram[322];
    mmu_write(c, A + 322, 0x55, 1);
    mmu_write(c, A + 322, 0x56, 1);
    CHECK_EQ(v->legacy_writes, writes + 2);
    CHECK_EQ(v->vram[322], before);
    /* All planes: direct again. */
    seq(2, 0x0F);
    CHECK_EQ(v->legacy_mode, 1);
    writes = v->legacy_writes;
    mmu_write(c, A + 322, 0x55, 1);
    mmu_write(c, A + 323, 0x56, 1);
    CHECK_EQ(v->legacy_writes, writes + 1);
    CHECK_EQ(v->vram[323], 0x56);
    /* Memory map B8000 32K: device calls (and A0000 decodes nothing). */
    gr(6, 0x0D);
    CHECK_EQ(v->legacy_mode, -1);
    reads = v->legacy_reads;
    CHECK_EQ(mmu_read(c, A + 323, 1), 0xFF);
    CHECK_EQ(v->legacy_reads, reads + 1);
    /* A0000 128K: both halves direct, 0xB0000 is VRAM 0x10000. */
    gr(6, 0x01);
    CHECK_EQ(v->legacy_mode, 0);
    v->vram[0x10005] = 0x5A;
    reads = v->legacy_reads;
    CHECK_EQ(mmu_read(c, 0xB0005, 1), 0x5A);
    CHECK_EQ(v->legacy_reads, reads);
    /* A0000 64K with VBE's bank 2: window byte a is VRAM 0x20000 + a, and
     * the stores are drawn where they land (the marks are per VRAM page). */
    gr(6, 0x05);
    vbe(VBE_DISPI_INDEX_BANK, 2);
    CHECK_EQ(v->legacy_mode, 1);
    CHECK_EQ(v->legacy_bank, 0x20000);
    writes = v->legacy_writes;
    mmu_write(c, A + 0x1005, 0xA5, 1);
    mmu_write(c, A + 0x1006, 0xA6, 1);
    CHECK_EQ(v->legacy_writes, writes + 1);
    CHECK_EQ(v->vram[0x21005], 0xA5);
    CHECK_EQ(v->vram[0x21006], 0xA6);
    CHECK(v->dirty[0x21 >> 6] >> (0x21 & 63) & 1);
    CHECK_EQ(mmu_read(c, A + 0x1006, 1), 0xA6);
    vbe(VBE_DISPI_INDEX_BANK, 0);
    CHECK_EQ(v->legacy_bank, 0);
    CHECK_EQ(mmu_read(c, A + 0x1006, 1), v->vram[0x1006]);
    update13(&r);
}

/* The race of test_race_window through the legacy window: a store that
 * lands at RAM speed between the update clearing legacy_writable and the
 * write translations being dropped is drawn by that update. */
static void racing_rearm13(void *opaque, uint32_t pa, uint32_t len)
{
    rearms++;
    CHECK(pa <= A + 320 * 60 && A + 320 * 60 < pa + len);
    uint64_t writes = v->legacy_writes;
    mmu_write(c, A + 320 * 60 + 9, 3, 1);   /* a RAM-speed store, unseen */
    CHECK_EQ(v->legacy_writes, writes);
    real_rearm.rearm(real_rearm.opaque, pa, len);
}

static void test_mode13_race(void)
{
    struct display_rect r;
    update13(&r);
    mmu_write(c, A + 320 * 60 + 1, 1, 1);   /* the page becomes writable */
    real_rearm = pc_write_rearm(pc->vm);
    vga_connect_rearm(v, (struct write_rearm){ .rearm = racing_rearm13 });
    rearms = 0;
    const uint32_t *p = update13(&r);
    CHECK_EQ(rearms, 1);
    CHECK_EQ(pix13(p, 1, 60), RED);
    CHECK_EQ(pix13(p, 9, 60), BLUE);
    vga_connect_rearm(v, real_rearm);
    uint64_t writes = v->legacy_writes;
    mmu_write(c, A + 320 * 60 + 2, 2, 1);
    CHECK_EQ(v->legacy_writes, writes + 1);
    p = update13(&r);
    CHECK_EQ(pix13(p, 2, 60), GREEN);
}

/* Guest code, translated: fill mode 13h's 64000 bytes with AL, hlt; one
 * device call per page per picture. */
static void test_mode13_translated_fill(void)
{
    static const uint8_t prog[] = {
        0xBF, 0x00, 0x00, 0x0A, 0x00,   /* mov edi, 0xA0000 */
        0xB9, 0x00, 0xFA, 0x00, 0x00,   /* mov ecx, 64000 */
        0x88, 0x07,                     /* 1: mov [edi], al */
        0x47,                           /* inc edi */
        0x49,                           /* dec ecx */
        0x75, 0xFA,                     /* jnz 1b */
        0xF4,                           /* hlt */
    };
    phys_copy_in(&pc->vm->mem, 0x10000, prog, sizeof(prog));
    struct display_rect r;
    update13(&r);
    for (uint32_t k = 1; k <= 3; k++) {
        uint64_t writes = v->legacy_writes;
        c->eip = 0x10000;
        c->halted = false;
        c->gpr[R_EAX] = k;
        CHECK_EQ(vm_run(pc->vm, 0), VM_EXIT_HALTED);
        pc->vm->exit_reason = VM_EXIT_NONE;
        CHECK_EQ(c->gpr[R_ECX], 0);
        CHECK_EQ(v->legacy_writes - writes, (64000 + 4095) / 4096);
        const uint32_t *p = update13(&r);
        CHECK(r.y0 == 0 && r.y1 == 400);
        uint32_t want = k == 1 ? RED : k == 2 ? GREEN : BLUE;
        CHECK_EQ(pix13(p, 0, 0), want);
        CHECK_EQ(pix13(p, 160, 100), want);
        CHECK_EQ(pix13(p, 319, 199), want);
    }
}

int main(void)
{
    board();
    test_cpu_stores();
    test_race_window();
    test_translated_fill();
    test_mode13_stores();
    test_mode13_race();
    test_mode13_translated_fill();
    pc_destroy(pc);
    return check_report();
}
