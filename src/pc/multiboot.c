/* Multiboot v1 direct boot; see multiboot.h.
 *
 * References: the Multiboot Specification 0.6.96 (3.1 OS image format, 3.2
 * machine state, 3.3 boot information), the System V ABI's ELF32 layout,
 * and QEMU's hw/i386/multiboot.c and GRUB's loader for the conventions the
 * specification leaves open (the command line starts with the kernel's
 * name; an ELF entry point given as a virtual address is translated to the
 * physical one through the segment that holds it). */
#include "pc/multiboot.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpu/cpu.h"
#include "pc/boot_util.h"
#include "machine/vm.h"

/* The memory map we report (and load into): conventional memory below the
 * EBDA, and RAM above 1 MiB.  0x9FC00-0xA0000 (EBDA) and the BIOS area
 * 0xF0000-0x100000 are reserved; the VGA and option ROM hole in between is
 * not listed, as on a PC. */
#define MB_LOW_END 0x9FC00u
#define MB_HIGH_START 0x100000u

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "%s: ", name);
    if (n < 0 || (size_t)n >= errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* --- the header -------------------------------------------------------- */

/* Finds the first 4-byte aligned magic in the first 8 KiB whose checksum
 * holds.  Returns its offset or -1. */
static long find_header(const uint8_t *img, size_t size)
{
    size_t lim = size < MB_SEARCH_BYTES ? size : MB_SEARCH_BYTES;
    for (size_t off = 0; off + 12 <= lim; off += 4) {
        if (boot_rd32(img + off) != MB_HEADER_MAGIC)
            continue;
        uint32_t flags = boot_rd32(img + off + 4), sum = boot_rd32(img + off + 8);
        if ((uint32_t)(MB_HEADER_MAGIC + flags + sum) == 0)
            return (long)off;
    }
    return -1;
}

/* Bytes of header that the flags say are meaningful (spec 3.1.1). */
static uint32_t header_size(uint32_t flags)
{
    if (flags & MB_HF_VIDEO_MODE)
        return 48;
    if (flags & MB_HF_AOUT_KLUDGE)
        return 32;
    return 12;
}

/* --- placement checks ---------------------------------------------------- */

/* [start, end) lies in memory the map calls available (end > start). */
static bool in_available_ram(uint64_t start, uint64_t end, uint32_t ram_size)
{
    if (end <= MB_LOW_END)
        return true;
    return start >= MB_HIGH_START && end <= ram_size;
}

static bool overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
    return a0 < b1 && b0 < a1;
}

/* Checks the segments found so far: place, sizes, no overlaps; fills in
 * the image's extent. */
static int check_segments(struct mb_image *m, uint32_t ram_size, const char *name,
                          char *err, size_t errlen)
{
    if (m->nseg == 0)
        return fail(err, errlen, name, "the kernel has nothing to load");
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < m->nseg; i++) {
        const struct mb_segment *s = &m->seg[i];
        uint64_t start = s->paddr, end = (uint64_t)s->paddr + s->memsz;
        if (end > 0x100000000ull)
            return fail(err, errlen, name,
                        "segment at 0x%08x of %u bytes runs past 4 GiB", s->paddr,
                        s->memsz);
        if (!in_available_ram(start, end, ram_size))
            return fail(err, errlen, name,
                        "segment [0x%08x, 0x%08llx) is not in available RAM "
                        "(0-0x%x and 0x%x-0x%x with -m %u)",
                        s->paddr, (unsigned long long)end, MB_LOW_END, MB_HIGH_START,
                        ram_size, ram_size >> 20);
        for (unsigned j = 0; j < i; j++) {
            const struct mb_segment *t = &m->seg[j];
            if (overlaps(start, end, t->paddr, (uint64_t)t->paddr + t->memsz))
                return fail(err, errlen, name,
                            "segments at 0x%08x and 0x%08x overlap", t->paddr,
                            s->paddr);
        }
        if (start < lo)
            lo = start;
        if (end > hi)
            hi = end;
    }
    m->start = (uint32_t)lo;
    m->end = (uint32_t)hi; /* <= ram_size, so it fits */
    return 0;
}

/* The entry point must be a loaded byte. */
static bool entry_loaded(const struct mb_image *m, uint32_t entry)
{
    for (unsigned i = 0; i < m->nseg; i++)
        if (entry >= m->seg[i].paddr && entry - m->seg[i].paddr < m->seg[i].memsz)
            return true;
    return false;
}

/* --- a.out kludge (header flags bit 16) ----------------------------------- */

static int parse_aout(const uint8_t *img, size_t size, uint32_t hoff, struct mb_image *m,
                      const char *name, char *err, size_t errlen)
{
    const uint8_t *h = img + hoff;
    uint32_t header_addr = boot_rd32(h + 12), load_addr = boot_rd32(h + 16);
    uint32_t load_end = boot_rd32(h + 20), bss_end = boot_rd32(h + 24), entry = boot_rd32(h + 28);
    /* header_addr is where the magic lands; load_addr is where the file
     * offset hoff - (header_addr - load_addr) lands. */
    if (load_addr > header_addr || header_addr - load_addr > hoff)
        return fail(err, errlen, name,
                    "bad a.out address fields: header_addr 0x%08x, load_addr 0x%08x "
                    "with the header at file offset 0x%x",
                    header_addr, load_addr, hoff);
    uint32_t off = hoff - (header_addr - load_addr);
    uint64_t filesz;
    if (load_end == 0) {
        filesz = size - off;     /* the rest of the file */
    } else {
        if (load_end <= load_addr)
            return fail(err, errlen, name, "bad a.out address fields: load_end_addr "
                        "0x%08x is not above load_addr 0x%08x", load_end, load_addr);
        filesz = load_end - load_addr;
        if (off + filesz > size)
            return fail(err, errlen, name,
                        "file is truncated: %zu bytes, the a.out fields need %llu",
                        size, (unsigned long long)(off + filesz));
    }
    uint64_t data_end = load_addr + filesz, memsz = filesz;
    if (bss_end) {
        if (bss_end < data_end)
            return fail(err, errlen, name, "bad a.out address fields: bss_end_addr "
                        "0x%08x is below the end of the data 0x%08llx",
                        bss_end, (unsigned long long)data_end);
        memsz = bss_end - (uint64_t)load_addr;
    }
    if (filesz == 0 || memsz > 0xFFFFFFFFu)
        return fail(err, errlen, name, "bad a.out address fields: %llu bytes to load",
                    (unsigned long long)filesz);
    m->aout_kludge = true;
    m->nseg = 1;
    m->seg[0] = (struct mb_segment){ .paddr = load_addr, .filesz = (uint32_t)filesz,
                                     .memsz = (uint32_t)memsz, .offset = off };
    m->entry = entry;
    return 0;
}

/* --- ELF32 ---------------------------------------------------------------- */

enum {
    EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6,
    ELFCLASS32 = 1, ELFCLASS64 = 2, ELFDATA2LSB = 1, ET_EXEC = 2, EM_386 = 3,
    PT_LOAD = 1,
    ELF32_EHDR_SIZE = 52, ELF32_PHDR_SIZE = 32,
};

static int parse_elf(const uint8_t *img, size_t size, struct mb_image *m, const char *name,
                     char *err, size_t errlen)
{
    if (size < 4 || memcmp(img, "\x7f" "ELF", 4) != 0) {
        if (size >= 0x206 && !memcmp(img + 0x202, "HdrS", 4))
            return fail(err, errlen, name, "a Linux bzImage, not a Multiboot kernel "
                        "(boot it with the Linux loader, linux_boot.h)");
        return fail(err, errlen, name, "not an ELF file, and the Multiboot header does "
                    "not give load addresses (flags bit 16)");
    }
    if (size < ELF32_EHDR_SIZE)
        return fail(err, errlen, name, "file is truncated inside the ELF header");
    if (img[EI_CLASS] != ELFCLASS32)
        return fail(err, errlen, name, "not a 32-bit ELF file (%s)",
                    img[EI_CLASS] == ELFCLASS64 ? "ELF64" : "bad class");
    if (img[EI_DATA] != ELFDATA2LSB)
        return fail(err, errlen, name, "not a little-endian ELF file");
    if (img[EI_VERSION] != 1)
        return fail(err, errlen, name, "unknown ELF version %u", img[EI_VERSION]);
    uint16_t type = boot_rd16(img + 16), machine = boot_rd16(img + 18);
    if (machine != EM_386)
        return fail(err, errlen, name, "ELF machine %u is not i386 (3)", machine);
    if (type != ET_EXEC)
        return fail(err, errlen, name, "ELF type %u is not an executable (2)", type);
    uint32_t e_entry = boot_rd32(img + 24), phoff = boot_rd32(img + 28);
    uint16_t phentsize = boot_rd16(img + 42), phnum = boot_rd16(img + 44);
    if (phnum == 0)
        return fail(err, errlen, name, "the ELF file has no program headers");
    if (phentsize < ELF32_PHDR_SIZE)
        return fail(err, errlen, name, "ELF program headers of %u bytes (need %u)",
                    phentsize, ELF32_PHDR_SIZE);
    if ((uint64_t)phoff + (uint64_t)phnum * phentsize > size)
        return fail(err, errlen, name, "file is truncated inside the ELF program headers");

    m->nseg = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + (size_t)i * phentsize;
        if (boot_rd32(ph) != PT_LOAD)
            continue;
        uint32_t offset = boot_rd32(ph + 4), vaddr = boot_rd32(ph + 8), paddr = boot_rd32(ph + 12);
        uint32_t filesz = boot_rd32(ph + 16), memsz = boot_rd32(ph + 20);
        (void)vaddr;
        if (memsz == 0)
            continue;
        if (filesz > memsz)
            return fail(err, errlen, name, "ELF segment %u: file size %u exceeds its "
                        "memory size %u", i, filesz, memsz);
        if (filesz && (uint64_t)offset + filesz > size)
            return fail(err, errlen, name, "file is truncated: ELF segment %u needs "
                        "bytes up to %llu of %zu", i,
                        (unsigned long long)offset + filesz, size);
        if (m->nseg == MB_MAX_SEGMENTS)
            return fail(err, errlen, name, "more than %d loadable ELF segments",
                        MB_MAX_SEGMENTS);
        m->seg[m->nseg++] = (struct mb_segment){ .paddr = paddr, .filesz = filesz,
                                                 .memsz = memsz, .offset = offset };
    }
    /* e_entry is a virtual address.  Where a segment's virtual range holds
     * it, the kernel runs at its physical twin (GRUB does the same), which
     * is e_entry itself for the usual vaddr == paddr. */
    m->entry = e_entry;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + (size_t)i * phentsize;
        uint32_t vaddr = boot_rd32(ph + 8), paddr = boot_rd32(ph + 12), memsz = boot_rd32(ph + 20);
        if (boot_rd32(ph) == PT_LOAD && e_entry >= vaddr && e_entry - vaddr < memsz) {
            m->entry = paddr + (e_entry - vaddr);
            break;
        }
    }
    return 0;
}

int mb_parse(const uint8_t *img, size_t size, uint32_t ram_size, const char *name,
             struct mb_image *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    if (size == 0)
        return fail(err, errlen, name, "kernel file is empty");
    if (size > 0xFFFFFFFFu)
        return fail(err, errlen, name, "kernel file is larger than 4 GiB");
    long hoff = find_header(img, size);
    if (hoff < 0) {
        if (size >= 0x206 && !memcmp(img + 0x202, "HdrS", 4))
            return fail(err, errlen, name, "a Linux bzImage, not a Multiboot kernel "
                        "(boot it with the Linux loader, linux_boot.h)");
        return fail(err, errlen, name, "neither a Linux bzImage (no \"HdrS\" at offset "
                    "0x202) nor a Multiboot kernel (no Multiboot header: magic 0x%08X "
                    "with a valid checksum, 4-byte aligned, in the first %u bytes)",
                    MB_HEADER_MAGIC, MB_SEARCH_BYTES);
    }
    m->header_offset = (uint32_t)hoff;
    m->flags = boot_rd32(img + hoff + 4);
    uint32_t unknown = m->flags & 0xFFFFu & ~(uint32_t)MB_HF_KNOWN_REQUIRED;
    if (unknown)
        return fail(err, errlen, name, "the Multiboot header requires features plex86 "
                    "does not know (flags 0x%08x, unknown 0x%04x)", m->flags, unknown);
    uint32_t hsize = header_size(m->flags);
    if ((uint64_t)hoff + hsize > size || hoff + hsize > MB_SEARCH_BYTES)
        return fail(err, errlen, name, "the Multiboot header (%u bytes at offset 0x%lx) "
                    "is cut off by the %s", hsize, hoff,
                    (uint64_t)hoff + hsize > size ? "end of the file"
                                                  : "end of the first 8192 bytes");
    int rc = (m->flags & MB_HF_AOUT_KLUDGE)
                 ? parse_aout(img, size, m->header_offset, m, name, err, errlen)
                 : parse_elf(img, size, m, name, err, errlen);
    if (rc < 0 || check_segments(m, ram_size, name, err, errlen) < 0)
        return -1;
    if (!entry_loaded(m, m->entry))
        return fail(err, errlen, name, "entry point 0x%08x is outside the loaded image",
                    m->entry);
    return 0;
}

/* --- the boot information --------------------------------------------------- */

/* Offsets in the info block (at MB_INFO_AREA unless the kernel is there:
 * place_area). */
enum {
    AREA_GDT = 0x00,        /* 3 descriptors */
    AREA_INFO = 0x20,       /* the info structure, 0x80 bytes reserved */
    AREA_MMAP = 0xA0,       /* 4 entries of 24 bytes */
    AREA_MODS = 0x100,      /* 1 module of 16 bytes */
    AREA_NAME = 0x110,      /* "plex86" */
    AREA_STRINGS = 0x120,   /* command line, then the module string */
};
_Static_assert(MB_INFO_ADDR == MB_INFO_AREA + AREA_INFO, "info offset");
_Static_assert(AREA_STRINGS + 2 * (MB_CMDLINE_MAX + 1) <= MB_INFO_AREA_MAX,
               "the strings fit in the info area");

static void put_mmap(uint8_t *e, uint64_t base, uint64_t len, uint32_t type)
{
    boot_wr32(e, 20);             /* size of the rest of the entry */
    boot_wr32(e + 4, (uint32_t)base);
    boot_wr32(e + 8, (uint32_t)(base >> 32));
    boot_wr32(e + 12, (uint32_t)len);
    boot_wr32(e + 16, (uint32_t)(len >> 32));
    boot_wr32(e + 20, type);
}

/* Whether [base, base + len) is clear of the kernel's segments and of the
 * module [mod_start, mod_end). */
static bool area_free(const struct mb_image *m, uint64_t base, uint64_t len,
                      uint64_t mod_start, uint64_t mod_end)
{
    if (overlaps(base, base + len, mod_start, mod_end))
        return false;
    for (unsigned i = 0; i < m->nseg; i++)
        if (overlaps(base, base + len, m->seg[i].paddr,
                     (uint64_t)m->seg[i].paddr + m->seg[i].memsz))
            return false;
    return true;
}

/* Where the boot information block of `len` bytes goes: MB_INFO_AREA when
 * the kernel leaves it free (every kernel that loads at 1 MiB), else the
 * first free page in conventional memory above page 0 (the real-mode IVT),
 * else the first page after the kernel and the module above 1 MiB.  The
 * spec lets the loader put it anywhere (Multiboot 0.6.96, 3.3); QEMU's
 * fixed 0x9500 overwrites a kernel loaded there.  Returns false when the
 * kernel leaves no room in available RAM. */
static bool place_area(const struct mb_image *m, uint32_t len, uint64_t mod_start,
                       uint64_t mod_end, uint32_t ram_size, uint32_t *base)
{
    if (area_free(m, MB_INFO_AREA, len, mod_start, mod_end)) {
        *base = MB_INFO_AREA;
        return true;
    }
    for (uint64_t b = PHYS_PAGE_SIZE; b + len <= MB_LOW_END; b += PHYS_PAGE_SIZE)
        if (area_free(m, b, len, mod_start, mod_end)) {
            *base = (uint32_t)b;
            return true;
        }
    uint64_t hi = m->end > MB_HIGH_START ? m->end : MB_HIGH_START;
    if (mod_end > hi)
        hi = mod_end;
    hi = (hi + PHYS_PAGE_SIZE - 1) & ~(uint64_t)(PHYS_PAGE_SIZE - 1);
    if (hi + len > ram_size)
        return false;
    *base = (uint32_t)hi; /* above every segment and the module */
    return true;
}

/* Joins the kernel's name and -append into one command line. */
static int make_cmdline(const struct mb_boot *b, char *out, size_t outlen, char *err,
                        size_t errlen)
{
    int n = b->append && *b->append
                ? snprintf(out, outlen, "%s %s", b->kernel_name, b->append)
                : snprintf(out, outlen, "%s", b->kernel_name);
    if (n < 0 || (size_t)n >= outlen)
        return fail(err, errlen, b->kernel_name, "the command line (kernel name and "
                    "-append) is longer than %u bytes", MB_CMDLINE_MAX);
    return 0;
}

int mb_load(struct vm *vm, const struct mb_boot *b, struct mb_result *r, char *err,
            size_t errlen)
{
    struct physmem *pm = &vm->mem;
    struct mb_image m;
    memset(r, 0, sizeof(*r));
    if (mb_parse(b->kernel, b->kernel_size, pm->ram_size, b->kernel_name, &m, err,
                 errlen) < 0)
        return -1;
    char cmdline[MB_CMDLINE_MAX + 1];
    if (make_cmdline(b, cmdline, sizeof(cmdline), err, errlen) < 0)
        return -1;
    const char *modname = b->module_name ? b->module_name : "module";
    if (b->module && strlen(modname) > MB_CMDLINE_MAX)
        return fail(err, errlen, modname, "the module's name is longer than %u bytes",
                    MB_CMDLINE_MAX);

    /* The module goes on the first page boundary after the kernel (and at
     * or above 1 MiB), as QEMU places -initrd modules. */
    uint64_t mod_start = 0, mod_end = 0;
    if (b->module) {
        uint64_t base = m.end > MB_HIGH_START ? m.end : MB_HIGH_START;
        mod_start = (base + PHYS_PAGE_SIZE - 1) & ~(uint64_t)(PHYS_PAGE_SIZE - 1);
        mod_end = mod_start + b->module_size;
        if (mod_end > pm->ram_size)
            return fail(err, errlen, modname, "the module (%zu bytes) does not fit in "
                        "RAM after the kernel (at 0x%llx, with -m %u)", b->module_size,
                        (unsigned long long)mod_start, pm->ram_size >> 20);
    }

    /* The block's size: everything up to the end of the strings. */
    size_t cmdlen = strlen(cmdline) + 1;
    uint32_t area_len = AREA_STRINGS + (uint32_t)cmdlen +
                        (b->module ? (uint32_t)strlen(modname) + 1 : 0);
    uint32_t pa;
    if (!place_area(&m, area_len, mod_start, mod_end, pm->ram_size, &pa))
        return fail(err, errlen, b->kernel_name, "no room for the boot information "
                    "(%u bytes) in available RAM clear of the kernel and the module "
                    "(with -m %u)", area_len, pm->ram_size >> 20);

    /* Everything is checked: load.  Segments, module and the info block all
     * lie in plain RAM (available memory, below ram_size, no ROM on a
     * -kernel board), so a direct copy into pm->ram is safe. */
    vm_set_a20(vm, true);
    for (unsigned i = 0; i < m.nseg; i++) {
        const struct mb_segment *s = &m.seg[i];
        boot_note_write(pm, s->paddr, s->memsz);
        if (s->filesz)  /* an empty part may have any offset */
            memcpy(pm->ram + s->paddr, b->kernel + s->offset, s->filesz);
        memset(pm->ram + s->paddr + s->filesz, 0, s->memsz - s->filesz);
    }
    if (b->module)
        boot_put_ram(pm, (uint32_t)mod_start, b->module, b->module_size);

    uint8_t *area = pm->ram + pa;
    boot_note_write(pm, pa, area_len);
    memset(area, 0, area_len);
    boot_flat_desc(area + AREA_GDT + 8, 0x9B);   /* code: P, DPL 0, execute/read, accessed */
    boot_flat_desc(area + AREA_GDT + 16, 0x93);  /* data: P, DPL 0, read/write, accessed */

    uint8_t *mmap = area + AREA_MMAP;
    unsigned nmap = 0;
    put_mmap(mmap + 24 * nmap++, 0, MB_LOW_END, 1);
    put_mmap(mmap + 24 * nmap++, MB_LOW_END, 0xA0000 - MB_LOW_END, 2);
    put_mmap(mmap + 24 * nmap++, 0xF0000, 0x10000, 2);
    if (pm->ram_size > MB_HIGH_START)
        put_mmap(mmap + 24 * nmap++, MB_HIGH_START, pm->ram_size - MB_HIGH_START, 1);

    uint32_t cmd_addr = pa + AREA_STRINGS;
    memcpy(area + AREA_STRINGS, cmdline, cmdlen);
    memcpy(area + AREA_NAME, "plex86", 7);
    if (b->module) {
        uint32_t str_addr = cmd_addr + (uint32_t)cmdlen;
        memcpy(pm->ram + str_addr, modname, strlen(modname) + 1);
        uint8_t *mod = area + AREA_MODS;
        boot_wr32(mod, (uint32_t)mod_start);
        boot_wr32(mod + 4, (uint32_t)mod_end);
        boot_wr32(mod + 8, str_addr);
    }

    uint8_t *info = area + AREA_INFO;
    boot_wr32(info + 0, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MEM_MAP |
                       MB_INFO_LOADER_NAME);
    boot_wr32(info + 4, MB_LOW_END / 1024);                 /* mem_lower, KiB */
    boot_wr32(info + 8, (pm->ram_size - MB_HIGH_START) / 1024); /* mem_upper, KiB */
    boot_wr32(info + 16, cmd_addr);
    boot_wr32(info + 20, b->module ? 1 : 0);                /* mods_count */
    boot_wr32(info + 24, pa + AREA_MODS);                   /* mods_addr */
    boot_wr32(info + 44, 24 * nmap);                        /* mmap_length */
    boot_wr32(info + 48, pa + AREA_MMAP);                   /* mmap_addr */
    boot_wr32(info + 64, pa + AREA_NAME);                   /* boot_loader_name */

    /* The machine state of spec 3.2 (A20 is on since the load). */
    struct cpu *c = &vm->cpu;
    boot_enter_flat32(c, pa + AREA_GDT, 3 * 8 - 1, MB_CODE_SEL, MB_DATA_SEL);
    c->eip = m.entry;
    c->gpr[R_EAX] = MB_BOOT_MAGIC;
    c->gpr[R_EBX] = pa + AREA_INFO;
    cpu_mode_changed(c);

    r->entry = m.entry;
    r->info = pa + AREA_INFO;
    r->mod_start = (uint32_t)mod_start;
    r->mod_end = (uint32_t)mod_end;
    return 0;
}
