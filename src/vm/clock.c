/* Guest time; see clock.h. */
#include "vm/clock.h"

#include <time.h>

uint64_t host_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void vm_clock_init_host(struct vm_clock *clk, vm_clock_steps_fn steps, const void *src)
{
    *clk = (struct vm_clock){ .mode = VM_CLOCK_HOST, .host_base_ns = host_monotonic_ns(),
                              .steps = steps, .steps_src = src };
}

void vm_clock_init_icount(struct vm_clock *clk, vm_clock_steps_fn steps, const void *src,
                          unsigned shift)
{
    if (shift > VM_CLOCK_MAX_SHIFT)
        shift = VM_CLOCK_MAX_SHIFT;
    *clk = (struct vm_clock){ .mode = VM_CLOCK_ICOUNT, .shift = shift, .steps = steps,
                              .steps_src = src };
}

/* Host time since creation, less what was hidden; while paused, the
 * moment it paused. */
static uint64_t host_part(const struct vm_clock *clk)
{
    uint64_t now = clk->paused ? clk->paused_at : host_monotonic_ns();
    return now - clk->host_base_ns - clk->hidden_ns;
}

void vm_clock_set_threads(struct vm_clock *clk, bool threads)
{
    clk->threads = clk->mode == VM_CLOCK_HOST && threads;
    clk->running = false;
}

/* The threads' clock: host time less what was hidden (pauses only), read
 * without a lock; the monitor's stop and cont change it under the VM's
 * lock while the CPUs are stopped. */
static uint64_t threads_now(const struct vm_clock *clk)
{
    uint64_t now = __atomic_load_n(&clk->paused, __ATOMIC_ACQUIRE)
                       ? __atomic_load_n(&clk->paused_at, __ATOMIC_RELAXED)
                       : host_monotonic_ns();
    return now - clk->host_base_ns - __atomic_load_n(&clk->hidden_ns, __ATOMIC_RELAXED);
}

uint64_t vm_clock_now(struct vm_clock *clk)
{
    if (clk->mode == VM_CLOCK_ICOUNT)
        return (clk->steps(clk->steps_src) << clk->shift) + clk->warp_ns;
    if (clk->threads)
        return threads_now(clk);
    uint64_t t = host_part(clk);
    if (clk->running) {
        uint64_t bound = clk->slice_guest +
                         (clk->steps(clk->steps_src) - clk->slice_steps) * VM_CLOCK_MAX_NS_PER_STEP;
        if (t > bound)
            t = bound;
    }
    if (t < clk->last)
        t = clk->last;
    clk->last = t;
    return t;
}

void vm_clock_slice(struct vm_clock *clk, bool running)
{
    if (clk->mode == VM_CLOCK_ICOUNT || clk->threads)
        return;
    uint64_t shown = vm_clock_now(clk);
    uint64_t host = host_part(clk);
    if (host > shown)
        clk->hidden_ns += host - shown;
    clk->running = running;
    clk->slice_guest = shown;
    clk->slice_steps = clk->steps(clk->steps_src);
}

uint64_t vm_clock_steps_for(const struct vm_clock *clk, uint64_t ns)
{
    uint64_t steps = ns >> clk->shift;
    return steps ? steps : 1;
}

void vm_clock_warp_to(struct vm_clock *clk, uint64_t target)
{
    uint64_t now = vm_clock_now(clk);
    if (clk->mode == VM_CLOCK_ICOUNT && target > now)
        clk->warp_ns += target - now;
}

void vm_clock_pause(struct vm_clock *clk)
{
    if (clk->paused)
        return;
    __atomic_store_n(&clk->paused_at, host_monotonic_ns(), __ATOMIC_RELAXED);
    __atomic_store_n(&clk->paused, true, __ATOMIC_RELEASE);
}

void vm_clock_resume(struct vm_clock *clk)
{
    if (!clk->paused)
        return;
    __atomic_store_n(&clk->hidden_ns, clk->hidden_ns + host_monotonic_ns() - clk->paused_at,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&clk->paused, false, __ATOMIC_RELEASE);
}
