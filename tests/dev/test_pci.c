/* PCI configuration mechanism #1: the host bridge at 00:00.0, absent
 * functions, Linux's type 1 probe, the 0xCF9 reset register; and a test
 * function with an I/O and a memory BAR: sizing, programming, enabling,
 * access through the mapped ranges, moving, unmapping, its INTx pin. */
#include "check.h"
#include "dev/board_util.h"
#include "dev/pci.h"
#include "pc/pc.h"

/* A function with 16 I/O ports (BAR 0) and a 4 KiB register page (BAR 1)
 * over one array of bytes. */
struct test_fn {
    struct pci_function fn;
    uint8_t regs[4096];
};

static uint32_t t_io_in(void *opaque, uint16_t port, unsigned size)
{
    struct test_fn *t = opaque;
    return (t->regs[port & 15] | 0xA500u) & (size == 1 ? 0xFFu : 0xFFFFu);
}

static void t_io_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct test_fn *t = opaque;
    t->regs[port & 15] = (uint8_t)value;
}

static uint32_t t_mem_read(void *opaque, uint32_t off, unsigned size)
{
    struct test_fn *t = opaque;
    return (t->regs[off & 4095] | 0x5A00u) & (size == 1 ? 0xFFu : 0xFFFFu);
}

static void t_mem_write(void *opaque, uint32_t off, uint32_t value, unsigned size)
{
    struct test_fn *t = opaque;
    t->regs[off & 4095] = (uint8_t)value;
}

static const struct io_ops t_io = { .in = t_io_in, .out = t_io_out };
static const struct mmio_ops t_mem = { .read = t_mem_read, .write = t_mem_write };

static void test_bars(struct vm *vm, struct pci *pci)
{
    static struct test_fn t;
    struct pin_log intx = { 0 };
    pci_function_init(&t.fn, "testdev", 0x1234, 0x5678, 0xFF0000, 1);
    pci_function_add_bar(&t.fn, 0, true, 16, &t_io, NULL, &t);
    pci_function_add_bar(&t.fn, 1, false, 4096, NULL, &t_mem, &t);
    CHECK_EQ(pci_register(pci, &t.fn, 3, 0, log_pin(&intx)), 0);
    CHECK_EQ(pci_register(pci, &t.fn, 3, 0, log_pin(&intx)), -1);   /* slot taken */
    uint32_t bdf = pci_bdf(0, 3, 0);
    CHECK_EQ(pci_config_read(pci, bdf, 0, 4), 0x56781234u);
    CHECK_EQ(pci_config_read(pci, bdf, PCI_INTERRUPT_PIN, 1), 1);

    /* Sizing: all ones in, the size mask and the type bits out. */
    pci_config_write(pci, bdf, PCI_BAR0, 0xFFFFFFFFu, 4);
    CHECK_EQ(pci_config_read(pci, bdf, PCI_BAR0, 4), 0xFFFFFFF1u);
    pci_config_write(pci, bdf, PCI_BAR0 + 4, 0xFFFFFFFFu, 4);
    CHECK_EQ(pci_config_read(pci, bdf, PCI_BAR0 + 4, 4), 0xFFFFF000u);
    /* Read-only: the IDs; an unused BAR stays 0. */
    pci_config_write(pci, bdf, 0, 0, 4);
    pci_config_write(pci, bdf, PCI_BAR0 + 8, 0xFFFFFFFFu, 4);
    CHECK_EQ(pci_config_read(pci, bdf, 0, 4), 0x56781234u);
    CHECK_EQ(pci_config_read(pci, bdf, PCI_BAR0 + 8, 4), 0);

    /* Programmed but not enabled: nothing answers there. */
    pci_config_write(pci, bdf, PCI_BAR0, 0xC003, 4);     /* low bits read only */
    CHECK_EQ(pci_config_read(pci, bdf, PCI_BAR0, 4), 0xC001u);
    pci_config_write(pci, bdf, PCI_BAR0 + 4, 0xFEB00000u, 4);
    CHECK_EQ(iobus_in(&vm->io, 0xC004, 1), 0xFF);
    CHECK_EQ(phys_read(&vm->mem, 0xFEB00010u, 1), 0xFF);

    /* The command register enables decoding: each space by its bit. */
    pci_config_write(pci, bdf, PCI_COMMAND, PCI_COMMAND_IO, 2);
    iobus_out(&vm->io, 0xC004, 0x42, 1);
    CHECK_EQ(t.regs[4], 0x42);
    CHECK_EQ(iobus_in(&vm->io, 0xC004, 2), 0xA542);
    CHECK_EQ(phys_read(&vm->mem, 0xFEB00010u, 1), 0xFF);
    pci_config_write(pci, bdf, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    phys_write(&vm->mem, 0xFEB00010u, 0x77, 1);
    CHECK_EQ(t.regs[16], 0x77);
    CHECK_EQ(phys_read(&vm->mem, 0xFEB00010u, 2), 0x5A77);
    CHECK_EQ(iobus_in(&vm->io, 0xC010, 1), 0xFF);        /* past the 16 ports */

    /* Through the guest's ports, as firmware does: move BAR 0. */
    iobus_out(&vm->io, 0xCF8, 0x80001810u, 4);          /* 00:03.0, BAR 0 */
    iobus_out(&vm->io, 0xCFC, 0xD000, 4);
    CHECK_EQ(iobus_in(&vm->io, 0xC004, 1), 0xFF);        /* unmapped ... */
    CHECK_EQ(iobus_in(&vm->io, 0xD004, 1), 0x42);        /* ... and mapped */

    /* A sizing guest with decoding on leaves a BAR at the top: not mapped
     * (it would cover the firmware), and the old range is gone. */
    pci_config_write(pci, bdf, PCI_BAR0 + 4, 0xFFFFFFFFu, 4);
    CHECK_EQ(phys_read(&vm->mem, 0xFEB00010u, 1), 0xFF);
    pci_config_write(pci, bdf, PCI_BAR0 + 4, 0xFEB00000u, 4);
    CHECK_EQ(phys_read(&vm->mem, 0xFEB00010u, 1), 0x77);

    /* Decoding off: both ranges go. */
    pci_config_write(pci, bdf, PCI_COMMAND, 0, 2);
    CHECK_EQ(iobus_in(&vm->io, 0xD004, 1), 0xFF);
    CHECK_EQ(phys_read(&vm->mem, 0xFEB00010u, 1), 0xFF);

    /* INTx reaches the pin the board routed. */
    pci_set_irq(&t.fn, true);
    CHECK(intx.level);
    pci_set_irq(&t.fn, false);
    CHECK(!intx.level);

    /* A reset puts the function back at power-on: BARs cleared, off. */
    pci_config_write(pci, bdf, PCI_COMMAND, PCI_COMMAND_IO, 2);
    CHECK_EQ(iobus_in(&vm->io, 0xD004, 1), 0x42);
    vm_reset(vm);
    CHECK_EQ(pci_config_read(pci, bdf, PCI_BAR0, 4), 1);
    CHECK_EQ(iobus_in(&vm->io, 0xD004, 1), 0xFF);
}

/* The expansion ROM BAR (config 0x30, PCI 3.0 6.2.5.2): sized like a
 * memory BAR, mapped only while both its enable bit and the command
 * register's memory bit are on; a prefetchable memory BAR says so. */
static void test_rom_bar(struct vm *vm, struct pci *pci)
{
    static struct test_fn t;
    pci_function_init(&t.fn, "romdev", 0x1234, 0x1111, 0x030000, 0);
    pci_function_add_bar(&t.fn, 0, false, 1u << 20, NULL, &t_mem, &t);
    pci_function_set_prefetchable(&t.fn, 0);
    pci_function_add_rom(&t.fn, 0x10000, &t_mem, &t);
    CHECK_EQ(pci_register(pci, &t.fn, 4, 0, (struct irq_pin){ 0 }), 0);
    uint32_t bdf = pci_bdf(0, 4, 0);
    CHECK_EQ(pci_config_read(pci, bdf, PCI_BAR0, 4), 0x8u);
    pci_config_write(pci, bdf, PCI_ROM_ADDRESS, 0xFFFFFFFFu, 4);
    CHECK_EQ(pci_config_read(pci, bdf, PCI_ROM_ADDRESS, 4), 0xFFFF0001u);
    t.regs[5] = 0x55;
    pci_config_write(pci, bdf, PCI_ROM_ADDRESS, 0xFEC00000u, 4);   /* enable off */
    pci_config_write(pci, bdf, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    CHECK_EQ(phys_read(&vm->mem, 0xFEC00005u, 1), 0xFF);
    pci_config_write(pci, bdf, PCI_ROM_ADDRESS, 0xFEC00001u, 4);
    CHECK_EQ(phys_read(&vm->mem, 0xFEC00005u, 1), 0x55);
    pci_config_write(pci, bdf, PCI_COMMAND, 0, 2);
    CHECK_EQ(phys_read(&vm->mem, 0xFEC00005u, 1), 0xFF);
    pci_config_write(pci, bdf, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    pci_config_write(pci, bdf, PCI_ROM_ADDRESS, 0xFED00001u, 4);   /* moved */
    CHECK_EQ(phys_read(&vm->mem, 0xFEC00005u, 1), 0xFF);
    CHECK_EQ(phys_read(&vm->mem, 0xFED00005u, 1), 0x55);
    vm_reset(vm);
    CHECK_EQ(pci_config_read(pci, bdf, PCI_ROM_ADDRESS, 4), 0);
    CHECK_EQ(phys_read(&vm->mem, 0xFED00005u, 1), 0xFF);
}

/* The i440FX's PAM registers (82441FX datasheet 3.2.18) steer the
 * segments below 1 MiB through the board's set_shadow: each 16 KiB
 * segment of 0xC0000-0xEFFFF by its nibble, 0xF0000-0xFFFFF by PAM0's
 * high nibble; reset sends every read to the bus; a load restores the
 * mapping with the registers. */
static void test_pam(struct vm *vm, struct pci *pci)
{
    const uint32_t host = pci_bdf(0, 0, 0);
    const uint8_t *sh = vm->mem.shadow;
    enum { ON = PHYS_SHADOW_ON, R = PHYS_SHADOW_READ_RAM, W = PHYS_SHADOW_WRITE_RAM };
    CHECK_EQ(pci_config_read(pci, host, PCI_SUBSYSTEM_VENDOR, 4), 0x11001AF4u);
    vm_reset(vm);
    for (unsigned p = 0xC0; p < 0x100; p++)
        CHECK_EQ(sh[p], ON);
    CHECK_EQ(sh[0xBF], 0);                            /* not the PAM's */
    pci_config_write(pci, host, 0x59, 0x30, 1);       /* F segment: RAM */
    for (unsigned p = 0xF0; p < 0x100; p++)
        CHECK_EQ(sh[p], ON | R | W);
    CHECK_EQ(sh[0xEF], ON);
    pci_config_write(pci, host, 0x5A, 0x21, 1);       /* C0000 read, C4000 write */
    CHECK_EQ(sh[0xC0], ON | R);
    CHECK_EQ(sh[0xC3], ON | R);
    CHECK_EQ(sh[0xC4], ON | W);
    CHECK_EQ(sh[0xC7], ON | W);
    CHECK_EQ(sh[0xC8], ON);
    /* A dword write covering PAM3-PAM6 (0x5C-0x5F), as SeaBIOS does. */
    pci_config_write(pci, host, 0x5C, 0x33331133u, 4);
    CHECK_EQ(sh[0xD0], ON | R | W);                   /* PAM3 low */
    CHECK_EQ(sh[0xD4], ON | R | W);                   /* PAM3 high */
    CHECK_EQ(sh[0xD8], ON | R);                       /* PAM4: read only */
    CHECK_EQ(sh[0xDF], ON | R);
    CHECK_EQ(sh[0xEC], ON | R | W);
    /* Memory through the map: the F segment's RAM now. */
    phys_write(&vm->mem, 0xF0000, 0xAB, 1);
    CHECK_EQ(phys_read(&vm->mem, 0xF0000, 1), 0xAB);
    CHECK_EQ(phys_read(&vm->mem, 0xC8000, 1), 0xFF);  /* C8000: off, nothing below */

    /* Save, change, load: the mapping follows the loaded registers. */
    struct state_out s;
    state_out_init(&s);
    pci->dev.ops->save(&pci->dev, &s);
    pci_config_write(pci, host, 0x59, 0x00, 1);
    CHECK_EQ(sh[0xF0], ON);
    CHECK_EQ(phys_read(&vm->mem, 0xF0000, 1), 0xFF);
    struct state_in in = state_in_of(s.buf, s.len);
    CHECK_EQ(pci->dev.ops->load(&pci->dev, &in, true), 0);
    CHECK_EQ(sh[0xF0], ON | R | W);
    CHECK_EQ(phys_read(&vm->mem, 0xF0000, 1), 0xAB);
    state_out_free(&s);
    vm_reset(vm);
    CHECK_EQ(sh[0xF0], ON);
    CHECK_EQ(sh[0xD0], ON);
}

int main(void)
{
    struct vm *vm = board_vm(1);
    struct pci *pci = pci_create(pc_pci_space(vm), pc_reset_request(vm));
    CHECK(pci != NULL);
    board_add(vm, &pci->dev);
    struct iobus *io = &vm->io;

    /* Linux's pci_check_type1(). */
    iobus_out(io, 0xCFB, 0x01, 1);
    uint32_t saved = iobus_in(io, 0xCF8, 4);
    iobus_out(io, 0xCF8, 0x80000000u, 4);
    CHECK_EQ(iobus_in(io, 0xCF8, 4), 0x80000000u);
    iobus_out(io, 0xCF8, saved, 4);

    iobus_out(io, 0xCF8, 0x80000000u, 4);
    CHECK_EQ(iobus_in(io, 0xCFC, 4), 0x12378086u);
    CHECK_EQ(iobus_in(io, 0xCFC, 2), 0x8086);
    CHECK_EQ(iobus_in(io, 0xCFE, 2), 0x1237);
    CHECK_EQ(iobus_in(io, 0xCFF, 1), 0x12);
    iobus_out(io, 0xCF8, 0x80000008u, 4);
    CHECK_EQ(iobus_in(io, 0xCFC, 4) >> 8, 0x060000);   /* host bridge */
    iobus_out(io, 0xCF8, 0x8000000Cu, 4);
    CHECK_EQ(iobus_in(io, 0xCFE, 1), 0x00);            /* header type 0 */
    /* Read-only vendor ID; writable PAM register. */
    iobus_out(io, 0xCF8, 0x80000000u, 4);
    iobus_out(io, 0xCFC, 0xFFFFFFFFu, 4);
    CHECK_EQ(iobus_in(io, 0xCFC, 4), 0x12378086u);
    iobus_out(io, 0xCF8, 0x80000058u, 4);
    iobus_out(io, 0xCFD, 0x33, 1);                     /* PAM0 at 0x59 */
    CHECK_EQ(pci_config_read(pci, pci_bdf(0, 0, 0), 0x59, 1), 0x33);

    /* Absent: device 1, function 1, bus 1; and with enable clear. */
    iobus_out(io, 0xCF8, 0x80000800u, 4);
    CHECK_EQ(iobus_in(io, 0xCFC, 4), 0xFFFFFFFFu);
    iobus_out(io, 0xCF8, 0x80000100u, 4);
    CHECK_EQ(iobus_in(io, 0xCFC, 2), 0xFFFF);
    iobus_out(io, 0xCF8, 0x80010000u, 4);
    CHECK_EQ(iobus_in(io, 0xCFC, 4), 0xFFFFFFFFu);
    iobus_out(io, 0xCFC, 0, 4);
    CHECK_EQ(iobus_in(io, 0xCFC, 4), 0xFFFFFFFFu);
    iobus_out(io, 0xCF8, 0x00000000u, 4);
    CHECK_EQ(iobus_in(io, 0xCFC, 4), 0xFFFFFFFFu);
    CHECK_EQ(pci_config_read(pci, pci_bdf(0, 31, 7), 0, 4), 0xFFFFFFFFu);

    test_pam(vm, pci);

    /* 0xCF9: bit 2 resets. */
    iobus_out(io, 0xCF9, 0x02, 1);
    CHECK_EQ(vm->exit_reason, VM_EXIT_NONE);
    iobus_out(io, 0xCF9, 0x06, 1);
    CHECK_EQ(vm->exit_reason, VM_EXIT_RESET);
    CHECK_EQ(pci->resets, 1);
    vm->exit_reason = VM_EXIT_NONE;

    /* Untrusted writes: any value, width and port. */
    uint32_t x = 31337;
    for (unsigned i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        uint16_t port = (uint16_t)(0xCF8 + ((x >> 8) & 7));
        unsigned size = 1u << ((x >> 17) % 3);
        uint32_t v = x ^ (x << 7);
        if (x & 0x10000)
            iobus_out(io, port, v, size);
        else
            (void)iobus_in(io, port, size);
        vm->exit_reason = VM_EXIT_NONE;
    }
    vm_reset(vm);
    iobus_out(io, 0xCF8, 0x80000000u, 4);
    CHECK_EQ(iobus_in(io, 0xCFC, 4), 0x12378086u);
    test_bars(vm, pci);
    test_rom_bar(vm, pci);
    vm_destroy(vm);
    return check_report();
}
