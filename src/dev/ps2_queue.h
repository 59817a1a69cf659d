/* A PS/2 device's output buffer: bytes waiting for the controller to
 * clock them in (a keyboard holds 16 bytes; we give both devices room for
 * a few whole scan code sequences or mouse packets). */
#ifndef PLEX86_DEV_PS2_QUEUE_H
#define PLEX86_DEV_PS2_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/state.h"

#define PS2_QUEUE 32

struct ps2_queue {
    uint8_t data[PS2_QUEUE];
    uint8_t head, len;
};

static inline unsigned ps2_queue_room(const struct ps2_queue *q)
{
    return PS2_QUEUE - q->len;
}

static inline bool ps2_queue_push(struct ps2_queue *q, uint8_t b)
{
    if (q->len >= PS2_QUEUE)
        return false;
    q->data[(q->head + q->len) % PS2_QUEUE] = b;
    q->len++;
    return true;
}

static inline bool ps2_queue_pop(struct ps2_queue *q, uint8_t *b)
{
    if (!q->len)
        return false;
    *b = q->data[q->head];
    q->head = (uint8_t)((q->head + 1) % PS2_QUEUE);
    q->len--;
    return true;
}

/* Saved as the bytes in order, not the ring's layout. */
static inline void ps2_queue_save(const struct ps2_queue *q, struct state_out *out)
{
    state_put_u8(out, q->len);
    for (unsigned i = 0; i < q->len; i++)
        state_put_u8(out, q->data[(q->head + i) % PS2_QUEUE]);
}

static inline void ps2_queue_load(struct ps2_queue *q, struct state_in *in)
{
    q->head = 0;
    q->len = state_get_u8(in);
    if (q->len > PS2_QUEUE) {
        state_in_fail(in);
        q->len = 0;
    }
    for (unsigned i = 0; i < q->len; i++)
        q->data[i] = state_get_u8(in);
}

#endif
