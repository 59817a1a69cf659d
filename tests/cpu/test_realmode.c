/* Real-mode execution details that the SingleStepTests do not reach:
 * exceptions through the IVT with the right return addresses, software
 * interrupts and IRET, the CS limit on fetch, exception storms within the
 * budget, double fault and shutdown, 32-bit operands in real mode, long
 * REP strings, unreal-mode limits. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hexload.h"
#include "machine/vm.h"
#include "engine/engine.h"

static struct vm *vm;

static void put(uint32_t pa, const char *hex)
{
    put_hex(vm, pa, hex);
}

static void set_ivt(int vector, uint16_t seg, uint16_t off)
{
    uint32_t v = ((uint32_t)seg << 16) | off;
    phys_copy_in(&vm->mem, (uint32_t)vector * 4, &v, 4);
}

/* A fresh CPU at 0100:0000 with SS:SP = 0000:8000. */
static struct cpu *fresh(void)
{
    struct cpu *c = &vm->cpu;
    cpu_reset(c);
    cpu_load_seg_real(c, S_CS, 0x100);
    c->eip = 0;
    cpu_load_seg_real(c, S_SS, 0);
    c->gpr[R_ESP] = 0x8000;
    return c;
}

static uint16_t peek16(uint32_t pa)
{
    return (uint16_t)phys_read(&vm->mem, pa, 2);
}

int main(void)
{
    char err[256];
    vm = vm_create(&(struct vm_config){ .ram_mb = 2, .cpu_level = CPU_P6 }, err, sizeof(err));
    CHECK(vm != NULL);
    if (!vm)
        return check_report();
    struct cpu *c;

    /* #DE: pushes the address of the DIV itself (a fault). */
    c = fresh();
    put(0x1000, "31c0 b90000 f7f1");     /* xor ax,ax; mov cx,0; div cx */
    put(0x2000, "f4");                   /* handler: hlt */
    set_ivt(0, 0x200, 0);
    c->eflags |= F_IF;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->seg[S_CS].sel, 0x200);
    CHECK_EQ(peek16(0x8000 - 6), 5);     /* return IP = the DIV */
    CHECK_EQ(peek16(0x8000 - 4), 0x100);
    CHECK(peek16(0x8000 - 2) & F_IF);
    CHECK(!(c->eflags & F_IF));          /* cleared by delivery */
    CHECK_EQ(c->exceptions, 1);          /* the first exception of this VM */

    /* TF: a #DB trap after one instruction, returning to the next one;
     * the handler runs with TF clear. */
    c = fresh();
    put(0x1000, "31c0 40 40 f4");         /* xor ax,ax; inc ax; inc ax */
    set_ivt(1, 0x200, 0);
    c->eflags |= F_TF;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->seg[S_CS].sel, 0x200);
    CHECK_EQ(peek16(0x8000 - 6), 2);     /* after the XOR */
    CHECK(peek16(0x8000 - 2) & F_TF);
    CHECK(!(c->eflags & F_TF));
    CHECK(c->dr[6] & (1u << 14));        /* DR6.BS */

    /* INT n pushes the next instruction; IRET comes back to it. */
    c = fresh();
    put(0x1000, "cd21 40 f4");           /* int 21h; inc ax; hlt */
    put(0x2000, "bb3412 cf");            /* mov bx,1234h; iret */
    set_ivt(0x21, 0x200, 0);
    c->gpr[R_EAX] = 0;
    uint64_t exc0 = c->exceptions;   /* counters run on across resets */
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->gpr[R_EBX] & 0xFFFF, 0x1234);
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, 1);
    CHECK_EQ(c->gpr[R_ESP], 0x8000);
    CHECK_EQ(c->seg[S_CS].sel, 0x100);
    CHECK_EQ(c->exceptions, exc0);   /* INT n is not an exception */

    /* #UD for UD2 and for LOCK on a register operand (386+ rule). */
    c = fresh();
    put(0x1000, "0f0b");
    set_ivt(6, 0x200, 0);
    put(0x2000, "f4");
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(peek16(0x8000 - 6), 0);
    c = fresh();
    put(0x1000, "f001c0");
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->seg[S_CS].sel, 0x200);

    /* An instruction that runs past the CS limit: #GP(0) at its start. */
    c = fresh();
    c->seg[S_CS].limit = 0x0001;
    put(0x1000, "b83412");               /* mov ax,1234h: 3 bytes, limit 1 */
    set_ivt(13, 0x200, 0);
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->seg[S_CS].sel, 0x200);
    CHECK_EQ(peek16(0x8000 - 6), 0);
    CHECK(c->gpr[R_EAX] != 0x1234);

    /* A word at offset FFFF: #GP for DS, #SS for SS (386 and later). */
    c = fresh();
    put(0x1000, "bbffff 8b07");          /* mov bx,ffff; mov ax,[bx] */
    set_ivt(13, 0x200, 0);
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->seg[S_CS].sel, 0x200);
    CHECK_EQ(peek16(0x8000 - 6), 3);
    c = fresh();
    put(0x1000, "bdffff 8b4600");        /* mov bp,ffff; mov ax,[bp+0] */
    set_ivt(12, 0x300, 0);
    put(0x3000, "f4");
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->seg[S_CS].sel, 0x300);

    /* An exception storm (handler = UD2) still returns within the budget. */
    c = fresh();
    put(0x1000, "0f0b");
    set_ivt(6, 0x100, 0);                /* #UD handler is the UD2 itself */
    uint64_t steps0 = cpu_steps(c);
    CHECK_EQ(engine_run(c->vm->engine, 1000), CPU_STOP_LIMIT);
    CHECK_EQ(cpu_steps(c) - steps0, 1000);

    /* A fault while delivering a contributory fault is #DF; a fault while
     * delivering #DF shuts the processor down (triple fault). */
    c = fresh();
    put(0x1000, "31c9 f7f1");            /* div cx with cx = 0 */
    c->idtr.limit = 3;                   /* only vector 0 fits */
    set_ivt(0, 0x100, 0x1000);           /* #DE handler: anything */
    c->gpr[R_ESP] = 0x8000;
    c->seg[S_SS].limit = 0x7000;         /* every push faults (#SS) */
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_SHUTDOWN);

    /* 32-bit operands and addresses in real mode. */
    c = fresh();
    put(0x1000, "66b801000080 66d1e0 67668b0c85 f82f0000 f4");
    /* mov eax,80000001h; shl eax,1; mov ecx,[eax*4+2ff8h] (eax = 2) */
    uint32_t v = 0xCAFEBABE;
    phys_copy_in(&vm->mem, 0x3000, &v, 4);
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->gpr[R_EAX], 2);
    CHECK(c->eflags & F_CF);
    CHECK(c->eflags & F_OF);
    CHECK_EQ(c->gpr[R_ECX], 0xCAFEBABE);

    /* A long REP STOSB completes across slices and counts one instruction. */
    c = fresh();
    put(0x1000, "b80020 8ec0 31ff b90050 b0aa f3aa f4");
    /* mov ax,2000h; mov es,ax; xor di,di; mov cx,5000h; mov al,aah; rep stosb */
    CHECK_EQ(engine_run(c->vm->engine, 1000), CPU_STOP_HLT);
    CHECK_EQ(c->gpr[R_ECX] & 0xFFFF, 0);
    CHECK_EQ(c->gpr[R_EDI] & 0xFFFF, 0x5000);
    CHECK_EQ(phys_read(&vm->mem, 0x20000 + 0x4FFF, 1), 0xAA);
    CHECK_EQ(phys_read(&vm->mem, 0x20000 + 0x5000, 1), 0);

    /* Unreal mode: a 4 GiB limit survives a real-mode segment load. */
    c = fresh();
    c->seg[S_DS].limit = 0xFFFFFFFFu;
    put(0x1000, "31c0 8ed8 66bb00001000 678a03 f4");
    /* xor ax,ax; mov ds,ax; mov ebx,100000h; mov al,[ebx] */
    uint8_t b = 0x5A;
    phys_copy_in(&vm->mem, 0x100000, &b, 1);
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->gpr[R_EAX] & 0xFF, 0x5A);
    CHECK_EQ(c->seg[S_DS].limit, 0xFFFFFFFFu);

    vm_destroy(vm);
    return check_report();
}
