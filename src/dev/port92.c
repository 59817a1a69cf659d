/* Port 0x92; see port92.h. */
#include "dev/port92.h"

#include <stdlib.h>

#include "machine/vm.h"

static uint32_t port92_in(void *opaque, uint16_t port, unsigned size)
{
    struct port92 *p = opaque;
    bool a20 = p->vm->mem.a20_mask & (1u << 20);
    return (p->value & ~2u) | (a20 ? 2u : 0u);
}

static void port92_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct port92 *p = opaque;
    uint8_t old = p->value, v = (uint8_t)value;
    p->value = v;
    bool a20 = p->vm->mem.a20_mask & (1u << 20);
    if (a20 != (bool)(v & 2))
        vm_set_a20(p->vm, v & 2);
    if ((v & 1) && !(old & 1)) {
        p->resets++;
        vm_request_exit(p->vm, VM_EXIT_RESET, 0);
    }
}

/* The reset clears the register; the A20 line is the board's to set. */
static void port92_reset(void *dev)
{
    struct port92 *p = dev;
    p->value = 0;
}

static void port92_destroy(void *dev)
{
    free(dev);
}

static const struct io_ops port92_io = { .in = port92_in, .out = port92_out };
static const struct device_ops port92_dev = {
    .name = "port92", .reset = port92_reset, .destroy = port92_destroy,
};

struct port92 *port92_create(struct vm *vm)
{
    struct port92 *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->vm = vm;
    if (vm_add_device(vm, &port92_dev, p) < 0) {
        free(p);
        return NULL;
    }
    if (iobus_register(&vm->io, PORT92_PORT, 1, &port92_io, p, "port92") < 0)
        return NULL;
    return p;
}
