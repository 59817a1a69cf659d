/* Differential test of the translator (src/jit) against the interpreter.
 *
 * Random programs (a loop of random instructions from the forms below,
 * integer and x87, with register, memory and stack operands) run in two
 * VMs, one with the translator and one without, from the same state; the
 * loop runs often enough that its block is translated and then loops in
 * host code.  Everything guest-visible must agree at the end: registers,
 * EIP, EFLAGS, the instruction count, the x87 state (registers, empty
 * ones included, status, tags, TOP, pointers), the data memory, and how
 * the run ended (HLT, or a fault that, with no IDT, shuts the CPU down:
 * restartable faults and their state are compared that way).
 *
 * The CPU is in 32-bit protected mode, paging off, segments with base
 * BASE and limit LIMIT (or flat: every other program), so that wild
 * pointers fault; the stress modes (M_* below) add self-modifying code,
 * interrupts in the middle, paging, 16-bit protected mode and real mode.
 *
 * Usage: test_jit_diff [programs [seed [only-this-program|-1 [threshold [mode]]]]]
 * (only-this-program also finds the first loop count that differs). */
#include "jit_diff.h"

/* The program: FINIT (sometimes), the body, DEC [COUNTER], JNZ body,
 * HLT.  The loop runs `iterations` times.  With M_SMC and M_IRQ, their
 * items come between the body's instructions. */
static void make_program(struct prog *p)
{
    bool code16 = mode & (M_CODE16 | M_REAL);
    struct smc m = { 0 };
    bool xpage = (mode & M_XPAGE) && !code16, smc = (mode & M_SMC) || xpage;
    p->n = 0;
    stubs.n = 0;
    if (mode & M_JCWAYS)
        jcw_stubs();
    code_org = xpage ? 0x1000 - (16 + rnd() % 97) : CODE;
    code_at = code_org;
    m.cross = -1;
    xsites.n = 0;
    xlsites.n = 0;
    /* M_XPAGE: where the MOV across the boundary goes (its opcode 0-5
     * bytes before it: 5 ends there, 0 starts the next page). */
    unsigned boundary = 0x1000 - code_org, cross_at = xpage ? boundary - rnd() % 6 : 0;
    if (rnd() & 1) {
        put(p, 0xDB); /* fninit */
        put(p, 0xE3);
    }
    unsigned body = p->n;
    unsigned count = 1 + rnd() % 24;
    bool pred = false;
    if (smc)
        smc_site(&m, p->n + 1, SITE_IMM), put(p, 0xB9), code16 ? put16(p, 0) : put32(p, 0);
    for (unsigned i = 0; i < count || (xpage && p->n < boundary + 8); i++) {
        if (xpage && m.cross < 0 && p->n + 16 >= cross_at && p->n <= cross_at) {
            while (p->n < cross_at)
                put(p, 0x90); /* nop */
            put(p, (uint8_t)(0xB8 + (unsigned[]){ 1, 2, 7 }[rnd() % 3]));
            m.cross = (int)m.nsite;
            smc_site(&m, p->n, SITE_IMM);
            put32(p, rnd());
        }
        if (code16)
            random_insn16(p);
        else
            random_insn(p);
        if (smc && rnd() % 3 == 0)
            smc_item(p, &m, code16);
        if ((mode & M_IRQ) && rnd() % 8 == 0)
            irq_item(p, code16);
        if ((mode & M_NEAR) && !code16 && rnd() % 2 == 0)
            near_item(p);
        if ((mode & M_TABLE) && !code16 && rnd() % 2 == 0)
            table_item(p);
        if ((mode & M_LOOPS) && !code16 && rnd() % 4 == 0)
            loop_item(p, false);
        if ((mode & M_OVERLAP) && !code16 && rnd() % 3 == 0)
            overlap_item(p);
        if ((mode & M_ROTATED) && !code16 && rnd() % 3 == 0)
            rotated_item(p, &m, smc);
        if ((mode & M_EXCURSION) && !code16 && rnd() % 3 == 0)
            excursion_item(p, &m, smc);
        if ((mode & M_LZC) && !code16 && rnd() % 3 == 0)
            lzc_item(p, &m, smc);
        if ((mode & M_FILL) && !code16 && rnd() % 3 == 0)
            fill_item(p);
        if ((mode & M_PAGEK) && !code16 && rnd() % 3 == 0)
            pagek_item(p);
        if ((mode & M_LZM) && !code16 && rnd() % 3 == 0)
            lzm_item(p, &m, smc);
        if ((mode & M_PEEL) && !code16 && rnd() % 3 == 0)
            peel_item(p, &m, smc);
        if ((mode & M_FILL2) && !code16 && rnd() % 3 == 0)
            fill2_item(p, &m, smc);
        if ((mode & M_HOME) && !code16 && rnd() % 3 == 0)
            home_item(p, &m, smc);
        if ((mode & M_HOIST) && !code16 && rnd() % 3 == 0)
            hoist_item(p);
        if ((mode & M_PREDICT) && !code16 && !pred && p->n < 560 && rnd() % 2 == 0) {
            pred_item(p);
            pred = true;
        }
        if ((mode & M_SYS) && !code16 && rnd() % 3 == 0)
            sys_item(p);
        if ((mode & M_X87LOOP) && !code16 && rnd() % 3 == 0)
            x87_loop_item(p, false);
        if ((mode & M_SYSNAT) && !code16 && rnd() % 3 == 0)
            sysnat_item(p);
        if ((mode & M_SEQLOOP) && !code16 && rnd() % 3 == 0)
            seqloop_item(p);
        if ((mode & M_FDP) && !code16 && rnd() % 3 == 0)
            fdp_item(p);
        if ((mode & M_JCWAYS) && flat && !code16 && !(mode & M_PAGING) && rnd() % 3 == 0)
            jcw_item(p);
    }
    if (smc)
        smc_resolve(p, &m, code16);
    for (unsigned i = 0; xpage && i < m.nsite; i++)
        for (unsigned k = 0; k < 4; k++)
            if (m.site[i] + k >= boundary && xsites.n < 64)
                xsites.at[xsites.n++] = (uint16_t)(code_org + m.site[i] + k);
    if (code16) {
        put(p, 0xFF); /* dec word [COUNTER] */
        put(p, 0x0E);
        put16(p, COUNTER);
        int32_t rel = (int32_t)body - (int32_t)(p->n + 4);
        put(p, 0x0F);
        put(p, 0x85);
        put16(p, (uint16_t)rel);
    } else {
        put(p, 0xFF); /* dec dword [COUNTER] */
        put(p, 0x0D);
        put32(p, bias() + COUNTER);
        int32_t rel = (int32_t)body - (int32_t)(p->n + 6);
        put(p, 0x0F);
        put(p, 0x85);
        put32(p, (uint32_t)rel);
    }
    put(p, 0xF4); /* hlt */
}

/* M_IRQ's handler at HANDLER: PUSHAD, room on the stack, a few random
 * instructions, IRETD (32-bit, also for 16-bit protected mode, whose
 * gate leads to a 32-bit code segment); in real mode PUSHA ... IRET. */
static void make_handler(struct prog *h)
{
    h->n = 0;
    code_at = HANDLER;
    bool real = mode & M_REAL;
    put(h, 0x60);
    if (!real) {
        put(h, 0x83); put(h, 0xEC); put(h, 0x40);          /* sub esp, 0x40 */
        if (mode & M_FDP) {
            /* The x87 pointers where the interrupt came (a loop's back
             * edge, often), and the control word FNSTENV masked back. */
            put(h, 0xD9); put(h, 0x74); put(h, 0x24); put(h, 0x04); /* fnstenv [esp+4] */
            put(h, 0xD9); put(h, 0x6C); put(h, 0x24); put(h, 0x04); /* fldcw [esp+4] */
        }
    }
    put(h, 0xFF); put(h, real ? 0x06 : 0x05);              /* inc [IRQS] */
    if (real)
        put16(h, IRQS);
    else
        put32(h, bias() + IRQS);
    unsigned n = 1 + rnd() % 5;
    for (unsigned i = 0; i < n; i++) {
        if (real)
            random_insn16(h);
        else
            random_insn(h);
    }
    if (!real) {
        put(h, 0x83); put(h, 0xC4); put(h, 0x40);          /* add esp, 0x40 */
    }
    put(h, 0x61);
    put(h, 0xCF);
    code_at = code_org;
}

static void set_seg(struct cpu *c, int s, uint16_t sel, uint16_t attr)
{
    if (flat)
        c->seg[s] = (struct seg){ .base = 0, .limit = 0xFFFFFFFFu, .sel = sel,
                                  .attr = (uint16_t)(attr | SEG_ATTR_G) };
    else
        c->seg[s] = (struct seg){ .base = BASE, .limit = LIMIT, .sel = sel, .attr = attr };
}

/* M_PAGING: the physical page behind each of the area's 16 linear pages. */
static uint8_t perm[16];

/* The area's offset `off` (linear AREA + off) in guest RAM. */
static uint8_t *area_ptr(struct vm *vm, uint32_t off)
{
    uint32_t pa = (mode & M_REAL) ? AREA_REAL + off
                  : (mode & M_PAGING) ? BASE + perm[(off >> 12) & 15] * 0x1000u + (off & 0xFFF)
                                      : BASE + off;
    return physmem_ptr(&vm->mem, pa, true);
}

static void poke(struct vm *vm, uint32_t off, const void *src, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        *area_ptr(vm, off + i) = ((const uint8_t *)src)[i];
}

/* A descriptor (SDM vol. 3A, 3.4.5) with the attributes as struct seg
 * keeps them (type .. P in bits 0-7, AVL L D/B G in bits 12-15). */
static void put_desc(struct vm *vm, uint32_t off, uint32_t base, uint32_t limit, uint16_t attr)
{
    uint8_t d[8] = { (uint8_t)limit, (uint8_t)(limit >> 8), (uint8_t)base, (uint8_t)(base >> 8),
                     (uint8_t)(base >> 16), (uint8_t)attr,
                     (uint8_t)(((limit >> 16) & 15) | ((attr >> 8) & 0xF0)), (uint8_t)(base >> 24) };
    poke(vm, off, d, 8);
}

/* M_IRQ: the interrupts raised between slices, at these step counts. */
static struct {
    unsigned n;
    uint32_t at[8];
} irqs;
static struct prog handler;

/* The INTA cycle of the test's interrupt controller: one vector, and
 * the request is taken. */
static int test_inta(void *opaque)
{
    ((struct cpu *)opaque)->irq_line = false;
    return IRQ_VECTOR;
}

/* Port 0xE0: an OUT raises INTR (a device asserting its line from inside
 * the instruction, as a timer's MMIO or port write can). */
static uint32_t irq_port_in(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque, (void)port, (void)size;
    return 0;
}

static void irq_port_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    (void)port, (void)value, (void)size;
    ((struct cpu *)opaque)->irq_line = true;
}

static const struct io_ops irq_port_ops = { irq_port_in, irq_port_out };

struct outcome {
    enum cpu_stop stop;
    uint32_t gpr[8], eip, eflags;
    uint64_t icount, interrupts;
    uint32_t epochs;        /* scanned code discarded (not compared) */
    uint32_t budget_miss;   /* M_BUDGET: slices that ran other than their budget */
    struct fpu fpu;
    uint8_t area[0x10000];  /* the whole area: data, stack, code, tables */
    uint8_t pt[0x1000];     /* M_PAGING: accessed and dirty bits */
    uint8_t alt[0x1000];    /* M_XPAGE with M_PAGING: ALT_PA */
};

static void run(struct vm *vm, const struct prog *p, const uint32_t regs[8], uint32_t iters,
                const uint8_t *data, struct outcome *out)
{
    struct cpu *c = &vm->cpu;
    bool code16 = mode & (M_CODE16 | M_REAL);
    vm_invalidate_code(vm);
    cpu_reset(c);
    c->cr4 |= CR4_OSFXSR;
    if (mode & M_REAL) {
        c->cr0 |= CR0_NE;
        for (int sr = 0; sr < S_COUNT; sr++)
            cpu_load_seg_real(c, sr, AREA_REAL >> 4);
    } else {
        c->cr0 |= CR0_PE | CR0_NE;
        uint16_t db = code16 ? 0 : SEG_ATTR_DB;
        set_seg(c, S_CS, 8, (uint16_t)(0x009B | db));
        set_seg(c, S_DS, 0x10, (uint16_t)(0x0093 | db));
        set_seg(c, S_SS, 0x10, (uint16_t)(0x0093 | db));
        set_seg(c, S_ES, 0x10, (uint16_t)(0x0093 | db));
        set_seg(c, S_FS, 0x10, (uint16_t)(0x0093 | db));
        set_seg(c, S_GS, 0x10, (uint16_t)(0x0093 | db));
    }
    if (mode & M_PAGING) {
        uint8_t *pd = physmem_ptr(&vm->mem, PD_PA, true), *pt = physmem_ptr(&vm->mem, PT_PA, true);
        memset(pd, 0, 0x2000);
        uint32_t pde = PT_PA | 3, pte;
        memcpy(pd, &pde, 4);
        for (unsigned i = 0; i < 32; i++) {
            pte = (BASE + perm[i & 15] * 0x1000u) | 3;       /* P, R/W; again as the alias */
            memcpy(pt + 4 * ((BASE >> 12) + i), &pte, 4);
        }
        c->cr3 = PD_PA;
        c->cr0 |= CR0_PG;
    }
    cpu_mode_changed(c);
    cpu_tlb_flush(c, true);
    c->icount = 0;
    memcpy(c->gpr, regs, sizeof(c->gpr));
    c->eip = bias() + code_org;
    for (uint32_t off = 0; off < 0x10000; off += 0x1000)
        memset(area_ptr(vm, off), 0xCC, 0x1000);
    poke(vm, code_org, p->b, p->n);
    poke(vm, STUBS, stubs.b, stubs.n);
    bool remap = (mode & (M_XPAGE | M_XLINK)) && (mode & M_PAGING) && !code16;
    if (remap) {
        /* ALT_PA: the second page as the program (or M_XLINK's stubs)
         * has it, with other immediates in the MOVs there. */
        uint8_t *alt = physmem_ptr(&vm->mem, ALT_PA, true);
        memcpy(alt, area_ptr(vm, 0x1000), 0x1000);
        for (unsigned i = 0; i < xsites.n; i++)
            alt[xsites.at[i] & 0xFFF] ^= (uint8_t)(0x11 + i);
    }
    for (unsigned k = 0; (mode & M_JCWAYS) && k < 3; k++)
        memcpy(physmem_ptr(&vm->mem, jcw.off[k], true), jcw.b[k], jcw.n[k]);
    poke(vm, DATA, data, DATA_LEN);
    poke(vm, COUNTER, &iters, 4);
    if (mode & M_REAL) {
        /* The IVT at 0: vector 0x40 to the handler, the rest (faults) to
         * a HLT, which ends the program as a shutdown does elsewhere. */
        uint8_t *ivt = physmem_ptr(&vm->mem, 0, true);
        for (unsigned v = 0; v < 256; v++) {
            uint32_t e = (AREA_REAL >> 4) << 16 |
                         (v == IRQ_VECTOR && (mode & M_IRQ) ? HANDLER : FAULT_STUB);
            memcpy(ivt + 4 * v, &e, 4);
        }
        *area_ptr(vm, FAULT_STUB) = 0xF4;
    }
    if (mode & M_IRQ) {
        c->eflags |= F_IF;
        poke(vm, HANDLER, handler.b, handler.n);
        if (!(mode & M_REAL)) {
            /* GDT: 8 the program's code, 0x10 its data, 0x18 32-bit code
             * for the handler; the IDT's only present gate is 0x40's (a
             * fault finds none and shuts the CPU down, as without IDT). */
            uint32_t base = flat ? 0 : BASE, limit = flat ? 0xFFFFF : LIMIT;
            uint16_t g = flat ? SEG_ATTR_G : 0, db = code16 ? 0 : SEG_ATTR_DB;
            uint8_t zero[IRQ_VECTOR * 8 + 8] = { 0 };
            poke(vm, GDT, zero, 8);
            poke(vm, IDT, zero, sizeof(zero));
            put_desc(vm, GDT + 8, base, limit, (uint16_t)(0x009B | db | g));
            put_desc(vm, GDT + 16, base, limit, (uint16_t)(0x0093 | db | g));
            put_desc(vm, GDT + 24, base, limit, (uint16_t)(0x409B | g));
            /* 0x20: the data segment 0x100 higher (M_SYS's subroutine) */
            put_desc(vm, GDT + 32, base + 0x100, limit, (uint16_t)(0x0093 | db | g));
            uint32_t h = bias() + HANDLER;
            uint8_t gate[8] = { (uint8_t)h, (uint8_t)(h >> 8), code16 ? 0x18 : 0x08, 0, 0, 0x8E,
                                (uint8_t)(h >> 16), (uint8_t)(h >> 24) };
            poke(vm, IDT + IRQ_VECTOR * 8, gate, 8);
            c->gdtr = (struct dtr){ BASE + GDT, 39 };
            c->idtr = (struct dtr){ BASE + IDT, IRQ_VECTOR * 8 + 7 };
        }
    }
    /* engine_run, with the budget the VM's slices use, until HLT or
     * shutdown (or a bound: 16-bit programs, whose wild stores do not
     * fault, may overwrite the loop's counter); M_IRQ's interrupts are
     * raised between slices, each at its step count. */
    enum cpu_stop st;
    uint64_t base_steps = cpu_steps(c), done = 0, interrupts0 = c->interrupts;
    uint32_t epoch0 = c->code_epoch;
    unsigned next = 0, slices = 0;
    out->budget_miss = 0;
    do {
        uint64_t budget = remap ? 23 + slices % 37 : 65536;
        if (mode & M_BUDGET) /* (a hash of the slice's number: both VMs alike) */
            budget = 1 + ((slices + 1) * 2654435761u >> 12) % 200;
        if (remap && slices) {
            /* The second page's PTE to the other page and back, then an
             * INVLPG of it or a CR3 load, as a kernel does. */
            uint8_t *pt = physmem_ptr(&vm->mem, PT_PA, true);
            uint32_t pte, i = (BASE >> 12) + 1;
            memcpy(&pte, pt + 4 * i, 4);
            pte = ((pte & ~0xFFFu) == ALT_PA ? BASE + perm[1] * 0x1000u : ALT_PA) | (pte & 0xFFF);
            memcpy(pt + 4 * i, &pte, 4);
            if (slices & 1)
                mmu_invlpg(c, BASE + 0x1000);
            else
                cpu_tlb_flush(c, false);
        }
        slices++;
        if (next < irqs.n && irqs.at[next] > done && irqs.at[next] - done < budget)
            budget = irqs.at[next] - done;
        uint64_t done0 = done;
        st = engine_run(c->vm->engine, budget);
        done = cpu_steps(c) - base_steps;
        if ((mode & M_BUDGET) && st == CPU_STOP_LIMIT && done - done0 != budget &&
            out->budget_miss++ < 3)
            fprintf(stderr, "slice %u: budget %llu, ran %llu steps\n", slices,
                    (unsigned long long)budget, (unsigned long long)(done - done0));
        while (st == CPU_STOP_LIMIT && next < irqs.n && irqs.at[next] <= done) {
            c->irq_line = true;
            next++;
        }
    } while (st == CPU_STOP_LIMIT && done < (code16 ? 300000 : 2000000));
    out->stop = st;
    memcpy(out->gpr, c->gpr, sizeof(out->gpr));
    out->eip = c->eip;
    out->eflags = c->eflags;
    out->icount = c->icount;
    out->interrupts = c->interrupts - interrupts0;
    out->epochs = c->code_epoch - epoch0;
    out->fpu = c->fpu;
    for (uint32_t off = 0; off < 0x10000; off += 0x1000)
        memcpy(out->area + off, area_ptr(vm, off), 0x1000);
    if (mode & M_PAGING)
        memcpy(out->pt, physmem_ptr(&vm->mem, PT_PA, true), sizeof(out->pt));
    else
        memset(out->pt, 0, sizeof(out->pt));
    if (remap)
        memcpy(out->alt, physmem_ptr(&vm->mem, ALT_PA, true), sizeof(out->alt));
    else
        memset(out->alt, 0, sizeof(out->alt));
}

/* The x87 state as software can see it, empty registers included:
 * FSAVE and FXSAVE store them and an MMX instruction makes them valid, so
 * both engines must leave in a popped register the value it held, as the
 * hardware does. */
static bool same_fpu(const struct fpu *a, const struct fpu *b)
{
    if (a->cw != b->cw || a->sw != b->sw || a->top != b->top || a->full != b->full ||
        a->fop != b->fop || a->fip != b->fip || a->fdp != b->fdp || a->fcs != b->fcs ||
        a->fds != b->fds)
        return false;
    for (int i = 0; i < 8; i++)
        if (a->r[i].sig != b->r[i].sig || a->r[i].se != b->r[i].se)
            return false;
    return true;
}

static void dump(const char *what, const struct outcome *o)
{
    fprintf(stderr, "  %s: stop %d eip %08x eflags %08x icount %llu\n   ", what, o->stop, o->eip,
            o->eflags, (unsigned long long)o->icount);
    for (int i = 0; i < 8; i++)
        fprintf(stderr, " %08x", o->gpr[i]);
    fprintf(stderr, "\n    fpu cw %04x sw %04x top %u full %02x fop %03x fip %x fdp %x\n", o->fpu.cw,
            o->fpu.sw, o->fpu.top, o->fpu.full, o->fpu.fop, o->fpu.fip, o->fpu.fdp);
    for (int i = 0; i < 8; i++)
        fprintf(stderr, "    r%d %04x %016llx\n", i, o->fpu.r[i].se,
                (unsigned long long)o->fpu.r[i].sig);
}

static struct outcome oi, oj;

/* M_HINT's pause pin: counts its calls (opaque: the VM's counter). */
static void count_pause(void *opaque)
{
    ++*(uint64_t *)opaque;
}

int main(int argc, char **argv)
{
    unsigned programs = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 3000;
    const uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 12345;
    rng = seed;
    int focus = argc > 3 ? atoi(argv[3]) : -1;
    /* PLEX86_JIT_DIFF_SCALE=P (percent, 1-99): the first P% of the
     * programs (the same ones), at least 100; CI's sanitizer stage sets
     * it (.ci/run).  Not with only-this-program. */
    const char *scale = getenv("PLEX86_JIT_DIFF_SCALE");
    unsigned pct = scale ? (unsigned)strtoul(scale, NULL, 10) : 100;
    if (focus < 0 && pct >= 1 && pct < 100 && programs > 100)
        programs = programs / 100 * pct > 100 ? programs / 100 * pct : 100;
    mode = argc > 5 ? (uint64_t)strtoull(argv[5], NULL, 0) : 0;
    bool code16 = mode & (M_CODE16 | M_REAL);
    if ((mode & M_REAL) && (mode & M_PAGING)) {
        fprintf(stderr, "M_REAL has no paging\n");
        return 2;
    }
    if ((mode & M_JCCBACK) && !(mode & M_ACROSS)) {
        fprintf(stderr, "M_JCCBACK changes M_ACROSS's stubs\n");
        return 2;
    }
    if ((mode & M_XLINK) && (!(mode & M_ACROSS) || code16)) {
        fprintf(stderr, "M_XLINK changes M_ACROSS's stubs (32-bit code)\n");
        return 2;
    }
    if ((mode & M_XPAGE) && (mode & M_ACROSS)) {
        fprintf(stderr, "M_XPAGE's program lies where M_ACROSS's stubs do\n");
        return 2;
    }
    if ((mode & M_JCWAYS) && (!jcw_find() || (mode & (M_CODE16 | M_REAL)))) {
        fprintf(stderr, "M_JCWAYS: 32-bit code and three stubs in one set\n");
        return 2;
    }
    unsigned threshold = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 0) : 0;
    skips = (mode & M_SKIPS) != 0;
    struct vm *vi, *vj;
    int made = vm_pair_create(threshold, &vi, &vj);
    if (made)
        return made;
    if (mode & (M_SYS | M_SYSNAT)) {
        /* The reference: the slow path for every instruction (M_SYS, M_SYSNAT). */
        char err[256];
        vm_destroy(vi);
        /* M_SYSNAT's RDTSC: guest time from the steps (-icount), the
         * same in both when they ran the same instructions. */
        bool ic = (mode & M_SYSNAT) != 0;
        vi = vm_create(&(struct vm_config){ .ram_mb = 4, .cpu_level = CPU_P6,
                                            .no_code_cache = true, .icount = ic },
                       err, sizeof(err));
        if (!vi) {
            fprintf(stderr, "vm_create: %s\n", err);
            return 1;
        }
        if (ic) {
            vm_destroy(vj);
            vj = vm_create(&(struct vm_config){ .ram_mb = 4, .cpu_level = CPU_P6, .jit = true,
                                                .jit_threshold = threshold, .icount = true },
                           err, sizeof(err));
            if (!vj) {
                fprintf(stderr, "vm_create: %s\n", err);
                return 1;
            }
        }
    }
    if ((mode & M_BITS) && !(mode & (M_SYS | M_SYSNAT))) {
        /* M_BITS's RDTSC: guest time from the steps (-icount) in both,
         * which the translator computes itself (jit/tr_block_end.c
         * op_rdtsc). */
        char err[256];
        vm_destroy(vi);
        vm_destroy(vj);
        vi = vm_create(&(struct vm_config){ .ram_mb = 4, .cpu_level = CPU_P6, .icount = true },
                       err, sizeof(err));
        vj = vm_create(&(struct vm_config){ .ram_mb = 4, .cpu_level = CPU_P6, .jit = true,
                                            .jit_threshold = threshold, .icount = true },
                       err, sizeof(err));
        if (!vi || !vj) {
            fprintf(stderr, "vm_create: %s\n", err);
            return 1;
        }
    }
    if (mode & M_IRQ) {
        struct vm *both[] = { vi, vj };
        for (int v = 0; v < 2; v++) {
            both[v]->cpu.pins.irq_ack = test_inta;
            both[v]->cpu.pins.irq_opaque = &both[v]->cpu;
            if (iobus_register(&both[v]->io, 0xE0, 1, &irq_port_ops, &both[v]->cpu, "test-irq")) {
                fprintf(stderr, "port 0xE0 is taken\n");
                return 1;
            }
        }
    }
    /* M_HINT: seed & 1 takes SSE2 from both CPUs (LFENCE is #UD), seed &
     * 2 gives both a pause pin, whose calls must match. */
    uint64_t pauses[2] = { 0, 0 };
    if (mode & M_HINT) {
        struct vm *both[] = { vi, vj };
        for (int v = 0; v < 2; v++) {
            if (seed & 1)
                both[v]->cpu.features[CPUF_SSE2 / 32] &= ~(1u << (CPUF_SSE2 % 32));
            if (seed & 2) {
                both[v]->cpu.pins.pause = count_pause;
                both[v]->cpu.pins.pause_opaque = &pauses[v];
            }
        }
    }
    uint64_t irqs_taken = 0, epochs = 0;
    static uint8_t data[DATA_LEN];
    unsigned mismatches = 0, ran = 0;
    for (unsigned n = 0; n < programs; n++) {
        struct prog p;
        flat = !code16 && (n & 1);
        make_program(&p);
        uint32_t regs[8];
        for (int r = 0; r < 8; r++)
            regs[r] = rnd() % 5 == 0 ? rnd() : rnd() & 0x7FF;
        regs[R_EBX] = bias() + DATA + (rnd() & 0x3FF);
        if (mode & M_NEAR)
            regs[R_EBX] = bias() + DATA + 0x1000 - 0x40 + (rnd() & 0x7C);
        regs[R_ESI] = rnd() & 0xFF;
        regs[R_ESP] = bias() + STACK - (rnd() & 0x3C);
        regs[R_EAX] = rnd() % 3 ? bias() + DATA + (rnd() & 0x7FC) : rnd();
        for (unsigned i = 0; i < DATA_LEN; i += 4) {
            uint32_t v = rnd();
            if (rnd() % 4 == 0) /* small doubles and integers */
                v = (i & 4) ? 0x40000000u + (rnd() & 0xFFFFF) : rnd() & 0xFF;
            memcpy(data + i, &v, 4);
        }
        uint32_t iters = 20 + rnd() % 60;
        if (code16) {
            regs[R_EBP] = STACK - 0x100 - (rnd() & 0xFE);
            regs[R_EDI] = DATA + (rnd() & 0xFFE);
        }
        if (mode & M_PAGING)
            for (unsigned i = 0; i < 16; i++) { /* Fisher-Yates */
                unsigned j = rnd() % (i + 1);
                perm[i] = perm[j];
                perm[j] = (uint8_t)i;
            }
        irqs.n = 0;
        if (mode & M_IRQ) {
            irqs.n = rnd() % 7;
            for (unsigned i = 0; i < irqs.n; i++)
                irqs.at[i] = 1 + rnd() % 3000;
            for (unsigned i = 1; i < irqs.n; i++) /* ascending */
                for (unsigned j = i; j > 0 && irqs.at[j - 1] > irqs.at[j]; j--) {
                    uint32_t t = irqs.at[j];
                    irqs.at[j] = irqs.at[j - 1];
                    irqs.at[j - 1] = t;
                }
            make_handler(&handler);
        }
        if (focus >= 0 && (int)n != focus)
            continue;
        ran++;
        if (focus >= 0) {
            /* Debugging one program: the first loop count that differs. */
            for (uint32_t it = 1; it <= iters; it++) {
                run(vi, &p, regs, it, data, &oi);
                run(vj, &p, regs, it, data, &oj);
                if (oi.fpu.top != oj.fpu.top || oi.fpu.full != oj.fpu.full ||
                    memcmp(oi.gpr, oj.gpr, sizeof(oi.gpr)) || oi.eflags != oj.eflags ||
                    oi.icount != oj.icount || oi.fpu.sw != oj.fpu.sw || !same_fpu(&oi.fpu, &oj.fpu)) {
                    fprintf(stderr, "first difference after %u iterations\n", it);
                    iters = it;
                    break;
                }
            }
        }
        run(vi, &p, regs, iters, data, &oi);
        run(vj, &p, regs, iters, data, &oj);
        bool same = oi.stop == oj.stop && !memcmp(oi.gpr, oj.gpr, sizeof(oi.gpr)) &&
                    oi.eip == oj.eip && oi.eflags == oj.eflags && oi.icount == oj.icount &&
                    oi.interrupts == oj.interrupts && same_fpu(&oi.fpu, &oj.fpu) &&
                    !oi.budget_miss && !oj.budget_miss &&
                    !memcmp(oi.area, oj.area, sizeof(oi.area)) &&
                    !memcmp(oi.pt, oj.pt, sizeof(oi.pt)) && !memcmp(oi.alt, oj.alt, sizeof(oi.alt)) &&
                    pauses[0] == pauses[1];
        irqs_taken += oj.interrupts;
        epochs += oj.epochs;
        CHECK(same);
        if (!same && mismatches++ < 3) {
            fprintf(stderr, "program %u differs (seed %llu):", n,
                    (unsigned long long)seed);
            for (unsigned i = 0; i < p.n; i++)
                fprintf(stderr, " %02x", p.b[i]);
            fprintf(stderr, "\n");
            dump("interp", &oi);
            dump("jit", &oj);
            fprintf(stderr, "  interrupts %llu vs %llu\n", (unsigned long long)oi.interrupts,
                    (unsigned long long)oj.interrupts);
            if (pauses[0] != pauses[1])
                fprintf(stderr, "  pause pin calls %llu vs %llu\n", (unsigned long long)pauses[0],
                        (unsigned long long)pauses[1]);
            for (unsigned i = 0; i < sizeof(oi.area); i++)
                if (oi.area[i] != oj.area[i]) {
                    fprintf(stderr, "  area[%#x]: %02x vs %02x\n", i, oi.area[i], oj.area[i]);
                    break;
                }
            for (unsigned i = 0; i < sizeof(oi.pt); i += 4)
                if (memcmp(oi.pt + i, oj.pt + i, 4)) {
                    fprintf(stderr, "  PTE %u differs\n", i / 4);
                    break;
                }
        }
    }
    struct engine_stats es;
    engine_stats(vj->engine, &es);
    const struct jit_stats *js = &es.jit;
    printf("%u programs (mode %llu); translator: %llu blocks, %llu native and %llu interpreted "
           "instructions, %llu bails, %llu chained jumps, jump cache %llu fills %llu misses, "
           "%llu inner loops; %llu interrupts, %llu discards of scanned code; "
           "%llu two-page blocks\n",
           ran, (unsigned long long)mode, (unsigned long long)js->blocks_translated,
           (unsigned long long)js->native_insns, (unsigned long long)js->callout_insns,
           (unsigned long long)js->bails, (unsigned long long)js->links,
           (unsigned long long)js->jc_fills, (unsigned long long)js->jc_misses,
           (unsigned long long)js->inner_loops, (unsigned long long)irqs_taken,
           (unsigned long long)epochs, (unsigned long long)es.cache.two_pages);
    /* The test is only worth something if the translator ran (16-bit
     * code may all be the interpreter's: only the handler is 32-bit). */
    if (!code16 && (threshold == 1 || !(mode & (M_SMC | M_XPAGE)))) {
        /* (Code a store changes every pass does not get hot.) */
        CHECK(js->blocks_translated > ran / 2);
        CHECK(js->native_insns > js->callout_insns);
        /* Chaining was exercised (a few in a hundred link). */
        if (!(mode & (M_SMC | M_NEAR | M_XPAGE))) /* (stores into the code unlink them; M_NEAR's
                                           programs, longer, fault more often before
                                           their loop is chained; M_ACROSS's transfers
                                           go to other pages or are computed) */
            CHECK(ran < 1000 || js->links >= ran / ((mode & M_ACROSS) ? 200 : 100));
    }
    /* ... and the modes did what they are for. */
    if ((mode & M_IRQ) && ran >= 100)
        CHECK(irqs_taken >= ran / 2);
    if ((mode & M_SMC) && ran >= 100)
        CHECK(epochs >= ran / 2);
    /* Blocks went on at rotated loops' heads (engine/cache.c rotated_head). */
    if ((mode & M_ROTATED) && !code16 && ran >= 100)
        CHECK(es.cache.rotated >= ran / 2);
    /* Blocks went on past a Jcc back before their start (cache_spec.c). */
    if ((mode & M_LZC) && !code16 && ran >= 100)
        CHECK(es.cache.spec_kept >= ran / 4);
    /* Blocks went on after a loop's closing Jcc (cache_loopx.c). */
    if ((mode & M_LZM) && !code16 && ran >= 100)
        CHECK(es.cache.loopx_kept >= ran / 4);
    /* Blocks went on at branches back on their loop's way home. */
    if ((mode & M_HOME) && !code16 && ran >= 100)
        CHECK(es.cache.home_kept >= ran / 4);
    /* Blocks went on into the second page (a few per program). */
    if ((mode & M_XPAGE) && !code16 && ran >= 100 && threshold <= 16)
        CHECK(es.cache.two_pages >= ran);
    /* (Not when stores change the code and a block must get hot: too few
     * loops are translated then, how many depends on the seed.) */
    if ((mode & (M_LOOPS | M_X87LOOP | M_FDP | M_OVERLAP)) && !code16 && ran >= 100 &&
        (threshold == 1 || !(mode & M_SMC)))
        CHECK(js->inner_loops >= ran / 20);
    vm_destroy(vi);
    vm_destroy(vj);
    return check_report();
}
