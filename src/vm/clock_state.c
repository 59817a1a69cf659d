/* Guest time as bytes; see clock_state.h. */
#include "vm/clock_state.h"

#include <stdio.h>


void vm_clock_save(struct vm_clock *clk, struct state_out *out)
{
    state_put_u32(out, VM_CLOCK_STATE_VERSION);
    state_put_u8(out, clk->mode == VM_CLOCK_ICOUNT ? 1 : 0);
    state_put_u8(out, (uint8_t)clk->shift);
    state_put_u64(out, vm_clock_now(clk));
    state_put_u64(out, clk->mode == VM_CLOCK_ICOUNT ? clk->warp_ns : 0);
}

int vm_clock_load(struct vm_clock *clk, struct state_in *in, bool commit, char *why,
                  size_t whylen)
{
    uint32_t version = state_get_u32(in);
    uint8_t mode = state_get_u8(in);
    uint8_t shift = state_get_u8(in);
    uint64_t now = state_get_u64(in);
    uint64_t warp = state_get_u64(in);
    if (!state_in_ok(in, true)) {
        snprintf(why, whylen, "clock state truncated or too long");
        return -1;
    }
    if (version != VM_CLOCK_STATE_VERSION) {
        snprintf(why, whylen, "clock state version %u, this plex86 reads %u", version,
                 VM_CLOCK_STATE_VERSION);
        state_in_fail(in);
        return -1;
    }
    /* Guest time below 2^62 ns (146 years) keeps every sum in range. */
    if (mode > 1 || shift > VM_CLOCK_MAX_SHIFT || (mode == 0 && warp) ||
        now >> 62 || warp > now) {
        snprintf(why, whylen, "clock state out of range");
        state_in_fail(in);
        return -1;
    }
    if (!commit)
        return 0;
    if (clk->mode == VM_CLOCK_ICOUNT) {
        /* now == steps << shift + warp, with the restored steps; time that
         * cannot be shown (a smaller -icount shift than the save's
         * needs a negative warp) is skipped forward instead. */
        uint64_t steps_ns = clk->steps(clk->steps_src) << clk->shift;
        clk->warp_ns = now > steps_ns ? now - steps_ns : 0;
        return 0;
    }
    uint64_t host = host_monotonic_ns();
    clk->host_base_ns = host - now;
    clk->hidden_ns = 0;
    clk->running = false;
    clk->slice_guest = now;
    clk->slice_steps = clk->steps(clk->steps_src);
    clk->last = now;
    return 0;
}
