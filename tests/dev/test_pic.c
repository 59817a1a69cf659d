/* The 8259A pair, driven through its ports as Linux and a BIOS do, with
 * the CPU's side (cpu.irq_line, cpu.pins.irq_ack) checked as the CPU sees it. */
#include "check.h"
#include "dev/board_util.h"
#include "dev/pic.h"
#include "pc/pc.h"

static struct vm *vm;
static struct pic *pic;

static void out(uint16_t port, uint8_t v) { iobus_out(&vm->io, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)iobus_in(&vm->io, port, 1); }
static int inta(void) { return vm->cpu.pins.irq_ack(vm->cpu.pins.irq_opaque); }

/* Linux's init_8259A(): vectors 0x30 and 0x38, cascade on IR2. */
static void linux_init(uint8_t icw4)
{
    out(0x21, 0xFF);
    out(0xA1, 0xFF);
    out(0x20, 0x11);
    out(0x21, 0x30);
    out(0x21, 0x04);
    out(0x21, icw4);
    out(0xA0, 0x11);
    out(0xA1, 0x38);
    out(0xA1, 0x02);
    out(0xA1, icw4);
}

static void test_reset_state(void)
{
    CHECK(vm->cpu.pins.irq_ack != NULL);
    CHECK_EQ(in(0x21), 0xFF);
    CHECK_EQ(in(0xA1), 0xFF);
    pic_set_irq(pic, 0, true);
    CHECK(!vm->cpu.irq_line);  /* masked at reset */
    CHECK_EQ(in(0x20), 0x01);  /* but requested (IRR) */
    pic_set_irq(pic, 0, false);
}

static void test_linux_vectors(void)
{
    linux_init(0x01);
    CHECK_EQ(in(0x21), 0x00);  /* ICW1 clears the mask */
    out(0x21, 0xFA);           /* IRQ 0 and the cascade */
    out(0xA1, 0xFE);           /* IRQ 8 */
    CHECK(!vm->cpu.irq_line);
    pic_set_irq(pic, 0, true);
    CHECK(vm->cpu.irq_line);
    CHECK_EQ(inta(), 0x30);
    CHECK(!vm->cpu.irq_line);
    out(0x20, 0x0B);           /* OCW3: read ISR */
    CHECK_EQ(in(0x20), 0x01);
    out(0x20, 0x0A);           /* read IRR */
    CHECK_EQ(in(0x20), 0x00);
    /* Still high: an edge input needs a new edge. */
    pic_set_irq(pic, 0, true);
    CHECK(!vm->cpu.irq_line);
    out(0x20, 0x20);           /* non-specific EOI */
    out(0x20, 0x0B);
    CHECK_EQ(in(0x20), 0x00);
    CHECK(!vm->cpu.irq_line);
    pic_set_irq(pic, 0, false);
    pic_set_irq(pic, 0, true);
    CHECK(vm->cpu.irq_line);
    CHECK_EQ(inta(), 0x30);
    out(0x20, 0x60);           /* specific EOI for IR0 */
    pic_set_irq(pic, 0, false);

    /* The slave through the cascade. */
    pic_set_irq(pic, 8, true);
    CHECK(vm->cpu.irq_line);
    CHECK_EQ(inta(), 0x38);
    out(0xA0, 0x0B);
    CHECK_EQ(in(0xA0), 0x01);
    out(0x20, 0x0B);
    CHECK_EQ(in(0x20), 0x04);
    out(0xA0, 0x20);
    out(0x20, 0x20);
    CHECK_EQ(in(0xA0), 0x00);
    CHECK_EQ(in(0x20), 0x00);
    pic_set_irq(pic, 8, false);
}

static void test_priority_and_nesting(void)
{
    linux_init(0x01);
    out(0x21, 0x00);
    out(0xA1, 0xFF);
    pic_set_irq(pic, 3, true);
    pic_set_irq(pic, 1, true);
    CHECK_EQ(inta(), 0x31);         /* IR1 before IR3 */
    CHECK(!vm->cpu.irq_line);       /* IR3 waits for IR1's EOI */
    pic_set_irq(pic, 0, true);
    CHECK(vm->cpu.irq_line);        /* IR0 nests above IR1 */
    CHECK_EQ(inta(), 0x30);
    out(0x20, 0x0B);
    CHECK_EQ(in(0x20), 0x03);
    out(0x20, 0x20);                /* ends IR0 (highest in service) */
    CHECK(!vm->cpu.irq_line);
    out(0x20, 0x20);
    CHECK(vm->cpu.irq_line);
    CHECK_EQ(inta(), 0x33);
    out(0x20, 0x20);
    for (unsigned i = 0; i < 4; i++)
        pic_set_irq(pic, i, false);

    /* Set priority (OCW2 0xC0 | n): IR n lowest, so IR n+1 highest. */
    out(0x20, 0xC2);
    pic_set_irq(pic, 1, true);
    pic_set_irq(pic, 4, true);
    CHECK_EQ(inta(), 0x34);
    out(0x20, 0x20);
    CHECK_EQ(inta(), 0x31);
    /* Rotate on non-specific EOI: IR1 becomes the lowest. */
    out(0x20, 0xA0);
    pic_set_irq(pic, 1, false);
    pic_set_irq(pic, 4, false);
    pic_set_irq(pic, 1, true);
    pic_set_irq(pic, 3, true);
    CHECK_EQ(inta(), 0x33);         /* IR3 now outranks IR1 */
    out(0x20, 0xE3);                /* rotate on specific EOI 3 */
    CHECK_EQ(inta(), 0x31);
    out(0x20, 0x61);
    pic_set_irq(pic, 1, false);
    pic_set_irq(pic, 3, false);
    out(0x20, 0xC7);                /* back to IR0 highest */

    /* Special mask mode: a masked in-service level lets lower ones in. */
    pic_set_irq(pic, 1, true);
    CHECK_EQ(inta(), 0x31);
    pic_set_irq(pic, 5, true);
    CHECK(!vm->cpu.irq_line);
    out(0x21, 0x02);                /* mask IR1 */
    out(0x20, 0x68);                /* OCW3: set special mask */
    CHECK(vm->cpu.irq_line);
    CHECK_EQ(inta(), 0x35);
    out(0x20, 0x65);
    out(0x20, 0x48);                /* clear special mask */
    out(0x20, 0x61);
    out(0x21, 0x00);
    pic_set_irq(pic, 1, false);
    pic_set_irq(pic, 5, false);
}

static void test_aeoi_poll_spurious(void)
{
    linux_init(0x03);               /* auto-EOI */
    out(0x21, 0x00);
    out(0xA1, 0x00);
    pic_set_irq(pic, 4, true);
    CHECK_EQ(inta(), 0x34);
    out(0x20, 0x0B);
    CHECK_EQ(in(0x20), 0x00);       /* no ISR bit */
    pic_set_irq(pic, 4, false);

    linux_init(0x01);
    out(0x21, 0x00);
    out(0xA1, 0x00);
    /* Poll: the next read answers 0x80 | level and acknowledges it. */
    pic_set_irq(pic, 6, true);
    out(0x20, 0x0C);
    CHECK_EQ(in(0x20), 0x86);
    out(0x20, 0x0B);
    CHECK_EQ(in(0x20), 0x40);
    out(0x20, 0x20);
    out(0x20, 0x0C);
    CHECK_EQ(in(0x20), 0x00);       /* nothing pending */
    pic_set_irq(pic, 6, false);

    /* Withdrawn before INTA: spurious IRQ 7, ISR untouched. */
    uint64_t before = pic->spurious;
    CHECK_EQ(inta(), 0x37);
    CHECK_EQ(pic->spurious, before + 1);
    out(0x20, 0x0B);
    CHECK_EQ(in(0x20), 0x00);
}

static void test_elcr_level(void)
{
    linux_init(0x01);
    out(0x21, 0x00);
    out(0xA1, 0x00);
    out(0x4D0, 0xFF);
    out(0x4D1, 0xFF);
    CHECK_EQ(in(0x4D0), 0xF8);      /* IRQ 0-2 cannot be level */
    CHECK_EQ(in(0x4D1), 0xDE);      /* nor IRQ 8 and 13 */
    out(0x4D0, 0x00);
    out(0x4D1, 0x02);               /* IRQ 9 level */
    pic_set_irq(pic, 9, true);
    CHECK_EQ(inta(), 0x39);
    out(0xA0, 0x20);
    out(0x20, 0x20);
    CHECK(vm->cpu.irq_line);        /* still high: requests again */
    CHECK_EQ(inta(), 0x39);
    out(0xA0, 0x20);
    out(0x20, 0x20);
    /* The slave's EOI re-raised IR2 on the master (an edge input) before
     * the line dropped: the master asks, the slave has nothing, and INTA
     * gets the slave's spurious IRQ 15 with the master's IR2 in service. */
    pic_set_irq(pic, 9, false);
    CHECK(vm->cpu.irq_line);
    CHECK_EQ(inta(), 0x3F);
    out(0x20, 0x0B);
    CHECK_EQ(in(0x20), 0x04);
    out(0xA0, 0x0B);
    CHECK_EQ(in(0xA0), 0x00);
    out(0x20, 0x20);
    CHECK(!vm->cpu.irq_line);
    out(0x4D1, 0x00);
}

/* Guest writes are untrusted: every value at every port, then the PIC
 * still works. */
static void test_random_writes(void)
{
    static const uint16_t ports[] = { 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1 };
    uint32_t x = 12345;
    for (unsigned i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        uint16_t port = ports[(x >> 8) % 6];
        if (x & 0x10000)
            iobus_out(&vm->io, port, x >> 24, 1 << ((x >> 17) % 3));
        else
            (void)iobus_in(&vm->io, port, 1 << ((x >> 17) % 3));
        if ((x & 0xF00000) == 0)
            pic_set_irq(pic, (x >> 12) & 31, x & 0x40000);
        if (vm->cpu.irq_line && (x & 0x80000)) {
            int v = inta();
            CHECK(v >= 0 && v < 256);
        }
    }
    vm_reset(vm);
    for (unsigned i = 0; i < 16; i++)
        pic_set_irq(pic, i, false);
    linux_init(0x01);
    out(0x21, 0xFE);
    out(0xA1, 0xFF);
    pic_set_irq(pic, 0, true);
    CHECK_EQ(inta(), 0x30);
}

int main(void)
{
    vm = board_vm(1);
    /* Wired as the board does (pc/pc.c): INTR and INTA reach the CPU. */
    pic = pic_create(pc_intr_line(vm));
    CHECK(pic != NULL);
    board_add(vm, &pic->dev);
    pc_connect_inta(vm, pic);
    test_reset_state();
    test_linux_vectors();
    test_priority_and_nesting();
    test_aeoi_poll_spurious();
    test_elcr_level();
    test_random_writes();
    vm_destroy(vm);
    return check_report();
}
