/* Event counters for the accounting (docs/accounting.md).  The engine and
 * the devices bump plain per-VM fields where an event happens (a port
 * access, an exception, a HLT); src/host/account.c reads them.  They sit
 * on exit paths, never in the per-instruction loop, and need no atomics:
 * a VM runs on one thread.
 *
 * CMake's -DPLEX86_ACCOUNTING=OFF defines PLEX86_ACCOUNTING=0, which
 * compiles the increments (and the accounting itself) out.  A file built
 * outside CMake gets accounting on. */
#ifndef PLEX86_VM_COUNT_H
#define PLEX86_VM_COUNT_H

#ifndef PLEX86_ACCOUNTING
#define PLEX86_ACCOUNTING 1
#endif

#if PLEX86_ACCOUNTING
#define ACCT_INC(counter) ((void)((counter)++))
#else
#define ACCT_INC(counter) ((void)0)
#endif

#endif
