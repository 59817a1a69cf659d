/* sst-run: runs SingleStepTests MOO files against plex86's CPU.
 *
 *   sst-run [options] PATH...
 *
 * PATH is a .MOO or .MOO.gz file, or a directory whose *.MOO and *.MOO.gz
 * files are run in name order.  Each test: clean RAM, reset the CPU, load
 * the initial registers and RAM, run to the HLT, compare every register and
 * every final RAM byte under the suite's masks.  The rules (which bits to
 * compare, which tests to skip) are those of shared/testdata/README.md; see
 * docs/sst.md.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "moo.h"
#include "sst-lists.h"
#include "cpu/cpu_model.h"
#include "machine/vm.h"
#include "engine/engine.h"

#define SST_RAM_MB 16
#define SST_ADDR_MASK 0x00FFFFFFu   /* the 24-bit bus the tests assume */
/* Instructions before "did not reach HLT".  A test runs 2 or 3 (the
 * instruction, an exception handler's HLT, the HLT); a REP counts once. */
#define SST_BUDGET 10000
#define SST_SKIP_EXIT 77            /* ctest SKIP_RETURN_CODE */
#define MAX_RAM_LINES 16            /* RAM mismatches printed per test */

/* ---- options and results ------------------------------------------------ */

struct options {
    bool verbose, quiet, skip_if_missing, trace;
    double min_pass;
    const char *skips_path;
    uint64_t budget;
};

struct counts {
    uint64_t passed, failed, skipped;
};

/* ---- the rules for one kind of test data ---------------------------------- */

struct rules {
    const char *name;
    bool wide;                /* RG32 registers */
    uint32_t flags_load;      /* bits of the initial FLAGS we load */
    uint32_t flags_cmp;       /* bits of FLAGS we compare */
    uint32_t cr0_cmp;         /* bits of CR0 loaded and compared */
    uint32_t max_bytes;       /* longer BYTS are skipped (0: no limit) */
    bool skip_mov_fs_gs;      /* 8C/8E with reg 4/5 are FS/GS only on a 386 */
    bool skip_bad_lock;       /* LOCK where a 386 raises #UD and a 286 does not */
    bool skip_string_gp;      /* string instructions that take interrupt 13 */
    bool alias_ss_fault;      /* vector 12 goes where the 286's 13 went */
    bool ports_386ex;         /* ports 22h/23h read 7Fh/42h */
    bool plain_undef;         /* the 386 model without its own undefined-flag
                                 results (cpu_model.flags386) */
};

/* shared/testdata/README.md, "Using the 286 data on a 386 (or later) core",
 * and the chip differences found since (docs/sst.md): LOCK, #SS, strings,
 * undefined flags (the 286 clears CF of a byte shifted by 16 or 24, where
 * the 386 model gives the 386's own value: docs/cpu-models.md). */
static const struct rules rules_286 = {
    .name = "80286", .wide = false, .flags_load = 0x0FFF, .flags_cmp = 0x0FFF,
    .cr0_cmp = 0, .max_bytes = 10, .skip_mov_fs_gs = true, .skip_bad_lock = true,
    .skip_string_gp = true, .alias_ss_fault = true, .ports_386ex = false,
    .plain_undef = true,
};

/* shared/testdata/README.md, "Using the 386 data". */
static const struct rules rules_386 = {
    .name = "80386", .wide = true, .flags_load = 0x3FFFF, .flags_cmp = 0x3FFFF,
    .cr0_cmp = 0x8000001F, .max_bytes = 0, .skip_mov_fs_gs = false, .skip_bad_lock = false,
    .skip_string_gp = false, .alias_ss_fault = false, .ports_386ex = true,
};

static const struct rules *rules_for(const char *cpu_id)
{
    if (strstr(cpu_id, "286"))
        return &rules_286;
    if (strncmp(cpu_id, "386", 3) == 0)
        return &rules_386;
    return NULL;
}

/* ---- where each MOO register lives in struct cpu ---------------------------- */

enum loc { L_GPR, L_SEG, L_EIP, L_FLAGS, L_CR0, L_CR3, L_DR };

struct regdesc {
    enum loc loc;
    uint8_t idx;
};

static const struct regdesc regs16[MOO_NREGS16] = {
    [MOO_AX] = { L_GPR, R_EAX }, [MOO_BX] = { L_GPR, R_EBX },
    [MOO_CX] = { L_GPR, R_ECX }, [MOO_DX] = { L_GPR, R_EDX },
    [MOO_CS] = { L_SEG, S_CS },  [MOO_SS] = { L_SEG, S_SS },
    [MOO_DS] = { L_SEG, S_DS },  [MOO_ES] = { L_SEG, S_ES },
    [MOO_SP] = { L_GPR, R_ESP }, [MOO_BP] = { L_GPR, R_EBP },
    [MOO_SI] = { L_GPR, R_ESI }, [MOO_DI] = { L_GPR, R_EDI },
    [MOO_IP] = { L_EIP, 0 },     [MOO_FLAGS] = { L_FLAGS, 0 },
};

static const struct regdesc regs32[MOO_NREGS32] = {
    [MOO_CR0] = { L_CR0, 0 },     [MOO_CR3] = { L_CR3, 0 },
    [MOO_EAX] = { L_GPR, R_EAX }, [MOO_EBX] = { L_GPR, R_EBX },
    [MOO_ECX] = { L_GPR, R_ECX }, [MOO_EDX] = { L_GPR, R_EDX },
    [MOO_ESI] = { L_GPR, R_ESI }, [MOO_EDI] = { L_GPR, R_EDI },
    [MOO_EBP] = { L_GPR, R_EBP }, [MOO_ESP] = { L_GPR, R_ESP },
    [MOO_CS32] = { L_SEG, S_CS }, [MOO_DS32] = { L_SEG, S_DS },
    [MOO_ES32] = { L_SEG, S_ES }, [MOO_FS32] = { L_SEG, S_FS },
    [MOO_GS32] = { L_SEG, S_GS }, [MOO_SS32] = { L_SEG, S_SS },
    [MOO_EIP] = { L_EIP, 0 },     [MOO_EFLAGS] = { L_FLAGS, 0 },
    [MOO_DR6] = { L_DR, 6 },      [MOO_DR7] = { L_DR, 7 },
};

static const struct regdesc *reg_table(bool wide)
{
    return wide ? regs32 : regs16;
}

static unsigned flags_slot(bool wide)
{
    return wide ? MOO_EFLAGS : MOO_FLAGS;
}

static void set_reg(struct cpu *c, const struct rules *ru, const struct regdesc *d, uint32_t v)
{
    switch (d->loc) {
    case L_GPR: c->gpr[d->idx] = v; break;
    case L_SEG:
        cpu_load_seg_real(c, d->idx, (uint16_t)v);
        c->seg[d->idx].limit = 0xFFFF;
        break;
    case L_EIP: c->eip = v; break;
    case L_FLAGS: cpu_set_eflags(c, v & ru->flags_load); break;
    /* Only the defined CR0 bits: the 386EX reads 0x7FFEFFF0. */
    case L_CR0: c->cr0 = (c->cr0 & ~ru->cr0_cmp) | (v & ru->cr0_cmp); break;
    case L_CR3: c->cr3 = v; break;
    case L_DR: c->dr[d->idx] = v; break;
    }
}

static uint32_t get_reg(const struct cpu *c, const struct regdesc *d)
{
    switch (d->loc) {
    case L_GPR: return c->gpr[d->idx];
    case L_SEG: return c->seg[d->idx].sel;
    case L_EIP: return c->eip;
    case L_FLAGS: return cpu_get_eflags(c);
    case L_CR0: return c->cr0;
    case L_CR3: return c->cr3;
    case L_DR: return c->dr[d->idx];
    }
    return 0;
}

/* ---- why tests are skipped --------------------------------------------------- */

enum skip_why {
    SKIP_NONE, SKIP_LIST_FILE, SKIP_LIST_TEST, SKIP_REVOKED, SKIP_TOO_LONG,
    SKIP_MOV_FS_GS, SKIP_BAD_LOCK, SKIP_STRING_GP, SKIP_COUNT
};

static const char *const skip_text[SKIP_COUNT] = {
    [SKIP_LIST_FILE] = "file on the skip list",
    [SKIP_LIST_TEST] = "test on the skip list",
    [SKIP_REVOKED] = "revoked",
    [SKIP_TOO_LONG] = "286: longer than 10 bytes",
    [SKIP_MOV_FS_GS] = "286: 8C/8E with FS/GS",
    [SKIP_BAD_LOCK] = "286: LOCK a 386 refuses",
    [SKIP_STRING_GP] = "286: string instruction taking interrupt 13",
};

/* ---- per-directory side files ------------------------------------------------ */

struct dirdata {
    char *dir;                /* the directory these were loaded for */
    bool has_meta;
    struct json_doc meta;
    struct sst_hashes revoked;
};

/* ---- RAM the previous test touched ------------------------------------------ */

#define DIRTY_MAX 512

struct dirty {
    uint32_t page[DIRTY_MAX];
    unsigned n;
    bool overflow;            /* too many pages: clear all of RAM */
};

/* ---- the run ------------------------------------------------------------------ */

struct runner {
    struct options opt;
    struct vm *vm;
    struct cpu_model plain386; /* the 386 model less flags386 (rules.plain_undef) */
    bool ports_386ex;         /* read by the port handler */
    struct sst_skips skips;
    struct dirdata dd;
    struct dirty dirty;
    struct counts total;
    uint64_t skipped_by[SKIP_COUNT];
    uint64_t insns;
    double run_s;
    bool input_error;
};

/* What one file's tests share. */
struct filectx {
    const char *path;
    const char *base;
    const struct rules *ru;
    struct moo_file *mf;
    bool has_meta_mask;
    uint32_t meta_mask;
    const char *skip_reason;  /* the whole file is on the skip list */
};

__attribute__((format(printf, 2, 3)))
static void input_error(struct runner *r, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("sst-run: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    r->input_error = true;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The 386EX remaps ports 22h/23h (they read 7Fh/42h); every other port
 * reads all ones, as does the 286 data's bus. */
static uint32_t ex_port_in(void *opaque, uint16_t port, unsigned size)
{
    const bool *on = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        uint32_t b = !*on ? 0xFF : p == 0x22 ? 0x7F : p == 0x23 ? 0x42 : 0xFF;
        v |= b << (8 * i);
    }
    return v;
}

static void ex_port_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
}

static const struct io_ops ex_port_ops = { .in = ex_port_in, .out = ex_port_out };

static int runner_init(struct runner *r)
{
    char err[256];
    r->vm = vm_create(&(struct vm_config){ .ram_mb = SST_RAM_MB, .cpu_level = CPU_386 },
                      err, sizeof(err));
    if (!r->vm) {
        fprintf(stderr, "sst-run: cannot create the VM: %s\n", err);
        return -1;
    }
    r->vm->mem.addr_mask = SST_ADDR_MASK;
    r->plain386 = *r->vm->cpu.model;
    r->plain386.flags386 = false;
    if (iobus_register(&r->vm->io, 0x22, 2, &ex_port_ops, &r->ports_386ex, "386ex-remap") < 0) {
        fprintf(stderr, "sst-run: cannot register ports 22h-23h\n");
        return -1;
    }
    return 0;
}

static void dirdata_free(struct dirdata *dd)
{
    free(dd->dir);
    if (dd->has_meta)
        json_free(&dd->meta);
    sst_hashes_free(&dd->revoked);
    memset(dd, 0, sizeof(*dd));
}

static void runner_free(struct runner *r)
{
    vm_destroy(r->vm);
    sst_skips_free(&r->skips);
    dirdata_free(&r->dd);
}

/* ---- dirty-page tracking -------------------------------------------------------- */

static void mark(struct dirty *d, uint32_t pa)
{
    uint32_t pg = (pa & SST_ADDR_MASK) >> PHYS_PAGE_SHIFT;
    for (unsigned i = d->n; i-- > 0;)
        if (d->page[i] == pg)
            return;
    if (d->n == DIRTY_MAX)
        d->overflow = true;
    else
        d->page[d->n++] = pg;
}

static void mark_ram(struct dirty *d, const struct moo_ram *ram)
{
    for (uint32_t i = 0; i < ram->count; i++)
        mark(d, moo_ram_addr(ram, i));
}

/* The stack the instruction (or an exception it raised) may have written:
 * 64 bytes below SS:SP, wrapping at 64 KiB as real mode does.  A range this
 * short touches at most the pages of its two ends. */
static void mark_stack(struct dirty *d, uint32_t ss, uint32_t sp)
{
    uint32_t base = (ss & 0xFFFF) << 4;
    mark(d, base + ((sp - 1) & 0xFFFF));
    mark(d, base + ((sp - 64) & 0xFFFF));
}

/* A register's value after the test: FINA lists only what changed. */
static uint32_t final_reg(const struct moo_test *t, unsigned slot)
{
    return t->fina.regs.present >> slot & 1 ? t->fina.regs.v[slot] : t->init.regs.v[slot];
}

/* Everything the test can have written, so that the next one starts on
 * zeroed RAM without clearing 16 MiB each time: the pages of its RAM
 * records, the stack, and the interrupt vector table. */
static void mark_test(struct dirty *d, const struct moo_test *t, bool wide)
{
    unsigned ss = wide ? MOO_SS32 : MOO_SS, sp = wide ? MOO_ESP : MOO_SP;
    mark_ram(d, &t->init.ram);
    mark_ram(d, &t->fina.ram);
    mark(d, 0);
    mark_stack(d, t->init.regs.v[ss], t->init.regs.v[sp]);
    mark_stack(d, final_reg(t, ss), final_reg(t, sp));
    if (t->has_excp) /* the pushed FLAGS word, up to a byte above (odd SP) */
        for (uint32_t k = 0; k < 3; k++)
            mark(d, t->excp_flag_addr + k);
}

static void clean_ram(struct vm *vm, struct dirty *d)
{
    /* Writes through host pointers bypass scan-before-execute's write
     * rule: tell it (stale maps would run the previous test's code). */
    if (d->overflow) {
        memset(vm->mem.ram, 0, vm->mem.ram_size);
        vm_invalidate_code(vm);
    } else {
        for (unsigned i = 0; i < d->n; i++) {
            uint32_t pa = d->page[i] << PHYS_PAGE_SHIFT;
            uint8_t *p = physmem_ptr(&vm->mem, pa, true);
            if (p) {
                phys_note_write(&vm->mem, pa, PHYS_PAGE_SIZE);
                memset(p, 0, PHYS_PAGE_SIZE);
            }
        }
    }
    d->n = 0;
    d->overflow = false;
}

/* ---- one test -------------------------------------------------------------------- */

/* The 286 reports a stack-segment overrun (a word at SS:FFFF) as interrupt
 * 13, a 386 as interrupt 12, #SS (Intel SDM, real-address mode exceptions).
 * When a 286 test expects 13 and leaves vector 12 unset, vector 12 gets 13's
 * handler: RAM the test does not set may hold anything, and the 386's #SS
 * then ends where the 286's interrupt 13 did, with the same frame. */
static void alias_ss_fault(struct physmem *mem, const struct moo_test *t)
{
    if (!t->has_excp || t->excp_number != 13)
        return;
    for (uint32_t i = 0; i < t->init.ram.count; i++) {
        uint32_t a = moo_ram_addr(&t->init.ram, i) & SST_ADDR_MASK;
        if (a >= 12 * 4 && a < 13 * 4)
            return;
    }
    for (uint32_t k = 0; k < 4; k++)
        phys_write(mem, 12 * 4 + k, phys_read(mem, 13 * 4 + k, 1), 1);
}

static void load_test(struct runner *r, const struct filectx *fc, const struct moo_test *t)
{
    struct cpu *c = &r->vm->cpu;
    clean_ram(r->vm, &r->dirty);
    mark_test(&r->dirty, t, fc->ru->wide);
    cpu_reset(c);
    if (!fc->ru->wide) { /* the 286 has no FS/GS: give them a clean real-mode 0 */
        set_reg(c, fc->ru, &(struct regdesc){ L_SEG, S_FS }, 0);
        set_reg(c, fc->ru, &(struct regdesc){ L_SEG, S_GS }, 0);
    }
    const struct regdesc *tab = reg_table(fc->ru->wide);
    for (unsigned i = 0; i < moo_reg_count(fc->ru->wide); i++)
        set_reg(c, fc->ru, &tab[i], t->init.regs.v[i]);
    c->halted = false;
    const struct moo_ram *ram = &t->init.ram;
    for (uint32_t i = 0; i < ram->count; i++)
        phys_write(&r->vm->mem, moo_ram_addr(ram, i) & SST_ADDR_MASK, moo_ram_value(ram, i), 1);
    if (fc->ru->alias_ss_fault)
        alias_ss_fault(&r->vm->mem, t);
}

/* Compare mask for register `slot`: its width, the rules, and the first of
 * per-test RMSK, file-level RMSK and (for FLAGS) metadata flags-mask. */
static uint32_t reg_mask(const struct filectx *fc, const struct moo_test *t, unsigned slot)
{
    const struct rules *ru = fc->ru;
    const struct regdesc *d = &reg_table(ru->wide)[slot];
    uint32_t m = ru->wide && d->loc != L_SEG ? 0xFFFFFFFFu : 0xFFFFu;
    if (d->loc == L_FLAGS)
        m &= ru->flags_cmp;
    if (d->loc == L_CR0)
        m &= ru->cr0_cmp;
    const struct moo_state *fin = &t->fina, *ini = &t->init;
    if (fin->has_mask && fin->mask.present >> slot & 1)
        return m & fin->mask.v[slot];
    if (ini->has_mask && ini->mask.present >> slot & 1)
        return m & ini->mask.v[slot];
    if (fc->mf->has_mask && fc->mf->mask.present >> slot & 1)
        return m & fc->mf->mask.v[slot];
    if (d->loc == L_FLAGS && fc->has_meta_mask)
        return m & fc->meta_mask;
    return m;
}

static void print_name(FILE *o, const char *s, uint32_t n)
{
    fputc('"', o);
    for (uint32_t i = 0; i < n && i < 120; i++)
        fputc(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?', o);
    fputs(n > 120 ? "...\"" : "\"", o);
}

static void print_header(FILE *o, const struct moo_test *t)
{
    fprintf(o, "  test %u ", t->index);
    print_name(o, t->name, t->name_len);
    fputs(" bytes", o);
    for (uint32_t i = 0; i < t->nbytes && i < 32; i++)
        fprintf(o, " %02x", t->bytes[i]);
    if (t->nbytes > 32)
        fputs(" ...", o);
    if (t->has_hash) {
        fputs(" hash ", o);
        for (int i = 0; i < 20; i++)
            fprintf(o, "%02x", t->hash[i]);
    }
    fputc('\n', o);
}

/* Compares registers; prints mismatches when `o` is set. */
static unsigned compare_regs(const struct runner *r, const struct filectx *fc,
                             const struct moo_test *t, FILE *o)
{
    const struct cpu *c = &r->vm->cpu;
    const struct rules *ru = fc->ru;
    const struct regdesc *tab = reg_table(ru->wide);
    unsigned bad = 0;
    for (unsigned i = 0; i < moo_reg_count(ru->wide); i++) {
        uint32_t exp = final_reg(t, i), act = get_reg(c, &tab[i]), m = reg_mask(fc, t, i);
        if (!((exp ^ act) & m))
            continue;
        bad++;
        int w = ru->wide ? 8 : 4;
        if (o)
            fprintf(o, "    %s: expected 0x%0*x, got 0x%0*x (differing bits 0x%x of 0x%x)\n",
                    moo_reg_name(ru->wide, i), w, exp, w, act, (exp ^ act) & m, m);
    }
    /* Real mode keeps base == selector << 4; a load that forgets the hidden
     * base would pass the selector compare yet break the next access. */
    if (c->cr0 & CR0_PE)
        return bad;
    static const char *const seg_names[S_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs" };
    for (int s = 0; s < S_COUNT; s++) {
        uint32_t want = (uint32_t)c->seg[s].sel << 4;
        if (c->seg[s].base == want)
            continue;
        bad++;
        if (o)
            fprintf(o, "    %s.base: expected 0x%08x (selector << 4), got 0x%08x\n",
                    seg_names[s], want, c->seg[s].base);
    }
    return bad;
}

/* Where the exception pushed FLAGS: the EXCP address, which is SS:SP+4 of
 * the final state, except that with an odd SP the data gives it rounded
 * down to even (all 403 such tests of the 286 set): then SS:SP+4 it is. */
static uint32_t pushed_flags_addr(const struct filectx *fc, const struct moo_test *t)
{
    bool wide = fc->ru->wide;
    uint32_t ss = final_reg(t, wide ? MOO_SS32 : MOO_SS);
    uint32_t sp = final_reg(t, wide ? MOO_ESP : MOO_SP);
    uint32_t given = t->excp_flag_addr & SST_ADDR_MASK;
    uint32_t frame = (((ss & 0xFFFF) << 4) + ((sp + 4) & 0xFFFF)) & SST_ADDR_MASK;
    return (sp & 1) && frame == given + 1 ? frame : given;
}

/* Bits of a RAM byte compared: all but the undefined flags of the FLAGS
 * word an exception pushed. */
static uint8_t ram_mask(const struct filectx *fc, const struct moo_test *t, uint32_t addr)
{
    if (!t->has_excp)
        return 0xFF;
    uint32_t fa = pushed_flags_addr(fc, t);
    uint32_t m = reg_mask(fc, t, flags_slot(fc->ru->wide));
    if (addr == fa)
        return (uint8_t)m;
    if (addr == ((fa + 1) & SST_ADDR_MASK))
        return (uint8_t)(m >> 8);
    return 0xFF;
}

static bool in_ram(const struct moo_ram *ram, uint32_t addr)
{
    for (uint32_t i = 0; i < ram->count; i++)
        if ((moo_ram_addr(ram, i) & SST_ADDR_MASK) == addr)
            return true;
    return false;
}

static void ram_mismatch(FILE *o, unsigned *bad, uint32_t addr, uint8_t exp, uint8_t act,
                         uint8_t m, const char *what)
{
    if (o && *bad < MAX_RAM_LINES)
        fprintf(o, "    ram[0x%06x]: expected 0x%02x, got 0x%02x%s%s\n", addr, exp, act,
                m != 0xFF ? " (pushed FLAGS, masked)" : "", what);
    ++*bad;
}

/* Every FINA byte, and every INIT byte FINA does not list (it must be
 * unchanged). */
static unsigned compare_ram(struct runner *r, const struct filectx *fc,
                            const struct moo_test *t, FILE *o)
{
    struct physmem *mem = &r->vm->mem;
    const struct moo_ram *fin = &t->fina.ram, *ini = &t->init.ram;
    unsigned bad = 0;
    for (uint32_t i = 0; i < fin->count; i++) {
        uint32_t a = moo_ram_addr(fin, i) & SST_ADDR_MASK;
        uint8_t exp = moo_ram_value(fin, i), act = (uint8_t)phys_read(mem, a, 1);
        uint8_t m = ram_mask(fc, t, a);
        if ((exp ^ act) & m)
            ram_mismatch(o, &bad, a, exp, act, m, "");
    }
    for (uint32_t i = 0; i < ini->count; i++) {
        uint32_t a = moo_ram_addr(ini, i) & SST_ADDR_MASK;
        uint8_t exp = moo_ram_value(ini, i), act = (uint8_t)phys_read(mem, a, 1);
        uint8_t m = ram_mask(fc, t, a);
        if ((exp ^ act) & m && !in_ram(fin, a))
            ram_mismatch(o, &bad, a, exp, act, m, " (initial value, should be unchanged)");
    }
    if (o && bad > MAX_RAM_LINES)
        fprintf(o, "    ... %u more RAM mismatches\n", bad - MAX_RAM_LINES);
    return bad;
}

static void print_stop(FILE *o, const struct cpu *c, enum cpu_stop s, uint64_t ran)
{
    switch (s) {
    case CPU_STOP_HLT:
        return;
    case CPU_STOP_LIMIT:
        fprintf(o, "    did not reach HLT within %llu instructions (now at %04x:%08x)\n",
                (unsigned long long)ran, c->seg[S_CS].sel, c->eip);
        return;
    case CPU_STOP_SHUTDOWN:
        fprintf(o, "    CPU shut down (triple fault) after %llu instructions\n",
                (unsigned long long)ran);
        return;
    default:
        fprintf(o, "    engine_run stopped for reason %d after %llu instructions\n", (int)s,
                (unsigned long long)ran);
        return;
    }
}

static bool check_test(struct runner *r, const struct filectx *fc, const struct moo_test *t,
                       enum cpu_stop s, uint64_t ran, FILE *o)
{
    if (o) {
        print_header(o, t);
        print_stop(o, &r->vm->cpu, s, ran);
    }
    unsigned bad = compare_regs(r, fc, t, o) + compare_ram(r, fc, t, o);
    if (o && t->has_excp)
        fprintf(o, "    expected exception %u (FLAGS pushed at 0x%06x)\n", t->excp_number,
                t->excp_flag_addr);
    return bad == 0 && s == CPU_STOP_HLT;
}

/* Re-runs a failed test one instruction at a time, printing where it goes:
 * the quickest way to see which exception a CPU raised, or where it ran
 * away to. */
static void trace_test(struct runner *r, const struct filectx *fc, const struct moo_test *t,
                       FILE *o)
{
    struct cpu *c = &r->vm->cpu;
    load_test(r, fc, t);
    fprintf(o, "    trace: start %04x:%08x esp %08x eflags %08x\n", c->seg[S_CS].sel, c->eip,
            c->gpr[R_ESP], cpu_get_eflags(c));
    for (int step = 1; step <= 8; step++) {
        enum cpu_stop s = engine_run(c->vm->engine, 1);
        fprintf(o, "    trace: %d %04x:%08x esp %08x eflags %08x%s\n", step, c->seg[S_CS].sel,
                c->eip, c->gpr[R_ESP], cpu_get_eflags(c),
                c->halted ? " halted" : s == CPU_STOP_SHUTDOWN ? " shutdown" : "");
        if (s != CPU_STOP_LIMIT || c->halted)
            break;
    }
}

/* Runs one test; on failure writes its details to `o` if given. */
static bool run_test(struct runner *r, const struct filectx *fc, const struct moo_test *t,
                     FILE *o)
{
    struct cpu *c = &r->vm->cpu;
    load_test(r, fc, t);
    uint64_t before = c->icount;
    double t0 = now_s();
    enum cpu_stop s = engine_run(c->vm->engine, r->opt.budget);
    r->run_s += now_s() - t0;
    uint64_t ran = c->icount - before;
    r->insns += ran;
    if (check_test(r, fc, t, s, ran, NULL))
        return true;
    if (o)
        check_test(r, fc, t, s, ran, o);
    if (o && r->opt.trace)
        trace_test(r, fc, t, o);
    /* A failing CPU may have written anywhere: clear all of RAM before the
     * next test, so that results do not depend on the order of tests. */
    r->dirty.overflow = true;
    return false;
}

/* ---- skipping ---------------------------------------------------------------------- */

static bool is_prefix_286(uint8_t b)
{
    return b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0xF0 || b == 0xF2 ||
           b == 0xF3;
}

/* The offset of the opcode, past the 286's prefixes; notes a LOCK. */
static uint32_t skip_prefixes(const uint8_t *b, uint32_t n, bool *lock)
{
    uint32_t i = 0;
    *lock = false;
    for (; i < n && is_prefix_286(b[i]); i++)
        *lock |= b[i] == 0xF0;
    return i;
}

static bool is_string_op(uint8_t op)
{
    return (op >= 0x6C && op <= 0x6F) || (op >= 0xA4 && op <= 0xA7) || (op >= 0xAA && op <= 0xAF);
}

/* A string instruction that takes interrupt 13 on the 286 (an element at
 * offset FFFF): the 286 leaves SI/DI (and CX under REP) advanced past the
 * faulting element, where a 386 fault leaves them at it so that the
 * instruction restarts (Intel SDM vol. 3, 6.5). */
static bool is_string_gp(const struct moo_test *t)
{
    bool lock;
    uint32_t i = skip_prefixes(t->bytes, t->nbytes, &lock);
    return t->has_excp && t->excp_number == 13 && i < t->nbytes && is_string_op(t->bytes[i]);
}

/* MOV to/from FS or GS on a 386, #UD on a 286. */
static bool is_mov_fs_gs(const uint8_t *b, uint32_t n)
{
    bool lock;
    uint32_t i = skip_prefixes(b, n, &lock);
    if (i + 1 >= n || (b[i] != 0x8C && b[i] != 0x8E))
        return false;
    unsigned reg = b[i + 1] >> 3 & 7;
    return reg == 4 || reg == 5;
}

/* One-byte opcodes a 386 accepts LOCK on: ADD OR ADC SBB AND SUB XOR NOT
 * NEG INC DEC XCHG with a memory destination (Intel 386 PRM, "LOCK"). */
static bool lockable_386(uint8_t op, uint8_t modrm)
{
    unsigned reg = modrm >> 3 & 7;
    bool ok = (op < 0x38 && (op & 7) <= 1) ||       /* ALU r/m,r except CMP */
              (op >= 0x80 && op <= 0x83 && reg != 7) ||
              op == 0x86 || op == 0x87 ||
              ((op == 0xF6 || op == 0xF7) && (reg == 2 || reg == 3)) ||
              ((op == 0xFE || op == 0xFF) && reg <= 1);
    return ok && modrm >> 6 != 3;
}

/* The 286 accepts LOCK on any instruction in real mode (the real-mode data
 * shows it: "lock mov", "lock hlt" run normally); a 386 raises #UD unless
 * the instruction is one of the above (Intel 80386 PRM, "LOCK"). */
static bool is_bad_lock(const uint8_t *b, uint32_t n)
{
    bool lock;
    uint32_t i = skip_prefixes(b, n, &lock);
    if (!lock)
        return false;
    return i + 1 >= n || !lockable_386(b[i], b[i + 1]);
}

/* Why a test is not run. */
static enum skip_why skip_reason(const struct runner *r, const struct filectx *fc,
                                 const struct moo_test *t)
{
    const struct rules *ru = fc->ru;
    if (fc->skip_reason)
        return SKIP_LIST_FILE;
    if (sst_skips_test(&r->skips, fc->base, t->index))
        return SKIP_LIST_TEST;
    if (t->has_hash && sst_hashes_has(&r->dd.revoked, t->hash))
        return SKIP_REVOKED;
    if (ru->max_bytes && t->nbytes > ru->max_bytes)
        return SKIP_TOO_LONG;
    if (ru->skip_mov_fs_gs && is_mov_fs_gs(t->bytes, t->nbytes))
        return SKIP_MOV_FS_GS;
    if (ru->skip_bad_lock && is_bad_lock(t->bytes, t->nbytes))
        return SKIP_BAD_LOCK;
    if (ru->skip_string_gp && is_string_gp(t))
        return SKIP_STRING_GP;
    return SKIP_NONE;
}

/* ---- files and directories ------------------------------------------------------------ */

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", dir, name);
    return s;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The revocation list sits beside the files or in their parent directory
 * (sst80286/revocation_list.txt for sst80286/v1_real_mode/). */
static int load_revocations(struct runner *r, const char *dir)
{
    char err[1024];
    static const char *const where[] = { "revocation_list.txt", "../revocation_list.txt" };
    for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
        char *p = join(dir, where[i]);
        if (!p)
            return -1;
        if (!exists(p)) {
            free(p);
            continue;
        }
        int rc = sst_hashes_load(&r->dd.revoked, p, err, sizeof(err));
        if (rc < 0)
            input_error(r, "%s", err);
        free(p);
        return rc;
    }
    return 0;
}

static int load_metadata(struct runner *r, const char *dir)
{
    char err[512], *text;
    size_t len;
    char *p = join(dir, "metadata.json");
    if (!p)
        return -1;
    int rc = 0;
    if (exists(p)) {
        rc = sst_read_file(p, JSON_MAX_BYTES, &text, &len, err, sizeof(err));
        if (rc == 0) {
            rc = json_parse(&r->dd.meta, text, len, err, sizeof(err));
            r->dd.has_meta = true;
            free(text);
            if (rc < 0)
                input_error(r, "%s: %s", p, err);
        } else {
            input_error(r, "%s", err);
        }
    }
    free(p);
    return rc;
}

/* Loads metadata.json and the revocation list when the directory changes. */
static int enter_dir(struct runner *r, const char *path)
{
    char *dir = dir_of(path);
    if (!dir)
        return -1;
    if (r->dd.dir && strcmp(r->dd.dir, dir) == 0) {
        free(dir);
        return 0;
    }
    dirdata_free(&r->dd);
    r->dd.dir = dir;
    int rc = load_metadata(r, dir);
    if (load_revocations(r, dir) < 0)
        rc = -1;
    if (rc < 0) { /* a broken side file stops the directory, not the run */
        dirdata_free(&r->dd);
        return -1;
    }
    return 0;
}

static int setup_file(struct runner *r, struct filectx *fc, struct moo_file *mf)
{
    char err[512];
    fc->mf = mf;
    fc->ru = rules_for(mf->cpu_id);
    if (!fc->ru) {
        input_error(r, "%s: CPU id '%s' is not one sst-run knows (C286, 386E)", fc->path,
                    mf->cpu_id);
        return -1;
    }
    if (enter_dir(r, fc->path) < 0)
        return -1;
    if (r->dd.has_meta) {
        int m = sst_meta_flags_mask(&r->dd.meta, fc->base, &fc->meta_mask, err, sizeof(err));
        if (m < 0) {
            input_error(r, "%s/%s", r->dd.dir, err);
            return -1;
        }
        fc->has_meta_mask = m > 0;
    }
    if (mf->has_mask && mf->mask.wide != fc->ru->wide) {
        input_error(r, "%s: file-level register mask has the wrong width for %s data",
                    fc->path, fc->ru->name);
        return -1;
    }
    fc->skip_reason = sst_skips_file(&r->skips, fc->base);
    r->ports_386ex = fc->ru->ports_386ex;
    cpu_set_model(&r->vm->cpu, fc->ru->plain_undef ? &r->plain386
                                                   : cpu_model_for_level(CPU_386));
    return 0;
}

/* Counts one test into `fcnt`, running it unless skipped. */
static int one_test(struct runner *r, const struct filectx *fc, const struct moo_test *t,
                    struct counts *fcnt, FILE *detail)
{
    if (t->init.regs.wide != fc->ru->wide) {
        input_error(r, "%s: test %u has %s registers, not right for %s data", fc->path,
                    t->index, t->init.regs.wide ? "32-bit" : "16-bit", fc->ru->name);
        return -1;
    }
    enum skip_why why = skip_reason(r, fc, t);
    if (why != SKIP_NONE) {
        fcnt->skipped++;
        r->skipped_by[why]++;
        return 0;
    }
    bool show = detail && (r->opt.verbose || fcnt->failed == 0);
    if (run_test(r, fc, t, show ? detail : NULL))
        fcnt->passed++;
    else
        fcnt->failed++;
    return 0;
}

static void report_file(const struct runner *r, const struct filectx *fc,
                        const struct counts *n, const char *detail)
{
    if (r->opt.quiet || n->failed == 0)
        return;
    printf("%s: %llu passed, %llu failed, %llu skipped\n", fc->base,
           (unsigned long long)n->passed, (unsigned long long)n->failed,
           (unsigned long long)n->skipped);
    if (detail)
        fputs(detail, stdout);
}

static void run_file(struct runner *r, const char *path)
{
    struct moo_file mf;
    struct filectx fc = { .path = path };
    const char *slash = strrchr(path, '/');
    fc.base = slash ? slash + 1 : path;
    if (moo_open(&mf, path) < 0) {
        input_error(r, "%s", mf.err);
        moo_close(&mf);
        return;
    }
    struct counts n = { 0 };
    char *detail = NULL;
    size_t detail_len = 0;
    FILE *dst = r->opt.quiet ? NULL : open_memstream(&detail, &detail_len);
    if (setup_file(r, &fc, &mf) == 0) {
        struct moo_test t;
        int got;
        while ((got = moo_next(&mf, &t)) > 0)
            if (one_test(r, &fc, &t, &n, dst) < 0)
                break;
        if (got < 0)
            input_error(r, "%s", mf.err);
    }
    if (dst)
        fclose(dst);
    report_file(r, &fc, &n, detail);
    free(detail);
    r->total.passed += n.passed;
    r->total.failed += n.failed;
    r->total.skipped += n.skipped;
    moo_close(&mf);
}

static bool is_moo_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcasecmp(name + n - 4, ".MOO") == 0) ||
           (n > 7 && strcasecmp(name + n - 7, ".MOO.gz") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(struct runner *r, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        input_error(r, "%s: cannot open directory: %s", dir, strerror(errno));
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_moo_name(e->d_name))
            continue;
        char **nn = realloc(names, (n + 1) * sizeof(*nn));
        char *s = join(dir, e->d_name);
        if (!nn || !s) {
            free(s);
            names = nn ? nn : names;
            input_error(r, "%s: out of memory listing the directory", dir);
            break;
        }
        names = nn;
        names[n++] = s;
    }
    closedir(d);
    if (n == 0 && !r->input_error)
        input_error(r, "%s: no *.MOO or *.MOO.gz files", dir);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        run_file(r, names[i]);
        free(names[i]);
    }
    free(names);
}

static void run_path(struct runner *r, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        input_error(r, "%s: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        run_dir(r, path);
    else
        run_file(r, path);
}

/* ---- command line ---------------------------------------------------------------------- */

static void usage(FILE *o)
{
    fprintf(o, "usage: sst-run [options] PATH...\n"
               "Runs SingleStepTests MOO files (.MOO, .MOO.gz, or directories of them)\n"
               "against plex86's CPU.\n"
               "\n"
               "  -v, --verbose        every failure in detail (not only the first per file),\n"
               "                       and the number of tests skipped for each reason\n"
               "  -q, --quiet          print only errors and the two summary lines\n"
               "      --skips FILE     skip list: lines 'FILENAME[:INDEX] reason', '#' comments\n"
               "      --min-pass PCT   exit 1 if passed/(passed+failed) is below PCT (default 100)\n"
               "      --trace          with each failure shown, the CS:EIP after each step\n"
               "      --budget N       instructions a test may run before it fails (default %d)\n"
               "      --skip-if-missing  exit 77 (skipped) if a PATH does not exist\n"
               "  -h, --help           this text\n"
               "\n"
               "Exit status: 0 all good, 1 pass rate below --min-pass, 2 usage error or\n"
               "unreadable or corrupt input, 77 a PATH is missing with --skip-if-missing.\n",
               SST_BUDGET);
}

enum { OPT_SKIPS = 256, OPT_MIN_PASS, OPT_SKIP_IF_MISSING, OPT_BUDGET, OPT_TRACE };

static int parse_percent(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0 && v <= 100))
        return -1;
    *out = v;
    return 0;
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v == 0 || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

/* Returns the index of the first PATH, or -1 on a usage error, or 0 for --help. */
static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "verbose", no_argument, NULL, 'v' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "skips", required_argument, NULL, OPT_SKIPS },
        { "min-pass", required_argument, NULL, OPT_MIN_PASS },
        { "skip-if-missing", no_argument, NULL, OPT_SKIP_IF_MISSING },
        { "budget", required_argument, NULL, OPT_BUDGET },
        { "trace", no_argument, NULL, OPT_TRACE },
        { NULL, 0, NULL, 0 },
    };
    *o = (struct options){ .min_pass = 100.0, .budget = SST_BUDGET };
    int ch;
    while ((ch = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'v': o->verbose = true; break;
        case 'q': o->quiet = true; break;
        case 'h': return 0;
        case OPT_SKIPS: o->skips_path = optarg; break;
        case OPT_SKIP_IF_MISSING: o->skip_if_missing = true; break;
        case OPT_TRACE: o->trace = true; break;
        case OPT_BUDGET:
            if (parse_count(optarg, &o->budget) < 0) {
                fprintf(stderr, "sst-run: --budget wants a count of instructions, not '%s'\n",
                        optarg);
                return -1;
            }
            break;
        case OPT_MIN_PASS:
            if (parse_percent(optarg, &o->min_pass) < 0) {
                fprintf(stderr, "sst-run: --min-pass wants a percentage 0-100, not '%s'\n", optarg);
                return -1;
            }
            break;
        default: return -1;
        }
    }
    if (optind >= argc) {
        fputs("sst-run: no PATH given\n", stderr);
        return -1;
    }
    return optind;
}

static void print_skips(const struct runner *r)
{
    const char *sep = "skipped:";
    for (int i = SKIP_NONE + 1; i < SKIP_COUNT; i++) {
        if (!r->skipped_by[i])
            continue;
        printf("%s %llu %s", sep, (unsigned long long)r->skipped_by[i], skip_text[i]);
        sep = ",";
    }
    if (sep[0] == ',')
        putchar('\n');
}

static void print_summary(const struct runner *r, double wall)
{
    if (r->opt.verbose)
        print_skips(r);
    double rate = r->run_s > 0 ? (double)r->insns / r->run_s : 0;
    printf("throughput: %.2f M guest instructions/s (%llu instructions in %.4f s of engine_run, "
           "%.3f s in all)\n", rate / 1e6, (unsigned long long)r->insns, r->run_s, wall);
    printf("%llu passed, %llu failed, %llu skipped\n", (unsigned long long)r->total.passed,
           (unsigned long long)r->total.failed, (unsigned long long)r->total.skipped);
    fflush(stdout);
}

static int exit_status(const struct runner *r)
{
    if (r->input_error)
        return 2;
    uint64_t ran = r->total.passed + r->total.failed;
    double pct = ran ? 100.0 * (double)r->total.passed / (double)ran : 100.0;
    return pct < r->opt.min_pass ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct runner r = { 0 };
    int first = parse_args(argc, argv, &r.opt);
    if (first <= 0) {
        usage(first == 0 ? stdout : stderr);
        return first == 0 ? 0 : 2;
    }
    for (int i = first; i < argc; i++) {
        if (r.opt.skip_if_missing && !exists(argv[i])) {
            printf("sst-run: %s does not exist: skipping\n", argv[i]);
            return SST_SKIP_EXIT;
        }
    }
    char err[1024];
    if (r.opt.skips_path && sst_skips_load(&r.skips, r.opt.skips_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "sst-run: %s\n", err);
        return 2;
    }
    if (runner_init(&r) < 0) {
        runner_free(&r);
        return 2;
    }
    double t0 = now_s();
    for (int i = first; i < argc; i++)
        run_path(&r, argv[i]);
    print_summary(&r, now_s() - t0);
    int rc = exit_status(&r);
    runner_free(&r);
    return rc;
}
