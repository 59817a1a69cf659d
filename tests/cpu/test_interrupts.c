/* External interrupts at instruction boundaries (SDM vol. 3A, 6.8): the
 * INTR line with IF, the INTA acknowledge, HLT waking, the one-instruction
 * shadow after STI and MOV SS, NMI regardless of IF. */
#include "check.h"
#include "hexload.h"
#include "machine/vm.h"
#include "engine/engine.h"

static struct vm *vm;
static int acks;
static int ack_vector = 0x08;

static int ack(void *opaque)
{
    (void)opaque;
    acks++;
    vm->cpu.irq_line = false; /* a level-triggered request, now serviced */
    return ack_vector;
}

static void put(uint32_t pa, const char *hex)
{
    put_hex(vm, pa, hex);
}

static void set_ivt(int vector, uint16_t seg, uint16_t off)
{
    uint32_t v = ((uint32_t)seg << 16) | off;
    phys_copy_in(&vm->mem, (uint32_t)vector * 4, &v, 4);
}

static struct cpu *fresh(void)
{
    struct cpu *c = &vm->cpu;
    cpu_reset(c);
    cpu_load_seg_real(c, S_CS, 0x100);
    c->eip = 0;
    cpu_load_seg_real(c, S_SS, 0);
    c->gpr[R_ESP] = 0x8000;
    c->pins.irq_ack = ack;
    acks = 0;
    return c;
}

static uint16_t pushed_ip(void)
{
    return (uint16_t)phys_read(&vm->mem, 0x8000 - 6, 2);
}

int main(void)
{
    char err[128];
    vm = vm_create(&(struct vm_config){ .ram_mb = 1, .cpu_level = CPU_P6 }, err, sizeof(err));
    CHECK(vm != NULL);
    struct cpu *c;
    set_ivt(0x08, 0x200, 0);
    set_ivt(0x02, 0x300, 0);
    put(0x2000, "f4");                    /* IRQ handler: hlt */
    put(0x3000, "f4");                    /* NMI handler: hlt */

    /* IF=1 and a request: taken before the next instruction. */
    c = fresh();
    put(0x1000, "40 40 f4");              /* inc ax; inc ax; hlt */
    c->eflags |= F_IF;
    c->irq_line = true;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(acks, 1);
    CHECK_EQ(c->seg[S_CS].sel, 0x200);
    CHECK_EQ(pushed_ip(), 0);
    CHECK_EQ(c->interrupts, 1);

    /* IF=0: the request waits; the program runs to its HLT. */
    c = fresh();
    c->irq_line = true;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(acks, 0);
    CHECK_EQ(c->seg[S_CS].sel, 0x100);
    c->irq_line = false;

    /* HLT with IF=1 sleeps until a request wakes it; the handler returns
     * to the instruction after the HLT. */
    c = fresh();
    c->eflags |= F_IF;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK(c->halted);
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT); /* still asleep */
    CHECK_EQ(c->eip, 3);
    c->irq_line = true;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(acks, 1);
    CHECK_EQ(pushed_ip(), 3);
    CHECK_EQ(c->seg[S_CS].sel, 0x200);

    /* STI: the instruction after it runs before a pending request. */
    c = fresh();
    put(0x1000, "fb 40 40 f4");           /* sti; inc ax; inc ax; hlt */
    c->gpr[R_EAX] = 0;
    c->irq_line = true;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(acks, 1);
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, 1);  /* one INC ran in the shadow */
    CHECK_EQ(pushed_ip(), 2);

    /* MOV SS: likewise (the SS:SP pair must load unbroken). */
    c = fresh();
    put(0x1000, "8ed0 bc0080 40 f4");     /* mov ss,ax; mov sp,8000h; inc ax */
    c->gpr[R_EAX] = 0;
    c->eflags |= F_IF;
    /* take one instruction to reach the MOV SS, then raise the line */
    CHECK_EQ(engine_run(c->vm->engine, 1), CPU_STOP_LIMIT);
    c->irq_line = true;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(pushed_ip(), 5);             /* after MOV SP, not between */

    /* NMI is taken with IF=0. */
    c = fresh();
    put(0x1000, "40 40 f4");
    c->nmi_pending = true;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->seg[S_CS].sel, 0x300);
    CHECK(!c->nmi_pending);

    /* A spurious acknowledge (-1) delivers nothing. */
    c = fresh();
    ack_vector = -1;
    c->eflags |= F_IF;
    c->irq_line = true;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->seg[S_CS].sel, 0x100);

    vm_destroy(vm);
    return check_report();
}
