/* Per-VM accounting (design post 001, "billability"; docs/accounting.md):
 * what a VM used, as a JSON file when it ends (--stats) and as a
 * Prometheus text file rewritten while it runs (--metrics).  The counters
 * are listed once, in counters.def; everything here is generated from
 * that list.
 *
 * An account watches one board (struct pc).  It reads the VM's counters
 * only when it writes a file, so it costs nothing while the guest runs;
 * the caller runs the VM in slices and calls acct_poll() between them.
 *
 * Compiled out, with everything it reads, by -DPLEX86_ACCOUNTING=OFF
 * (vm/count.h): then this header declares nothing. */
#ifndef PLEX86_HOST_ACCOUNT_H
#define PLEX86_HOST_ACCOUNT_H

#include "vm/count.h"

#if PLEX86_ACCOUNTING

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pc;
struct acct;

#define ACCT_NAME_MAX 64   /* -name: printable ASCII, 1 to 64 characters */

struct acct_config {
    const char *name;          /* labels every series; NULL: "plex86-PID" */
    const char *stats_path;    /* --stats FILE, or NULL */
    const char *metrics_path;  /* --metrics FILE, or NULL */
    uint64_t metrics_interval_ns;  /* how often to rewrite it; 0: 10 s */
};

/* How the VM ended, for the JSON's "end" object. */
struct acct_end {
    const char *reason;        /* vm_exit_reason_name(), or "signal" */
    int status;                /* the process exit status (unless signal) */
    int signal;                /* the signal that stopped the VM, or 0 */
};

/* Starts an account: clocks start now.  Checks that the files can be
 * written (creates and removes a temporary beside each).  Returns NULL with
 * one line in `err` on failure. */
struct acct *acct_create(const struct acct_config *cfg, char *err, size_t errlen);

/* The board is built: from now on the account reads its VM.  Writes the
 * first --metrics file.  Returns 0, or -1 with one line in `err`. */
int acct_attach(struct acct *a, struct pc *pc, char *err, size_t errlen);

/* Where the host counts guest output it could not write (outfile.h):
 * the account reads it as output_dropped_bytes. */
void acct_watch_output(struct acct *a, const uint64_t *dropped);

/* The guest rebooted (a counter the board cannot keep: the host reboots). */
void acct_note_reset(struct acct *a);

/* Between run slices: rewrites the --metrics file when its interval has
 * passed.  A failed write is reported on stderr once and retried at the
 * next interval; the VM keeps running. */
void acct_poll(struct acct *a);

/* The VM has ended: writes the --stats file and a last --metrics file
 * (vm_running 0).  Returns 0, or -1 with one line in `err`. */
int acct_finish(struct acct *a, const struct acct_end *end, char *err, size_t errlen);

void acct_destroy(struct acct *a);

/* The writers, on any stream (tests use them directly), after
 * acct_attach.  `end` may be NULL: the VM has not ended. */
void acct_write_json(struct acct *a, FILE *f, const struct acct_end *end);
void acct_write_prometheus(struct acct *a, FILE *f);

/* One counter's value now: `index` picks a vector's series (0 for a
 * scalar; seconds in nanoseconds).  Returns false for an unknown name or
 * an index out of range. */
bool acct_get(struct acct *a, const char *name, unsigned index, uint64_t *value);

/* Prints the list (name, type, unit, help): `--stats help`. */
void acct_list(FILE *out);

/* Whether `name` is a good -name: printable ASCII, 1 to ACCT_NAME_MAX
 * characters. */
bool acct_name_ok(const char *name);

#endif /* PLEX86_ACCOUNTING */
#endif
