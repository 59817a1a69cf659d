/* Per-VM accounting; see account.h and docs/accounting.md.  Everything
 * below is generated from counters.def: the value indices, the table of
 * names, types, units and help, the sample, and so both output formats. */
#include "host/account.h"

#if PLEX86_ACCOUNTING

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cpu/mmu.h"
#include "dev/piix4_pm.h"
#include "dev/hpet.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"
#include "dev/piix_ide.h"
#include "dev/serial.h"
#include "dev/vga.h"
#include "engine/engine.h"
#include "host/drive_stats.h"
#include "host/version.h"
#include "pc/hostfile.h"
#include "pc/pc.h"
#include "sbe/sbe.h"
#include "machine/vm.h"

#define NS_PER_S UINT64_C(1000000000)
#define DEFAULT_INTERVAL_NS (10 * NS_PER_S)

/* --- the list ------------------------------------------------------------ */

/* Where each counter's values sit in a sample: a vector takes `count`. */
enum {
#define ACCT_SCALAR(name, type, unit, help, value) ACCT_I_##name,
#define ACCT_VECTOR(name, type, unit, help, label, count, value) \
    ACCT_I_##name, ACCT_I_##name##_last = ACCT_I_##name + (count) - 1,
#include "host/counters.def"
#undef ACCT_SCALAR
#undef ACCT_VECTOR
    ACCT_NVALUES
};

/* The types a row may name: a typo in counters.def does not compile. */
enum acct_type { ACCT_TYPE_counter, ACCT_TYPE_gauge };

struct acct_desc {
    const char *name, *unit, *help;
    const char *label;         /* vectors: the label, else NULL */
    enum acct_type type;
    unsigned first, count;     /* values [first, first + count) */
};

static const struct acct_desc descs[] = {
#define ACCT_SCALAR(name, type, unit, help, value) \
    { #name, #unit, help, NULL, ACCT_TYPE_##type, ACCT_I_##name, 1 },
#define ACCT_VECTOR(name, type, unit, help, label, count, value) \
    { #name, #unit, help, label, ACCT_TYPE_##type, ACCT_I_##name, count },
#include "host/counters.def"
#undef ACCT_SCALAR
#undef ACCT_VECTOR
};
#define NDESCS (sizeof(descs) / sizeof(descs[0]))

static bool is_seconds(const struct acct_desc *d)
{
    return !strcmp(d->unit, "seconds");
}

/* --- the account ----------------------------------------------------------- */

struct acct {
    char name[ACCT_NAME_MAX + 1];
    char *stats_path, *metrics_path;   /* owned copies, or NULL */
    uint64_t interval_ns;
    uint64_t next_metrics_ns;          /* monotonic time of the next write */
    uint64_t start_mono_ns, start_realtime_ns;
    uint64_t resets;
    bool running;
    bool metrics_failing;              /* a failed write was reported */
    bool ended;                        /* acct_finish: `last` holds the end */
    struct pc *pc;                     /* NULL until acct_attach */
    const uint64_t *output_dropped;    /* the host's count (acct_watch_output) */
    uint64_t last[ACCT_NVALUES];       /* the sample both final files show */
};

/* What the host says about this process, read when a sample is taken. */
struct host_sample {
    uint64_t wall_ns;                  /* since acct_create */
    uint64_t utime_ns, stime_ns;
    uint64_t rss_bytes, maxrss_bytes;
};

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint64_t timeval_ns(struct timeval tv)
{
    return (uint64_t)tv.tv_sec * NS_PER_S + (uint64_t)tv.tv_usec * 1000u;
}

/* Resident pages now: the second field of /proc/self/statm (Linux). */
static uint64_t resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size, resident;
    int n = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return n == 2 && page > 0 ? (uint64_t)resident * (uint64_t)page : 0;
}

static void take_host_sample(const struct acct *a, struct host_sample *h)
{
    *h = (struct host_sample){ .wall_ns = clock_ns(CLOCK_MONOTONIC) - a->start_mono_ns,
                               .rss_bytes = resident_bytes() };
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        h->utime_ns = timeval_ns(ru.ru_utime);
        h->stime_ns = timeval_ns(ru.ru_stime);
        h->maxrss_bytes = (uint64_t)ru.ru_maxrss * 1024u; /* KiB on Linux */
    }
    /* The kernel updates ru_maxrss lazily: now may be higher. */
    if (h->maxrss_bytes < h->rss_bytes)
        h->maxrss_bytes = h->rss_bytes;
}

/* Every counter's value now, or at the end once the VM has ended (so the
 * last JSON and Prometheus files agree to the nanosecond). */
static void acct_sample(struct acct *a, uint64_t v[ACCT_NVALUES])
{
    if (a->ended) {
        memcpy(v, a->last, sizeof(a->last));
        return;
    }
    struct pc *pc = a->pc;
    struct vm *vm = pc->vm;
    struct host_sample hs;
    take_host_sample(a, &hs);
    const struct host_sample *h = &hs;
    const struct sbe_stats *sb = sbe_stats(vm->sbe);
    struct engine_stats es;
    vm_engine_stats(vm, &es);
    const struct code_cache_stats *cc = &es.cache;
    const struct jit_stats *js = &es.jit;
    /* The TLB counters of every CPU together (-smp). */
    struct {
        uint64_t misses, walks, flushes, invlpgs;
    } tlb_sum = { 0 }, *tlb = &tlb_sum;
    for (unsigned i = 0; i < vm->ncpus; i++) {
        const struct tlb *t = vm->cpus[i]->tlb;
        tlb_sum.misses += t->misses;
        tlb_sum.walks += t->walks;
        tlb_sum.flushes += t->flushes;
        tlb_sum.invlpgs += t->invlpgs;
    }
#define ACCT_SCALAR(name, type, unit, help, value) v[ACCT_I_##name] = (uint64_t)(value);
#define ACCT_VECTOR(name, type, unit, help, label, count, value) \
    for (unsigned i = 0; i < (count); i++)                      \
        v[ACCT_I_##name + i] = (uint64_t)(value);
#include "host/counters.def"
#undef ACCT_SCALAR
#undef ACCT_VECTOR
}

bool acct_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > ACCT_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x20 || name[i] > 0x7E)
            return false;
    return true;
}

/* Can `path` be replaced?  Tries what the writers do (hostfile.h): a
 * temporary beside it, which is then dropped. */
static int check_writable(const char *opt, const char *path, char *err, size_t errlen)
{
    struct host_replace r;
    char why[400];
    if (host_replace_begin(&r, path, 0666, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s %s", opt, why);
        return -1;
    }
    host_replace_abort(&r);
    return 0;
}

struct acct *acct_create(const struct acct_config *cfg, char *err, size_t errlen)
{
    if (cfg->name && !acct_name_ok(cfg->name)) {
        snprintf(err, errlen, "-name: want 1 to %d printable ASCII characters", ACCT_NAME_MAX);
        return NULL;
    }
    if ((cfg->stats_path && check_writable("--stats", cfg->stats_path, err, errlen) < 0) ||
        (cfg->metrics_path &&
         check_writable("--metrics", cfg->metrics_path, err, errlen) < 0))
        return NULL;
    struct acct *a = calloc(1, sizeof(*a));
    if (!a) {
        snprintf(err, errlen, "out of memory for the accounting");
        return NULL;
    }
    if (cfg->name)
        snprintf(a->name, sizeof(a->name), "%s", cfg->name);
    else
        snprintf(a->name, sizeof(a->name), "plex86-%ld", (long)getpid());
    a->stats_path = cfg->stats_path ? strdup(cfg->stats_path) : NULL;
    a->metrics_path = cfg->metrics_path ? strdup(cfg->metrics_path) : NULL;
    if ((cfg->stats_path && !a->stats_path) || (cfg->metrics_path && !a->metrics_path)) {
        acct_destroy(a);
        snprintf(err, errlen, "out of memory for the accounting");
        return NULL;
    }
    a->interval_ns = cfg->metrics_interval_ns ? cfg->metrics_interval_ns : DEFAULT_INTERVAL_NS;
    a->start_mono_ns = clock_ns(CLOCK_MONOTONIC);
    a->start_realtime_ns = clock_ns(CLOCK_REALTIME);
    return a;
}

void acct_destroy(struct acct *a)
{
    if (!a)
        return;
    free(a->stats_path);
    free(a->metrics_path);
    free(a);
}

void acct_watch_output(struct acct *a, const uint64_t *dropped)
{
    a->output_dropped = dropped;
}

void acct_note_reset(struct acct *a)
{
    a->resets++;
}

/* --- output ---------------------------------------------------------------- */

static void put_value(FILE *f, const struct acct_desc *d, uint64_t v)
{
    if (is_seconds(d))
        fprintf(f, "%" PRIu64 ".%09" PRIu64, v / NS_PER_S, v % NS_PER_S);
    else
        fprintf(f, "%" PRIu64, v);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    }
    return "signal";
}

void acct_write_json(struct acct *a, FILE *f, const struct acct_end *end)
{
    uint64_t v[ACCT_NVALUES];
    acct_sample(a, v);
    fputs("{\n  \"format\": \"plex86-stats\",\n  \"format_version\": 1,\n  \"name\": ", f);
    json_string(f, a->name);
    fputs(",\n  \"version\": ", f);
    json_string(f, PLEX86_VERSION);
    fputs(",\n  \"end\": ", f);
    if (!end) {
        fputs("null", f);
    } else {
        fputs("{\"reason\": ", f);
        json_string(f, end->signal ? "signal" : end->reason);
        if (end->signal) {
            fputs(", \"status\": null, \"signal\": ", f);
            json_string(f, signal_name(end->signal));
        } else {
            fprintf(f, ", \"status\": %d, \"signal\": null", end->status);
        }
        fputc('}', f);
    }
    fputs(",\n  \"counters\": {", f);
    for (size_t k = 0; k < NDESCS; k++) {
        const struct acct_desc *d = &descs[k];
        fprintf(f, "%s\n    ", k ? "," : "");
        json_string(f, d->name);
        fputs(": {\"type\": ", f);
        json_string(f, d->type == ACCT_TYPE_counter ? "counter" : "gauge");
        fputs(", \"unit\": ", f);
        json_string(f, d->unit);
        if (d->label) {
            fputs(", \"label\": ", f);
            json_string(f, d->label);
            fputs(", \"values\": {", f);
            for (unsigned i = 0; i < d->count; i++) {
                fprintf(f, "%s\"%u\": ", i ? ", " : "", i);
                put_value(f, d, v[d->first + i]);
            }
            fputc('}', f);
        } else {
            fputs(", \"value\": ", f);
            put_value(f, d, v[d->first]);
        }
        fputs(",\n      \"help\": ", f);
        json_string(f, d->help);
        fputc('}', f);
    }
    fputs("\n  }\n}\n", f);
}

/* A label value in the text format: backslash, quote and newline escaped. */
static void prom_label_value(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

/* HELP text: backslash and newline escaped. */
static void prom_help(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

void acct_write_prometheus(struct acct *a, FILE *f)
{
    uint64_t v[ACCT_NVALUES];
    acct_sample(a, v);
    for (size_t k = 0; k < NDESCS; k++) {
        const struct acct_desc *d = &descs[k];
        const char *suffix = d->type == ACCT_TYPE_counter ? "_total" : "";
        fprintf(f, "# HELP plex86_%s%s ", d->name, suffix);
        prom_help(f, d->help);
        fprintf(f, " (%s)\n# TYPE plex86_%s%s %s\n", d->unit, d->name, suffix,
                d->type == ACCT_TYPE_counter ? "counter" : "gauge");
        for (unsigned i = 0; i < d->count; i++) {
            fprintf(f, "plex86_%s%s{vm=\"", d->name, suffix);
            prom_label_value(f, a->name);
            if (d->label)
                fprintf(f, "\",%s=\"%u", d->label, i);
            fputs("\"} ", f);
            put_value(f, d, v[d->first + i]);
            fputc('\n', f);
        }
    }
}

bool acct_get(struct acct *a, const char *name, unsigned index, uint64_t *value)
{
    for (size_t k = 0; k < NDESCS; k++) {
        if (strcmp(descs[k].name, name))
            continue;
        if (index >= descs[k].count)
            return false;
        uint64_t v[ACCT_NVALUES];
        acct_sample(a, v);
        *value = v[descs[k].first + index];
        return true;
    }
    return false;
}

void acct_list(FILE *out)
{
    fputs("Accounting counters (--stats JSON key; Prometheus name plex86_KEY, plus\n"
          "_total for a counter; every series has the label vm=\"NAME\"):\n", out);
    for (size_t k = 0; k < NDESCS; k++) {
        const struct acct_desc *d = &descs[k];
        char name[64];
        if (d->label)
            snprintf(name, sizeof(name), "%s{%s=0..%u}", d->name, d->label, d->count - 1);
        else
            snprintf(name, sizeof(name), "%s", d->name);
        fprintf(out, "  %-28s %-7s %-12s %s\n", name,
                d->type == ACCT_TYPE_counter ? "counter" : "gauge", d->unit, d->help);
    }
}

/* --- files ------------------------------------------------------------------ */

typedef void writer_fn(struct acct *a, FILE *f, const struct acct_end *end);

static void write_prometheus_end(struct acct *a, FILE *f, const struct acct_end *end)
{
    acct_write_prometheus(a, f);
}

/* Writes a temporary beside PATH, then renames it over PATH
 * (hostfile.h): a reader (node_exporter, a billing job) sees the old file
 * or the new one, never half of one. */
static int write_atomically(struct acct *a, const char *opt, const char *path,
                            writer_fn *gen, const struct acct_end *end, char *err,
                            size_t errlen)
{
    struct host_replace r;
    char why[400];
    if (host_replace_begin(&r, path, 0666, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s %s", opt, why);
        return -1;
    }
    gen(a, r.f, end);
    if (host_replace_commit(&r, path, false, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s %s", opt, why);
        return -1;
    }
    return 0;
}

static int write_metrics(struct acct *a, char *err, size_t errlen)
{
    return write_atomically(a, "--metrics", a->metrics_path, write_prometheus_end, NULL,
                            err, errlen);
}

int acct_attach(struct acct *a, struct pc *pc, char *err, size_t errlen)
{
    a->pc = pc;
    a->running = true;
    if (!a->metrics_path)
        return 0;
    a->next_metrics_ns = clock_ns(CLOCK_MONOTONIC) + a->interval_ns;
    return write_metrics(a, err, errlen);
}

void acct_poll(struct acct *a)
{
    if (!a->metrics_path || !a->pc)
        return;
    uint64_t now = clock_ns(CLOCK_MONOTONIC);
    if (now < a->next_metrics_ns)
        return;
    /* The next write is an interval from now: a VM that was stopped
     * (SIGSTOP, a suspended laptop) does not catch up in a burst. */
    a->next_metrics_ns = now + a->interval_ns;
    char err[512];
    if (write_metrics(a, err, sizeof(err)) < 0) {
        if (!a->metrics_failing)
            fprintf(stderr, "plex86: %s (retrying every interval)\n", err);
        a->metrics_failing = true;
    } else {
        a->metrics_failing = false;
    }
}

int acct_finish(struct acct *a, const struct acct_end *end, char *err, size_t errlen)
{
    if (!a->pc)
        return 0;
    a->running = false;
    acct_sample(a, a->last);
    a->ended = true;
    int rc = 0;
    if (a->stats_path &&
        write_atomically(a, "--stats", a->stats_path, acct_write_json, end, err, errlen) < 0)
        rc = -1;
    char merr[512];
    if (a->metrics_path && write_metrics(a, merr, sizeof(merr)) < 0 && rc == 0) {
        snprintf(err, errlen, "%s", merr);
        rc = -1;
    }
    return rc;
}

#else
/* Accounting compiled out (PLEX86_ACCOUNTING=OFF): nothing here. */
typedef int plex86_account_compiled_out;
#endif /* PLEX86_ACCOUNTING */
