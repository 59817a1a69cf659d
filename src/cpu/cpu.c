/* CPU lifecycle, the single-step slow path and exception delivery; the
 * loop over blocks that calls them is the engine's (src/engine/run.c). */
#include "cpu/cpu.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_model.h"
#include "cpu/exec.h"
#include "cpu/fpu.h"
#include "cpu/interrupt.h"
#include "cpu/mmu.h"
#include "cpu/msr.h"
#include "cpu/ops.h"
#include "cpu/seg.h"
#include "cpu/simd.h"
#include "cpu/step.h"

_Static_assert(FS_C == F_CF && FS_P == F_PF && FS_A == F_AF && FS_Z == F_ZF && FS_S == F_SF &&
                   FS_O == F_OF && FS_OSZAPC == F_ARITH,
               "the table's flag sets are EFLAGS bits");
_Static_assert(OP_JNLE - OP_JO == 15 && OP_SETNLE - OP_SETO == 15 && OP_CMOVNLE - OP_CMOVO == 15,
               "Jcc, SETcc and CMOVcc rows in condition-code order");

const struct op_info op_table[OP_COUNT] = {
    [OP_INVALID] = { "(invalid)", NULL, FLOW_UD, VIRT_NONE, 0, TR_NONE, 0, 0, 0, 0, 0 },
#define X(mn, h, flow, virt, lvl, rd, wr, un, uz, tr, fast)                               \
    [OP_##mn] = { #mn, h, flow, virt, lvl, TR_##tr, fast, FS_##rd, FS_##wr, FS_##un, FS_##uz },
#define P(nm, h, flow, virt, lvl, rd, wr, un, uz, tr, fast)                               \
    [OP_##nm] = { #nm, h, flow, virt, lvl, TR_##tr, fast, FS_##rd, FS_##wr, FS_##un, FS_##uz },
#include "cpu/insn_table.def"
#undef X
#undef P
};

void cpu_set_model(struct cpu *c, const struct cpu_model *model)
{
    c->model = model;
    c->level = model->level;
    for (unsigned w = 0; w < CPU_FEATURE_WORDS; w++)
        c->features[w] = model->features[w] & cpu_model_implemented(w);
}

int cpu_init(struct cpu *c, struct vm *vm, const struct cpu_model *model)
{
    memset(c, 0, sizeof(*c));
    c->vm = vm;
    cpu_set_model(c, model);
    c->decoder = decoder_create();
    if (!c->decoder || mmu_init(c) < 0) {
        cpu_destroy(c);
        return -1;
    }
    return 0;
}

void cpu_destroy(struct cpu *c)
{
    decoder_destroy(c->decoder);
    c->decoder = NULL;
    mmu_destroy(c);
}

/* EFLAGS bits software can change on each model (SDM vol. 3A, 2.3; AC
 * arrived with the 486, VIF/VIP with the Pentium, ID with CPUID: a
 * CPUID-capable 486 has it). */
uint32_t cpu_eflags_writable(const struct cpu *c)
{
    uint32_t m = F_ARITH | F_TF | F_IF | F_DF | F_IOPL | F_NT | F_RF | F_VM;
    if (c->level >= CPU_486)
        m |= F_AC;
    if (c->level >= CPU_586)
        m |= F_VIF | F_VIP;
    if (c->model->max_basic > 0)
        m |= F_ID;
    return m;
}

uint32_t cpu_get_eflags(const struct cpu *c)
{
    return (c->eflags & cpu_eflags_writable(c)) | F_1;
}

void cpu_set_eflags(struct cpu *c, uint32_t value)
{
    uint32_t old = c->eflags;
    c->eflags = (value & cpu_eflags_writable(c)) | F_1;
    if ((old ^ c->eflags) & F_AC)
        cpu_mode_changed(c); /* alignment checking may switch on or off */
}

static void seg_reset(struct seg *s, uint16_t sel, uint32_t base, uint16_t attr)
{
    s->sel = sel;
    s->base = base;
    s->limit = 0xFFFF;
    s->attr = attr;
}

void cpu_reset(struct cpu *c)
{
    struct vm *vm = c->vm;
    enum cpu_level level = c->level;
    void *decoder = c->decoder;
    /* Counters are the VM's accounting, not CPU state: they run on across
     * resets (a reboot loop still meets -max-insns). */
    uint64_t icount = c->icount, interrupts = c->interrupts, exceptions = c->exceptions;
    /* The pins are the board's wiring, not CPU state. */
    struct cpu_pins pins = c->pins;
    memset(c, 0, offsetof(struct cpu, fault_jmp));
    c->vm = vm;
    c->level = level;
    c->decoder = decoder;
    c->pins = pins;
    c->icount = icount;
    c->interrupts = interrupts;
    c->exceptions = exceptions;

    /* SDM vol. 3A, 9.1.1, table 9-1. */
    c->eflags = F_1;
    c->eip = 0xFFF0;
    for (int s = 0; s < S_COUNT; s++)
        seg_reset(&c->seg[s], 0, 0, 0x0093);              /* present, RW data */
    seg_reset(&c->seg[S_CS], 0xF000, 0xFFFF0000u, 0x009B); /* present, RX code */
    seg_reset(&c->ldtr, 0, 0, 0x0082);
    seg_reset(&c->tr, 0, 0, 0x008B);
    c->gdtr.limit = 0xFFFF;
    c->idtr.limit = 0xFFFF;
    c->cr0 = CR0_ET | (level >= CPU_486 ? CR0_CD | CR0_NW : 0);
    c->dr[6] = 0xFFFF0FF0u;
    c->dr[7] = 0x00000400u;
    /* EDX holds the processor signature after reset. */
    c->gpr[R_EDX] = cpu_model_signature(c->model);
    msr_reset(c);
    fpu_reset(c);
    sse_reset(c);
    c->delivering = -1;
    c->sys_access = false;
    mmu_flush(c, true); /* RESET/INIT leave the TLB empty */
    cpu_mode_changed(c);
}

/* --- exceptions ------------------------------------------------------ */

_Noreturn void cpu_fault(struct cpu *c, int vector, uint32_t err)
{
    c->exc_vector = vector;
    c->exc_error = err;
    longjmp(c->fault_jmp, 1);
}

void cpu_soft_interrupt(struct cpu *c, int vector, enum event_source src)
{
    deliver_event(c, vector, src, false, 0, c->eip);
}

void cpu_tlb_flush(struct cpu *c, bool include_global)
{
    mmu_flush(c, include_global);
}

void cpu_tlb_drop_writes(struct cpu *c, uint32_t pa, uint32_t len)
{
    mmu_drop_writes(c, pa, len);
}

void cpu_tlb_invlpg(struct cpu *c, uint32_t la)
{
    mmu_invlpg(c, la);
}

static bool contributory(int v)
{
    return v == EXC_DE || (v >= EXC_TS && v <= EXC_GP);
}

/* Picks what to deliver when `second` arrives while delivering `first`
 * (SDM vol. 3A, 6.15, table 6-5).  Returns -1 for shutdown. */
static int combine_faults(int first, int second)
{
    if (first < 0)
        return second;
    if (first == EXC_DF)
        return -1;
    if ((contributory(first) && contributory(second)) ||
        (first == EXC_PF && (second == EXC_PF || contributory(second))))
        return EXC_DF;
    return second;
}

/* --- fetch and decode ------------------------------------------------ */

/* Code bytes at la, EXEC access through the TLB (may raise #PF); the
 * caller keeps n within the page. */
static void fetch_bytes(struct cpu *c, uint32_t la, uint8_t *dst, unsigned n)
{
    mmu_fetch(c, la, dst, n);
}

/* Fetches and decodes the instruction at CS:EIP.  Bytes beyond the CS limit
 * are never fetched: an instruction that needs them raises #GP(0); the
 * second page is only touched when the instruction crosses into it. */
static void fetch_decode(struct cpu *c, struct insn *in)
{
    const struct seg *cs = &c->seg[S_CS];
    uint32_t eip = c->eip;
    if (eip > cs->limit)
        cpu_fault(c, EXC_GP, 0);
    uint64_t avail = (uint64_t)cs->limit - eip + 1;
    unsigned n = avail < CPU_MAX_INSN_LEN ? (unsigned)avail : CPU_MAX_INSN_LEN;
    uint32_t la = cs->base + eip;
    unsigned in_page = PHYS_PAGE_SIZE - (la & (PHYS_PAGE_SIZE - 1));
    unsigned first = n < in_page ? n : in_page;
    uint8_t buf[CPU_MAX_INSN_LEN];

    fetch_bytes(c, la, buf, first);
    enum decode_status st = decode_insn_memo(c->decoder, c->code32, buf, first, in);
    if (st == DECODE_MORE && first < n) {
        fetch_bytes(c, la + first, buf + first, n - first);
        st = decode_insn_memo(c->decoder, c->code32, buf, n, in);
    }
    switch (st) {
    case DECODE_OK:
        break;
    case DECODE_MORE:      /* cut short by the segment limit */
    case DECODE_TOO_LONG:
        cpu_fault(c, EXC_GP, 0);
    case DECODE_UD:
    case DECODE_BAD_LOCK:
        cpu_fault(c, EXC_UD, 0);
    }
    if (op_table[in->op].level > c->level)
        cpu_fault(c, EXC_UD, 0);
}

/* --- between instructions (step.h) ---------------------------------- */

/* External interrupts at an instruction boundary (SDM vol. 3A, 6.8): NMI
 * first, then INTR when IF is set.  Returns true if one was delivered. */
bool cpu_take_interrupt(struct cpu *c)
{
    int vector;
    if (c->nmi_pending) {
        c->nmi_pending = false;
        vector = EXC_NMI;
    } else if (c->irq_line && (c->eflags & F_IF) && c->pins.irq_ack) {
        vector = c->pins.irq_ack(c->pins.irq_opaque);
        if (vector < 0)
            return false;  /* spurious: the line dropped */
    } else {
        return false;
    }
    c->halted = false;
    c->insn_eip = c->eip;
    c->insn_esp = c->gpr[R_ESP];
    /* Not c->delivering = vector: an external vector number (the BIOS puts
     * IRQ 5 at 0x0D) must not be mistaken for the exception of that number
     * by the double-fault rules. */
    c->delivering = DELIVERING_EXTERNAL;
    exit_log_add(&c->exits, EXIT_INTERRUPT, c->seg[S_CS].sel, c->eip, (uint32_t)vector, 0, 0);
    deliver_event(c, vector, EV_EXTERNAL, false, 0, c->eip);
    c->delivering = -1;
    c->interrupts++;
    return true;
}

static void check_insn_breakpoints(struct cpu *c);

bool cpu_step_begin(struct cpu *c)
{
    c->insn_eip = c->eip;
    c->insn_esp = c->gpr[R_ESP];
    bool single_step = c->eflags & F_TF;
    bool ss_shadow = c->shadow == SHADOW_SS; /* after MOV SS: no #DB */
    c->shadow = 0;
    if (unlikely(c->dr7_exec) && !(c->eflags & F_RF) && !ss_shadow)
        check_insn_breakpoints(c);
    return single_step;
}

void cpu_step_finish(struct cpu *c, bool single_step)
{
    struct insn in;
    fetch_decode(c, &in);
    c->eip += in.len;
    if (!c->code32)
        c->eip &= 0xFFFF;
    in.fn(c, &in);
    c->icount++;
    /* RF lasts for one instruction, unless that instruction was IRET
     * loading it (SDM vol. 3A, 17.3.1.1). */
    if (unlikely(c->eflags & F_RF) && in.op != OP_IRET && in.op != OP_IRETD)
        c->eflags &= ~F_RF;
    if (unlikely(single_step || c->db_trap))
        cpu_debug_trap(c, single_step);
}

/* Instruction breakpoints (DR7 R/W = 00): a fault before the instruction
 * at an armed linear address executes; RF suppresses it for one
 * instruction so the handler can return (SDM vol. 3A, 17.3.1.1). */
static void check_insn_breakpoints(struct cpu *c)
{
    uint32_t la = c->seg[S_CS].base + c->eip;
    uint32_t hit = 0;
    for (unsigned n = 0; n < 4; n++)
        if (((c->dr7_exec >> n) & 1) && c->dr[n] == la)
            hit |= 1u << n;
    if (hit) {
        c->dr[6] = (c->dr[6] & ~0xFu) | hit;
        cpu_fault(c, EXC_DB, 0);
    }
}

/* #DB traps after an instruction (SDM vol. 3A, 17.2.3): TF was set at its
 * start (DR6.BS) and/or it hit a data breakpoint (DR6.Bn, set by
 * check_data_breakpoints).  The return address is the next instruction. */
void cpu_debug_trap(struct cpu *c, bool single_step)
{
    if (single_step)
        c->dr[6] |= 1u << 14;
    c->db_trap = false;
    c->insn_eip = c->eip;
    c->insn_esp = c->gpr[R_ESP];
    c->delivering = EXC_DB;
    c->exceptions++;
    deliver_event(c, EXC_DB, EV_EXCEPTION, false, 0, c->eip);
    c->delivering = -1;
}

bool cpu_deliver_fault(struct cpu *c)
{
    /* Roll back to the instruction's start and deliver (SDM vol. 3A, 6.5:
     * faults report the faulting instruction's address). */
    int vector = combine_faults(c->delivering, c->exc_vector);
    c->delivering = -1;
    c->sys_access = false; /* a fault may have cut a system access short */
    c->eip = c->insn_eip;
    c->gpr[R_ESP] = c->insn_esp;
    if (vector < 0) {
        c->halted = true;
        return false;
    }
    c->exceptions++;
    bool has_err = (c->cr0 & CR0_PE) && exception_has_error(vector);
    uint32_t err = vector == EXC_DF ? 0 : c->exc_error;
    exit_log_add(&c->exits, EXIT_EXCEPTION, c->seg[S_CS].sel, c->insn_eip, (uint32_t)vector,
                 has_err ? err : 0, 0);
    c->db_trap = false; /* the faulting instruction did not complete */
    /* Faults push EFLAGS with RF set, so that the restarted instruction
     * does not hit its instruction breakpoint again; #DB itself does not
     * (its handler decides) (SDM vol. 3A, 17.3.1.1). */
    if (vector != EXC_DB)
        c->eflags |= F_RF;
    c->delivering = vector;
    deliver_event(c, vector, EV_EXCEPTION, has_err, err, c->insn_eip);
    c->delivering = -1;
    return true;
}

/* --- operands -------------------------------------------------------- */

/* Operand kinds the inline accessors do not handle (exec.h). */
uint32_t opnd_read_other(struct cpu *c, const struct insn *i, unsigned k)
{
    const struct opnd *o = &i->o[k];
    if (o->kind == OPK_SREG)
        return c->seg[o->reg].sel;
    cpu_fault(c, EXC_UD, 0);
}

void opnd_write_other(struct cpu *c, const struct insn *i, unsigned k, uint32_t v)
{
    (void)i;
    (void)k;
    (void)v;
    cpu_fault(c, EXC_UD, 0);
}

/* --- control transfer ------------------------------------------------ */

