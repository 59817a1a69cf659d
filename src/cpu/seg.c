/* Segment loads, access checks and far transfers.  Only segment loads
 * refresh a hidden descriptor cache (seed 001): nothing here runs on LGDT,
 * CR3 writes or writes to a descriptor table. */
#include "cpu/seg.h"

#include <stdarg.h>
#include <stdio.h>

#include "cpu/exec.h"
#include "cpu/interrupt.h"
#include "cpu/task.h"

void cpu_internal_error(struct cpu *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(msg))
        snprintf(msg + n, sizeof(msg) - (size_t)n, " at %04x:%08x", c->seg[S_CS].sel,
                 c->insn_eip);
    if (c->pins.internal_error)
        c->pins.internal_error(c->pins.error_opaque, msg);
    c->stop_request = true;
}

/* --- access checks -------------------------------------------------------- */

/* Alignment checking (SDM vol. 3A, 6.15, interrupt 17): CR0.AM, EFLAGS.AC
 * and CPL 3 (V86 included). */
static bool align_checking(const struct cpu *c)
{
    return (c->cr0 & CR0_AM) && (c->eflags & F_AC) && c->cpl == 3;
}

static uint8_t seg_check_bits(const struct cpu *c, int sreg, const struct seg *s)
{
    uint8_t extra = (align_checking(c) ? SEGC_ALIGN : 0) | (c->dr7_data ? SEGC_WATCH : 0);
    if (!cpu_pmode(c))
        return extra;
    if (!(s->attr & SEG_ATTR_P) || !(s->attr & SEG_ATTR_S))
        return SEGC_NO_READ | SEGC_NO_WRITE | extra;   /* null (or unusable) */
    unsigned type = s->attr & SEG_ATTR_TYPE;
    if (type & SEG_TYPE_CODE)
        return SEGC_NO_WRITE | ((type & SEG_TYPE_READABLE) ? 0 : SEGC_NO_READ) | extra;
    return ((type & SEG_TYPE_WRITABLE) ? 0 : SEGC_NO_WRITE) |
           ((type & SEG_TYPE_EXPDOWN) ? SEGC_EXPDOWN : 0) | extra;
}

static void seg_refresh(struct cpu *c, int sreg)
{
    c->seg[sreg].check = seg_check_bits(c, sreg, &c->seg[sreg]);
}

void cpu_mode_changed(struct cpu *c)
{
    if (c->eflags & F_VM) {
        c->cpl = 3;
        c->code32 = false;
        c->stack32 = false;
    } else {
        c->code32 = (c->seg[S_CS].attr & SEG_ATTR_DB) != 0;
        c->stack32 = (c->seg[S_SS].attr & SEG_ATTR_DB) != 0;
        if (!(c->cr0 & CR0_PE))
            c->cpl = 0;
    }
    for (int s = 0; s < S_COUNT; s++)
        seg_refresh(c, s);
}

uint32_t seg_linear_slow(struct cpu *c, int s, uint32_t off, unsigned size,
                         enum seg_access acc)
{
    const struct seg *sg = &c->seg[s];
    int vec = s == S_SS ? EXC_SS : EXC_GP;
    if (sg->check & acc)
        cpu_fault(c, vec, 0);
    uint32_t last = off + size - 1;
    if (sg->check & SEGC_EXPDOWN) {
        /* Valid offsets are limit+1 .. 0xFFFF (or 0xFFFFFFFF with B=1). */
        uint32_t top = (sg->attr & SEG_ATTR_DB) ? 0xFFFFFFFFu : 0xFFFFu;
        if (off <= sg->limit || last > top || last < off)
            cpu_fault(c, vec, 0);
    } else if (off > sg->limit || sg->limit - off < size - 1) {
        cpu_fault(c, vec, 0);
    }
    uint32_t la = sg->base + off;
    if ((sg->check & SEGC_ALIGN) && (la & (size - 1)))
        cpu_fault(c, EXC_AC, 0);
    if (sg->check & SEGC_WATCH)
        check_data_breakpoints(c, la, size, acc == SEG_WRITE);
    return la;
}

/* Data breakpoints (SDM vol. 3A, 17.2.5): an access overlapping an armed
 * DRn range of the matching kind (R/W=01 writes, 11 reads and writes) sets
 * DR6.Bn and raises a #DB trap after the instruction. */
void check_data_breakpoints(struct cpu *c, uint32_t la, unsigned size, bool write)
{
    static const uint32_t len_bytes[4] = { 1, 2, 8, 4 };
    for (unsigned n = 0; n < 4; n++) {
        if (!((c->dr7_data >> n) & 1))
            continue;
        unsigned rw = (c->dr[7] >> (16 + 4 * n)) & 3;
        if (rw == 1 && !write)
            continue;
        uint32_t len = len_bytes[(c->dr[7] >> (18 + 4 * n)) & 3];
        uint32_t start = c->dr[n] & ~(len - 1);
        if (la <= start + len - 1 && start <= la + size - 1) {
            c->dr[6] |= 1u << n;
            c->db_trap = true;
        }
    }
}

void cpu_dr7_changed(struct cpu *c)
{
    c->dr7_exec = c->dr7_data = 0;
    for (unsigned n = 0; n < 4; n++) {
        if (!((c->dr[7] >> (2 * n)) & 3))   /* Ln or Gn */
            continue;
        unsigned rw = (c->dr[7] >> (16 + 4 * n)) & 3;
        if (rw == 0)
            c->dr7_exec |= (uint8_t)(1u << n);
        else if (rw != 2)                     /* I/O breakpoints: not modelled */
            c->dr7_data |= (uint8_t)(1u << n);
    }
    cpu_mode_changed(c);
}

/* --- segment loads -------------------------------------------------------- */

void cpu_load_seg_real(struct cpu *c, int sreg, uint16_t sel)
{
    struct seg *s = &c->seg[sreg];
    s->sel = sel;
    s->base = (uint32_t)sel << 4;
    if (c->eflags & F_VM) {
        /* V86 loads give a 64 KiB, writable, DPL 3 segment (SDM vol. 3A,
         * 20.1.1). */
        s->limit = 0xFFFF;
        s->attr = (uint16_t)(SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DPL | 0x3 |
                             (sreg == S_CS ? SEG_TYPE_CODE | SEG_TYPE_READABLE : 0));
    }
    if (sreg == S_CS)
        c->code32 = !(c->eflags & F_VM) && (s->attr & SEG_ATTR_DB);
    if (sreg == S_SS)
        c->stack32 = !(c->eflags & F_VM) && (s->attr & SEG_ATTR_DB);
    seg_refresh(c, sreg);
}

/* A null selector in DS/ES/FS/GS: loadable, but any access faults. */
static void load_null(struct cpu *c, int sreg, uint16_t sel)
{
    c->seg[sreg].sel = sel;
    c->seg[sreg].attr = 0;
    c->seg[sreg].check = SEGC_NO_READ | SEGC_NO_WRITE;
}

void load_seg(struct cpu *c, int sreg, uint16_t sel)
{
    if (!cpu_pmode(c)) {
        cpu_load_seg_real(c, sreg, sel);
        return;
    }
    uint16_t err = sel & 0xFFFC;
    if ((sel & ~3) == 0) {
        if (sreg == S_SS)
            cpu_fault(c, EXC_GP, 0);
        load_null(c, sreg, sel);
        return;
    }
    struct desc d;
    if (!desc_fetch(c, sel, &d))
        cpu_fault(c, EXC_GP, err);
    if (sreg == S_SS) {
        if ((sel & 3) != c->cpl || !desc_writable(&d) || d.dpl != c->cpl)
            cpu_fault(c, EXC_GP, err);
        if (!d.present)
            cpu_fault(c, EXC_SS, err);
    } else {
        if (!d.s || !desc_readable(&d))
            cpu_fault(c, EXC_GP, err);
        if (!desc_conforming(&d) && ((sel & 3) > d.dpl || c->cpl > d.dpl))
            cpu_fault(c, EXC_GP, err);
        if (!d.present)
            cpu_fault(c, EXC_NP, err);
    }
    desc_set_accessed(c, sel, &d);
    seg_load_cache(c, sreg, sel, &d);
    seg_refresh(c, sreg);
}

void null_inaccessible_segs(struct cpu *c)
{
    static const int data_segs[] = { S_ES, S_DS, S_FS, S_GS };
    for (unsigned k = 0; k < 4; k++) {
        struct seg *s = &c->seg[data_segs[k]];
        unsigned dpl = (s->attr & SEG_ATTR_DPL) >> 5;
        bool conforming_code = (s->attr & SEG_ATTR_S) &&
                               (s->attr & (SEG_TYPE_CODE | SEG_TYPE_CONFORMING)) ==
                                   (SEG_TYPE_CODE | SEG_TYPE_CONFORMING);
        if ((s->sel & ~3) != 0 && !conforming_code && dpl < c->cpl)
            load_null(c, data_segs[k], 0);
    }
}

/* --- stacks of other privilege levels ------------------------------------- */

void new_stack_push(struct cpu *c, struct new_stack *ns, uint32_t v, unsigned size)
{
    uint32_t esp = ns->esp - size;
    if (!ns->big)
        esp &= 0xFFFF;
    const struct seg *s = &ns->ss;
    bool expdown = (s->attr & SEG_TYPE_EXPDOWN) != 0;
    uint32_t last = esp + size - 1;
    bool ok = expdown ? esp > s->limit && last <= (ns->big ? 0xFFFFFFFFu : 0xFFFFu)
                      : esp <= s->limit && s->limit - esp >= size - 1;
    if (!ok)
        cpu_fault(c, EXC_SS, ns->fault_sel);
    sys_write(c, s->base + esp, v, size);
    ns->esp = esp;
}

void tss_stack(struct cpu *c, unsigned dpl, struct new_stack *ns, uint16_t ext)
{
    bool tss32 = (c->tr.attr & SEG_ATTR_TYPE) >= SYS_TSS32_AVAIL;
    uint32_t off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
    unsigned w = tss32 ? 4 : 2;
    if (off + 2 * w - 1 > c->tr.limit)
        cpu_fault(c, EXC_TS, (c->tr.sel & 0xFFFC) | ext);
    uint32_t esp = sys_read(c, c->tr.base + off, w);
    uint16_t ss = (uint16_t)sys_read(c, c->tr.base + off + w, 2);
    uint16_t err = (ss & 0xFFFC) | ext;
    struct desc d;
    if ((ss & ~3) == 0)
        cpu_fault(c, EXC_TS, ext);
    if (!desc_fetch(c, ss, &d) || (ss & 3) != dpl || d.dpl != dpl || !desc_writable(&d))
        cpu_fault(c, EXC_TS, err);
    if (!d.present)
        cpu_fault(c, EXC_SS, err);
    desc_set_accessed(c, ss, &d);
    ns->ss = (struct seg){ .base = d.base, .limit = d.limit, .sel = ss, .attr = d.attr };
    ns->big = (d.attr & SEG_ATTR_DB) != 0;
    ns->esp = tss32 ? esp : esp & 0xFFFF;
    ns->fault_sel = err;
}

/* Commits a new stack as SS:ESP. */
static void switch_stack(struct cpu *c, const struct new_stack *ns)
{
    struct desc d = { .base = ns->ss.base, .limit = ns->ss.limit, .attr = ns->ss.attr };
    seg_load_cache(c, S_SS, ns->ss.sel, &d);
    seg_refresh(c, S_SS);
    if (ns->big)
        c->gpr[R_ESP] = ns->esp;
    else
        c->gpr[R_ESP] = (c->gpr[R_ESP] & 0xFFFF0000u) | (ns->esp & 0xFFFF);
}

/* --- far transfers -------------------------------------------------------- */

/* Loads CS for a transfer to a code segment at the current CPL. */
static void enter_code(struct cpu *c, uint16_t sel, const struct desc *d, uint32_t off,
                       unsigned new_cpl)
{
    if (off > d->limit)
        cpu_fault(c, EXC_GP, 0);
    struct desc dd = *d;
    desc_set_accessed(c, sel, &dd);
    seg_load_cache(c, S_CS, (uint16_t)((sel & ~3) | new_cpl), &dd);
    seg_refresh(c, S_CS);
    c->eip = off;
}

/* The code-segment checks shared by JMP, CALL and gates (SDM vol. 3A,
 * 5.8.1): conforming needs DPL <= CPL, nonconforming needs DPL == CPL and,
 * for direct transfers, RPL <= CPL. */
static void check_code_target(struct cpu *c, uint16_t sel, const struct desc *d, bool direct)
{
    uint16_t err = sel & 0xFFFC;
    if (!desc_is_code(d))
        cpu_fault(c, EXC_GP, err);
    if (desc_conforming(d)) {
        if (d->dpl > c->cpl)
            cpu_fault(c, EXC_GP, err);
    } else if (d->dpl != c->cpl || (direct && (sel & 3) > c->cpl)) {
        cpu_fault(c, EXC_GP, err);
    }
    if (!d->present)
        cpu_fault(c, EXC_NP, err);
}

static void fetch_or_gp(struct cpu *c, uint16_t sel, struct desc *d)
{
    if ((sel & ~3) == 0)
        cpu_fault(c, EXC_GP, 0);
    if (!desc_fetch(c, sel, d))
        cpu_fault(c, EXC_GP, sel & 0xFFFC);
}

/* A gate or TSS named by a far JMP/CALL: DPL >= CPL and DPL >= RPL. */
static void check_gate_access(struct cpu *c, uint16_t sel, const struct desc *d)
{
    if (d->dpl < c->cpl || d->dpl < (sel & 3))
        cpu_fault(c, EXC_GP, sel & 0xFFFC);
    if (!d->present)
        cpu_fault(c, EXC_NP, sel & 0xFFFC);
}

/* Task gate or TSS as a JMP/CALL target. */
static void far_to_task(struct cpu *c, uint16_t sel, const struct desc *d, enum task_reason why)
{
    check_gate_access(c, sel, d);
    uint16_t tss_sel = sel;
    struct desc tss = *d;
    if (d->type == SYS_TASK_GATE) {
        tss_sel = gate_selector(d);
        if (tss_sel & 4)
            cpu_fault(c, EXC_GP, tss_sel & 0xFFFC);
        fetch_or_gp(c, tss_sel, &tss);
    }
    if (tss.s || (tss.type != SYS_TSS16_AVAIL && tss.type != SYS_TSS32_AVAIL))
        cpu_fault(c, EXC_GP, tss_sel & 0xFFFC);
    if (!tss.present)
        cpu_fault(c, EXC_NP, tss_sel & 0xFFFC);
    task_switch(c, tss_sel, &tss, why, c->eip, false, 0);
}

void far_jmp(struct cpu *c, uint16_t sel, uint32_t off, unsigned osize)
{
    if (osize == 2)
        off &= 0xFFFF;
    if (!cpu_pmode(c)) {
        if (off > c->seg[S_CS].limit)
            cpu_fault(c, EXC_GP, 0);
        cpu_load_seg_real(c, S_CS, sel);
        c->eip = off;
        return;
    }
    struct desc d;
    fetch_or_gp(c, sel, &d);
    if (d.s) {
        check_code_target(c, sel, &d, true);
        enter_code(c, sel, &d, off, c->cpl);
        return;
    }
    switch (d.type) {
    case SYS_CALL_GATE16:
    case SYS_CALL_GATE32: {
        check_gate_access(c, sel, &d);
        uint16_t tsel = gate_selector(&d);
        struct desc t;
        fetch_or_gp(c, tsel, &t);
        check_code_target(c, tsel, &t, false);
        uint32_t toff = gate_offset(&d);
        enter_code(c, tsel, &t, toff, c->cpl);
        return;
    }
    case SYS_TASK_GATE:
    case SYS_TSS16_AVAIL:
    case SYS_TSS32_AVAIL:
        far_to_task(c, sel, &d, TASK_JMP);
        return;
    default:
        cpu_fault(c, EXC_GP, sel & 0xFFFC);
    }
}

/* Pushes CS:EIP for a same-privilege far call (operand-size wide). */
static void push_return(struct cpu *c, unsigned size)
{
    uint32_t sp = get_sp(c);
    uint32_t sp1 = sp_add(c, sp, -(int32_t)size), sp2 = sp_add(c, sp1, -(int32_t)size);
    mem_write(c, S_SS, sp1, c->seg[S_CS].sel, size);
    mem_write(c, S_SS, sp2, c->eip, size);
}

void far_call(struct cpu *c, uint16_t sel, uint32_t off, unsigned osize)
{
    if (osize == 2)
        off &= 0xFFFF;
    if (!cpu_pmode(c)) {
        if (off > c->seg[S_CS].limit)
            cpu_fault(c, EXC_GP, 0);
        push_return(c, osize);
        uint32_t sp = sp_add(c, get_sp(c), -2 * (int32_t)osize);
        cpu_load_seg_real(c, S_CS, sel);
        c->eip = off;
        set_sp(c, sp);
        return;
    }
    struct desc d;
    fetch_or_gp(c, sel, &d);
    if (d.s) {
        check_code_target(c, sel, &d, true);
        if (off > d.limit)
            cpu_fault(c, EXC_GP, 0);
        push_return(c, osize);
        uint32_t sp = sp_add(c, get_sp(c), -2 * (int32_t)osize);
        enter_code(c, sel, &d, off, c->cpl);
        set_sp(c, sp);
        return;
    }
    if (d.type == SYS_TASK_GATE || d.type == SYS_TSS16_AVAIL || d.type == SYS_TSS32_AVAIL) {
        far_to_task(c, sel, &d, TASK_CALL);
        return;
    }
    if (d.type != SYS_CALL_GATE16 && d.type != SYS_CALL_GATE32)
        cpu_fault(c, EXC_GP, sel & 0xFFFC);

    /* Through a call gate (SDM vol. 3A, 5.8.5). */
    check_gate_access(c, sel, &d);
    uint16_t tsel = gate_selector(&d);
    struct desc t;
    fetch_or_gp(c, tsel, &t);
    if (!desc_is_code(&t) || t.dpl > c->cpl)
        cpu_fault(c, EXC_GP, tsel & 0xFFFC);
    if (!t.present)
        cpu_fault(c, EXC_NP, tsel & 0xFFFC);
    unsigned gsize = d.type == SYS_CALL_GATE32 ? 4 : 2;
    uint32_t toff = gate_offset(&d);
    if (toff > t.limit)
        cpu_fault(c, EXC_GP, 0);

    if (!desc_conforming(&t) && t.dpl < c->cpl) {
        /* More privileged: switch to the TSS stack of the new CPL, copy
         * the parameters, push the caller's SS:ESP and CS:EIP there. */
        unsigned ncpl = t.dpl, params = gate_param_count(&d);
        struct new_stack ns;
        tss_stack(c, ncpl, &ns, 0);
        uint32_t old_esp = c->gpr[R_ESP];
        new_stack_push(c, &ns, c->seg[S_SS].sel, gsize);
        new_stack_push(c, &ns, old_esp, gsize);
        for (unsigned k = params; k-- > 0;)
            new_stack_push(c, &ns, stack_peek(c, k * gsize, gsize), gsize);
        new_stack_push(c, &ns, c->seg[S_CS].sel, gsize);
        new_stack_push(c, &ns, c->eip, gsize);
        switch_stack(c, &ns);
        enter_code(c, tsel, &t, toff, ncpl);
        return;
    }
    push_return(c, gsize);
    uint32_t sp = sp_add(c, get_sp(c), -2 * (int32_t)gsize);
    enter_code(c, tsel, &t, toff, c->cpl);
    set_sp(c, sp);
}

void far_ret(struct cpu *c, unsigned osize, uint32_t imm)
{
    uint32_t ip = stack_peek(c, 0, osize);
    uint16_t sel = (uint16_t)stack_peek(c, osize, 2);
    if (osize == 2)
        ip &= 0xFFFF;
    if (!cpu_pmode(c)) {
        if (ip > c->seg[S_CS].limit)
            cpu_fault(c, EXC_GP, 0);
        cpu_load_seg_real(c, S_CS, sel);
        c->eip = ip;
        set_sp(c, sp_add(c, get_sp(c), (int32_t)(2 * osize + imm)));
        return;
    }
    unsigned rpl = sel & 3;
    struct desc d;
    fetch_or_gp(c, sel, &d);
    uint16_t err = sel & 0xFFFC;
    if (!desc_is_code(&d) || rpl < c->cpl)
        cpu_fault(c, EXC_GP, err);
    if (desc_conforming(&d) ? d.dpl > rpl : d.dpl != rpl)
        cpu_fault(c, EXC_GP, err);
    if (!d.present)
        cpu_fault(c, EXC_NP, err);
    if (rpl == c->cpl) {
        enter_code(c, sel, &d, ip, rpl);
        set_sp(c, sp_add(c, get_sp(c), (int32_t)(2 * osize + imm)));
        return;
    }
    /* Return to an outer level: the caller's SS:ESP follow the parameters. */
    uint32_t off = 2 * osize + imm;
    uint32_t nesp = stack_peek(c, off, osize);
    uint16_t nss = (uint16_t)stack_peek(c, off + osize, 2);
    struct desc sd;
    fetch_or_gp(c, nss, &sd);
    if ((nss & 3) != rpl || !desc_writable(&sd) || sd.dpl != rpl)
        cpu_fault(c, EXC_GP, nss & 0xFFFC);
    if (!sd.present)
        cpu_fault(c, EXC_SS, nss & 0xFFFC);
    enter_code(c, sel, &d, ip, rpl);
    desc_set_accessed(c, nss, &sd);
    seg_load_cache(c, S_SS, nss, &sd);
    seg_refresh(c, S_SS);
    nesp += imm;
    if (c->stack32)
        c->gpr[R_ESP] = nesp;
    else
        c->gpr[R_ESP] = (c->gpr[R_ESP] & 0xFFFF0000u) | (nesp & 0xFFFF);
    null_inaccessible_segs(c);
}
