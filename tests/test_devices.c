/* The first devices, driven through the VM's port bus as the CPU would:
 * serial (COM1), debug-exit, debugcon, POST. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_vm.h"
#include "dev/chardev.h"
#include "dev/debug_exit.h"
#include "dev/debugcon.h"
#include "dev/post.h"
#include "dev/serial.h"
#include "machine/vm.h"

/* Adds a device or fails the test program. */
static void add(struct vm *vm, struct device *d)
{
    char err[256];
    if (vm_add_device(vm, d, err, sizeof(err)) < 0) {
        fprintf(stderr, "vm_add_device: %s\n", err);
        exit(1);
    }
}

/* The board's wiring of the debug-exit request (pc/pc.c). */
static void exit_request(void *opaque, uint32_t value)
{
    vm_request_exit(opaque, VM_EXIT_GUEST_EXIT, debug_exit_status(value));
}

static void test_serial(void)
{
    struct vm *vm = test_vm_new(1, CPU_486);
    struct char_buffer out = { 0 };
    struct serial *s = serial_create("serial0", SERIAL_COM1_BASE, char_sink_buffer(&out));
    CHECK(s != NULL);
    add(vm, &s->dev);
    struct iobus *io = &vm->io;

    /* The transmitter is always ready: THRE | TEMT. */
    CHECK_EQ(iobus_in(io, 0x3FD, 1), 0x60);
    CHECK_EQ(iobus_in(io, 0x3FA, 1), 0x01);      /* IIR: no interrupt */

    iobus_out(io, 0x3F8, 'h', 1);
    iobus_out(io, 0x3F8, 'i', 1);
    CHECK_STR((char *)out.data, "hi");
    CHECK_EQ(s->tx_bytes, 2);

    /* Registers read back what was written. */
    iobus_out(io, 0x3F9, 0xFF, 1);
    CHECK_EQ(iobus_in(io, 0x3F9, 1), 0x0F);      /* IER has 4 bits */
    iobus_out(io, 0x3FB, 0x03, 1);
    CHECK_EQ(iobus_in(io, 0x3FB, 1), 0x03);
    iobus_out(io, 0x3FC, 0x0B, 1);
    CHECK_EQ(iobus_in(io, 0x3FC, 1), 0x0B);
    iobus_out(io, 0x3FF, 0x5A, 1);
    CHECK_EQ(iobus_in(io, 0x3FF, 1), 0x5A);

    /* With DLAB set, ports 0 and 1 are the divisor latch, and writing the
     * latch sends nothing. */
    iobus_out(io, 0x3FB, 0x83, 1);
    iobus_out(io, 0x3F8, 0x01, 1);
    iobus_out(io, 0x3F9, 0x00, 1);
    CHECK_EQ(iobus_in(io, 0x3F8, 1), 0x01);
    CHECK_EQ(iobus_in(io, 0x3F9, 1), 0x00);
    CHECK_EQ(out.len, 2);
    iobus_out(io, 0x3FB, 0x03, 1);
    CHECK_EQ(iobus_in(io, 0x3F9, 1), 0x0F);      /* IER again */

    /* Loopback: MSR mirrors MCR, and a sent byte comes back on RBR. */
    iobus_out(io, 0x3FC, 0x10 | 0x0A, 1);
    CHECK_EQ(iobus_in(io, 0x3FE, 1) & 0xF0, 0x90); /* Linux 8250's probe */
    iobus_out(io, 0x3F8, 'x', 1);
    CHECK_EQ(out.len, 2);
    CHECK_EQ(iobus_in(io, 0x3FD, 1), 0x61);      /* data ready */
    CHECK_EQ(iobus_in(io, 0x3F8, 1), 'x');
    CHECK_EQ(iobus_in(io, 0x3FD, 1), 0x60);
    iobus_out(io, 0x3FC, 0x03, 1);
    CHECK_EQ(iobus_in(io, 0x3FE, 1) & 0xF0, 0xB0); /* line connected */

    /* A 16-bit write to THR is a byte to THR and a byte to IER. */
    iobus_out(io, 0x3F8, 0x0321, 2);
    CHECK_STR((char *)out.data, "hi!");
    CHECK_EQ(iobus_in(io, 0x3F9, 1), 0x03);

    /* Reset clears the registers. */
    vm_reset(vm);
    CHECK_EQ(iobus_in(io, 0x3FB, 1), 0x00);
    CHECK_EQ(iobus_in(io, 0x3F9, 1), 0x00);

    /* A second UART on the same ports is refused, naming both; so is a
     * debug console on one of them, and a second device of the same name. */
    char err[256];
    struct serial *s2 = serial_create("serial1", SERIAL_COM1_BASE, char_sink_buffer(&out));
    CHECK_EQ(vm_add_device(vm, &s2->dev, err, sizeof(err)), -1);
    CHECK_STR(err, "port 0x3f8-0x3ff (serial0) overlaps 0x3f8-0x3ff (serial1)");
    struct debugcon *dc = debugcon_create("debugcon", 0x3F8, char_sink_buffer(&out));
    CHECK_EQ(vm_add_device(vm, &dc->dev, err, sizeof(err)), -1);
    CHECK_STR(err, "port 0x3f8-0x3ff (serial0) overlaps 0x3f8 (debugcon)");
    s2 = serial_create("serial0", 0x2F8, char_sink_buffer(&out));
    CHECK_EQ(vm_add_device(vm, &s2->dev, err, sizeof(err)), -1);
    CHECK_STR(err, "two devices called serial0");
    CHECK_EQ(vm_add_device(vm, NULL, err, sizeof(err)), -1);
    CHECK_EQ(vm->ndevices, 1);
    /* A refused device claimed nothing: 0x2F8 is still free. */
    CHECK_EQ(iobus_in(io, 0x2FB, 1), 0xFF);
    vm_destroy(vm);
    char_buffer_free(&out);
}

static void test_debug_exit(void)
{
    static const struct { uint32_t v; unsigned size; int status; } cases[] = {
        { 0, 1, 1 }, { 1, 1, 3 }, { 0x21, 1, 0x43 }, { 0x7F, 1, 0xFF },
        { 0x1234, 2, 0x2469 }, { 0x10, 4, 0x21 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vm *vm = test_vm_new(1, CPU_486);
        struct debug_exit *d = debug_exit_create(
            DEBUG_EXIT_PORT, (struct signal_request){ .fire = exit_request, .opaque = vm });
        CHECK(d != NULL);
        add(vm, &d->dev);
        CHECK_EQ(iobus_in(&vm->io, DEBUG_EXIT_PORT, 1), 0xFF);
        iobus_out(&vm->io, DEBUG_EXIT_PORT, cases[i].v, cases[i].size);
        CHECK_EQ(vm->exit_reason, VM_EXIT_GUEST_EXIT);
        CHECK_EQ(vm->exit_code, cases[i].status);
        CHECK(vm->cpu.stop_request);
        CHECK_EQ(d->last_value, cases[i].v);
        vm_destroy(vm);
    }
    CHECK_EQ(debug_exit_status(0), 1);
    CHECK_EQ(debug_exit_status(3), 7);
}

static void test_debugcon(void)
{
    struct vm *vm = test_vm_new(1, CPU_486);
    struct char_buffer out = { 0 };
    struct debugcon *d = debugcon_create("debugcon", DEBUGCON_PORT, char_sink_buffer(&out));
    CHECK(d != NULL);
    add(vm, &d->dev);
    CHECK_EQ(iobus_in(&vm->io, 0xE9, 1), 0xE9);  /* the detection readback */
    iobus_out(&vm->io, 0xE9, 'o', 1);
    iobus_out(&vm->io, 0xE9, 'k', 1);
    iobus_out(&vm->io, 0xE9, 0x0A21, 2);         /* low byte only: '!' */
    CHECK_STR((char *)out.data, "ok!");
    CHECK_EQ(d->bytes, 3);
    vm_destroy(vm);
    char_buffer_free(&out);
}

static void test_post(void)
{
    struct vm *vm = test_vm_new(1, CPU_486);
    char *logbuf = NULL;
    size_t loglen = 0;
    FILE *log = open_memstream(&logbuf, &loglen);
    struct post *p = post_create(log);
    CHECK(p != NULL);
    add(vm, &p->dev);
    CHECK_EQ(p->count, 0);
    for (unsigned i = 0; i < 20; i++)
        iobus_out(&vm->io, 0x80, 0x10 + i, 1);
    CHECK_EQ(p->count, 20);
    CHECK_EQ(p->last, 0x23);
    CHECK_EQ(post_recent(p, 0), 0x23);
    CHECK_EQ(post_recent(p, 15), 0x14);         /* the ring keeps 16 */
    CHECK_EQ(iobus_in(&vm->io, 0x80, 1), 0x23);
    fclose(log);
    CHECK(logbuf && !strncmp(logbuf, "POST 0x10\nPOST 0x11\n", 20));
    CHECK(logbuf && strstr(logbuf, "POST 0x23\n") != NULL);
    free(logbuf);
    vm_destroy(vm);
}

/* A device with only an MMIO window: the VM maps what it declares, and a
 * second one on the same page is refused with both names. */
struct mmio_dev {
    struct device dev;
    uint32_t last;
};

static uint32_t mmio_dev_read(void *opaque, uint32_t off, unsigned size)
{
    return 0xC0DE0000u | off;
}

static void mmio_dev_write(void *opaque, uint32_t off, uint32_t value, unsigned size)
{
    ((struct mmio_dev *)opaque)->last = value;
}

static const struct mmio_ops mmio_dev_mmio = { .read = mmio_dev_read,
                                               .write = mmio_dev_write };
static const struct device_ops mmio_dev_ops = { .type = "test-mmio",
                                                .destroy = device_free };

static struct mmio_dev *mmio_dev_new(const char *name, uint32_t base)
{
    struct mmio_dev *m = calloc(1, sizeof(*m));
    device_init(&m->dev, &mmio_dev_ops, name);
    device_add_mmio(&m->dev, base, 4096, &mmio_dev_mmio, m);
    return m;
}

static void test_mmio_resources(void)
{
    struct vm *vm = test_vm_new(1, CPU_486);
    char err[256];
    struct mmio_dev *a = mmio_dev_new("ioapic", 0xFEC00000u);
    add(vm, &a->dev);
    CHECK_EQ(phys_read(&vm->mem, 0xFEC00010u, 4), 0xC0DE0010u);
    phys_write(&vm->mem, 0xFEC00020u, 0x1234, 4);
    CHECK_EQ(a->last, 0x1234);
    struct mmio_dev *b = mmio_dev_new("hpet", 0xFEC00000u);
    CHECK_EQ(vm_add_device(vm, &b->dev, err, sizeof(err)), -1);
    CHECK_STR(err, "memory 0xfec00000-0xfec00fff (ioapic) overlaps 0xfec00000-0xfec00fff (hpet)");
    /* More ranges than a device may declare: refused, nothing claimed. */
    struct mmio_dev *c = mmio_dev_new("many", 0xFED00000u);
    for (unsigned i = 1; i <= DEVICE_MAX_MMIO_RANGES; i++)
        device_add_mmio(&c->dev, 0xFED00000u + i * 4096, 4096, &mmio_dev_mmio, c);
    CHECK_EQ(vm_add_device(vm, &c->dev, err, sizeof(err)), -1);
    CHECK(strstr(err, "many: more port or MMIO ranges") == err);
    CHECK_EQ(phys_read(&vm->mem, 0xFED00000u, 4), 0xFFFFFFFFu);
    CHECK_EQ(vm->ndevices, 1);
    vm_destroy(vm);
}

int main(void)
{
    test_mmio_resources();
    test_serial();
    test_debug_exit();
    test_debugcon();
    test_post();
    return check_report();
}
