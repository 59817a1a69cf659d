/* The deadline queue; see sched.h. */
#include "vm/sched.h"

#include <stddef.h>

void sched_init(struct sched *s)
{
    *s = (struct sched){ 0 };
}

void timer_init(struct timer *t, void (*fire)(void *opaque, uint64_t now_ns),
                void *opaque, bool host)
{
    *t = (struct timer){ .fire = fire, .opaque = opaque, .host = host,
                         .deadline = SCHED_NEVER };
}

void timer_disarm(struct sched *s, struct timer *t)
{
    if (!s || !t->armed)
        return;
    for (struct timer **p = &s->head; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->armed = false;
    t->next = NULL;
}

void timer_arm(struct sched *s, struct timer *t, uint64_t deadline_ns)
{
    if (!s)
        return;
    if (t->armed && t->deadline == deadline_ns)
        return;   /* the common case: a device re-arming for the same edge */
    timer_disarm(s, t);
    t->deadline = deadline_ns;
    if (deadline_ns == SCHED_NEVER)
        return;
    struct timer **p = &s->head;
    while (*p && (*p)->deadline <= deadline_ns)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    t->armed = true;
}

uint64_t sched_next_guest(const struct sched *s)
{
    for (const struct timer *t = s->head; t; t = t->next)
        if (!t->host)
            return t->deadline;
    return SCHED_NEVER;
}

uint64_t sched_next_except(const struct sched *s, const struct timer *skip)
{
    for (const struct timer *t = s->head; t; t = t->next)
        if (t != skip)
            return t->deadline;
    return SCHED_NEVER;
}

unsigned sched_run_due(struct sched *s, uint64_t now_ns)
{
    unsigned n = 0;
    while (s->head && s->head->deadline <= now_ns) {
        struct timer *t = s->head;
        s->head = t->next;
        t->armed = false;
        t->next = NULL;
        s->fired++;
        n++;
        t->fire(t->opaque, now_ns);
    }
    return n;
}
