/* The POST code port; see post.h. */
#include "dev/post.h"

#include <stdlib.h>

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

/* The latch is what a guest can read back; the ring is the host's log. */
static void post_save(const struct device *d, struct state_out *out)
{
    state_put_u8(out, container_of(d, const struct post, dev)->last);
}

static int post_load(struct device *d, struct state_in *in, bool commit)
{
    uint8_t last = state_get_u8(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit)
        container_of(d, struct post, dev)->last = last;
    return 0;
}

static void post_dump(const struct device *d, char *buf, size_t len)
{
    const struct post *p = container_of(d, const struct post, dev);
    snprintf(buf, len, "last %02x codes %llu", p->last, (unsigned long long)p->count);
}

static const struct io_ops post_io = { .in = post_in, .out = post_out };
static const struct device_ops post_ops = {
    .type = "post", .save = post_save, .load = post_load, .dump = post_dump,
    .destroy = device_free,
};
_Static_assert(offsetof(struct post, dev) == 0, "device_free frees the state");

struct post *post_create(FILE *log)
{
    struct post *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    device_init(&p->dev, &post_ops, "post");
    device_add_ports(&p->dev, POST_PORT, 1, &post_io, p);
    p->log = log;
    return p;
}
