/* Fuzz harness: the header fields of bzImage and Multiboot kernels, as
 * structured input (issue 21, item 4).  Byte-level mutation of a whole
 * kernel file rarely lands a consistent header with one field set to an
 * extreme value; here the harness builds a valid header and the input only
 * says which fields to overwrite with which values, so sums such as
 * pref_address + init_size or load_addr + (load_end - load_addr) meet
 * their extremes at once.
 *
 * Input: byte 0 bit 0 picks the format (0 bzImage, 1 Multiboot a.out
 * kludge); then records of one selector byte and eight value bytes, each
 * setting one field (truncated to its width).  The oracle recomputes what
 * the loader promises with 128-bit arithmetic: an accepted bzImage's
 * memory (1 MiB + its protected-mode bytes, and for protocol 2.10+ init_size
 * bytes from max(pref_address, 1 MiB)) lies within RAM; an accepted
 * Multiboot kernel's segment lies within the file and the 4 GiB space. */
#include <stdbool.h>

#include "fuzz.h"
#include "pc/boot_util.h"
#include "pc/linux_boot.h"
#include "pc/multiboot.h"

#define RAM (18u << 20)
#define PM_SIZE 0x1000u
#define BZ_SECTS 2u
#define BZ_SIZE ((BZ_SECTS + 1) * 512u + PM_SIZE)
#define MB_SIZE 0x3000u
#define MB_HDR 0x40u

static uint64_t fz_u64(struct fz *f)
{
    uint64_t lo = fz_u32(f);
    return lo | (uint64_t)fz_u32(f) << 32;
}

static void fuzz_bz(struct fz *f)
{
    static uint8_t img[BZ_SIZE];
    memset(img, 0, sizeof(img));
    img[LB_OFF_SETUP_SECTS] = BZ_SECTS;
    boot_wr16(img + LB_OFF_BOOT_FLAG, 0xAA55);
    img[LB_OFF_JUMP] = 0xEB;
    img[LB_OFF_JUMP + 1] = 0x26C - (LB_OFF_JUMP + 2);
    memcpy(img + LB_OFF_MAGIC, "HdrS", 4);
    boot_wr16(img + LB_OFF_VERSION, 0x020F);
    img[LB_OFF_LOADFLAGS] = LB_LOADED_HIGH;
    boot_wr32(img + LB_OFF_INITRD_ADDR_MAX, 0x7FFFFFFF);
    boot_wr32(img + LB_OFF_CMDLINE_SIZE, 2047);
    boot_wr64(img + LB_OFF_PREF_ADDRESS, 0x100000);
    boot_wr32(img + LB_OFF_INIT_SIZE, 0x2000);
    while (fz_left(f) >= 9) {
        unsigned sel = fz_u8(f) % 6;
        uint64_t v = fz_u64(f);
        switch (sel) {
        case 0: boot_wr16(img + LB_OFF_VERSION, (uint16_t)v); break;
        case 1: img[LB_OFF_LOADFLAGS] = (uint8_t)v; break;
        case 2: boot_wr64(img + LB_OFF_PREF_ADDRESS, v); break;
        case 3: boot_wr32(img + LB_OFF_INIT_SIZE, (uint32_t)v); break;
        case 4: boot_wr32(img + LB_OFF_INITRD_ADDR_MAX, (uint32_t)v); break;
        case 5: boot_wr32(img + LB_OFF_CMDLINE_SIZE, (uint32_t)v); break;
        }
    }
    struct lb_image m;
    char err[512];
    if (lb_parse(img, sizeof(img), RAM, "bzImage", &m, err, sizeof(err)) < 0) {
        FUZZ_CHECK(err[0] && !strchr(err, '\n'), "error not one line: \"%s\"", err);
        return;
    }
    unsigned __int128 end = (unsigned __int128)LB_KERNEL_ADDR + m.kernel_size;
    if (m.version >= 0x020A) {
        uint64_t pref = boot_rd64(img + LB_OFF_PREF_ADDRESS);
        unsigned __int128 run = pref > LB_KERNEL_ADDR ? pref : LB_KERNEL_ADDR;
        unsigned __int128 init_end = run + boot_rd32(img + LB_OFF_INIT_SIZE);
        if (init_end > end)
            end = init_end;
    }
    FUZZ_CHECK(end <= RAM, "accepted a kernel that needs RAM up to 0x%llx with 0x%x",
               (unsigned long long)(end > UINT64_MAX ? UINT64_MAX : (uint64_t)end), RAM);
    FUZZ_CHECK(m.kernel_end == (uint32_t)end, "kernel_end 0x%x, want 0x%llx", m.kernel_end,
               (unsigned long long)end);
}

static void fuzz_mb(struct fz *f)
{
    static uint8_t img[MB_SIZE];
    memset(img, 0, sizeof(img));
    /* An a.out-kludge header (flag bit 16) at MB_HDR: header_addr,
     * load_addr, load_end_addr, bss_end_addr, entry_addr follow the
     * checksum (Multiboot 0.6.96, 3.1.1). */
    uint32_t fields[5] = { 0x100000 + MB_HDR, 0x100000, 0x100000 + MB_SIZE,
                           0x100000 + MB_SIZE + 0x1000, 0x100000 + MB_HDR + 0x30 };
    uint32_t flags = 1u << 16;
    while (fz_left(f) >= 9) {
        unsigned sel = fz_u8(f) % 6;
        uint64_t v = fz_u64(f);
        if (sel < 5)
            fields[sel] = (uint32_t)v;
        else
            flags = (uint32_t)v | 1u << 16;
    }
    boot_wr32(img + MB_HDR, MB_HEADER_MAGIC);
    boot_wr32(img + MB_HDR + 4, flags);
    boot_wr32(img + MB_HDR + 8, (uint32_t)-(MB_HEADER_MAGIC + flags));
    for (unsigned i = 0; i < 5; i++)
        boot_wr32(img + MB_HDR + 12 + 4 * i, fields[i]);
    struct mb_image m;
    char err[512];
    if (mb_parse(img, sizeof(img), RAM, "kernel", &m, err, sizeof(err)) < 0) {
        FUZZ_CHECK(err[0] && !strchr(err, '\n'), "error not one line: \"%s\"", err);
        return;
    }
    for (unsigned i = 0; i < m.nseg; i++) {
        const struct mb_segment *s = &m.seg[i];
        FUZZ_CHECK((uint64_t)s->offset + s->filesz <= sizeof(img),
                   "segment %u: file bytes 0x%x+0x%x past the file's 0x%x", i, s->offset,
                   s->filesz, MB_SIZE);
        FUZZ_CHECK(s->filesz <= s->memsz, "segment %u: filesz 0x%x > memsz 0x%x", i,
                   s->filesz, s->memsz);
        FUZZ_CHECK((uint64_t)s->paddr + s->memsz <= RAM,
                   "segment %u: 0x%x+0x%x outside the RAM", i, s->paddr, s->memsz);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = { data, size };
    if (fz_u8(&f) & 1)
        fuzz_mb(&f);
    else
        fuzz_bz(&f);
    return 0;
}
