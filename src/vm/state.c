/* Device and CPU state as bytes; see state.h. */
#include "vm/state.h"

#include <stdlib.h>
#include <string.h>

void state_out_init(struct state_out *o)
{
    *o = (struct state_out){ 0 };
}

void state_out_free(struct state_out *o)
{
    free(o->buf);
    *o = (struct state_out){ 0 };
}

void state_put_bytes(struct state_out *o, const void *p, size_t n)
{
    if (o->oom || n == 0)
        return;
    if (n > o->cap - o->len) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap - o->len < n) {
            if (cap > SIZE_MAX / 2) {
                o->oom = true;
                return;
            }
            cap *= 2;
        }
        uint8_t *nb = realloc(o->buf, cap);
        if (!nb) {
            o->oom = true;
            return;
        }
        o->buf = nb;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void put_le(struct state_out *o, uint64_t v, unsigned n)
{
    uint8_t b[8];
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    state_put_bytes(o, b, n);
}

void state_put_u8(struct state_out *o, uint8_t v) { put_le(o, v, 1); }
void state_put_u16(struct state_out *o, uint16_t v) { put_le(o, v, 2); }
void state_put_u32(struct state_out *o, uint32_t v) { put_le(o, v, 4); }
void state_put_u64(struct state_out *o, uint64_t v) { put_le(o, v, 8); }

void state_get_bytes(struct state_in *in, void *p, size_t n)
{
    if (in->bad || n > in->len - in->pos) {
        in->bad = true;
        memset(p, 0, n);
        return;
    }
    memcpy(p, in->buf + in->pos, n);
    in->pos += n;
}

static uint64_t get_le(struct state_in *in, unsigned n)
{
    uint8_t b[8];
    state_get_bytes(in, b, n);
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

uint8_t state_get_u8(struct state_in *in) { return (uint8_t)get_le(in, 1); }
uint16_t state_get_u16(struct state_in *in) { return (uint16_t)get_le(in, 2); }
uint32_t state_get_u32(struct state_in *in) { return (uint32_t)get_le(in, 4); }
uint64_t state_get_u64(struct state_in *in) { return get_le(in, 8); }

bool state_get_bool(struct state_in *in)
{
    uint8_t v = state_get_u8(in);
    if (v > 1)
        in->bad = true;
    return v == 1;
}
