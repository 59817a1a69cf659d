/* The CPU's state as bytes; see cpu_state.h.
 *
 * One list of fields (cpu_fields) serves both directions: a visitor either
 * writes each field or reads it back, so save and load cannot drift apart. */
#include "cpu/cpu_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/exec.h"
#include "cpu/features.h"
#include "cpu/msr.h"

/* Writes to `out`, or reads from `in` (exactly one is set). */
struct visit {
    struct state_out *out;
    struct state_in *in;
};

static void v8(struct visit *v, uint8_t *p)
{
    if (v->out)
        state_put_u8(v->out, *p);
    else
        *p = state_get_u8(v->in);
}

static void v16(struct visit *v, uint16_t *p)
{
    if (v->out)
        state_put_u16(v->out, *p);
    else
        *p = state_get_u16(v->in);
}

static void v32(struct visit *v, uint32_t *p)
{
    if (v->out)
        state_put_u32(v->out, *p);
    else
        *p = state_get_u32(v->in);
}

static void v64(struct visit *v, uint64_t *p)
{
    if (v->out)
        state_put_u64(v->out, *p);
    else
        *p = state_get_u64(v->in);
}

static void vbool(struct visit *v, bool *p)
{
    if (v->out)
        state_put_bool(v->out, *p);
    else
        *p = state_get_bool(v->in);
}

static void vseg(struct visit *v, struct seg *s)
{
    v32(v, &s->base);
    v32(v, &s->limit);
    v16(v, &s->sel);
    v16(v, &s->attr);
}

static void vdtr(struct visit *v, struct dtr *d)
{
    v32(v, &d->base);
    v16(v, &d->limit);
}

static void msr_fields(struct visit *v, struct msrs *m)
{
    v64(v, &m->apic_base);
    v32(v, &m->sysenter_cs);
    v32(v, &m->sysenter_esp);
    v32(v, &m->sysenter_eip);
    v64(v, &m->efer);
    v64(v, &m->tsc_offset);
    v64(v, &m->bios_sign_id);
    v64(v, &m->misc_enable);
    v64(v, &m->pat);
    v64(v, &m->mtrr_def_type);
    for (int i = 0; i < 11; i++)
        v64(v, &m->mtrr_fixed[i]);
    for (int i = 0; i < 16; i++)
        v64(v, &m->mtrr_var[i]);
    for (int i = 0; i < 2; i++) {
        v64(v, &m->perfevtsel[i]);
        v64(v, &m->perfctr[i]);
    }
}

static void fpu_fields(struct visit *v, struct fpu *f, struct sse *s)
{
    for (int i = 0; i < 8; i++) {
        v64(v, &f->r[i].sig);
        v16(v, &f->r[i].se);
    }
    v16(v, &f->cw);
    v16(v, &f->sw);
    v8(v, &f->top);
    v8(v, &f->full);
    v16(v, &f->fop);
    v32(v, &f->fip);
    v32(v, &f->fdp);
    v16(v, &f->fcs);
    v16(v, &f->fds);
    v8(v, &f->ferr);
    for (int i = 0; i < 8; i++) {
        v64(v, &s->xmm[i].q[0]);
        v64(v, &s->xmm[i].q[1]);
    }
    v32(v, &s->mxcsr);
}

/* Every saved field, in file order. */
static void cpu_fields(struct visit *v, struct cpu *c)
{
    for (int i = 0; i < 8; i++)
        v32(v, &c->gpr[i]);
    v32(v, &c->eip);
    v32(v, &c->eflags);
    for (int s = 0; s < S_COUNT; s++)
        vseg(v, &c->seg[s]);
    v8(v, &c->cpl);
    vbool(v, &c->halted);
    v8(v, &c->shadow);
    /* INTR as the interrupt controller last drove it (its own load drives
     * it again), and the latched NMI edge. */
    vbool(v, &c->irq_line);
    vbool(v, &c->nmi_pending);
    v32(v, &c->cr0);
    v32(v, &c->cr2);
    v32(v, &c->cr3);
    v32(v, &c->cr4);
    for (int i = 0; i < 8; i++)
        v32(v, &c->dr[i]);
    vdtr(v, &c->gdtr);
    vdtr(v, &c->idtr);
    vseg(v, &c->ldtr);
    vseg(v, &c->tr);
    msr_fields(v, &c->msr);
    for (int i = 0; i < 4; i++)
        v64(v, &c->pdpte[i]);
    fpu_fields(v, &c->fpu, &c->sse);
    /* The steps guest time is made of (vm/clock.h) and -max-insns counts. */
    v64(v, &c->icount);
    v64(v, &c->interrupts);
    v64(v, &c->exceptions);
}

void cpu_state_save(const struct cpu *c, struct state_out *out)
{
    struct visit v = { .out = out };
    state_put_u32(out, CPU_STATE_VERSION);
    /* The visitor only reads the CPU when it writes. */
    cpu_fields(&v, (struct cpu *)c);
}

#define EFLAGS_DEFINED                                                                    \
    (F_CF | F_1 | F_PF | F_AF | F_ZF | F_SF | F_TF | F_IF | F_DF | F_OF | F_IOPL | F_NT | \
     F_RF | F_VM | F_AC | F_VIF | F_VIP | F_ID)
#define CR0_DEFINED                                                                     \
    (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | \
     CR0_CD | CR0_PG)

/* What the CPU could never hold; NULL when the state is one it can. */
static const char *check(const struct cpu *model, const struct cpu *s)
{
    if ((s->eflags & ~EFLAGS_DEFINED) || !(s->eflags & F_1))
        return "EFLAGS has reserved bits wrong";
    if ((s->cr0 & ~CR0_DEFINED) || !(s->cr0 & CR0_ET))
        return "CR0 has reserved bits wrong";
    if (((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE)) || ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD)))
        return "CR0 has PG without PE or NW without CD";
    if (s->cr4 & ~cpu_cr4_valid(model))
        return "CR4 has bits this CPU model lacks";
    if (s->msr.efer & ~(uint64_t)EFER_NXE)
        return "EFER has reserved bits set";
    if (s->cpl > 3 || s->shadow > SHADOW_SS) /* after STI, or MOV SS / POP SS */
        return "CPL or interrupt shadow out of range";
    bool pe = s->cr0 & CR0_PE;
    if (!pe && ((s->eflags & F_VM) || s->cpl != 0))
        return "real mode with V86 or a CPL other than 0";
    if (pe && (s->eflags & F_VM) && s->cpl != 3)
        return "V86 mode at a CPL other than 3";
    if (pe && !(s->eflags & F_VM)) {
        const struct seg *cs = &s->seg[S_CS];
        uint16_t need = SEG_ATTR_S | SEG_ATTR_P | SEG_TYPE_CODE;
        if ((cs->attr & need) != need || (cs->sel & 3) != s->cpl)
            return "CS is not a present code segment at the CPL";
    }
    if (s->fpu.top > 7 || (s->fpu.sw & FSW_TOP) || s->fpu.fop > 0x7FF || s->fpu.ferr > 1)
        return "x87 TOP, status word, opcode or FERR# out of range";
    if (s->sse.mxcsr & ~(uint32_t)MXCSR_VALID)
        return "MXCSR has reserved bits set";
    return NULL;
}

int cpu_state_load(struct cpu *c, struct state_in *in, bool commit, char *why,
                   size_t whylen)
{
    struct state_in start = *in;
    uint32_t version = state_get_u32(in);
    if (state_in_ok(in, false) && version != CPU_STATE_VERSION) {
        snprintf(why, whylen, "CPU state version %u, this plex86 reads %u", version,
                 CPU_STATE_VERSION);
        return -1;
    }
    /* First into a scratch copy, to check it: the CPU is not touched
     * unless everything is good. */
    struct cpu *scratch = malloc(sizeof(*scratch));
    if (!scratch) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    memcpy(scratch, c, sizeof(*scratch));
    struct visit v = { .in = in };
    cpu_fields(&v, scratch);
    const char *bad = state_in_ok(in, true) ? check(c, scratch) : "truncated or too long";
    free(scratch);
    if (bad) {
        snprintf(why, whylen, "CPU state: %s", bad);
        state_in_fail(in);
        return -1;
    }
    if (!commit)
        return 0;
    /* Good: read it again, into the CPU itself. */
    struct state_in again = start;
    (void)state_get_u32(&again);
    v.in = &again;
    cpu_fields(&v, c);
    c->delivering = -1;
    c->db_trap = false;
    c->stop_request = false;
    cpu_dr7_changed(c);
    cpu_mode_changed(c);
    cpu_tlb_flush(c, true);
    return 0;
}
