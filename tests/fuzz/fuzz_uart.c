/* Fuzz harness: the 16550A UART alone, with the three things that drive
 * it: guest port accesses, host input (serial_receive, breaks) and time.
 *
 * One VM with the UART on COM1, a clock the harness steps and a pin that
 * records the IRQ level, reused: per input the clock goes back to 0 and
 * the VM is reset.  The input is a list of operations, 2-3 bytes each:
 *
 *   byte 0   bits 0-2: 0 out, 1 in, 2 host bytes, 3 break, 4 time,
 *            5 16-bit out, 6 32-bit in, 7 advance at the next event;
 *            bits 3-5: the register (0-7)
 *   byte 1   the value (out), the count (host bytes: that many following
 *            input bytes, at most 31), the time step (in 1/4 character
 *            times, times byte 2)
 *
 * Properties, after every operation: the pin is what the UART last drove,
 * and only high with OUT2 set outside loopback; the FIFO never holds more
 * than 16; serial_receive takes exactly min(len, room); next_event is
 * never in the past, and after serial_advance at the current time it is
 * not "now" (the level is settled). */
#include <stdbool.h>

#include "fuzz.h"
#include "dev/serial.h"
#include "vm/iobus.h"
#include "machine/vm.h"

static struct vm *vm;
static struct serial *uart;
static uint64_t now;
static bool pin_level;

static uint64_t clock_now(void *opaque)
{
    return *(uint64_t *)opaque;
}

static void pin_set(void *opaque, unsigned irq, bool level)
{
    (void)opaque;
    (void)irq;
    pin_level = level;
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
    uart = serial_create("serial0", SERIAL_COM1_BASE, (struct char_sink){ 0 });
    if (vm_add_device(vm, uart ? &uart->dev : NULL, err, sizeof(err)) < 0)
        fuzz_fail("serial: %s", err);
    serial_connect(uart, (struct dev_clock){ .now_ns = clock_now, .opaque = &now }, NULL,
                   (struct irq_pin){ .set = pin_set, .irq = 4 });
}

static void check_state(const char *after)
{
    FUZZ_CHECK(pin_level == uart->irq_level, "%s: pin %d, UART thinks %d", after, pin_level,
               uart->irq_level);
    if (pin_level)
        FUZZ_CHECK((uart->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2,
                   "%s: IRQ high with MCR %#x", after, uart->mcr);
    FUZZ_CHECK(uart->rx_count <= SERIAL_FIFO_SIZE, "%s: %u bytes in the FIFO", after,
               uart->rx_count);
    FUZZ_CHECK(serial_rx_room(uart) <= SERIAL_FIFO_SIZE, "%s: room %zu", after,
               serial_rx_room(uart));
    uint64_t next = serial_next_event(uart, now);
    FUZZ_CHECK(next >= now, "%s: next event %llu before now %llu", after,
               (unsigned long long)next, (unsigned long long)now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    now = 0;
    vm_reset(vm);
    check_state("reset");
    struct fz in = { data, size };
    uint16_t base = SERIAL_COM1_BASE;
    while (fz_left(&in)) {
        uint8_t op = fz_u8(&in);
        unsigned reg = (op >> 3) & 7;
        uint8_t v = fz_u8(&in);
        const char *what = "?";
        switch (op & 7) {
        case 0:
            iobus_out(&vm->io, (uint16_t)(base + reg), v, 1);
            what = "out";
            break;
        case 1:
            iobus_in(&vm->io, (uint16_t)(base + reg), 1);
            what = "in";
            break;
        case 2: {
            uint8_t buf[31];
            size_t n = v % 32;
            for (size_t i = 0; i < n; i++)
                buf[i] = fz_u8(&in);
            size_t room = serial_rx_room(uart);
            size_t took = serial_receive(uart, buf, n);
            FUZZ_CHECK(took == (n < room ? n : room), "receive %zu with room %zu took %zu", n,
                       room, took);
            what = "receive";
            break;
        }
        case 3: {
            size_t room = serial_rx_room(uart);
            FUZZ_CHECK(serial_receive_break(uart) == (room > 0), "break with room %zu", room);
            what = "break";
            break;
        }
        case 4:
            now += serial_char_ns(uart) / 4 * v * (fz_u8(&in) + 1u);
            what = "time";
            break;
        case 5:
            iobus_out(&vm->io, (uint16_t)(base + (reg & 6)), (uint32_t)v | fz_u8(&in) << 8, 2);
            what = "out16";
            break;
        case 6:
            iobus_in(&vm->io, (uint16_t)(base + (reg & 4)), 4);
            what = "in32";
            break;
        default: {
            uint64_t next = serial_next_event(uart, now);
            if (next != UINT64_MAX)
                now = next;
            serial_advance(uart, now);
            FUZZ_CHECK(serial_next_event(uart, now) != now,
                       "after advance the UART still wants attention now");
            what = "advance";
            break;
        }
        }
        check_state(what);
    }
    return 0;
}
