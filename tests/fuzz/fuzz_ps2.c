/* Fuzz harness: the 8042 with its PS/2 keyboard and mouse, as the guest
 * and the host's frontends drive them.
 *
 * One controller on a VM of its own, with a clock the input moves and the
 * VM's scheduler for typematic repeat; per input it is reset.  The input is
 * a list of operations, the low 3 bits of byte 0 say which:
 *   0 out 0x60 (byte 1)       1 out 0x64 (byte 1)
 *   2 in 0x60                 3 in 0x64
 *   4 a key: bytes 1-2 the Linux key code (any), bit 3 of byte 0 down
 *   5 pointer: bytes 1-3 dx, dy, dz (signed, times 1 << (byte 4 & 15)),
 *     byte 4 bits 4-6 buttons
 *   6 time: byte 1 times 4 ms, timers fired
 *   7 snapshot: save, dry-run and commit load, save again: same bytes
 *
 * Properties: nothing crashes; the queues never exceed their size; IRQ 1
 * and 12 follow the output buffer and the command byte; a state loads
 * back into the controller and saves the same. */
#include <stdbool.h>

#include "fuzz.h"
#include "dev/i8042.h"
#include "machine/vm.h"

static struct vm *vm;
static struct i8042 *kbc;
static uint64_t now;
static bool irq[2];

static uint64_t clock_now(void *opaque)
{
    (void)opaque;
    return now;
}

static void set_irq(void *opaque, unsigned n, bool level)
{
    (void)opaque;
    irq[n == 12] = level;
}

static void setup(void)
{
    if (vm)
        return;
    char err[256];
    struct vm_config cfg = { .ram_mb = 1, .cpu_level = CPU_486 };
    vm = vm_create(&cfg, err, sizeof(err));
    if (!vm)
        fuzz_fail("vm_create: %s", err);
    kbc = i8042_create((struct irq_pin){ .set = set_irq, .irq = 1 },
                       (struct irq_pin){ .set = set_irq, .irq = 12 }, (struct signal_line){ 0 },
                       (struct signal_request){ 0 });
    if (!kbc)
        fuzz_fail("i8042_create");
    i8042_connect(kbc, (struct dev_clock){ .now_ns = clock_now }, &vm->sched);
    if (vm_add_device(vm, &kbc->dev, err, sizeof(err)) < 0)
        fuzz_fail("vm_add_device: %s", err);
}

static void snapshot(void)
{
    struct state_out a, b;
    state_out_init(&a);
    state_out_init(&b);
    kbc->dev.ops->save(&kbc->dev, &a);
    struct state_in in = state_in_of(a.buf, a.len);
    FUZZ_CHECK(kbc->dev.ops->load(&kbc->dev, &in, false) == 0, "dry-run load of a save");
    in = state_in_of(a.buf, a.len);
    FUZZ_CHECK(kbc->dev.ops->load(&kbc->dev, &in, true) == 0, "load of a save");
    kbc->dev.ops->save(&kbc->dev, &b);
    FUZZ_CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0, "save, load, save differ");
    state_out_free(&a);
    state_out_free(&b);
}

static void check(void)
{
    FUZZ_CHECK(kbc->ctl.len <= I8042_QUEUE && kbc->kbd.q.len <= PS2_QUEUE &&
               kbc->mouse.q.len <= PS2_QUEUE, "queue overflow");
    uint8_t cb = kbc->ram[0];
    FUZZ_CHECK(irq[0] == (kbc->obf && !kbc->out_aux && (cb & I8042_CB_KBD_INT)), "IRQ 1 level");
    FUZZ_CHECK(irq[1] == (kbc->obf && kbc->out_aux && (cb & I8042_CB_AUX_INT)), "IRQ 12 level");
    FUZZ_CHECK(kbc->kbd.set == 1 || kbc->kbd.set == 2, "scan code set %u", kbc->kbd.set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    struct fz f = { data, size };
    vm_reset(vm);
    now = 0;
    sched_run_due(&vm->sched, 0);
    struct input_sink sink = i8042_input(kbc);
    while (fz_left(&f)) {
        uint8_t op = fz_u8(&f);
        switch (op & 7) {
        case 0: iobus_out(&vm->io, 0x60, fz_u8(&f), 1); break;
        case 1: iobus_out(&vm->io, 0x64, fz_u8(&f), 1); break;
        case 2: (void)iobus_in(&vm->io, 0x60, 1); break;
        case 3: (void)iobus_in(&vm->io, 0x64, 1); break;
        case 4: input_key(&sink, fz_u16(&f), op & 8); break;
        case 5: {
            int dx = (int8_t)fz_u8(&f), dy = (int8_t)fz_u8(&f), dz = (int8_t)fz_u8(&f);
            uint8_t m = fz_u8(&f);
            unsigned sh = m & 15;
            input_pointer(&sink, dx * (1 << sh), dy * (1 << sh), dz * (1 << sh), (m >> 4) & 7);
            break;
        }
        case 6:
            now += (uint64_t)fz_u8(&f) * 4000000u;
            sched_run_due(&vm->sched, now);
            break;
        case 7: snapshot(); break;
        }
        check();
    }
    return 0;
}
