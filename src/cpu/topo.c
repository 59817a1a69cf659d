/* CPU topology; see topo.h. */
#include "cpu/topo.h"

#include <stdio.h>

/* Bits a field of `count` values needs (QEMU's apicid_bitwidth_for_count):
 * 0 for one, else log2 of count rounded up to a power of two. */
static unsigned width(unsigned count)
{
    unsigned w = 0;
    while (count > 1 && (1u << w) < count)
        w++;
    return w;
}

unsigned cpu_topo_core_offset(const struct cpu_topo *t)
{
    return width(t->threads);
}

unsigned cpu_topo_pkg_offset(const struct cpu_topo *t)
{
    return width(t->threads) + width(t->cores);
}

int cpu_topo_fill(unsigned cpus, unsigned sockets, unsigned cores, unsigned threads,
                  unsigned maxcpus, struct cpu_topo *out, char *err, size_t errlen)
{
    /* 64-bit products of values capped here: they are whatever the
     * command line said. */
    unsigned given[] = { cpus, sockets, cores, threads, maxcpus };
    for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++)
        if (given[i] > CPU_TOPO_MAX_VALUE) {
            snprintf(err, errlen, "Invalid CPU topology: %u is more than %u", given[i],
                     CPU_TOPO_MAX_VALUE);
            return -1;
        }
    if (cpus == 0 && maxcpus == 0) {
        sockets = sockets ? sockets : 1;
        cores = cores ? cores : 1;
        threads = threads ? threads : 1;
    } else {
        maxcpus = maxcpus ? maxcpus : cpus;
        /* QEMU 6.2 and later prefer cores over sockets. */
        if (cores == 0) {
            sockets = sockets ? sockets : 1;
            threads = threads ? threads : 1;
            cores = (unsigned)(maxcpus / ((uint64_t)sockets * threads));
        } else if (sockets == 0) {
            threads = threads ? threads : 1;
            sockets = (unsigned)(maxcpus / ((uint64_t)cores * threads));
        }
        if (threads == 0)
            threads = (unsigned)(maxcpus / ((uint64_t)sockets * cores));
    }
    uint64_t total = (uint64_t)sockets * cores * threads;
    uint64_t max = maxcpus ? maxcpus : total;
    uint64_t n = cpus ? cpus : max;
    if (total != max) {
        snprintf(err, errlen,
                 "Invalid CPU topology: product of the hierarchy must match maxcpus: "
                 "sockets (%u) * dies (1) * cores (%u) * threads (%u) != maxcpus (%llu)",
                 sockets, cores, threads, (unsigned long long)max);
        return -1;
    }
    if (max > CPU_TOPO_MAX_VALUE) {
        snprintf(err, errlen, "Invalid CPU topology: %llu CPUs, more than %u",
                 (unsigned long long)max, CPU_TOPO_MAX_VALUE);
        return -1;
    }
    if (max < n) {
        snprintf(err, errlen,
                 "Invalid CPU topology: maxcpus must be equal to or greater than smp: "
                 "sockets (%u) * dies (1) * cores (%u) * threads (%u) == maxcpus (%llu) "
                 "< smp_cpus (%llu)",
                 sockets, cores, threads, (unsigned long long)max, (unsigned long long)n);
        return -1;
    }
    *out = (struct cpu_topo){ .cpus = (unsigned)n, .sockets = sockets, .cores = cores,
                              .threads = threads, .max_cpus = (unsigned)max };
    return 0;
}

struct cpu_topo cpu_topo_default(unsigned n)
{
    n = n ? n : 1;
    return (struct cpu_topo){ .cpus = n, .sockets = 1, .cores = n, .threads = 1,
                              .max_cpus = n };
}

/* A topology some caller built by hand with a count left 0 acts as 1. */
static unsigned at_least_1(unsigned v)
{
    return v ? v : 1;
}

struct cpu_topo_ids cpu_topo_ids(const struct cpu_topo *t, unsigned index)
{
    unsigned threads = at_least_1(t->threads), cores = at_least_1(t->cores);
    return (struct cpu_topo_ids){ .thread = index % threads,
                                  .core = index / threads % cores,
                                  .socket = index / (threads * cores) };
}

uint32_t cpu_topo_apic_id(const struct cpu_topo *t, unsigned index)
{
    struct cpu_topo_ids id = cpu_topo_ids(t, index);
    return id.socket << cpu_topo_pkg_offset(t) | id.core << cpu_topo_core_offset(t) |
           id.thread;
}

int cpu_topo_index(const struct cpu_topo *t, uint32_t apic_id)
{
    unsigned threads = at_least_1(t->threads), cores = at_least_1(t->cores);
    unsigned thread = apic_id & ((1u << cpu_topo_core_offset(t)) - 1);
    unsigned core = (apic_id >> cpu_topo_core_offset(t)) &
                    ((1u << width(cores)) - 1);
    unsigned socket = apic_id >> cpu_topo_pkg_offset(t);
    if (thread >= threads || core >= cores || socket >= at_least_1(t->sockets))
        return -1;
    return (int)((socket * cores + core) * threads + thread);
}

uint32_t cpu_topo_apic_id_limit(const struct cpu_topo *t)
{
    unsigned max = at_least_1(t->max_cpus);
    return cpu_topo_apic_id(t, max - 1) + 1;
}

unsigned cpu_topo_pkg_lps(const struct cpu_topo *t)
{
    return at_least_1(t->cores) * at_least_1(t->threads);
}
