/* PCI configuration mechanism #1: the host bridge at 00:00.0, absent
 * functions, Linux's type 1 probe, the 0xCF9 reset register. */
#include "check.h"
#include "dev/board_util.h"
#include "dev/pci.h"

int main(void)
{
    struct vm *vm = board_vm(1);
    struct pci *pci = pci_create(vm);
    CHECK(pci != NULL);
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
    vm_destroy(vm);
    return check_report();
}
