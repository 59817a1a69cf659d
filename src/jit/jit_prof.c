/* PLEX86_JIT_STATS: the table of instructions the translator engine ran
 * in the interpreter (jit_prof.h). */
#include "jit/jit_prof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const why_name[JW_COUNT] = {
    [JW_COLD] = "cold",   [JW_NOTR] = "refused", [JW_BAIL] = "bail",
    [JW_BUDGET] = "budget", [JW_VIRT] = "virtualize", [JW_FLOW] = "flow",
    [JW_FORM] = "form",   [JW_FLAGS] = "flags",   [JW_X87] = "x87",
};

struct jit_prof *jit_prof_create(void)
{
    const char *v = getenv("PLEX86_JIT_STATS");
    if (!v || !*v || strcmp(v, "0") == 0)
        return NULL;
    struct jit_prof *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    if (strcmp(v, "1") != 0 && strcmp(v, "-") != 0)
        snprintf(p->path, sizeof(p->path), "%s", v);
    p->tx = calloc(JIT_PROF_TX, sizeof(*p->tx)); /* (NULL: not counted) */
    return p;
}

uint64_t *jit_prof_site(struct jit_prof *p, const struct insn *in, uint32_t pa,
                        const uint8_t *bytes, enum jit_why why)
{
    if (p->nsites == JIT_PROF_SITES)
        return &p->n[in->op][why];
    struct jit_prof_site *s = &p->site[p->nsites++];
    s->pa = pa;
    s->op = in->op;
    s->why = (uint8_t)why;
    s->len = in->len;
    if (bytes)
        memcpy(s->bytes, bytes, in->len);
    return &s->n;
}

/* Sites by address (a block translated again has the same ones), then
 * by count. */
static int site_by_pa(const void *a, const void *b)
{
    const struct jit_prof_site *x = a, *y = b;
    if (x->pa != y->pa)
        return x->pa < y->pa ? -1 : 1;
    return x->why < y->why ? -1 : x->why > y->why ? 1 : 0;
}

static int site_by_count(const void *a, const void *b)
{
    const struct jit_prof_site *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

struct row {
    uint64_t n;
    unsigned op, why;
};

static int by_count(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

/* The host code's size by part, and the translations by how often they
 * were entered (from C, chained or through the jump cache; a loop inside
 * one counts once): what code that runs a few times costs. */
static void print_bytes(FILE *f, const struct jit_prof *p)
{
    static const char *const part_name[JB_PARTS] = {
        [JB_ENTRY] = "entries", [JB_EPILOGUE] = "epilogue", [JB_EXIT] = "exits",
        [JB_MEM_COLD] = "memory slow paths", [JB_CALLOUT] = "handler calls",
    };
    double nb = p->translations ? (double)p->translations : 1.0;
    double ni = p->translated_insns ? (double)p->translated_insns : 1.0;
    fprintf(f, "host code: %.0f bytes per block (hot %.0f, cold %.0f), %.0f per instruction\n",
            (double)(p->hot_bytes + p->cold_bytes) / nb, (double)p->hot_bytes / nb,
            (double)p->cold_bytes / nb, (double)(p->hot_bytes + p->cold_bytes) / ni);
    for (unsigned i = 0; i < JB_PARTS; i++)
        fprintf(f, "  %-18s %6.0f bytes per block\n", part_name[i], (double)p->part_bytes[i] / nb);
    if (!p->tx)
        return;
    static const uint64_t upto[] = { 0, 1, 3, 15, 255, UINT64_MAX };
    enum { NB = sizeof(upto) / sizeof(upto[0]) };
    uint64_t n[NB] = { 0 }, bytes[NB] = { 0 }, insns[NB] = { 0 }, runs = 0;
    for (unsigned i = 0; i < p->ntx; i++) {
        unsigned b = 0;
        runs += p->tx[i].runs;
        while (p->tx[i].runs > upto[b])
            b++;
        n[b]++;
        bytes[b] += p->tx[i].bytes;
        insns[b] += p->tx[i].ninsn;
    }
    /* The sum: how often control went from one translation (or C) into
     * another, what cutting a loop into several blocks costs. */
    fprintf(f, "translations by entries (count, instructions, host bytes; %llu in all):\n",
            (unsigned long long)runs);
    for (unsigned b = 0; b < NB; b++)
        fprintf(f, "  %s%-10llu %8llu %9llu %11llu\n", b + 1 == NB ? ">" : "<=",
                (unsigned long long)(b + 1 == NB ? upto[b - 1] : upto[b]),
                (unsigned long long)n[b], (unsigned long long)insns[b],
                (unsigned long long)bytes[b]);
    /* The most entered: which loops are cut into several translations. */
    enum { TOP = 8 };
    unsigned top[TOP], nt = 0;
    for (unsigned i = 0; i < p->ntx; i++) {
        unsigned at = nt < TOP ? nt++ : TOP;
        while (at > 0 && p->tx[top[at - 1]].runs < p->tx[i].runs) {
            if (at < TOP)
                top[at] = top[at - 1];
            at--;
        }
        if (at < TOP)
            top[at] = i;
    }
    fprintf(f, "most entered translations (physical address, instructions, entries):\n");
    for (unsigned i = 0; i < nt; i++)
        fprintf(f, "  %08x %4u %12llu\n", p->tx[top[i]].pa, p->tx[top[i]].ninsn,
                (unsigned long long)p->tx[top[i]].runs);
}

void jit_prof_finish(struct jit_prof *p, uint64_t guest_insns)
{
    if (!p)
        return;
    FILE *f = p->path[0] ? fopen(p->path, "w") : stderr;
    if (!f) {
        free(p->tx);
        free(p);
        return;
    }
    /* Merge the sites of one instruction, and add them to the table. */
    qsort(p->site, p->nsites, sizeof(p->site[0]), site_by_pa);
    unsigned m = 0;
    for (unsigned i = 0; i < p->nsites; i++) {
        struct jit_prof_site *s = &p->site[i];
        p->n[s->op][s->why] += s->n;
        if (m && p->site[m - 1].pa == s->pa && p->site[m - 1].why == s->why)
            p->site[m - 1].n += s->n;
        else
            p->site[m++] = *s;
    }
    qsort(p->site, m, sizeof(p->site[0]), site_by_count);
    uint64_t per_why[JW_COUNT] = { 0 }, total = 0;
    size_t nrows = 0;
    static const size_t max_rows = (size_t)OP_COUNT * JW_COUNT;
    struct row *rows = calloc(max_rows, sizeof(*rows));
    for (unsigned op = 0; op < OP_COUNT; op++)
        for (unsigned w = 0; w < JW_COUNT; w++) {
            uint64_t n = p->n[op][w];
            if (!n)
                continue;
            per_why[w] += n;
            total += n;
            if (rows)
                rows[nrows++] = (struct row){ n, op, w };
        }
    fprintf(f, "PLEX86_JIT_STATS: %llu guest instructions, %llu in the interpreter (%.1f%%), "
               "%llu slow steps\n",
            (unsigned long long)guest_insns, (unsigned long long)total,
            guest_insns ? 100.0 * (double)total / (double)guest_insns : 0.0,
            (unsigned long long)p->slow_steps);
    fprintf(f, "translations: %llu blocks, %llu instructions, %.3f s (%.0f ns per instruction)\n",
            (unsigned long long)p->translations, (unsigned long long)p->translated_insns,
            (double)p->translate_ns * 1e-9,
            p->translated_insns ? (double)p->translate_ns / (double)p->translated_insns : 0.0);
    print_bytes(f, p);
    for (unsigned w = 0; w < JW_COUNT; w++)
        fprintf(f, "  %-10s %14llu\n", why_name[w], (unsigned long long)per_why[w]);
    if (rows) {
        qsort(rows, nrows, sizeof(*rows), by_count);
        fprintf(f, "top instructions (op, why, count):\n");
        for (size_t i = 0; i < nrows && i < 80; i++)
            fprintf(f, "  %-12s %-10s %14llu\n", op_table[rows[i].op].name, why_name[rows[i].why],
                    (unsigned long long)rows[i].n);
        free(rows);
    }
    fprintf(f, "top call-out sites (physical address, op, why, count, bytes):\n");
    for (unsigned i = 0; i < m && i < 60 && p->site[i].n; i++) {
        const struct jit_prof_site *s = &p->site[i];
        fprintf(f, "  %08x %-12s %-10s %12llu ", s->pa, op_table[s->op].name, why_name[s->why],
                (unsigned long long)s->n);
        for (unsigned k = 0; k < s->len; k++)
            fprintf(f, "%02x", s->bytes[k]);
        fputc('\n', f);
    }
    if (f != stderr)
        fclose(f);
    free(p->tx);
    free(p);
}
