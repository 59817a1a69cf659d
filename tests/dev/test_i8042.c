/* The keyboard controller and port 0x92: self-test, command byte, the
 * keyboard's reset answer, IRQ 1 through the PIC, A20 seen in physical
 * memory aliasing at 1 MiB, and the reset paths. */
#include "check.h"
#include "dev/board_util.h"
#include "pc/pc.h"
#include "dev/i8042.h"
#include "dev/pic.h"
#include "dev/port92.h"

static struct vm *vm;
static struct i8042 *kbc;

static void out(uint16_t port, uint8_t v) { iobus_out(&vm->io, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)iobus_in(&vm->io, port, 1); }

/* What a driver does: wait for OBF, read the byte. */
static int read_data(void)
{
    if (!(in(0x64) & 1))
        return -1;
    return in(0x60);
}

static bool aliased(void)
{
    phys_write(&vm->mem, 0x000500, 0x11, 1);
    phys_write(&vm->mem, 0x100500, 0x22, 1);
    return phys_read(&vm->mem, 0x000500, 1) == 0x22;
}

static void test_controller(void)
{
    CHECK_EQ(in(0x64) & 1, 0);
    out(0x64, 0xAA);
    CHECK_EQ(in(0x64) & 0x0D, 0x0D);   /* OBF, system flag, command */
    CHECK_EQ(read_data(), 0x55);
    CHECK_EQ(read_data(), -1);
    out(0x64, 0xAB);
    CHECK_EQ(read_data(), 0x00);
    out(0x64, 0xA9);
    CHECK_EQ(read_data(), 0x00);       /* the mouse's interface is good */
    out(0x64, 0x20);
    CHECK_EQ(read_data(), 0x45);
    out(0x64, 0x60);
    out(0x60, 0x44);                   /* interrupts off */
    out(0x64, 0x20);
    CHECK_EQ(read_data(), 0x44);
    /* The keyboard answers reset with ACK and the self-test result. */
    out(0x60, 0xFF);
    CHECK_EQ(read_data(), 0xFA);
    CHECK_EQ(read_data(), 0xAA);
    out(0x60, 0xF2);
    CHECK_EQ(read_data(), 0xFA);
    CHECK_EQ(read_data(), 0xAB);
    CHECK_EQ(read_data(), 0x41);       /* 0x83, translated */
    out(0x60, 0xED);
    CHECK_EQ(read_data(), 0xFA);
    out(0x60, 0x07);
    CHECK_EQ(read_data(), 0xFA);
    out(0x60, 0xEE);
    CHECK_EQ(read_data(), 0xEE);
    /* Keyboard bytes wait while the keyboard is disabled; controller
     * replies do not. */
    out(0x64, 0xAD);
    struct input_sink sink = i8042_input(kbc);
    input_key(&sink, 30, true);        /* A: set 2 0x1C, translated 0x1E */
    CHECK_EQ(read_data(), -1);
    out(0x64, 0x20);
    CHECK_EQ(read_data(), 0x54);
    out(0x64, 0xAE);
    CHECK_EQ(read_data(), 0x1E);
    /* Loopback through the auxiliary output buffer. */
    out(0x64, 0xD3);
    out(0x60, 0x5A);
    CHECK_EQ(in(0x64) & 0x21, 0x21);
    CHECK_EQ(read_data(), 0x5A);
}

static void test_irq1(struct pic *pic)
{
    /* PIC at vectors 0x30/0x38, IRQ 1 unmasked. */
    static const uint8_t init[] = { 0x11, 0x30, 0x04, 0x01 };
    out(0x20, init[0]);
    for (unsigned i = 1; i < 4; i++)
        out(0x21, init[i]);
    out(0x21, 0xFD);
    out(0x64, 0x60);
    out(0x60, 0x45);                   /* keyboard interrupt on */
    struct input_sink sink = i8042_input(kbc);
    input_key(&sink, 30, false);       /* A up: F0 1C, translated 0x9E */
    CHECK(vm->cpu.irq_line);
    CHECK_EQ(vm->cpu.pins.irq_ack(vm->cpu.pins.irq_opaque), 0x31);
    CHECK_EQ(in(0x60), 0x9E);
    out(0x20, 0x20);
    CHECK(!vm->cpu.irq_line);
    (void)pic;
}

static void test_a20_and_reset(struct port92 *p92)
{
    CHECK(!aliased());                 /* A20 on at creation */
    out(0x64, 0xD1);
    out(0x60, 0xDD);                   /* output port: A20 off */
    CHECK(aliased());
    out(0x64, 0xD0);
    CHECK_EQ(read_data() & 0x03, 0x01);
    CHECK_EQ(in(0x92) & 2, 0);         /* port 0x92 sees the line */
    out(0x64, 0xD1);
    out(0x60, 0xDF);
    CHECK(!aliased());
    CHECK_EQ(in(0x92) & 2, 2);
    out(0x92, 0x00);                   /* fast A20 off */
    CHECK(aliased());
    out(0x92, 0x02);
    CHECK(!aliased());
    CHECK_EQ(vm->exit_reason, VM_EXIT_NONE);
    out(0x92, 0x03);                   /* bit 0: reset */
    CHECK_EQ(vm->exit_reason, VM_EXIT_RESET);
    CHECK_EQ(p92->resets, 1);
    vm->exit_reason = VM_EXIT_NONE;
    out(0x64, 0xFE);                   /* pulse the reset line */
    CHECK_EQ(vm->exit_reason, VM_EXIT_RESET);
    CHECK_EQ(kbc->resets, 1);
    vm->exit_reason = VM_EXIT_NONE;
    out(0x64, 0xFF);                   /* pulses nothing */
    CHECK_EQ(vm->exit_reason, VM_EXIT_NONE);
}

static void test_random_writes(void)
{
    static const uint16_t ports[] = { 0x60, 0x64, 0x92 };
    struct input_sink sink = i8042_input(kbc);
    uint32_t x = 99;
    for (unsigned i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        uint16_t port = ports[(x >> 8) % 3];
        if (x & 0x10000)
            iobus_out(&vm->io, port, x >> 24, 1 << ((x >> 17) % 3));
        else
            (void)iobus_in(&vm->io, port, 1 << ((x >> 17) % 3));
        if ((x & 0xFF000) == 0)
            input_key(&sink, (x >> 4) & 0x1FF, x & 1);
        if ((x & 0xFF000) == 0x1000)
            input_pointer(&sink, (int)(x >> 20) - 2048, (int)(x & 0xFFF) - 2048,
                          (int)(x & 7) - 3, x >> 29);
        if (vm->cpu.irq_line)
            (void)vm->cpu.pins.irq_ack(vm->cpu.pins.irq_opaque);
        vm->exit_reason = VM_EXIT_NONE;
    }
    vm_reset(vm);
    vm_set_a20(vm, true);
    out(0x64, 0xAA);
    CHECK_EQ(read_data(), 0x55);
}

int main(void)
{
    vm = board_vm(2);
    /* Wired as the board does (pc/pc.c). */
    struct pic *pic = pic_create(pc_intr_line(vm));
    board_add(vm, &pic->dev);
    pc_connect_inta(vm, pic);
    kbc = i8042_create(pic_irq_pin(pic, 1), pic_irq_pin(pic, 12), pc_a20_line(vm),
                       pc_reset_request(vm));
    struct port92 *p92 = port92_create(pc_a20_line(vm), pc_reset_request(vm));
    CHECK(kbc != NULL && p92 != NULL);
    board_add(vm, &kbc->dev);
    board_add(vm, &p92->dev);
    test_controller();
    test_irq1(pic);
    test_a20_and_reset(p92);
    test_random_writes();
    vm_destroy(vm);
    return check_report();
}
