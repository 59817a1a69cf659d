/* Fuzz harness: port I/O to every device of the PC board.
 *
 * One board (pc_create: 1 MiB of RAM, a 4 KiB firmware image in memory,
 * the PC/AT chipset (PIC, PIT, RTC, 8042, port 0x92, PCI host bridge),
 * COM1 with its output dropped, the 0xE9 console, the POST port printing
 * to /dev/null, the debug-exit port), reused: per input the VM is reset
 * (devices and CPU) and its exit state cleared.  The input is a list of
 * accesses, 4-8 bytes each (between accesses guest time moves on: the
 * board runs on the host clock):
 *
 *   byte 0   bit 0: in or out; bits 1-2: size 1, 2 or 4 (3 = 1 again);
 *            bits 3-4: the port is 0: a 16-bit port from the input,
 *            1-3: one of the ports a PC decodes (where the devices are
 *            and will be), plus an offset
 *   byte 1-2 the port (or the list index and offset)
 *   byte 3-6 the value, for out
 *
 * Ports whose every byte nobody owns must read all ones (an undriven ISA
 * bus), whatever the size; everything else must simply not crash.  A
 * debug-exit write or a reset request stops the VM: it is noted and
 * cleared, and the accesses go on. */
#include <stdbool.h>

#include "fuzz.h"
#include "pc/pc.h"
#include "vm/iobus.h"
#include "machine/vm.h"

static struct pc *pc;
static FILE *devnull;

/* Ports a PC decodes: the devices we have (COM1, 0xE9, POST, debug exit,
 * PIC, PIT, keyboard controller, CMOS, port 0x92, PCI configuration) and
 * those still to come (DMA, COM2-4, LPT, IDE, VGA, fw_cfg). */
static const uint16_t pc_ports[] = {
    0x3F8, 0x3F9, 0x3FA, 0x3FB, 0x3FC, 0x3FD, 0x3FE, 0x3FF, 0xE9,  0x80,  0xF4,
    0xF5,  0xF6,  0xF7,  0x20,  0x21,  0xA0,  0xA1,  0x40,  0x41,  0x42,  0x43,
    0x60,  0x61,  0x64,  0x70,  0x71,  0x92,  0x00,  0x08,  0x0D,  0x81,  0x87,
    0xC0,  0xD0,  0x2F8, 0x3E8, 0x2E8, 0x378, 0x1F0, 0x1F7, 0x3F6, 0x170, 0x3C0,
    0x3C4, 0x3CE, 0x3D4, 0x3DA, 0xCF8, 0xCFC, 0x510, 0x511, 0x402, 0x501, 0x4D0,
};

static void setup(void)
{
    if (pc)
        return;
    devnull = fopen("/dev/null", "w");
    static uint8_t bios[4096];
    memset(bios, 0xF4, sizeof(bios));
    struct pc_config cfg = {
        .ram_mb = 1, .cpu_level = CPU_486, .bios_data = bios, .bios_size = sizeof(bios),
        .has_serial = true, .has_debugcon = true, .post_log = devnull,
    };
    char err[256];
    pc = pc_create(&cfg, err, sizeof(err));
    if (!pc)
        fuzz_fail("pc_create: %s", err);
}

static bool unowned(const struct iobus *bus, uint16_t port, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        if (bus->owner[(uint16_t)(port + i)])
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    struct vm *vm = pc->vm;
    vm_reset(vm);
    vm->exit_reason = VM_EXIT_NONE;
    vm->cpu.stop_request = false;
    struct fz in = { data, size };
    while (fz_left(&in)) {
        uint8_t op = fz_u8(&in);
        unsigned sz = (op >> 1) & 3;
        sz = sz == 2 ? 4 : sz == 1 ? 2 : 1;
        uint16_t port = fz_u16(&in);
        if ((op >> 3) & 3) {
            uint16_t base = pc_ports[(port & 0xFF) % (sizeof(pc_ports) / sizeof(pc_ports[0]))];
            port = (uint16_t)(base + ((port >> 8) & 7) - (((op >> 3) & 3) == 3 ? 4 : 0));
        }
        if (op & 1) {
            uint32_t v = fz_u32(&in);
            iobus_out(&vm->io, port, v, sz);
            if (vm->exit_reason != VM_EXIT_NONE) {
                /* The debug-exit port ends the VM; the 8042, port 0x92
                 * and 0xCF9 reset it. */
                FUZZ_CHECK(vm->exit_reason == VM_EXIT_GUEST_EXIT ||
                               vm->exit_reason == VM_EXIT_RESET,
                           "port %04x: out stopped the VM with %s", port,
                           vm_exit_reason_name(vm->exit_reason));
                vm->exit_reason = VM_EXIT_NONE;
                vm->cpu.stop_request = false;
            }
        } else {
            uint32_t v = iobus_in(&vm->io, port, sz);
            uint32_t ones = sz == 4 ? 0xFFFFFFFFu : (1u << (8 * sz)) - 1;
            FUZZ_CHECK(v <= ones, "in %04x/%u returned %#x, wider than the access", port, sz, v);
            if (unowned(&vm->io, port, sz))
                FUZZ_CHECK(v == ones, "unowned port %04x/%u read %#x, not all ones", port, sz, v);
        }
    }
    return 0;
}
