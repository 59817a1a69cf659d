/* Debug registers and alignment checking (SDM vol. 3A, 17.2-17.3 and 6.15
 * interrupt 17): instruction breakpoints as faults with RF letting the
 * handler return, data breakpoints as traps after the access, single-step
 * together with them, and #AC at CPL 3 with CR0.AM and EFLAGS.AC. */
#include <setjmp.h>
#include <string.h>

#include "check.h"
#include "hexload.h"
#include "cpu/exec.h"
#include "machine/vm.h"
#include "engine/engine.h"

static struct vm *vm;

static void put(uint32_t pa, const char *hex)
{
    put_hex(vm, pa, hex);
}

static void put32(uint32_t pa, uint32_t v)
{
    phys_copy_in(&vm->mem, pa, &v, 4);
}

/* Flat 32-bit protected mode at CPL 0: GDT at 0x500 (0x08 code, 0x10 data),
 * IDT at 0x600 with every vector an interrupt gate to a HLT at 0x3000,
 * stack at 0x8000, code at 0x1000. */
static struct cpu *flat(void)
{
    struct cpu *c = &vm->cpu;
    cpu_reset(c);
    put32(0x508, 0x0000FFFF); put32(0x50C, 0x00CF9A00);
    put32(0x510, 0x0000FFFF); put32(0x514, 0x00CF9200);
    for (int v = 0; v < 32; v++) {
        put32(0x600 + 8 * v, (0x08u << 16) | 0x3000);
        put32(0x604 + 8 * v, 0x00008E00);
    }
    put(0x3000, "f4");
    c->gdtr = (struct dtr){ 0x500, 0x17 };
    c->idtr = (struct dtr){ 0x600, 32 * 8 - 1 };
    c->cr0 |= CR0_PE;
    for (int s = 0; s < S_COUNT; s++)
        c->seg[s] = (struct seg){ .sel = s == S_CS ? 0x08 : 0x10, .base = 0,
                                  .limit = 0xFFFFFFFF, .attr = s == S_CS ? 0xC09B : 0xC093 };
    c->eip = 0x1000;
    c->gpr[R_ESP] = 0x8000;
    cpu_mode_changed(c);
    return c;
}

static uint32_t stack(unsigned k)
{
    return phys_read(&vm->mem, 0x8000 - 12 + 4 * k, 4); /* EIP, CS, EFLAGS */
}

int main(void)
{
    char err[128];
    vm = vm_create(&(struct vm_config){ .ram_mb = 1, .cpu_level = CPU_P6 }, err, sizeof(err));
    CHECK(vm != NULL);
    struct cpu *c;

    /* Instruction breakpoint on the 2nd instruction: #DB before it runs. */
    c = flat();
    put(0x1000, "40 40 40 f4");             /* inc eax x3 */
    c->gpr[R_EAX] = 0;
    c->dr[0] = 0x1001;
    c->dr[7] = 0x401;                       /* L0, R/W=00, LEN=00 */
    cpu_dr7_changed(c);
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->gpr[R_EAX], 1);
    CHECK_EQ(stack(0), 0x1001);             /* a fault: the instruction */
    CHECK(c->dr[6] & 1);
    CHECK(!(stack(2) & F_RF));              /* #DB does not set RF itself */

    /* The handler returns with RF set in the image: the breakpoint is
     * skipped once, and RF is gone after that instruction. */
    c->halted = false;
    put(0x3000, "814c2408 00000100 cf");  /* or dword [esp+8],0x10000; iret */
    c->eip = 0x3000;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->gpr[R_EAX], 3);
    CHECK(!(c->eflags & F_RF));
    put(0x3000, "f4");

    /* Data breakpoint (writes, 4 bytes): a trap after the store. */
    c = flat();
    put(0x1000, "a300200000 90 f4");       /* mov [0x2000],eax; nop */
    c->dr[1] = 0x2002;                      /* inside the dword */
    c->dr[7] = 0x400 | (1u << 2) | (1u << 20) | (3u << 22); /* L1 W LEN=4 */
    cpu_dr7_changed(c);
    c->gpr[R_EAX] = 0x11223344;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(phys_read(&vm->mem, 0x2000, 4), 0x11223344); /* the store landed */
    CHECK_EQ(stack(0), 0x1005);             /* a trap: the next instruction */
    CHECK(c->dr[6] & 2);
    /* Reads do not trigger a write breakpoint. */
    c = flat();
    put(0x1000, "a100200000 f4 f4");        /* mov eax,[0x2000]; hlt */
    c->dr[1] = 0x2000;
    c->dr[7] = 0x400 | (1u << 2) | (1u << 20) | (3u << 22);
    cpu_dr7_changed(c);
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->eip, 0x1006);               /* its own HLT, no #DB */

    /* #AC at CPL 3 with CR0.AM and EFLAGS.AC, only for misaligned data. */
    c = flat();
    c->cr0 |= CR0_AM;
    c->eflags |= F_AC;
    c->cpl = 3;
    cpu_mode_changed(c);
    if (setjmp(c->fault_jmp) == 0) {
        mem_read(c, S_DS, 0x2000, 4);
        CHECK(1);
        mem_read(c, S_DS, 0x2002, 2);
        mem_read(c, S_DS, 0x2001, 1);
        mem_read(c, S_DS, 0x2002, 4);       /* misaligned dword */
        CHECK(!"no #AC");
    } else {
        CHECK_EQ(c->exc_vector, EXC_AC);
        CHECK_EQ(c->exc_error, 0);
    }
    /* CPL 0, or AC clear: no alignment checking. */
    c->cpl = 0;
    cpu_mode_changed(c);
    if (setjmp(c->fault_jmp) == 0) {
        mem_read(c, S_DS, 0x2002, 4);
        CHECK(1);
    } else {
        CHECK(!"#AC at CPL 0");
    }
    c->cpl = 3;
    cpu_set_eflags(c, c->eflags & ~F_AC);
    if (setjmp(c->fault_jmp) == 0) {
        mem_read(c, S_DS, 0x2002, 4);
        CHECK(1);
    } else {
        CHECK(!"#AC with AC clear");
    }

    vm_destroy(vm);
    return check_report();
}
