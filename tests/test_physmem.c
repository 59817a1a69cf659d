/* The physical memory map: RAM, ROM, MMIO, unmapped pages, A20, the bus
 * width mask and accesses that straddle pages of different kinds. */
#include <stdlib.h>

#include "check.h"
#include "vm/physmem.h"

struct mmio_log {
    uint32_t last_off, last_val;
    unsigned last_size, reads, writes;
    uint8_t regs[PHYS_PAGE_SIZE];
};

static uint32_t mmio_read(void *opaque, uint32_t off, unsigned size)
{
    struct mmio_log *m = opaque;
    m->reads++;
    m->last_off = off;
    m->last_size = size;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)m->regs[off + i] << (8 * i);
    return v;
}

static void mmio_write(void *opaque, uint32_t off, uint32_t value, unsigned size)
{
    struct mmio_log *m = opaque;
    m->writes++;
    m->last_off = off;
    m->last_size = size;
    m->last_val = value;
    for (unsigned i = 0; i < size; i++)
        m->regs[off + i] = (uint8_t)(value >> (8 * i));
}

static const struct mmio_ops mmio = { .read = mmio_read, .write = mmio_write };

static void test_ram(struct physmem *pm)
{
    CHECK_EQ(physmem_kind(pm, 0), PHYS_RAM);
    CHECK_EQ(phys_read(pm, 0x1000, 4), 0);       /* RAM starts zeroed */
    phys_write(pm, 0x1000, 0x11223344, 4);
    CHECK_EQ(phys_read(pm, 0x1000, 4), 0x11223344);
    CHECK_EQ(phys_read(pm, 0x1001, 2), 0x2233);  /* little-endian */
    CHECK_EQ(phys_read(pm, 0x1003, 1), 0x11);
    phys_write(pm, 0x1002, 0xAB, 1);
    CHECK_EQ(phys_read(pm, 0x1000, 4), 0x11AB3344);
    CHECK(physmem_ptr(pm, 0x1000, true) == pm->ram + 0x1000);
    /* Page-straddling RAM access. */
    phys_write(pm, 0x1FFE, 0xCAFEBABE, 4);
    CHECK_EQ(phys_read(pm, 0x1FFE, 4), 0xCAFEBABE);
    CHECK_EQ(phys_read(pm, 0x2000, 2), 0xCAFE);
}

static void test_unmapped(struct physmem *pm)
{
    uint32_t end = pm->ram_size;
    CHECK_EQ(physmem_kind(pm, end), PHYS_UNMAPPED);
    CHECK_EQ(phys_read(pm, end, 1), 0xFF);
    CHECK_EQ(phys_read(pm, end, 4), 0xFFFFFFFF);
    CHECK_EQ(phys_read(pm, 0x80000000u, 2), 0xFFFF);
    phys_write(pm, end, 0x12345678, 4);          /* dropped */
    CHECK_EQ(phys_read(pm, end, 4), 0xFFFFFFFF);
    CHECK(physmem_ptr(pm, end, false) == NULL);
    /* Straddling the end of RAM: the RAM half is written, the rest dropped. */
    phys_write(pm, end - 2, 0xA1B2C3D4, 4);
    CHECK_EQ(phys_read(pm, end - 2, 4), 0xFFFFC3D4);
    /* The last bytes of the 4 GiB space. */
    CHECK_EQ(phys_read(pm, 0xFFFFFFFC, 4), 0xFFFFFFFF);
}

static void test_rom(struct physmem *pm)
{
    uint8_t img[2 * PHYS_PAGE_SIZE];
    for (unsigned i = 0; i < sizeof(img); i++)
        img[i] = (uint8_t)(i * 7);
    CHECK_EQ(physmem_add_rom(pm, 0xE0000, img, sizeof(img), "rom"), 0);
    CHECK_EQ(physmem_kind(pm, 0xE0000), PHYS_ROM);
    CHECK_EQ(phys_read(pm, 0xE0001, 1), 7);
    CHECK_EQ(phys_read(pm, 0xE0000, 4), 0x150E0700);
    phys_write(pm, 0xE0000, 0xFFFFFFFF, 4);      /* ROM writes are dropped */
    CHECK_EQ(phys_read(pm, 0xE0000, 4), 0x150E0700);
    CHECK(physmem_ptr(pm, 0xE0000, true) == NULL);
    CHECK(physmem_ptr(pm, 0xE0000, false) != NULL);
    /* The ROM is a copy: changing the source does not change the guest's. */
    img[0] = 0x55;
    CHECK_EQ(phys_read(pm, 0xE0000, 1), 0);
    /* Straddling RAM -> ROM: the RAM byte is written, the ROM one not. */
    phys_write(pm, 0xDFFFF, 0x4142, 2);
    CHECK_EQ(phys_read(pm, 0xDFFFF, 2), 0x0042);
    /* Straddling ROM -> ROM page within the region. */
    CHECK_EQ(phys_read(pm, 0xE0FFF, 2), (uint32_t)(uint8_t)(0xFFF * 7) |
                                        (uint32_t)(uint8_t)(0x1000 * 7) << 8);
    /* Loaders may write ROM contents. */
    CHECK_EQ(phys_copy_in(pm, 0xE0010, "\x99\x98", 2), 2);
    CHECK_EQ(phys_read(pm, 0xE0010, 2), 0x9899);
    /* Bad ranges are refused. */
    CHECK(physmem_add_rom(pm, 0xE0001, img, PHYS_PAGE_SIZE, "bad") < 0);
    CHECK(physmem_add_rom(pm, 0xC0000, img, 100, "bad") < 0);
    CHECK(physmem_add_rom(pm, 0xFFFFF000u, img, 2 * PHYS_PAGE_SIZE, "bad") < 0);
}

static void test_mmio(struct physmem *pm)
{
    static struct mmio_log m;
    CHECK_EQ(physmem_add_mmio(pm, 0xFEC00000u, PHYS_PAGE_SIZE, &mmio, &m, "dev"), 0);
    CHECK_EQ(physmem_kind(pm, 0xFEC00010u), PHYS_MMIO);
    phys_write(pm, 0xFEC00010u, 0xDEADBEEF, 4);
    CHECK_EQ(m.writes, 1);
    CHECK_EQ(m.last_off, 0x10);
    CHECK_EQ(m.last_size, 4);
    CHECK_EQ(phys_read(pm, 0xFEC00010u, 4), 0xDEADBEEF);
    CHECK_EQ(m.reads, 1);
    CHECK(physmem_ptr(pm, 0xFEC00000u, false) == NULL);
    /* Straddling the end of the window: bytes, the outside ones unmapped. */
    unsigned w = m.writes;
    phys_write(pm, 0xFEC00FFEu, 0x01020304, 4);
    CHECK_EQ(m.writes - w, 2);
    CHECK_EQ(m.last_size, 1);
    CHECK_EQ(phys_read(pm, 0xFEC00FFEu, 4), 0xFFFF0304);
}

static void test_a20(struct physmem *pm)
{
    phys_write(pm, 0x000500, 0x12, 1);
    phys_write(pm, 0x100500, 0x34, 1);
    CHECK_EQ(phys_read(pm, 0x100500, 1), 0x34);
    physmem_set_a20(pm, false);
    /* With A20 off, 0x100500 wraps to 0x000500 (the 8086 wrap). */
    CHECK_EQ(phys_read(pm, 0x100500, 1), 0x12);
    phys_write(pm, 0x100500, 0x56, 1);
    physmem_set_a20(pm, true);
    CHECK_EQ(phys_read(pm, 0x000500, 1), 0x56);
    CHECK_EQ(phys_read(pm, 0x100500, 1), 0x34);
    /* Only bit 20 is masked: 0x200500 is not affected. */
    physmem_set_a20(pm, false);
    phys_write(pm, 0x200500, 0x77, 1);
    physmem_set_a20(pm, true);
    CHECK_EQ(phys_read(pm, 0x200500, 1), 0x77);
}

static void test_addr_mask(struct physmem *pm)
{
    /* A 24-bit bus (286, 386SX): 0xFF000500 is 0x000500. */
    phys_write(pm, 0x000600, 0x9A, 1);
    pm->addr_mask = 0x00FFFFFF;
    CHECK_EQ(phys_read(pm, 0xFF000600u, 1), 0x9A);
    pm->addr_mask = 0xFFFFFFFF;
    CHECK_EQ(phys_read(pm, 0xFF000600u, 1), 0xFF);
}

static void test_copy_in(struct physmem *pm)
{
    const char msg[] = "hello";
    CHECK_EQ(phys_copy_in(pm, 0x3000, msg, sizeof(msg)), sizeof(msg));
    CHECK_EQ(phys_read(pm, 0x3000, 4), 0x6C6C6568);
    /* Past the end of RAM the copy stops. */
    CHECK_EQ(phys_copy_in(pm, pm->ram_size - 2, msg, sizeof(msg)), 2);
}

static uint32_t noted_pa, noted_len;

static void note_code_write(void *opaque, uint32_t pa, unsigned size)
{
    (void)opaque;
    noted_pa = pa;
    noted_len += size;
}

/* DMA: RAM both ways across pages, ROM read but never written, nothing
 * reads all ones, and writes over watched code are shown to the watcher. */
static void test_dma(struct physmem *pm)
{
    uint8_t buf[6000], back[6000];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + 1);
    phys_dma_write(pm, 0x10F00, buf, sizeof(buf));
    phys_dma_read(pm, 0x10F00, back, sizeof(back));
    CHECK(memcmp(buf, back, sizeof(buf)) == 0);
    CHECK_EQ(phys_read(pm, 0x11000, 1), buf[0x100]);

    uint8_t rom[PHYS_PAGE_SIZE];
    memset(rom, 0x5A, sizeof(rom));
    CHECK_EQ(physmem_add_rom(pm, 0xFFF00000u, rom, sizeof(rom), "dma-rom"), 0);
    phys_dma_write(pm, 0xFFF00010u, buf, 16);
    phys_dma_read(pm, 0xFFF00010u, back, 16);
    CHECK_EQ(back[0], 0x5A);
    CHECK_EQ(back[15], 0x5A);
    phys_dma_read(pm, 0xF0000000u, back, 3);
    CHECK_EQ(back[0] & back[1] & back[2], 0xFF);

    static uint8_t watched[PHYS_PAGES / 8];
    watched[0x20 >> 3] |= 1u << (0x20 & 7);       /* page 0x20000 */
    pm->code_watched = watched;
    pm->code_write = note_code_write;
    noted_len = 0;
    phys_dma_write(pm, 0x1FF00, buf, 0x200);       /* ends in the watched page */
    CHECK_EQ(noted_len, 0x100);
    CHECK_EQ(noted_pa, 0x20000);
    noted_len = 0;
    phys_dma_write(pm, 0x30000, buf, 0x200);       /* not watched */
    CHECK_EQ(noted_len, 0);
    pm->code_watched = NULL;
}

/* Shadow control (the i440FX's PAM registers): reads and writes of one
 * page steered separately to RAM or to what lies below (a ROM, or
 * nothing), and every access path agreeing: pointers, the slow paths,
 * loaders, DMA. */
static void test_shadow(struct physmem *pm)
{
    const uint32_t rom = 0xE0000, none = 0xC8000;
    uint8_t img[PHYS_PAGE_SIZE];
    memset(img, 0xA5, sizeof(img));
    CHECK_EQ(physmem_add_rom(pm, rom, img, sizeof(img), "isa-bios"), 0);
    pm->ram[rom] = 0x11;                  /* RAM under the ROM */
    pm->ram[none] = 0x22;
    CHECK(physmem_set_shadow(pm, 0xC8001, 0x1000, PHYS_SHADOW_ON) < 0);  /* unaligned */
    CHECK(physmem_set_shadow(pm, 0xFF000, 0x2000, PHYS_SHADOW_ON) < 0);  /* past 1 MiB */
    CHECK(physmem_set_shadow(pm, 0xC8000, 0x1000, 0x80) < 0);            /* bad mode */

    /* Off: reads from the bus (the ROM; nothing reads all ones), writes
     * lost; RAM untouched. */
    CHECK_EQ(physmem_set_shadow(pm, rom, 0x1000, PHYS_SHADOW_ON), 1);
    CHECK_EQ(physmem_set_shadow(pm, rom, 0x1000, PHYS_SHADOW_ON), 0);    /* no change */
    CHECK_EQ(physmem_set_shadow(pm, none, 0x1000, PHYS_SHADOW_ON), 1);
    CHECK_EQ(phys_read(pm, rom, 1), 0xA5);
    CHECK_EQ(phys_read(pm, none, 4), 0xFFFFFFFFu);
    CHECK_EQ(physmem_kind(pm, rom), PHYS_ROM);
    CHECK_EQ(physmem_kind(pm, none), PHYS_UNMAPPED);
    CHECK(physmem_ptr(pm, rom, false) != NULL && physmem_ptr(pm, rom, true) == NULL);
    CHECK(physmem_ptr(pm, none, false) == NULL && physmem_ptr(pm, none, true) == NULL);
    phys_write(pm, rom, 0x33, 1);
    phys_write(pm, none, 0x33, 1);
    CHECK_EQ(pm->ram[rom], 0x11);
    CHECK_EQ(pm->ram[none], 0x22);
    CHECK_EQ(phys_read(pm, rom, 1), 0xA5);

    /* Write enable only: writes reach RAM, reads still come from below. */
    physmem_set_shadow(pm, rom, 0x1000, PHYS_SHADOW_ON | PHYS_SHADOW_WRITE_RAM);
    phys_write(pm, rom, 0x44, 1);
    CHECK_EQ(pm->ram[rom], 0x44);
    CHECK_EQ(phys_read(pm, rom, 1), 0xA5);
    CHECK(physmem_ptr(pm, rom, true) == pm->ram + rom);
    CHECK(physmem_ptr(pm, rom, false) != pm->ram + rom);  /* the pointers differ */
    uint8_t dma = 0x55;
    phys_dma_write(pm, rom + 1, &dma, 1);
    CHECK_EQ(pm->ram[rom + 1], 0x55);
    phys_dma_read(pm, rom + 1, &dma, 1);
    CHECK_EQ(dma, 0xA5);

    /* Read enable only: reads RAM, writes dropped. */
    physmem_set_shadow(pm, rom, 0x1000, PHYS_SHADOW_ON | PHYS_SHADOW_READ_RAM);
    CHECK_EQ(phys_read(pm, rom, 2), 0x5544);
    CHECK_EQ(physmem_kind(pm, rom), PHYS_RAM);
    CHECK(physmem_ptr(pm, rom, false) == pm->ram + rom);
    CHECK(physmem_ptr(pm, rom, true) == NULL);
    phys_write(pm, rom, 0x66, 1);
    CHECK_EQ(pm->ram[rom], 0x44);
    /* A loader puts bytes where reads find them. */
    CHECK_EQ(phys_copy_in(pm, rom + 2, "\x77", 1), 1);
    CHECK_EQ(pm->ram[rom + 2], 0x77);

    /* Both: plain RAM; nothing below (C8000) too. */
    physmem_set_shadow(pm, none, 0x1000,
                       PHYS_SHADOW_ON | PHYS_SHADOW_READ_RAM | PHYS_SHADOW_WRITE_RAM);
    phys_write(pm, none, 0x88, 1);
    CHECK_EQ(phys_read(pm, none, 1), 0x88);
    CHECK(physmem_ptr(pm, none, true) == physmem_ptr(pm, none, false));

    /* A loader writing into the ROM below while reads come from it. */
    physmem_set_shadow(pm, rom, 0x1000, PHYS_SHADOW_ON);
    CHECK_EQ(phys_copy_in(pm, rom + 3, "\x99", 1), 1);
    CHECK_EQ(phys_read(pm, rom + 3, 1), 0x99);
    CHECK_EQ(pm->ram[rom + 3], 0);

    /* Mode 0: no shadow control, the page as the region map says. */
    CHECK_EQ(physmem_set_shadow(pm, none, 0x1000, 0), 1);
    CHECK_EQ(phys_read(pm, none, 1), 0x88);
    CHECK_EQ(physmem_set_shadow(pm, rom, 0x1000, PHYS_SHADOW_WRITE_RAM), 1); /* no ON: 0 */
    CHECK_EQ(pm->shadow[rom >> PHYS_PAGE_SHIFT], 0);
}

int main(void)
{
    struct physmem pm;
    CHECK_EQ(physmem_init(&pm, 4u << 20), 0);
    CHECK(physmem_init(&(struct physmem){ 0 }, 1000) < 0); /* not whole pages */
    test_ram(&pm);
    test_unmapped(&pm);
    test_rom(&pm);
    test_mmio(&pm);
    test_a20(&pm);
    test_addr_mask(&pm);
    test_copy_in(&pm);
    test_dma(&pm);
    test_shadow(&pm);
    physmem_destroy(&pm);
    return check_report();
}
