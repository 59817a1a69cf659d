/* CPU topology: sockets, cores and threads (-smp's sockets=, cores=,
 * threads=, issue 19), and the APIC IDs that follow from it.
 *
 * The layout is QEMU's (include/hw/i386/topology.h, and Intel's "Intel 64
 * Architecture Processor Topology Enumeration"): an APIC ID is the SMT
 * (thread) field in its lowest bits, then the core field, then the
 * package (socket) number; each field is as wide as its count needs once
 * rounded up to a power of two.  So with sockets=2,cores=3 the IDs are
 * 0, 1, 2, 4, 5, 6: the CPU index and the APIC ID differ, and everything
 * that turns one into the other (the board's APICs, CPUID, the MADT,
 * fw_cfg, QMP's query-cpus-fast) goes through here.
 *
 * CPU index i (0 = the BSP) is thread i % threads of core
 * (i / threads) % cores of socket i / (threads * cores), as QEMU's
 * x86_topo_ids_from_idx numbers them.  Dies are always 1 (QEMU's x86 has
 * them; plex86 takes dies=1 only). */
#ifndef PLEX86_CPU_TOPO_H
#define PLEX86_CPU_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu_topo {
    unsigned cpus;      /* CPUs present at start (-smp N) */
    unsigned sockets;
    unsigned cores;     /* per socket */
    unsigned threads;   /* per core */
    unsigned max_cpus;  /* sockets * cores * threads */
};

/* Where one CPU sits. */
struct cpu_topo_ids {
    unsigned socket, core, thread;
};

/* The largest value cpu_topo_fill takes for each count. */
#define CPU_TOPO_MAX_VALUE 4096u

/* What -smp gave, 0 for each value left out: QEMU 7.2's
 * machine_parse_smp_config for its pc machine fills in the rest
 * (cores before sockets, threads last) into `out` and checks that the
 * product is maxcpus and maxcpus >= cpus.  Returns 0, or -1 with QEMU's
 * message in err.  Limits (plex86's CPU count, no hotplug) are the
 * caller's. */
int cpu_topo_fill(unsigned cpus, unsigned sockets, unsigned cores, unsigned threads,
                  unsigned maxcpus, struct cpu_topo *out, char *err, size_t errlen);

/* `n` CPUs as plain -smp N gives them (one socket of n cores on QEMU 7.2's
 * pc); n 0 counts as 1. */
struct cpu_topo cpu_topo_default(unsigned n);

/* The socket/core/thread of CPU `index`, and its APIC ID. */
struct cpu_topo_ids cpu_topo_ids(const struct cpu_topo *t, unsigned index);
uint32_t cpu_topo_apic_id(const struct cpu_topo *t, unsigned index);

/* The CPU index whose APIC ID is `apic_id`, or -1 for an ID no CPU of
 * the topology has. */
int cpu_topo_index(const struct cpu_topo *t, uint32_t apic_id);

/* One more than the highest APIC ID of any possible CPU (QEMU's
 * apic_id_limit: fw_cfg's FW_CFG_MAX_CPUS, the firmware's scan bound). */
uint32_t cpu_topo_apic_id_limit(const struct cpu_topo *t);

/* Logical processors per package as QEMU 7.2's CPUID leaf 1 reports them
 * in EBX[23:16] (cores * threads; HTT is set when it is above 1). */
unsigned cpu_topo_pkg_lps(const struct cpu_topo *t);

/* The bit offsets of the core and package fields in an APIC ID. */
unsigned cpu_topo_core_offset(const struct cpu_topo *t);
unsigned cpu_topo_pkg_offset(const struct cpu_topo *t);

#endif
