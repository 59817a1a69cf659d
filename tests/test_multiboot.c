/* The Multiboot loader (-kernel): ELF and a.out-kludge images built here in
 * memory, the boot information and CPU state they get, a tiny kernel run to
 * its debug-exit, and a clear error (never a crash) for each kind of bad
 * file, plus a mutation loop over a good image. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "test_vm.h"
#include "host/run.h"
#include "pc/multiboot.h"
#include "pc/pc.h"
#include "machine/vm.h"

#define KBUF 0x6000
#define MB_OFF 0x400            /* where the images below put the header */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put_header(uint8_t *img, size_t off, uint32_t flags)
{
    put32(img + off, MB_HEADER_MAGIC);
    put32(img + off + 4, flags);
    put32(img + off + 8, (uint32_t)-(MB_HEADER_MAGIC + flags));
}

/* One PT_LOAD segment for make_elf: its bytes come from the image at
 * 0x1000 * (i + 1), filled with a pattern that names the segment. */
struct seg_spec {
    uint32_t paddr, vaddr, filesz, memsz;
};

/* An ELF32 i386 executable with a Multiboot header at MB_OFF. */
static size_t make_elf(uint8_t *img, const struct seg_spec *s, unsigned n, uint32_t entry)
{
    memset(img, 0, KBUF);
    memcpy(img, "\x7f" "ELF\x01\x01\x01", 7);
    put16(img + 16, 2);          /* ET_EXEC */
    put16(img + 18, 3);          /* EM_386 */
    put32(img + 20, 1);
    put32(img + 24, entry);
    put32(img + 28, 52);         /* phoff */
    put16(img + 40, 52);
    put16(img + 42, 32);         /* phentsize */
    put16(img + 44, (uint16_t)n);
    size_t end = 0x1000;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *ph = img + 52 + 32 * i;
        uint32_t off = 0x1000 * (i + 1);
        put32(ph, 1);             /* PT_LOAD */
        put32(ph + 4, off);
        put32(ph + 8, s[i].vaddr ? s[i].vaddr : s[i].paddr);
        put32(ph + 12, s[i].paddr);
        put32(ph + 16, s[i].filesz);
        put32(ph + 20, s[i].memsz);
        for (uint32_t k = 0; k < s[i].filesz && off + k < KBUF; k++)
            img[off + k] = (uint8_t)(0xA0 + i + k);
        if (off + s[i].filesz > end)
            end = off + s[i].filesz;
    }
    put_header(img, MB_OFF, MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO);
    return end < KBUF ? end : KBUF;
}

/* A standard kernel: code and data at 1 MiB, 0x2000 bytes of BSS. */
static size_t std_elf(uint8_t *img)
{
    static const struct seg_spec s[] = {
        { .paddr = 0x100000, .filesz = 0x40, .memsz = 0x40 },
        { .paddr = 0x101000, .filesz = 0x20, .memsz = 0x2020 },
    };
    return make_elf(img, s, 2, 0x100010);
}

static int load(struct vm *vm, const uint8_t *img, size_t size, const char *append,
                const uint8_t *mod, size_t modsize, struct mb_result *r, char *err,
                size_t errlen)
{
    struct mb_boot b = {
        .kernel = img, .kernel_size = size, .kernel_name = "k.elf", .append = append,
        .module = mod, .module_size = modsize, .module_name = "mod.bin",
    };
    vm_reset(vm);
    err[0] = 0;
    return mb_load(vm, &b, r, err, errlen);
}

/* A failed load: -1 and one line that names the file and the problem. */
#define expect_bad(vm, img, size, msg) expect_bad_at(__LINE__, vm, img, size, msg)
static void expect_bad_at(int line, struct vm *vm, const uint8_t *img, size_t size,
                          const char *msg)
{
    struct mb_result r;
    char err[512];
    int rc = load(vm, img, size, NULL, NULL, 0, &r, err, sizeof(err));
    CHECK_EQ(rc, -1);
    if (!strstr(err, msg)) {
        fprintf(stderr, "line %d: error \"%s\" lacks \"%s\"\n", line, err, msg);
        CHECK(0);
    }
    CHECK(strchr(err, '\n') == NULL);
    CHECK(!strncmp(err, "k.elf: ", 7) || !strncmp(err, "mod.bin: ", 9));
}

static uint32_t rd(struct vm *vm, uint32_t pa)
{
    return phys_read(&vm->mem, pa, 4);
}

static void check_cpu(const struct cpu *c, uint32_t entry)
{
    CHECK_EQ(c->gpr[R_EAX], 0x2BADB002u);
    CHECK_EQ(c->gpr[R_EBX], MB_INFO_ADDR);
    CHECK_EQ(c->eip, entry);
    CHECK(c->cr0 & CR0_PE);
    CHECK(!(c->cr0 & CR0_PG));
    CHECK_EQ(cpu_get_eflags(c), 0x2);
    CHECK(c->code32 && c->stack32);
    CHECK_EQ(c->cpl, 0);
    CHECK_EQ(c->seg[S_CS].sel, 0x08);
    CHECK_EQ(c->seg[S_CS].base, 0);
    CHECK_EQ(c->seg[S_CS].limit, 0xFFFFFFFFu);
    CHECK_EQ(c->seg[S_CS].attr, 0xC09B);
    static const int data[] = { S_DS, S_ES, S_FS, S_GS, S_SS };
    for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
        CHECK_EQ(c->seg[data[i]].sel, 0x10);
        CHECK_EQ(c->seg[data[i]].base, 0);
        CHECK_EQ(c->seg[data[i]].limit, 0xFFFFFFFFu);
        CHECK_EQ(c->seg[data[i]].attr, 0xC093);
    }
    CHECK_EQ(c->gdtr.base, MB_GDT_ADDR);
    CHECK_EQ(c->gdtr.limit, 23);
    CHECK_EQ(c->idtr.limit, 0);
}

static void test_elf(void)
{
    struct vm *vm = test_vm_new(4, CPU_486);
    uint8_t *img = calloc(1, KBUF);
    size_t n = std_elf(img);
    /* Junk where the BSS goes: the loader must clear it. */
    memset(vm->mem.ram + 0x101000, 0xCC, 0x3000);
    struct mb_result r;
    char err[512];
    CHECK_EQ(load(vm, img, n, "console=ttyS0 x=1", NULL, 0, &r, err, sizeof(err)), 0);
    if (err[0])
        fprintf(stderr, "load: %s\n", err);
    check_cpu(&vm->cpu, 0x100010);
    CHECK_EQ(r.entry, 0x100010);
    CHECK_EQ(r.info, MB_INFO_ADDR);
    CHECK_EQ(vm->mem.a20_mask, 0xFFFFFFFFu);

    /* The segments and the BSS. */
    CHECK(!memcmp(vm->mem.ram + 0x100000, img + 0x1000, 0x40));
    CHECK(!memcmp(vm->mem.ram + 0x101000, img + 0x2000, 0x20));
    uint8_t zero[0x2000] = { 0 };
    CHECK(!memcmp(vm->mem.ram + 0x101020, zero, 0x2000));
    CHECK_EQ(vm->mem.ram[0x103020], 0xCC);   /* past memsz: untouched */

    /* The GDT. */
    CHECK_EQ(rd(vm, MB_GDT_ADDR), 0);
    CHECK_EQ(rd(vm, MB_GDT_ADDR + 4), 0);
    CHECK_EQ(rd(vm, MB_GDT_ADDR + 8), 0x0000FFFFu);
    CHECK_EQ(rd(vm, MB_GDT_ADDR + 12), 0x00CF9B00u);
    CHECK_EQ(rd(vm, MB_GDT_ADDR + 16), 0x0000FFFFu);
    CHECK_EQ(rd(vm, MB_GDT_ADDR + 20), 0x00CF9300u);

    /* The info structure. */
    uint32_t info = MB_INFO_ADDR;
    CHECK_EQ(rd(vm, info), 0x24D);           /* mem, cmdline, mods, mmap, name */
    CHECK_EQ(rd(vm, info + 4), 639);
    CHECK_EQ(rd(vm, info + 8), 3 * 1024);
    CHECK_STR((char *)vm->mem.ram + rd(vm, info + 16), "k.elf console=ttyS0 x=1");
    CHECK_EQ(rd(vm, info + 20), 0);          /* no modules */
    CHECK_STR((char *)vm->mem.ram + rd(vm, info + 64), "plex86");
    CHECK_EQ(rd(vm, info + 44), 4 * 24);
    uint32_t m = rd(vm, info + 48);
    static const uint32_t want[4][4] = {
        { 0, 0x9FC00, 1 }, { 0x9FC00, 0x400, 2 }, { 0xF0000, 0x10000, 2 },
        { 0x100000, 0x300000, 1 },
    };
    for (int i = 0; i < 4; i++, m += 24) {
        CHECK_EQ(rd(vm, m), 20);
        CHECK_EQ(rd(vm, m + 4), want[i][0]);
        CHECK_EQ(rd(vm, m + 8), 0);
        CHECK_EQ(rd(vm, m + 12), want[i][1]);
        CHECK_EQ(rd(vm, m + 16), 0);
        CHECK_EQ(rd(vm, m + 20), want[i][2]);
    }

    /* No -append: the command line is the kernel's name; so is an empty
     * -append. */
    CHECK_EQ(load(vm, img, n, NULL, NULL, 0, &r, err, sizeof(err)), 0);
    CHECK_STR((char *)vm->mem.ram + rd(vm, info + 16), "k.elf");
    CHECK_EQ(load(vm, img, n, "", NULL, 0, &r, err, sizeof(err)), 0);
    CHECK_STR((char *)vm->mem.ram + rd(vm, info + 16), "k.elf");

    /* A module: page aligned after the kernel's end (0x103020). */
    static const uint8_t mod[] = "module contents";
    CHECK_EQ(load(vm, img, n, "a", mod, sizeof(mod), &r, err, sizeof(err)), 0);
    CHECK_EQ(rd(vm, info + 20), 1);
    uint32_t ml = rd(vm, info + 24);
    CHECK_EQ(rd(vm, ml), 0x104000);
    CHECK_EQ(rd(vm, ml + 4), 0x104000 + sizeof(mod));
    CHECK_STR((char *)vm->mem.ram + rd(vm, ml + 8), "mod.bin");
    CHECK_EQ(rd(vm, ml + 12), 0);
    CHECK_EQ(r.mod_start, 0x104000);
    CHECK(!memcmp(vm->mem.ram + 0x104000, mod, sizeof(mod)));
    CHECK_STR((char *)vm->mem.ram + rd(vm, info + 16), "k.elf a");

    /* A module that does not fit. */
    uint8_t *big = calloc(1, 3u << 20);
    CHECK_EQ(load(vm, img, n, NULL, big, 3u << 20, &r, err, sizeof(err)), -1);
    CHECK(strstr(err, "mod.bin: the module") && strstr(err, "does not fit"));
    free(big);

    /* A command line too long. */
    char *longarg = malloc(5000);
    memset(longarg, 'x', 4999);
    longarg[4999] = 0;
    CHECK_EQ(load(vm, img, n, longarg, NULL, 0, &r, err, sizeof(err)), -1);
    CHECK(strstr(err, "longer than 4095 bytes") != NULL);
    free(longarg);
    free(img);
    vm_destroy(vm);
}

static void test_elf_variants(void)
{
    struct vm *vm = test_vm_new(4, CPU_486);
    uint8_t *img = calloc(1, KBUF);
    struct mb_result r;
    char err[512];

    /* A higher-half kernel: e_entry virtual, run at its physical twin. */
    struct seg_spec hh = { .paddr = 0x100000, .vaddr = 0xC0100000u, .filesz = 0x40,
                           .memsz = 0x40 };
    size_t n = make_elf(img, &hh, 1, 0xC0100020u);
    CHECK_EQ(load(vm, img, n, NULL, NULL, 0, &r, err, sizeof(err)), 0);
    CHECK_EQ(vm->cpu.eip, 0x100020);

    /* A kernel in low memory; a module then goes to 1 MiB. */
    struct seg_spec low = { .paddr = 0x10000, .filesz = 0x40, .memsz = 0x1000 };
    n = make_elf(img, &low, 1, 0x10000);
    static const uint8_t mod[] = "m";
    CHECK_EQ(load(vm, img, n, NULL, mod, 1, &r, err, sizeof(err)), 0);
    CHECK_EQ(r.mod_start, 0x100000);
    CHECK_EQ(vm->cpu.eip, 0x10000);

    /* Video mode asked for (flags bit 2): booted without video information. */
    n = std_elf(img);
    put_header(img, MB_OFF, MB_HF_PAGE_ALIGN | MB_HF_VIDEO_MODE);
    CHECK_EQ(load(vm, img, n, NULL, NULL, 0, &r, err, sizeof(err)), 0);
    CHECK_EQ(rd(vm, MB_INFO_ADDR) & (1u << 11), 0);
    /* Flags 16-31 other than 16 are not requirements. */
    put_header(img, MB_OFF, 0xFFFE0003u);
    CHECK_EQ(load(vm, img, n, NULL, NULL, 0, &r, err, sizeof(err)), 0);

    /* The header at the last place it may be: bytes 8180-8191. */
    uint8_t *img2 = calloc(1, 0x4000);
    memcpy(img2, img, KBUF < 0x4000 ? KBUF : 0x4000);
    memset(img2 + MB_OFF, 0, 12);
    put_header(img2, 8180, 3);
    CHECK_EQ(load(vm, img2, 0x4000, NULL, NULL, 0, &r, err, sizeof(err)), 0);
    memset(img2 + 8180, 0, 12);
    put_header(img2, 8192, 3);
    expect_bad(vm, img2, 0x4000, "no Multiboot header");
    free(img2);
    free(img);
    vm_destroy(vm);
}

/* A flat a.out-kludge image: header at 0x40 of the file, loaded at 1 MiB. */
static size_t make_aout(uint8_t *img, uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
    memset(img, 0, KBUF);
    for (int i = 0; i < 0x3000; i++)
        img[i] = (uint8_t)(i * 7);
    put_header(img, 0x40, MB_HF_PAGE_ALIGN | MB_HF_AOUT_KLUDGE);
    put32(img + 0x4C, 0x100040);     /* header_addr */
    put32(img + 0x50, 0x100000);     /* load_addr */
    put32(img + 0x54, load_end);
    put32(img + 0x58, bss_end);
    put32(img + 0x5C, entry);
    return 0x3000;
}

static void test_aout(void)
{
    struct vm *vm = test_vm_new(4, CPU_486);
    uint8_t *img = calloc(1, KBUF);
    struct mb_result r;
    char err[512];

    /* load_end_addr 0: the whole file; BSS to 0x105000. */
    size_t n = make_aout(img, 0, 0x105000, 0x100080);
    memset(vm->mem.ram + 0x100000, 0xCC, 0x6000);
    CHECK_EQ(load(vm, img, n, NULL, NULL, 0, &r, err, sizeof(err)), 0);
    if (err[0])
        fprintf(stderr, "load: %s\n", err);
    CHECK(!memcmp(vm->mem.ram + 0x100000, img, 0x3000));
    CHECK_EQ(vm->mem.ram[0x103000], 0);
    CHECK_EQ(vm->mem.ram[0x104FFF], 0);
    CHECK_EQ(vm->mem.ram[0x105000], 0xCC);
    check_cpu(&vm->cpu, 0x100080);

    /* load_end_addr inside the file, no BSS. */
    n = make_aout(img, 0x101000, 0, 0x100080);
    memset(vm->mem.ram + 0x100000, 0xCC, 0x6000);
    CHECK_EQ(load(vm, img, n, NULL, NULL, 0, &r, err, sizeof(err)), 0);
    CHECK(!memcmp(vm->mem.ram + 0x100000, img, 0x1000));
    CHECK_EQ(vm->mem.ram[0x101000], 0xCC);

    /* The kludge wins over ELF when bit 16 is set. */
    n = make_aout(img, 0, 0, 0x100080);
    memcpy(img, "\x7f" "ELF", 4);
    CHECK_EQ(load(vm, img, n, NULL, NULL, 0, &r, err, sizeof(err)), 0);

    /* Bad address fields. */
    n = make_aout(img, 0, 0, 0x100080);
    put32(img + 0x50, 0x100044);                 /* load_addr > header_addr */
    expect_bad(vm, img, n, "bad a.out address fields");
    n = make_aout(img, 0, 0, 0x100080);
    put32(img + 0x50, 0xFFF00);                  /* would start before the file */
    expect_bad(vm, img, n, "bad a.out address fields");
    n = make_aout(img, 0x100000, 0, 0x100080);   /* load_end = load_addr */
    expect_bad(vm, img, n, "load_end_addr");
    n = make_aout(img, 0x104000, 0, 0x100080);   /* past the end of the file */
    expect_bad(vm, img, n, "truncated");
    n = make_aout(img, 0x102000, 0x101000, 0x100080);
    expect_bad(vm, img, n, "bss_end_addr");
    n = make_aout(img, 0, 0, 0x200000);
    expect_bad(vm, img, n, "entry point 0x00200000 is outside");
    n = make_aout(img, 0, 0xF0000000u, 0x100080);
    expect_bad(vm, img, n, "not in available RAM");
    /* Loaded at 0x9000, where the boot information usually goes: it moves
     * to the first free page (issue 20, item 7). */
    n = make_aout(img, 0, 0, 0x100080);
    put32(img + 0x4C, 0x9040);
    put32(img + 0x50, 0x9000);
    put32(img + 0x5C, 0x9080);
    CHECK_EQ(load(vm, img, n, NULL, NULL, 0, &r, err, sizeof(err)), 0);
    CHECK_EQ(r.info, 0x1000 + (MB_INFO_ADDR - MB_INFO_AREA));
    CHECK_EQ(vm->cpu.gpr[R_EBX], r.info);
    CHECK_EQ(vm->mem.ram[0x9000 + 0x100], img[0x100]); /* the kernel intact */
    /* Header cut off by the end of the file. */
    n = make_aout(img, 0, 0, 0x100080);
    expect_bad(vm, img, 0x50, "end of the file");
    /* 32-byte header cut off by the 8 KiB window. */
    uint8_t *img2 = calloc(1, 0x4000);
    put_header(img2, 8176, MB_HF_AOUT_KLUDGE);
    expect_bad(vm, img2, 0x4000, "end of the first 8192 bytes");
    free(img2);
    free(img);
    vm_destroy(vm);
}

/* The boot information goes where the kernel is not (issue 20, item 7):
 * 0x9000 when free, else the first free page below 640 KiB, else after the
 * kernel and module above 1 MiB; only a kernel that leaves no room fails. */
static void test_info_placement(void)
{
    uint8_t *img = calloc(1, KBUF);
    struct mb_result r;
    char err[512];
    static const uint8_t mod[] = "module";
    struct vm *vm = test_vm_new(2, CPU_486);
    /* A segment over 0x8000-0xA84C (a real kernel's): the first free page. */
    static const struct seg_spec low[] = {
        { .paddr = 0x8000, .filesz = 0x20, .memsz = 0x284C },
        { .paddr = 0x100000, .filesz = 0x40, .memsz = 0x40 },
    };
    size_t n = make_elf(img, low, 2, 0x100010);
    CHECK_EQ(load(vm, img, n, "a b", mod, sizeof(mod), &r, err, sizeof(err)), 0);
    CHECK_EQ(r.info, 0x1000 + (MB_INFO_ADDR - MB_INFO_AREA));
    CHECK_EQ(vm->cpu.gdtr.base, 0x1000);
    CHECK_EQ(vm->mem.ram[0x8000], 0xA0);            /* segment 0's first byte */
    CHECK_EQ(vm->mem.ram[0x9000], 0);               /* its BSS, not the GDT */
    /* Conventional memory full: after the kernel and the module. */
    static const struct seg_spec full[] = {
        { .paddr = 0x1000, .filesz = 0x20, .memsz = 0x9EC00 },
        { .paddr = 0x100000, .filesz = 0x40, .memsz = 0x1800 },
    };
    n = make_elf(img, full, 2, 0x100010);
    CHECK_EQ(load(vm, img, n, NULL, mod, sizeof(mod), &r, err, sizeof(err)), 0);
    CHECK_EQ(r.mod_start, 0x102000);
    CHECK_EQ(r.info, 0x103000 + (MB_INFO_ADDR - MB_INFO_AREA));
    vm_destroy(vm);
    /* With 1 MiB of RAM there is no room left anywhere. */
    vm = test_vm_new(1, CPU_486);
    static const struct seg_spec none[] = {
        { .paddr = 0x1000, .filesz = 0x40, .memsz = 0x9EC00 },
    };
    n = make_elf(img, none, 1, 0x1010);
    expect_bad(vm, img, n, "no room for the boot information");
    vm_destroy(vm);
    free(img);
}

static void test_bad_elf(void)
{
    struct vm *vm = test_vm_new(4, CPU_486);
    uint8_t *img = calloc(1, KBUF);
    size_t n;

    expect_bad(vm, img, 0, "empty");
    expect_bad(vm, img, KBUF, "no Multiboot header");
    n = std_elf(img);
    put32(img + MB_OFF + 8, 0);                   /* bad checksum */
    expect_bad(vm, img, n, "no Multiboot header");
    n = std_elf(img);
    memset(img + MB_OFF, 0, 12);
    put_header(img, MB_OFF + 2, 3);               /* not 4-byte aligned */
    expect_bad(vm, img, n, "no Multiboot header");
    memset(img, 0, KBUF);
    memcpy(img + 0x202, "HdrS", 4);
    expect_bad(vm, img, KBUF, "Linux bzImage");
    n = std_elf(img);
    put_header(img, MB_OFF, 3 | 8);               /* unknown requirement */
    expect_bad(vm, img, n, "requires features");

    n = std_elf(img);
    img[0] = 0;
    expect_bad(vm, img, n, "not an ELF file");
    n = std_elf(img);
    img[4] = 2;
    expect_bad(vm, img, n, "not a 32-bit ELF file (ELF64)");
    n = std_elf(img);
    img[5] = 2;
    expect_bad(vm, img, n, "not a little-endian");
    n = std_elf(img);
    img[6] = 0;
    expect_bad(vm, img, n, "ELF version");
    n = std_elf(img);
    put16(img + 18, 62);
    expect_bad(vm, img, n, "ELF machine 62 is not i386");
    n = std_elf(img);
    put16(img + 16, 3);
    expect_bad(vm, img, n, "ELF type 3 is not an executable");
    n = std_elf(img);
    put16(img + 44, 0);
    expect_bad(vm, img, n, "no program headers");
    n = std_elf(img);
    put16(img + 42, 16);
    expect_bad(vm, img, n, "program headers of 16 bytes");
    n = std_elf(img);
    put32(img + 28, 0xFFFFFFF0u);
    expect_bad(vm, img, n, "truncated inside the ELF program headers");
    n = std_elf(img);
    put16(img + 44, 0xFFFF);
    expect_bad(vm, img, n, "truncated inside the ELF program headers");
    memset(img, 0, 64);
    memcpy(img, "\x7f" "ELF", 4);
    put_header(img, 0x20, 3);
    expect_bad(vm, img, 48, "truncated inside the ELF header");

    /* Segments. */
    struct seg_spec s[17];
    for (int i = 0; i < 17; i++)
        s[i] = (struct seg_spec){ .paddr = 0x100000 + 0x1000 * i, .filesz = 0,
                                  .memsz = 0x100 };
    n = make_elf(img, s, 17, 0x100000);
    expect_bad(vm, img, n, "more than 16 loadable");
    n = std_elf(img);
    put32(img + 52, 6);                           /* PT_PHDR, PT_PHDR */
    put32(img + 84, 6);
    expect_bad(vm, img, n, "nothing to load");
    n = std_elf(img);
    put32(img + 52 + 4, 0x5FF0);                  /* offset + filesz > size */
    expect_bad(vm, img, n, "truncated: ELF segment 0");
    n = std_elf(img);
    put32(img + 52 + 4, 0xFFFFFFF0u);             /* offset + filesz wraps */
    expect_bad(vm, img, n, "truncated: ELF segment 0");
    n = std_elf(img);
    put32(img + 52 + 16, 0x80);                   /* filesz > memsz */
    expect_bad(vm, img, n, "exceeds its memory size");
    n = std_elf(img);
    put32(img + 52 + 12, 0x7FF00000u);            /* past RAM */
    expect_bad(vm, img, n, "not in available RAM");
    n = std_elf(img);
    put32(img + 52 + 12, 0x3FFFF0);               /* runs past the end of RAM */
    expect_bad(vm, img, n, "not in available RAM");
    n = std_elf(img);
    put32(img + 52 + 12, 0xFFFFFFF0u);            /* wraps at 4 GiB */
    expect_bad(vm, img, n, "runs past 4 GiB");
    n = std_elf(img);
    put32(img + 52 + 20, 0xFFFFFFFFu);            /* absurd memsz */
    expect_bad(vm, img, n, "runs past 4 GiB");
    n = std_elf(img);
    put32(img + 52 + 20, 0x7FFFFFFFu);
    expect_bad(vm, img, n, "not in available RAM");
    n = std_elf(img);
    put32(img + 52 + 12, 0xA0000);                /* the VGA hole */
    expect_bad(vm, img, n, "not in available RAM");
    n = std_elf(img);
    put32(img + 52 + 12, 0x9FBF0);                /* straddles the EBDA */
    expect_bad(vm, img, n, "not in available RAM");
    n = std_elf(img);
    put32(img + 52 + 12, 0x9100);                 /* where the boot information */
    {                                             /* goes: it moves (item 7) */
        struct mb_result r;
        char err[512];
        CHECK_EQ(load(vm, img, n, NULL, NULL, 0, &r, err, sizeof(err)), 0);
        CHECK_EQ(r.info, 0x1000 + (MB_INFO_ADDR - MB_INFO_AREA));
    }
    n = std_elf(img);
    put32(img + 84 + 12, 0x100020);               /* two segments overlap */
    expect_bad(vm, img, n, "overlap");
    n = std_elf(img);
    put32(img + 24, 0x200000);                    /* entry outside */
    expect_bad(vm, img, n, "entry point 0x00200000 is outside the loaded image");
    /* A kernel that fits in 4 MiB but not in 1 MiB of RAM. */
    struct vm *small = test_vm_new(1, CPU_486);
    n = std_elf(img);
    expect_bad(small, img, n, "not in available RAM");
    vm_destroy(small);
    free(img);
    vm_destroy(vm);
}

/* Random damage to a good image: every outcome is a load or one clean
 * error line (ASan and UBSan watch the rest). */
static void test_mutations(void)
{
    struct vm *vm = test_vm_new(4, CPU_486);
    uint8_t *good = calloc(1, KBUF), *img = calloc(1, KBUF);
    size_t n = std_elf(good);
    uint32_t seed = 12345;
    unsigned loaded = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(img, good, n);
        int flips = 1 + iter % 4;
        for (int k = 0; k < flips; k++) {
            seed = seed * 1103515245u + 12345u;
            /* Mostly the headers, where the decisions are. */
            uint32_t pos = (seed >> 8) % (k & 1 ? (uint32_t)n : MB_OFF + 12u);
            seed = seed * 1103515245u + 12345u;
            img[pos] = (uint8_t)(seed >> 16);
        }
        seed = seed * 1103515245u + 12345u;
        size_t len = iter % 8 == 7 ? (seed >> 8) % n : n;
        struct mb_result r;
        char err[512];
        int rc = load(vm, img, len, NULL, NULL, 0, &r, err, sizeof(err));
        if (rc == 0) {
            loaded++;
            CHECK(r.entry < vm->mem.ram_size);
        } else {
            CHECK(err[0] && !strchr(err, '\n'));
        }
    }
    CHECK(loaded > 0);
    free(good);
    free(img);
    vm_destroy(vm);
}

/* A kernel run from the board: `mov $0x10, %al; out %al, $0xF4; hlt`. */
static void test_run(void)
{
    static const uint8_t code[] = { 0xB0, 0x10, 0xE6, 0xF4, 0xF4 };
    uint8_t *img = calloc(1, KBUF);
    struct seg_spec s = { .paddr = 0x100000, .filesz = sizeof(code), .memsz = 0x1000 };
    size_t n = make_elf(img, &s, 1, 0x100000);
    memcpy(img + 0x1000, code, sizeof(code));
    struct pc_config cfg = { .ram_mb = 2, .cpu_level = CPU_486, .kernel_data = img,
                             .kernel_size = n, .append = "x" };
    char err[512];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    if (pc) {
        check_cpu(&pc->vm->cpu, 0x100000);
        CHECK_EQ(vm_run(pc->vm, 1000), VM_EXIT_GUEST_EXIT);
        CHECK_EQ(pc->vm->exit_code, 0x21);
        pc_destroy(pc);
    } else {
        fprintf(stderr, "pc_create: %s\n", err);
    }

    /* Board-level errors. */
    static const uint8_t page[4096];
    struct pc_config bad = cfg;
    bad.bios_data = page;
    bad.bios_size = sizeof(page);
    CHECK(pc_create(&bad, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "cannot be combined with -bios") != NULL);
    bad = (struct pc_config){ .ram_mb = 2, .cpu_level = CPU_486, .bios_data = page,
                              .bios_size = sizeof(page), .append = "x" };
    CHECK(pc_create(&bad, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "need -kernel") != NULL);
    bad = cfg;
    bad.kernel_size = 40;
    CHECK(pc_create(&bad, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "kernel: ") == err);
    free(img);
}

/* The plex86 binary's path: files, and exit status 2 for a bad kernel. */
static void test_files(void)
{
    char dir[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/plex86-test-mb-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    char good[300], junk[300], missing[300], mod[300];
    snprintf(good, sizeof(good), "%s/good.elf", dir);
    snprintf(junk, sizeof(junk), "%s/junk.bin", dir);
    snprintf(missing, sizeof(missing), "%s/missing.elf", dir);
    snprintf(mod, sizeof(mod), "%s/mod.txt", dir);

    static const uint8_t code[] = { 0xB0, 0x10, 0xE6, 0xF4, 0xF4 };
    uint8_t *img = calloc(1, KBUF);
    struct seg_spec s = { .paddr = 0x100000, .filesz = sizeof(code), .memsz = 0x1000 };
    size_t n = make_elf(img, &s, 1, 0x100000);
    memcpy(img + 0x1000, code, sizeof(code));
    FILE *f = fopen(good, "wb");
    CHECK(f && fwrite(img, 1, n, f) == n);
    if (f)
        fclose(f);
    f = fopen(junk, "wb");
    CHECK(f && fwrite(img + 0x1000, 1, 64, f) == 64);
    if (f)
        fclose(f);
    f = fopen(mod, "wb");
    CHECK(f && fwrite("hello", 1, 5, f) == 5);
    if (f)
        fclose(f);

    char *run_good[] = { "plex86", "-kernel", good, "-append", "a b", "-initrd", mod,
                         "-serial", "null", NULL };
    CHECK_EQ(plex86_main(9, run_good), 0x21);
    char *run_junk[] = { "plex86", "-kernel", junk, NULL };
    CHECK_EQ(plex86_main(3, run_junk), EXIT_STATUS_USAGE);
    char *run_missing[] = { "plex86", "-kernel", missing, NULL };
    CHECK_EQ(plex86_main(3, run_missing), EXIT_STATUS_USAGE);
    char *run_badmod[] = { "plex86", "-kernel", good, "-initrd", missing, NULL };
    CHECK_EQ(plex86_main(5, run_badmod), EXIT_STATUS_USAGE);
    char *run_dir[] = { "plex86", "-kernel", dir, NULL };
    CHECK_EQ(plex86_main(3, run_dir), EXIT_STATUS_USAGE);
    free(img);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
}

int main(void)
{
    test_elf();
    test_elf_variants();
    test_aout();
    test_bad_elf();
    test_info_placement();
    test_mutations();
    test_run();
    test_files();
    return check_report();
}
