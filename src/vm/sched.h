/* One scheduler per VM (issue 15, item 3): a deadline queue of timers in
 * guest nanoseconds.  Device events (the PIT's next OUT 0 edge, the RTC's
 * next interrupt, the UART's character timeout), host input polling and
 * the accounting tick are all timers; the run loop runs the CPU up to the
 * earliest deadline (exactly to it under -icount), then fires what is due.
 * Nobody polls devices.
 *
 * A `struct timer` belongs to whoever arms it (embedded in a device's
 * state): the queue only links them, so arming never allocates.  The queue
 * is a list sorted by deadline (arming is O(n) in the handful of timers a
 * PC has; equal deadlines fire in the order they were armed, so runs
 * repeat).
 *
 * Housekeeping timers (`host`: input polling, the accounting tick) fire
 * when due like the others but are not guest events: a halted guest under
 * -icount does not jump guest time forward to them, and sched_next_guest
 * leaves them out. */
#ifndef PLEX86_VM_SCHED_H
#define PLEX86_VM_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define SCHED_NEVER UINT64_MAX

struct timer {
    uint64_t deadline;     /* guest ns; meaningful while armed */
    void (*fire)(void *opaque, uint64_t now_ns);
    void *opaque;
    bool host;             /* housekeeping, not a guest event (above) */
    bool armed;
    struct timer *next;    /* the queue's link */
};

struct sched {
    struct timer *head;    /* earliest first */
    uint64_t fired;        /* callbacks made, for traces and tests */
};

void sched_init(struct sched *s);

/* `fire` is called once the deadline has passed, with the time then; the
 * timer is disarmed before the call, so the callback may re-arm it. */
void timer_init(struct timer *t, void (*fire)(void *opaque, uint64_t now_ns),
                void *opaque, bool host);

/* Arms `t` for `deadline_ns` (moving it if armed).  A NULL scheduler does
 * nothing: a device built without one is driven by hand (tests).  A
 * deadline of SCHED_NEVER disarms. */
void timer_arm(struct sched *s, struct timer *t, uint64_t deadline_ns);
void timer_disarm(struct sched *s, struct timer *t);

/* The earliest deadline, of all timers or of guest events only;
 * SCHED_NEVER when there is none. */
static inline uint64_t sched_next(const struct sched *s)
{
    return s->head ? s->head->deadline : SCHED_NEVER;
}
uint64_t sched_next_guest(const struct sched *s);

/* The earliest deadline of every timer but `skip` (the run loop's polling
 * timer, whose work a halted guest's wait does itself); SCHED_NEVER when
 * there is none. */
uint64_t sched_next_except(const struct sched *s, const struct timer *skip);

/* Fires, in deadline order, every timer due at `now_ns` (including those
 * a callback re-arms at or before now).  Returns how many fired. */
unsigned sched_run_due(struct sched *s, uint64_t now_ns);

#endif
