/* The debug-exit port; see debug_exit.h. */
#include "dev/debug_exit.h"

#include <stdlib.h>

#include "machine/vm.h"

/* Any write in the window stops the VM with the value written, whatever
 * its width (QEMU's debug_exit_write ignores address and width as well).
 * vm_request_exit lets the current instruction finish. */
static void debug_exit_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct debug_exit *d = opaque;
    d->last_value = value;
    d->writes++;
    vm_request_exit(d->vm, VM_EXIT_GUEST_EXIT, debug_exit_status(value));
}

static void debug_exit_destroy(void *dev)
{
    free(dev);
}

/* No `in`: reads see an undriven bus (all ones), as with QEMU's device. */
static const struct io_ops debug_exit_io = { .out = debug_exit_out };
static const struct device_ops debug_exit_dev = {
    .name = "debug-exit", .destroy = debug_exit_destroy,
};

struct debug_exit *debug_exit_create(struct vm *vm, uint16_t base)
{
    struct debug_exit *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->vm = vm;
    d->base = base;
    if (vm_add_device(vm, &debug_exit_dev, d) < 0) {
        free(d);
        return NULL;
    }
    if (iobus_register(&vm->io, base, DEBUG_EXIT_PORTS, &debug_exit_io, d,
                       "debug-exit") < 0)
        return NULL;
    return d;
}
