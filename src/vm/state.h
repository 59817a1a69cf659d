/* Device and CPU state as bytes: what a snapshot section holds.
 *
 * Every part of a VM that can be saved (a device, the CPU, the clock)
 * writes its state with the state_put_* calls and reads it back with the
 * state_get_* calls, field by field, in a fixed order and in little-endian
 * byte order, so that a snapshot does not depend on struct layout, padding
 * or the compiler.  Saving the same state twice gives the same bytes (the
 * round-trip tests compare them).
 *
 * Both sides are sticky on error: a writer that runs out of memory, or a
 * reader that runs past the end of its bytes, sets its flag and returns
 * zeros from then on, so a loader reads all its fields first and checks
 * state_in_ok() once, then validates the values before it changes
 * anything (snapshot loading must leave the VM untouched on bad input). */
#ifndef PLEX86_VM_STATE_H
#define PLEX86_VM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct state_out {
    uint8_t *buf;   /* malloc'd; the caller frees it (state_out_free) */
    size_t len, cap;
    bool oom;       /* an allocation failed: the bytes are incomplete */
};

struct state_in {
    const uint8_t *buf;
    size_t len, pos;
    bool bad;       /* read past the end, or a value failed a check */
};

void state_out_init(struct state_out *o);
void state_out_free(struct state_out *o);
void state_put_bytes(struct state_out *o, const void *p, size_t n);
void state_put_u8(struct state_out *o, uint8_t v);
void state_put_u16(struct state_out *o, uint16_t v);
void state_put_u32(struct state_out *o, uint32_t v);
void state_put_u64(struct state_out *o, uint64_t v);
static inline void state_put_bool(struct state_out *o, bool v)
{
    state_put_u8(o, v ? 1 : 0);
}

static inline struct state_in state_in_of(const void *buf, size_t len)
{
    return (struct state_in){ .buf = buf, .len = len };
}
void state_get_bytes(struct state_in *in, void *p, size_t n);
uint8_t state_get_u8(struct state_in *in);
uint16_t state_get_u16(struct state_in *in);
uint32_t state_get_u32(struct state_in *in);
uint64_t state_get_u64(struct state_in *in);
/* A bool must be stored as 0 or 1; anything else marks the input bad. */
bool state_get_bool(struct state_in *in);
/* Marks the input bad (a loader's own check failed). */
static inline void state_in_fail(struct state_in *in)
{
    in->bad = true;
}
/* True when every read so far was in bounds and valid and, when `whole`,
 * every byte was read. */
static inline bool state_in_ok(const struct state_in *in, bool whole)
{
    return !in->bad && (!whole || in->pos == in->len);
}

#endif
