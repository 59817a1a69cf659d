/* The POST code port; see post.h. */
#include "dev/post.h"

#include <stdlib.h>

#include "machine/vm.h"

static void post_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct post *p = opaque;
    uint8_t code = (uint8_t)value; /* an 8-bit latch: wider writes keep byte 0 */
    p->ring[p->count % POST_RING] = code;
    p->count++;
    p->last = code;
    if (p->log)
        fprintf(p->log, "POST 0x%02x\n", code);
}

/* Reading 0x80 returns the latched code, as on chipsets whose POST latch is
 * readable; software that uses `in al, 0x80` as a delay does not care. */
static uint32_t post_in(void *opaque, uint16_t port, unsigned size)
{
    const struct post *p = opaque;
    return p->last;
}

static void post_destroy(void *dev)
{
    free(dev);
}

static const struct io_ops post_io = { .in = post_in, .out = post_out };
static const struct device_ops post_dev = { .name = "post", .destroy = post_destroy };

struct post *post_create(struct vm *vm, FILE *log)
{
    struct post *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->log = log;
    if (vm_add_device(vm, &post_dev, p) < 0) {
        free(p);
        return NULL;
    }
    if (iobus_register(&vm->io, POST_PORT, 1, &post_io, p, "post") < 0)
        return NULL;
    return p;
}
