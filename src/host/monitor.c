/* The human monitor's protocol and dispatch; see monitor.h. */
#define _GNU_SOURCE 1 /* open_memstream */
#include "host/monitor.h"

#include <stdlib.h>
#include <string.h>

#include "host/version.h"
#include "host/vmctl.h"
#include "machine/vm.h"
#include "pc/pc.h"

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static const struct monitor_cmd *find_cmd(const struct monitor_cmd *table, const char *name,
                                          size_t len)
{
    for (const struct monitor_cmd *c = table; c->name; c++) {
        if ((strlen(c->name) == len && !strncmp(c->name, name, len)) ||
            (c->alias && strlen(c->alias) == len && !strncmp(c->alias, name, len)))
            return c;
    }
    return NULL;
}

/* Quotes a user's word in a message: control characters become '?', and
 * it is cut at 64 characters. */
static void print_word(FILE *out, const char *w, size_t len)
{
    if (len > 64)
        len = 64;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)w[i];
        fputc(ch < 0x20 || ch >= 0x7F ? '?' : ch, out);
    }
}

void monitor_print_help(const struct monitor_cmd *table, const char *prefix,
                        const char *only, FILE *out)
{
    for (const struct monitor_cmd *c = table; c->name; c++) {
        if (only && strcmp(only, c->name) && !(c->alias && !strcmp(only, c->alias)))
            continue;
        fprintf(out, "%s%s%s%s%s%s -- %s\n", prefix, c->name, c->alias ? "|" : "",
                c->alias ? c->alias : "", c->args[0] ? " " : "", c->args, c->help);
    }
}

void monitor_execute(struct vmctl *ctl, const char *line, FILE *out)
{
    while (is_blank(*line))
        line++;
    size_t len = strcspn(line, " \t");
    if (len == 0)
        return;
    const struct monitor_cmd *c = find_cmd(monitor_cmds, line, len);
    if (!c) {
        fputs("unknown command: '", out);
        print_word(out, line, len);
        fputs("'\n", out);
        return;
    }
    const char *args = line + len;
    while (is_blank(*args))
        args++;
    /* With a thread per CPU, a command sees and changes the machine with
     * every CPU stopped (vm_cpus_stop). */
    vm_cpus_stop(ctl->pc->vm);
    c->fn(ctl, args, out);
    vm_cpus_resume(ctl->pc->vm);
}

char *monitor_crlf(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n' ? 2 : 1;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            *o++ = '\r';
        *o++ = *p;
    }
    *o = 0;
    return out;
}

char *monitor_execute_string(struct vmctl *ctl, const char *line)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    if (!out)
        return NULL;
    monitor_execute(ctl, line, out);
    if (fclose(out) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

void monitor_init(struct monitor *m, struct vmctl *ctl, monitor_write_fn *write, void *opaque)
{
    *m = (struct monitor){ .ctl = ctl, .write = write, .opaque = opaque };
}

/* Writes text; with crlf, each "\n" goes out as "\r\n". */
static void put(struct monitor *m, const char *s, size_t n)
{
    while (n) {
        const char *nl = m->crlf ? memchr(s, '\n', n) : NULL;
        size_t run = nl ? (size_t)(nl - s) : n;
        if (run)
            m->write(m->opaque, s, run);
        if (!nl)
            return;
        m->write(m->opaque, "\r\n", 2);
        s += run + 1;
        n -= run + 1;
    }
}

static void puts_m(struct monitor *m, const char *s)
{
    put(m, s, strlen(s));
}

void monitor_start(struct monitor *m)
{
    m->len = 0;
    m->overflow = false;
    m->last_cr = false;
    puts_m(m, "plex86 " PLEX86_VERSION " monitor - type 'help' for more information\n");
    puts_m(m, MONITOR_PROMPT);
}

/* Runs the line.  (On the console's raw terminal output processing stays
 * on, so "\n" needs no CR.) */
static void run_line(struct monitor *m)
{
    if (m->echo)
        puts_m(m, "\n");
    if (m->overflow) {
        puts_m(m, "line too long: at most 4095 characters\n");
    } else {
        m->line[m->len] = 0;
        char *reply = monitor_execute_string(m->ctl, m->line);
        puts_m(m, reply ? reply : "out of memory\n");
        free(reply);
    }
    m->len = 0;
    m->overflow = false;
    puts_m(m, MONITOR_PROMPT);
}

void monitor_input(struct monitor *m, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = p[i];
        bool was_cr = m->last_cr;
        m->last_cr = ch == '\r';
        if (ch == '\n' && was_cr)
            continue;           /* the LF of a CR LF */
        if (ch == '\n' || ch == '\r') {
            run_line(m);
            continue;
        }
        if (m->echo && (ch == 0x7F || ch == 0x08)) {
            if (m->len && !m->overflow) {
                m->len--;
                puts_m(m, "\b \b");
            }
            continue;
        }
        if (m->overflow)
            continue;
        if (m->len + 1 >= sizeof(m->line)) {
            m->overflow = true;
            continue;
        }
        m->line[m->len++] = (char)ch;
        if (m->echo && ch >= 0x20 && ch < 0x7F)
            put(m, (const char *)&p[i], 1);
    }
}
