/* One host thread per vCPU; see vm_mt.h. */
#include "machine/vm_mt.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/engine.h"
#include "sbe/sbe.h"

/* Steps a CPU runs before it looks at its thread's state again.  Nothing
 * waits for the end of a slice (stop requests end it early), so it is
 * long: the return to the loop costs a lock. */
#define VM_MT_SLICE_STEPS (1u << 20)

/* The longest the I/O thread sleeps while CPUs run and a step limit is
 * set (it checks the limit when it wakes). */
#define VM_MT_LIMIT_POLL_NS 1000000u

struct vm_mt;

struct vm_vcpu {
    struct vm_mt *mt;
    unsigned index;
    struct cpu *cpu;
    struct engine *engine;     /* vm->engine for CPU 0 */
    pthread_t thread;
    pthread_cond_t wake;       /* sleeps here (halted, parked) on the BQL */
    bool sleeping;             /* BQL */
    bool parked;               /* BQL: sleeping because no vm_run is on */
    bool init_req;             /* BQL: an INIT waits for this CPU */
    bool in_run;               /* BQL: between its loop's unlock and lock
                                  around engine_run (its state is its own) */
    uint64_t steps;            /* BQL: cpu_steps() after its last engine_run,
                                  for the I/O thread's step limit (the CPU's
                                  own counters are its thread's alone) */
    bool flush_req;            /* atomic: flush the TLB before running */
    bool running;              /* excl_lock: inside engine_run */
    long tid;                  /* atomic: its host thread's ID (gettid), 0
                                  before the thread starts */
    unsigned excl_depth;       /* its own thread's: exclusive sections open */
    struct cpu_pins pins;      /* the board's pins, called under the BQL */
    struct engine_stats stats; /* BQL: its engine's counters after its last
                                  engine_run, for the accounting */
};

struct vm_mt {
    struct vm *vm;
    /* The BQL: recursive, by hand, so that a wait can release it at any
     * depth (bql_wait). */
    pthread_mutex_t bql;
    pthread_t bql_owner;       /* valid while bql_depth > 0 */
    unsigned bql_depth;        /* its holder's nesting */
    unsigned hold;             /* BQL: vm_cpus_stop calls not yet resumed */
    pthread_cond_t main_wake;  /* the I/O thread waits here on the BQL */
    bool main_waiting;         /* BQL */
    uint64_t main_deadline;    /* BQL: guest ns it sleeps until */
    bool started, go, quit;    /* BQL */
    unsigned nsleeping, nparked;
    pthread_mutex_t excl_lock; /* the exclusive section's state: */
    pthread_cond_t excl_cv;
    unsigned nrunning;         /* CPUs inside engine_run */
    bool excl_active;
    unsigned n;
    struct vm_vcpu vcpu[VM_MAX_CPUS];
};

/* The CPU whose thread this is, or NULL (the I/O thread).  Read under the
 * BQL: the threads are created with it held, so `thread` is set. */
static struct vm_vcpu *self(struct vm_mt *mt)
{
    if (!mt->started)
        return NULL;
    pthread_t me = pthread_self();
    for (unsigned i = 0; i < mt->n; i++)
        if (pthread_equal(mt->vcpu[i].thread, me))
            return &mt->vcpu[i];
    return NULL;
}

/* Whether this thread holds the BQL: bql_owner is only ever this thread's
 * id while it holds it, so reading it unlocked tells (atomically: it is
 * written by others too). */
static bool bql_mine(struct vm_mt *mt)
{
    return __atomic_load_n(&mt->bql_depth, __ATOMIC_RELAXED) &&
           pthread_equal(__atomic_load_n(&mt->bql_owner, __ATOMIC_RELAXED), pthread_self());
}

static void bql_lock(struct vm_mt *mt, struct vm_vcpu *me)
{
    if (bql_mine(mt)) {
        __atomic_store_n(&mt->bql_depth, mt->bql_depth + 1, __ATOMIC_RELAXED);
        return;
    }
    pthread_mutex_lock(&mt->bql);
    __atomic_store_n(&mt->bql_owner, pthread_self(), __ATOMIC_RELAXED);
    __atomic_store_n(&mt->bql_depth, 1, __ATOMIC_RELAXED);
    /* Whose MMIO this is: the board's per-CPU windows (the local APIC)
     * answer vm->cur. */
    if (!me)
        me = self(mt);
    if (me)
        mt->vm->cur = me->index;
}

/* Whether CPU v has something to do (BQL). */
static bool has_work(const struct vm_vcpu *v)
{
    return v->init_req || vm_cpu_runnable(v->mt->vm, v->index);
}

/* After a section under the BQL: wake the CPUs it made runnable (an
 * interrupt, an IPI, a SIPI), and the I/O thread when a timer now comes
 * before its wake-up or the run must end. */
static void wake_others(struct vm_mt *mt)
{
    struct vm *vm = mt->vm;
    if (mt->go)
        for (unsigned i = 0; i < mt->n; i++)
            if (mt->vcpu[i].sleeping && !mt->vcpu[i].parked && has_work(&mt->vcpu[i]))
                pthread_cond_signal(&mt->vcpu[i].wake);
    if (mt->main_waiting &&
        (sched_next(&vm->sched) < mt->main_deadline || vm->exit_reason != VM_EXIT_NONE))
        pthread_cond_signal(&mt->main_wake);
}

static void bql_unlock(struct vm_mt *mt)
{
    if (mt->bql_depth > 1) {
        __atomic_store_n(&mt->bql_depth, mt->bql_depth - 1, __ATOMIC_RELAXED);
        return;
    }
    wake_others(mt);
    __atomic_store_n(&mt->bql_depth, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&mt->bql);
}

/* pthread_cond_wait on the BQL, released whatever the nesting. */
static void bql_wait(struct vm_mt *mt, pthread_cond_t *cv)
{
    unsigned depth = mt->bql_depth;
    __atomic_store_n(&mt->bql_depth, 0, __ATOMIC_RELAXED);
    pthread_cond_wait(cv, &mt->bql);
    __atomic_store_n(&mt->bql_owner, pthread_self(), __ATOMIC_RELAXED);
    __atomic_store_n(&mt->bql_depth, depth, __ATOMIC_RELAXED);
}

/* The dev_lock hooks (physmem.h, iobus.h), the engine's lock. */
static void dev_lock(void *opaque)
{
    bql_lock(opaque, NULL);
}

static void dev_unlock(void *opaque)
{
    bql_unlock(opaque);
}

static void eng_lock(void *opaque)
{
    struct vm_vcpu *v = opaque;
    bql_lock(v->mt, v);
}

static void eng_unlock(void *opaque)
{
    struct vm_vcpu *v = opaque;
    bql_unlock(v->mt);
}

/* ---- exclusive sections (QEMU's cpu_exec_start/end, start/end_exclusive) */

static void exec_start(struct vm_vcpu *v)
{
    struct vm_mt *mt = v->mt;
    pthread_mutex_lock(&mt->excl_lock);
    while (mt->excl_active)
        pthread_cond_wait(&mt->excl_cv, &mt->excl_lock);
    v->running = true;
    mt->nrunning++;
    pthread_mutex_unlock(&mt->excl_lock);
    /* Flushes asked for while it was out (and during an exclusive
     * section, before it may run guest code again). */
    if (__atomic_exchange_n(&v->flush_req, false, __ATOMIC_ACQ_REL))
        cpu_tlb_flush(v->cpu, true);
}

static void exec_end(struct vm_vcpu *v)
{
    struct vm_mt *mt = v->mt;
    pthread_mutex_lock(&mt->excl_lock);
    v->running = false;
    mt->nrunning--;
    if (mt->excl_active)
        pthread_cond_broadcast(&mt->excl_cv);
    pthread_mutex_unlock(&mt->excl_lock);
}

static void stop_cpu(struct cpu *c)
{
    __atomic_store_n(&c->stop_request, true, __ATOMIC_RELEASE);
}

void vm_mt_exclusive_begin(void *opaque)
{
    struct vm_vcpu *v = opaque;
    struct vm_mt *mt = v->mt;
    if (v->excl_depth++)
        return; /* nested */
    pthread_mutex_lock(&mt->excl_lock);
    /* Out of the running set first, so that two CPUs asking at once
     * cannot wait for each other. */
    v->running = false;
    mt->nrunning--;
    pthread_cond_broadcast(&mt->excl_cv);
    while (mt->excl_active)
        pthread_cond_wait(&mt->excl_cv, &mt->excl_lock);
    mt->excl_active = true;
    for (unsigned i = 0; i < mt->n; i++)
        if (mt->vcpu[i].running)
            stop_cpu(mt->vcpu[i].cpu);
    while (mt->nrunning > 0)
        pthread_cond_wait(&mt->excl_cv, &mt->excl_lock);
    pthread_mutex_unlock(&mt->excl_lock);
}

void vm_mt_exclusive_end(void *opaque)
{
    struct vm_vcpu *v = opaque;
    struct vm_mt *mt = v->mt;
    if (--v->excl_depth)
        return;
    pthread_mutex_lock(&mt->excl_lock);
    mt->excl_active = false;
    pthread_cond_broadcast(&mt->excl_cv);
    while (mt->excl_active)
        pthread_cond_wait(&mt->excl_cv, &mt->excl_lock);
    v->running = true;
    mt->nrunning++;
    pthread_mutex_unlock(&mt->excl_lock);
}

/* ---- TLBs and the scanner ----------------------------------------------- */

void vm_mt_tlb_flush(struct vm *vm, bool include_global, uint32_t pa, uint32_t len)
{
    struct vm_mt *mt = vm->mt;
    bql_lock(mt, NULL);
    struct vm_vcpu *me = self(mt);
    for (unsigned i = 0; i < mt->n; i++) {
        struct vm_vcpu *v = &mt->vcpu[i];
        if (v == me || !mt->started) {
            /* Its own, or no thread runs yet. */
            if (len)
                cpu_tlb_drop_writes(v->cpu, pa, len);
            else
                cpu_tlb_flush(v->cpu, include_global);
            continue;
        }
        __atomic_store_n(&v->flush_req, true, __ATOMIC_RELEASE);
        stop_cpu(v->cpu);
    }
    bql_unlock(mt);
}

/* The scanner's watch hook: a page became code. */
static void page_watched(void *opaque, uint32_t ppn)
{
    (void)ppn;
    vm_mt_tlb_flush(opaque, true, 0, 0);
}

/* The engine's watch_page: the page is pinned watched while no other CPU
 * runs, so that each drops its writable translations (page_watched asks
 * for it, exec_start does it) before any can store there again: every
 * later store to the page goes through the write rule, under the BQL, in
 * order with the scan that follows. */
static void watch_page(void *opaque, uint32_t ppn)
{
    struct vm_vcpu *v = opaque;
    vm_mt_exclusive_begin(v);
    bql_lock(v->mt, v);
    sbe_pin_page(v->mt->vm->sbe, ppn, true);
    bql_unlock(v->mt);
    vm_mt_exclusive_end(v);
}

/* ---- the board's pins into the CPU, under the BQL ----------------------- */

static int pin_irq_ack(void *opaque)
{
    struct vm_vcpu *v = opaque;
    bql_lock(v->mt, v);
    int r = v->pins.irq_ack(v->pins.irq_opaque);
    bql_unlock(v->mt);
    return r;
}

static void pin_ferr(void *opaque, bool asserted)
{
    struct vm_vcpu *v = opaque;
    bql_lock(v->mt, v);
    v->pins.ferr(v->pins.ferr_opaque, asserted);
    bql_unlock(v->mt);
}

static bool pin_rdmsr(void *opaque, uint32_t index, uint64_t *value)
{
    struct vm_vcpu *v = opaque;
    bql_lock(v->mt, v);
    bool r = v->pins.apic_rdmsr(v->pins.apic_opaque, index, value);
    bql_unlock(v->mt);
    return r;
}

static bool pin_wrmsr(void *opaque, uint32_t index, uint64_t value)
{
    struct vm_vcpu *v = opaque;
    bql_lock(v->mt, v);
    bool r = v->pins.apic_wrmsr(v->pins.apic_opaque, index, value);
    bql_unlock(v->mt);
    return r;
}

static void pin_error(void *opaque, const char *msg)
{
    struct vm_vcpu *v = opaque;
    bql_lock(v->mt, v);
    v->pins.internal_error(v->pins.error_opaque, msg);
    bql_unlock(v->mt);
}

/* PAUSE (a spin-wait): let the thread the guest waits for have the host
 * CPU (there may be fewer host CPUs than guest ones). */
static void pin_pause(void *opaque)
{
    struct vm_vcpu *v = opaque;
    __atomic_fetch_add(&v->mt->vm->pause_yields, 1, __ATOMIC_RELAXED);
    sched_yield();
}

/* Puts the wrappers in for a run (the board wires the pins after
 * vm_create, and may again at a reboot), and takes them out after it, so
 * that between runs the pins are the board's. */
static void wrap_pins(struct vm_vcpu *v)
{
    struct cpu_pins *p = &v->cpu->pins;
    v->pins = *p;
    if (p->irq_ack) {
        p->irq_ack = pin_irq_ack;
        p->irq_opaque = v;
    }
    if (p->ferr) {
        p->ferr = pin_ferr;
        p->ferr_opaque = v;
    }
    if (p->apic_rdmsr) {
        p->apic_rdmsr = pin_rdmsr;
        p->apic_wrmsr = pin_wrmsr;
        p->apic_opaque = v;
    }
    if (p->internal_error) {
        p->internal_error = pin_error;
        p->error_opaque = v;
    }
}

static void unwrap_pins(struct vm_vcpu *v)
{
    struct cpu_pins *p = &v->cpu->pins;
    p->irq_ack = v->pins.irq_ack;
    p->irq_opaque = v->pins.irq_opaque;
    p->ferr = v->pins.ferr;
    p->ferr_opaque = v->pins.ferr_opaque;
    p->apic_rdmsr = v->pins.apic_rdmsr;
    p->apic_wrmsr = v->pins.apic_wrmsr;
    p->apic_opaque = v->pins.apic_opaque;
    p->internal_error = v->pins.internal_error;
    p->error_opaque = v->pins.error_opaque;
}

/* ---- the CPU threads ---------------------------------------------------- */

static void vcpu_sleep(struct vm_vcpu *v, bool parked)
{
    struct vm_mt *mt = v->mt;
    v->sleeping = true;
    v->parked = parked;
    mt->nsleeping++;
    mt->nparked += parked;
    /* The I/O thread waits for all to park, and sleeps for input when
     * every CPU does. */
    pthread_cond_signal(&mt->main_wake);
    bql_wait(mt, &v->wake);
    mt->nsleeping--;
    mt->nparked -= parked;
    v->sleeping = false;
    v->parked = false;
    mt->vm->cur = v->index;
}

static void *vcpu_main(void *opaque)
{
    struct vm_vcpu *v = opaque;
    struct vm_mt *mt = v->mt;
    struct vm *vm = mt->vm;
    __atomic_store_n(&v->tid, (long)syscall(SYS_gettid), __ATOMIC_RELAXED);
    bql_lock(mt, v);
    while (!mt->quit) {
        if (!mt->go || mt->hold) {
            vcpu_sleep(v, true);
            continue;
        }
        if (v->init_req) {
            v->init_req = false;
            vm_cpu_init(vm, v->index); /* on its own thread: done now */
        }
        if (!vm_cpu_runnable(vm, v->index)) {
            vcpu_sleep(v, false);
            continue;
        }
        v->in_run = true;
        bql_unlock(mt);
        exec_start(v);
        enum cpu_stop stop = engine_run(v->engine, VM_MT_SLICE_STEPS);
        exec_end(v);
        bql_lock(mt, v);
        v->in_run = false;
        v->steps = cpu_steps(v->cpu);
        engine_stats(v->engine, &v->stats);
        if (mt->hold)
            pthread_cond_signal(&mt->main_wake); /* vm_cpus_stop waits */
        /* A triple fault shuts the machine down, whichever CPU it came
         * from (as run_smp). */
        if (stop == CPU_STOP_SHUTDOWN)
            vm_request_exit(vm, VM_EXIT_SHUTDOWN, 0);
    }
    bql_unlock(mt);
    return NULL;
}

/* ---- the I/O thread ----------------------------------------------------- */

/* Whether every CPU sleeps with nothing to do (BQL). */
static bool all_idle(const struct vm_mt *mt)
{
    for (unsigned i = 0; i < mt->n; i++)
        if (!mt->vcpu[i].sleeping || has_work(&mt->vcpu[i]))
            return false;
    return true;
}

static void wait_main(struct vm_mt *mt, uint64_t timeout_ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec + timeout_ns % 1000000000u;
    ts.tv_sec += (time_t)(timeout_ns / 1000000000u + ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    unsigned depth = mt->bql_depth;
    __atomic_store_n(&mt->bql_depth, 0, __ATOMIC_RELAXED);
    pthread_cond_timedwait(&mt->main_wake, &mt->bql, &ts);
    __atomic_store_n(&mt->bql_owner, pthread_self(), __ATOMIC_RELAXED);
    __atomic_store_n(&mt->bql_depth, depth, __ATOMIC_RELAXED);
}

static int start_threads(struct vm_mt *mt, char *err, size_t errlen)
{
    for (unsigned i = 0; i < mt->n; i++) {
        int r = pthread_create(&mt->vcpu[i].thread, NULL, vcpu_main, &mt->vcpu[i]);
        if (r) {
            snprintf(err, errlen, "cannot start the thread of CPU %u: %s", i, strerror(r));
            /* Those started stop at once (quit), joined by destroy. */
            mt->n = i;
            return -1;
        }
    }
    /* Each thread's ID is known before anything can ask for it (QMP's
     * query-cpus-fast, `info cpus`: a CPU whose thread had not yet run
     * reported the main thread's, seen once in CI under load).  The
     * thread stores it first thing, before it takes the BQL. */
    for (unsigned i = 0; i < mt->n; i++)
        while (!__atomic_load_n(&mt->vcpu[i].tid, __ATOMIC_RELAXED))
            sched_yield();
    mt->started = true;
    return 0;
}

enum vm_exit_reason vm_mt_run(struct vm *vm)
{
    struct vm_mt *mt = vm->mt;
    bql_lock(mt, NULL);
    if (!mt->started && start_threads(mt, vm->error, sizeof(vm->error)) < 0) {
        mt->quit = true;
        mt->started = true;
        bql_unlock(mt);
        return vm->exit_reason = VM_EXIT_ERROR;
    }
    for (unsigned i = 0; i < mt->n; i++) {
        wrap_pins(&mt->vcpu[i]);
        pthread_cond_signal(&mt->vcpu[i].wake);
    }
    mt->go = true;
    for (;;) {
        uint64_t now;
        /* The steps as each CPU last published them (at most one slice,
         * VM_MT_SLICE_STEPS, behind). */
        uint64_t steps = 0;
        for (unsigned i = 0; i < mt->n; i++)
            steps += mt->vcpu[i].steps;
        if (vm_before_slice(vm, steps, &now) != VM_EXIT_NONE)
            break;
        if (all_idle(mt)) {
            /* No CPU can run: wait as one halted CPU does (vm_run), with
             * the BQL held, since no CPU thread can want it before the
             * timers or input make one runnable. */
            if (!vm_can_ever_wake(vm) || !vm_wait_while_halted(vm)) {
                vm->exit_reason = VM_EXIT_HALTED;
                break;
            }
            wake_others(mt);
            continue;
        }
        /* The CPUs run: sleep until the next timer, a CPU's exit request,
         * a timer armed earlier (wake_others) or all CPUs asleep. */
        wake_others(mt);
        uint64_t next = sched_next(&vm->sched);
        uint64_t timeout = next == SCHED_NEVER ? UINT64_MAX : next > now ? next - now : 0;
        if (vm->step_limit != UINT64_MAX && timeout > VM_MT_LIMIT_POLL_NS)
            timeout = VM_MT_LIMIT_POLL_NS;
        if (timeout == UINT64_MAX)
            timeout = 1000000000u; /* a second; anything wakes it sooner */
        if (!timeout)
            continue;
        mt->main_deadline = next;
        mt->main_waiting = true;
        wait_main(mt, timeout);
        mt->main_waiting = false;
    }
    /* Stop every CPU and wait until all are parked. */
    mt->go = false;
    for (unsigned i = 0; i < mt->n; i++) {
        stop_cpu(mt->vcpu[i].cpu);
        pthread_cond_signal(&mt->vcpu[i].wake); /* a halted one parks */
    }
    while (mt->nparked < mt->n)
        bql_wait(mt, &mt->main_wake);
    for (unsigned i = 0; i < mt->n; i++) {
        unwrap_pins(&mt->vcpu[i]);
        /* A stop request that found the CPU out of engine_run stays set:
         * it is spent here, not at the next run's start. */
        mt->vcpu[i].cpu->stop_request = false;
    }
    bql_unlock(mt);
    return vm->exit_reason;
}

void vm_mt_kick_all(struct vm *vm)
{
    struct vm_mt *mt = vm->mt;
    for (unsigned i = 0; i < mt->n; i++)
        stop_cpu(mt->vcpu[i].cpu);
    bql_lock(mt, NULL);
    pthread_cond_signal(&mt->main_wake);
    bql_unlock(mt);
}

void vm_cpus_stop(struct vm *vm)
{
    struct vm_mt *mt = vm->mt;
    if (!mt)
        return;
    bql_lock(mt, NULL);
    if (mt->hold++ == 0) {
        for (unsigned i = 0; i < mt->n; i++)
            stop_cpu(mt->vcpu[i].cpu);
        /* Those in engine_run come out (taking the BQL on the way if
         * they need it: the wait releases it) and park. */
        for (;;) {
            bool out = true;
            for (unsigned i = 0; i < mt->n; i++)
                out &= !mt->vcpu[i].in_run;
            if (out)
                break;
            bql_wait(mt, &mt->main_wake);
        }
    }
    bql_unlock(mt);
}

void vm_cpus_resume(struct vm *vm)
{
    struct vm_mt *mt = vm->mt;
    if (!mt)
        return;
    bql_lock(mt, NULL);
    if (mt->hold && --mt->hold == 0)
        for (unsigned i = 0; i < mt->n; i++)
            pthread_cond_signal(&mt->vcpu[i].wake);
    bql_unlock(mt);
}

bool vm_mt_defer_init(struct vm *vm, unsigned i)
{
    struct vm_mt *mt = vm->mt;
    bql_lock(mt, NULL);
    struct vm_vcpu *v = &mt->vcpu[i];
    bool defer = v->in_run && v != self(mt);
    if (defer) {
        v->init_req = true;
        stop_cpu(v->cpu);
    }
    bql_unlock(mt);
    return defer;
}

struct engine *vm_mt_engine(struct vm *vm, unsigned i)
{
    return vm->mt->vcpu[i].engine;
}

/* ---- creation ----------------------------------------------------------- */

int vm_mt_create(struct vm *vm, const struct engine_config *ecfg, char *err, size_t errlen)
{
    struct vm_mt *mt = calloc(1, sizeof(*mt));
    if (!mt) {
        snprintf(err, errlen, "out of memory for the CPU threads");
        return -1;
    }
    vm->mt = mt;
    mt->vm = vm;
    pthread_mutex_init(&mt->bql, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&mt->main_wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&mt->excl_lock, NULL);
    pthread_cond_init(&mt->excl_cv, NULL);
    mt->n = vm->ncpus;
    for (unsigned i = 0; i < mt->n; i++) {
        struct vm_vcpu *v = &mt->vcpu[i];
        v->mt = mt;
        v->index = i;
        v->cpu = vm->cpus[i];
        pthread_cond_init(&v->wake, NULL);
        struct engine_config c = *ecfg;
        c.lock = eng_lock;
        c.unlock = eng_unlock;
        c.watch_page = watch_page;
        c.lock_opaque = v;
        v->engine = engine_create(&c, v->cpu, vm->sbe, &vm->mem, err, errlen);
        if (!v->engine)
            return -1;
        v->cpu->pins.pause = pin_pause;
        v->cpu->pins.pause_opaque = v;
        v->cpu->exclusive_begin = vm_mt_exclusive_begin;
        v->cpu->exclusive_end = vm_mt_exclusive_end;
        v->cpu->exclusive_opaque = v;
    }
    vm->engine = mt->vcpu[0].engine;
    vm->mem.dev_lock = dev_lock;
    vm->mem.dev_unlock = dev_unlock;
    vm->mem.dev_lock_opaque = mt;
    vm->io.dev_lock = dev_lock;
    vm->io.dev_unlock = dev_unlock;
    vm->io.dev_lock_opaque = mt;
    sbe_set_watch_hook(vm->sbe, page_watched, vm);
    vm_clock_set_threads(&vm->clock, true);
    return 0;
}

void vm_mt_destroy(struct vm *vm)
{
    struct vm_mt *mt = vm->mt;
    if (!mt)
        return;
    pthread_mutex_lock(&mt->bql);
    mt->quit = true;
    for (unsigned i = 0; i < mt->n; i++)
        pthread_cond_signal(&mt->vcpu[i].wake);
    bool started = mt->started;
    pthread_mutex_unlock(&mt->bql);
    if (started)
        for (unsigned i = 0; i < mt->n; i++)
            pthread_join(mt->vcpu[i].thread, NULL);
    for (unsigned i = 0; i < VM_MAX_CPUS; i++) {
        if (mt->vcpu[i].engine && mt->vcpu[i].engine != vm->engine)
            engine_destroy(mt->vcpu[i].engine);
        if (mt->vcpu[i].mt)
            pthread_cond_destroy(&mt->vcpu[i].wake);
    }
    pthread_cond_destroy(&mt->main_wake);
    pthread_cond_destroy(&mt->excl_cv);
    pthread_mutex_destroy(&mt->excl_lock);
    pthread_mutex_destroy(&mt->bql);
    vm->mem.dev_lock = NULL;
    vm->mem.dev_unlock = NULL;
    vm->io.dev_lock = NULL;
    vm->io.dev_unlock = NULL;
    free(mt);
    vm->mt = NULL;
}

long vm_mt_thread_id(const struct vm *vm, unsigned i)
{
    const struct vm_mt *mt = vm->mt;
    return i < mt->n ? __atomic_load_n(&mt->vcpu[i].tid, __ATOMIC_RELAXED) : 0;
}

void vm_mt_engine_stats(const struct vm *vm, struct engine_stats *out)
{
    const struct vm_mt *mt = vm->mt;
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < mt->n; i++)
        engine_stats_add(out, &mt->vcpu[i].stats);
}
