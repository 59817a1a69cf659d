/* Direct Linux boot of a bzImage; see linux_boot.h.
 *
 * References: the kernel's Documentation/arch/x86/boot.rst (the setup
 * header, "Details of header fields", "The kernel command line", "32-bit
 * BOOT PROTOCOL") and zero-page.rst, and QEMU's hw/i386/x86.c
 * (x86_load_linux) for what the protocol leaves to the loader: where the
 * initrd goes and how much room it leaves at the top of RAM. */
#include "pc/linux_boot.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpu/cpu.h"
#include "pc/boot_util.h"
#include "machine/vm.h"

#define LB_MAX_E820 8   /* we write at most 4; the zero page holds 128 */

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

bool lb_is_bzimage(const uint8_t *img, size_t size)
{
    return size >= LB_OFF_MAGIC + 4 && boot_rd32(img + LB_OFF_MAGIC) == LB_HDR_MAGIC;
}

/* --- the header ------------------------------------------------------------ */

int lb_parse(const uint8_t *img, size_t size, uint32_t ram_size, const char *name,
             struct lb_image *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    if (!lb_is_bzimage(img, size))
        return fail(err, errlen, name, "not a Linux bzImage (no \"HdrS\" at offset 0x%x)",
                    LB_OFF_MAGIC);
    if (size > 0xFFFFFFFFu)
        return fail(err, errlen, name, "kernel file is larger than 4 GiB");
    /* Everything below reads only inside the setup header, whose length the
     * jump at 0x200 gives (boot.rst: the header ends at 0x202 + the byte at
     * 0x201); a file cut off inside it is refused here. */
    if (size < LB_OFF_VERSION + 2)
        return fail(err, errlen, name, "file is truncated inside the setup header");
    m->version = boot_rd16(img + LB_OFF_VERSION);
    if (m->version < LB_MIN_VERSION)
        return fail(err, errlen, name, "Linux boot protocol %u.%02u is too old: plex86 "
                    "needs 2.02 or later (a kernel from 2.4 on)",
                    m->version >> 8, m->version & 0xFF);
    m->header_end = LB_OFF_JUMP + 2 + img[LB_OFF_JUMP + 1];
    if (m->header_end > LB_OFF_HDR_MAX_END)
        return fail(err, errlen, name, "the setup header claims %u bytes, more than the "
                    "zero page has room for (%u)", m->header_end - LB_OFF_HDR,
                    LB_OFF_HDR_MAX_END - LB_OFF_HDR);
    /* The fields we read must lie inside the header: 2.02's header ends
     * after cmd_line_ptr, 2.06's after cmdline_size, 2.10's after
     * init_size. */
    uint32_t need = m->version >= 0x020A   ? LB_OFF_INIT_SIZE + 4
                    : m->version >= 0x0206 ? LB_OFF_CMDLINE_SIZE + 4
                    : m->version >= 0x0203 ? LB_OFF_INITRD_ADDR_MAX + 4
                                           : LB_OFF_CMD_LINE_PTR + 4;
    if (m->header_end < need)
        return fail(err, errlen, name, "the setup header is %u bytes long, too short for "
                    "protocol %u.%02u (needs %u)", m->header_end - LB_OFF_HDR,
                    m->version >> 8, m->version & 0xFF, need - LB_OFF_HDR);
    if (size < m->header_end)
        return fail(err, errlen, name, "file is truncated inside the setup header "
                    "(%zu bytes, the header ends at %u)", size, m->header_end);
    uint8_t loadflags = img[LB_OFF_LOADFLAGS];
    if (!(loadflags & LB_LOADED_HIGH))
        return fail(err, errlen, name, "a zImage (loaded at 0x10000, LOADED_HIGH clear): "
                    "only bzImages can be booted");
    unsigned sects = img[LB_OFF_SETUP_SECTS];
    if (sects == 0)
        sects = 4;   /* boot.rst: "If this field is 0, the real value is 4." */
    m->setup_size = (sects + 1) * 512u;
    if (m->setup_size >= size)
        return fail(err, errlen, name, "file is truncated: %zu bytes, and the %u setup "
                    "sectors end at %u with no protected-mode kernel after them",
                    size, sects, m->setup_size);
    m->kernel_offset = m->setup_size;
    m->kernel_size = (uint32_t)(size - m->setup_size);

    m->initrd_addr_max = m->version >= 0x0203 ? boot_rd32(img + LB_OFF_INITRD_ADDR_MAX)
                                              : LB_DEFAULT_INITRD_MAX;
    m->cmdline_size = m->version >= 0x0206 ? boot_rd32(img + LB_OFF_CMDLINE_SIZE)
                                           : LB_DEFAULT_CMDLINE_SIZE;

    /* The kernel's memory: the loaded bytes at 1 MiB, and (2.10+) init_size
     * bytes where it decompresses: at its load address, moved up to
     * pref_address when it is loaded below it (arch/x86/boot/compressed/
     * head_32.S; a non-relocatable kernel runs at pref_address too). */
    uint64_t end = (uint64_t)LB_KERNEL_ADDR + m->kernel_size;
    if (m->version >= 0x020A) {
        uint64_t pref = boot_rd64(img + LB_OFF_PREF_ADDRESS);
        uint64_t run = pref > LB_KERNEL_ADDR ? pref : LB_KERNEL_ADDR;
        /* Saturating: a pref_address near 2^64 must not wrap the sum
         * back into RAM (issue 21, item 4). */
        uint32_t init_size = boot_rd32(img + LB_OFF_INIT_SIZE);
        uint64_t init_end = run > UINT64_MAX - init_size ? UINT64_MAX : run + init_size;
        if (init_end > end)
            end = init_end;
    }
    if (end > ram_size)
        return fail(err, errlen, name, "the kernel needs RAM up to 0x%llx (%llu MiB) to "
                    "load and decompress, more than -m %u gives",
                    (unsigned long long)end, (unsigned long long)((end >> 20) + ((end & 0xFFFFF) != 0)),
                    ram_size >> 20);
    m->kernel_end = (uint32_t)end;
    return 0;
}

/* --- the zero page ----------------------------------------------------------- */

static void put_e820(uint8_t *zp, unsigned *n, uint64_t base, uint64_t len, uint32_t type)
{
    uint8_t *e = zp + LB_OFF_E820_TABLE + 20 * *n;
    boot_wr64(e, base);
    boot_wr64(e + 8, len);
    boot_wr32(e + 16, type);
    (*n)++;
}

/* Builds the zero page in `zp` (zeroed by the caller): the file's setup
 * header, the fields a boot loader writes (boot.rst's "write" and
 * "modify" fields), the memory sizes and the e820 map. */
static unsigned build_zero_page(uint8_t *zp, const uint8_t *img, const struct lb_image *m,
                                uint32_t ram_size, uint32_t initrd_addr,
                                uint32_t initrd_size)
{
    memcpy(zp + LB_OFF_HDR, img + LB_OFF_HDR, m->header_end - LB_OFF_HDR);
    zp[LB_OFF_TYPE_OF_LOADER] = LB_LOADER_TYPE;
    /* Messages on: QUIET_FLAG off.  CAN_USE_HEAP with heap_end_ptr, as a
     * real-mode loader would set; the 32-bit entry does not use them. */
    zp[LB_OFF_LOADFLAGS] = (uint8_t)((zp[LB_OFF_LOADFLAGS] & ~LB_QUIET_FLAG) |
                                     LB_CAN_USE_HEAP);
    boot_wr16(zp + LB_OFF_HEAP_END_PTR, LB_HEAP_END);
    boot_wr32(zp + LB_OFF_CODE32_START, LB_KERNEL_ADDR);
    boot_wr32(zp + LB_OFF_CMD_LINE_PTR, LB_CMDLINE);
    boot_wr32(zp + LB_OFF_RAMDISK_IMAGE, initrd_addr);
    boot_wr32(zp + LB_OFF_RAMDISK_SIZE, initrd_size);

    /* Memory above 1 MiB in KiB: alt_mem_k as INT 15h E801h reports it,
     * ext_mem_k as INT 15h AH=88h does, which stops at 63 MiB (0xFC00). */
    uint32_t ext_k = (ram_size - LB_KERNEL_ADDR) >> 10;
    boot_wr32(zp + LB_OFF_ALT_MEM_K, ext_k);
    boot_wr16(zp + LB_OFF_EXT_MEM_K, (uint16_t)(ext_k < 0xFC00 ? ext_k : 0xFC00));

    /* The PC memory map, as INT 15h E820h would give it: conventional
     * memory up to the EBDA, the EBDA and the BIOS area reserved (the VGA
     * and option-ROM hole between them is not listed, as on a PC), and
     * RAM from 1 MiB to the end.  The zero page, GDT and command line are
     * in the first entry (see linux_boot.h for why usable). */
    unsigned n = 0;
    put_e820(zp, &n, 0, LB_LOW_END, LB_E820_RAM);
    put_e820(zp, &n, LB_LOW_END, 0xA0000 - LB_LOW_END, LB_E820_RESERVED);
    put_e820(zp, &n, 0xF0000, 0x10000, LB_E820_RESERVED);
    put_e820(zp, &n, LB_KERNEL_ADDR, ram_size - LB_KERNEL_ADDR, LB_E820_RAM);
    zp[LB_OFF_E820_ENTRIES] = (uint8_t)n;
    return n;
}
_Static_assert(LB_OFF_E820_TABLE + 20 * LB_MAX_E820 <= LB_ZERO_PAGE_SIZE, "e820 fits");
_Static_assert(LB_ZERO_PAGE + LB_ZERO_PAGE_SIZE <= LB_GDT && LB_GDT + 32 <= LB_CMDLINE &&
                   LB_CMDLINE + LB_CMDLINE_AREA <= LB_LOW_END,
               "the boot data lies in usable conventional memory, in this order");

/* The video fields of screen_info, as the kernel's setup code fills them
 * from the BIOS (arch/x86/boot/video.c: store_mode_params, which QEMU's
 * -kernel runs through linuxboot's jump to the setup code); vgacon reads
 * them (drivers/video/console/vgacon.c, vgacon_startup: zero lines or
 * columns mean no screen). */
static void put_screen(uint8_t *zp, const struct lb_screen *s)
{
    if (!s->vga)
        return;
    zp[LB_OFF_ORIG_X] = s->x;
    zp[LB_OFF_ORIG_Y] = s->y;
    boot_wr16(zp + LB_OFF_ORIG_VIDEO_PAGE, 0);
    zp[LB_OFF_ORIG_VIDEO_MODE] = s->mode;
    zp[LB_OFF_ORIG_VIDEO_COLS] = s->cols;
    boot_wr16(zp + LB_OFF_ORIG_VIDEO_EGA_BX, LB_VGA_EGA_BX);
    zp[LB_OFF_ORIG_VIDEO_LINES] = s->lines;
    zp[LB_OFF_ORIG_VIDEO_ISVGA] = LB_VIDEO_TYPE_VGAC;
    boot_wr16(zp + LB_OFF_ORIG_VIDEO_POINTS, s->points);
}

/* --- loading ------------------------------------------------------------------ */

/* Puts the CPU in the state of boot.rst's "32-bit BOOT PROTOCOL":
 * protected mode, paging off, interrupts off, CS = __BOOT_CS and DS = ES
 * = SS = __BOOT_DS with flat 4 GiB descriptors (their hidden caches
 * loaded from our GDT, so a reload gets the same), ESI = the zero page,
 * EBP = EDI = EBX = 0. */
static void enter_kernel(struct cpu *c)
{
    boot_enter_flat32(c, LB_GDT, 4 * 8 - 1, LB_BOOT_CS, LB_BOOT_DS);
    for (int i = 0; i < 8; i++)
        c->gpr[i] = 0;
    c->gpr[R_ESI] = LB_ZERO_PAGE;
    c->gpr[R_ESP] = LB_STACK_TOP;
    c->eip = LB_KERNEL_ADDR;
    cpu_mode_changed(c);
}

int lb_load(struct vm *vm, const struct lb_boot *b, struct lb_result *r, char *err,
            size_t errlen)
{
    struct physmem *pm = &vm->mem;
    struct lb_image m;
    memset(r, 0, sizeof(*r));
    if (lb_parse(b->kernel, b->kernel_size, pm->ram_size, b->kernel_name, &m, err,
                 errlen) < 0)
        return -1;

    /* The command line: -append as it is, the kernel's limit (cmdline_size,
     * without the NUL) and our area's both apply (boot.rst, "The kernel
     * command line"). */
    const char *cmd = b->append ? b->append : "";
    size_t cmdlen = strlen(cmd);
    uint32_t cmdmax = m.cmdline_size < LB_CMDLINE_AREA - 1 ? m.cmdline_size
                                                            : LB_CMDLINE_AREA - 1;
    if (cmdlen > cmdmax)
        return fail(err, errlen, b->kernel_name, "the command line (-append) is %zu "
                    "bytes, longer than the %u the kernel accepts", cmdlen, cmdmax);

    /* The initrd: page aligned, as high as it goes below initrd_addr_max
     * and LB_TOP_RESERVE under the top of RAM (QEMU's placement), and above
     * everything the kernel needs. */
    uint32_t initrd_addr = 0, initrd_size = 0;
    const char *iname = b->initrd_name ? b->initrd_name : "initrd";
    if (b->initrd) {
        uint64_t limit = (uint64_t)m.initrd_addr_max + 1;   /* one past the last byte */
        uint64_t top = pm->ram_size - (uint64_t)LB_TOP_RESERVE;
        if (limit > top)
            limit = top;
        uint64_t room = limit > m.kernel_end ? limit - m.kernel_end : 0;
        if (b->initrd_size > room)
            return fail(err, errlen, iname, "the initrd (%zu bytes) does not fit: %llu "
                        "bytes free between the kernel's end 0x%x and 0x%llx (-m %u, "
                        "initrd_addr_max 0x%x)", b->initrd_size,
                        (unsigned long long)room, m.kernel_end,
                        (unsigned long long)limit, pm->ram_size >> 20, m.initrd_addr_max);
        uint64_t addr = (limit - b->initrd_size) & ~(uint64_t)(PHYS_PAGE_SIZE - 1);
        if (addr < m.kernel_end)
            return fail(err, errlen, iname, "the initrd (%zu bytes) does not fit page "
                        "aligned above the kernel's end 0x%x (-m %u)", b->initrd_size,
                        m.kernel_end, pm->ram_size >> 20);
        initrd_addr = (uint32_t)addr;
        initrd_size = (uint32_t)b->initrd_size;
    }

    /* Everything is checked: load. */
    vm_set_a20(vm, true);
    boot_put_ram(pm, LB_KERNEL_ADDR, b->kernel + m.kernel_offset, m.kernel_size);
    if (b->initrd)
        boot_put_ram(pm, initrd_addr, b->initrd, initrd_size);

    uint8_t zp[LB_ZERO_PAGE_SIZE] = { 0 };
    unsigned ne820 = build_zero_page(zp, b->kernel, &m, pm->ram_size, initrd_addr,
                                     initrd_size);
    /* Where the RSDP is, which Linux 5.0 and later take before scanning
     * (zero-page.rst: acpi_rsdp_addr); the scan would find it too. */
    boot_wr64(zp + LB_OFF_ACPI_RSDP, b->acpi_rsdp);
    put_screen(zp, &b->screen);
    boot_put_ram(pm, LB_ZERO_PAGE, zp, sizeof(zp));

    uint8_t gdt[32] = { 0 };
    boot_flat_desc(gdt + LB_BOOT_CS, 0x9B);   /* P, DPL 0, execute/read, accessed */
    boot_flat_desc(gdt + LB_BOOT_DS, 0x93);   /* P, DPL 0, read/write, accessed */
    boot_put_ram(pm, LB_GDT, gdt, sizeof(gdt));

    boot_put_ram(pm, LB_CMDLINE, cmd, cmdlen + 1);

    enter_kernel(&vm->cpu);

    r->entry = LB_KERNEL_ADDR;
    r->zero_page = LB_ZERO_PAGE;
    r->cmdline = LB_CMDLINE;
    r->initrd_addr = initrd_addr;
    r->initrd_size = initrd_size;
    r->e820_entries = ne820;
    return 0;
}
