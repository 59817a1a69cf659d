/* QMP; see qmp.h.  Error classes and texts are QEMU's (qapi/qmp-dispatch.c,
 * monitor/qmp.c), so that clients matching on them keep working. */
#include "host/qmp.h"
#include "host/screendump.h"
#include "pc/pc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "host/qmp_block.h"
#include "host/version.h"
#include "host/vmctl.h"
#include "cpu/topo.h"
#include "machine/vm.h"

/* What a command hands back: a return value, or an error class and text. */
struct qmp_result {
    cJSON *ret;             /* owned; NULL with an error */
    const char *err_class;  /* "GenericError", "CommandNotFound" */
    char desc[256];
};

static void fail(struct qmp_result *r, const char *cls, const char *fmt, const char *arg)
{
    r->err_class = cls;
    snprintf(r->desc, sizeof(r->desc), fmt, arg);
}

static void send_json(struct qmp *q, cJSON *obj)
{
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    if (!text) {
        static const char oom[] =
            "{\"error\": {\"class\": \"GenericError\", \"desc\": \"out of memory\"}}\r\n";
        q->write(q->opaque, oom, sizeof(oom) - 1);
        return;
    }
    q->write(q->opaque, text, strlen(text));
    q->write(q->opaque, "\r\n", 2);
    cJSON_free(text);
}

static void version_numbers(int v[3])
{
    v[0] = v[1] = v[2] = 0;
    sscanf(PLEX86_VERSION, "%d.%d.%d", &v[0], &v[1], &v[2]);
}

static cJSON *version_object(void)
{
    int v[3];
    version_numbers(v);
    cJSON *ver = cJSON_CreateObject();
    cJSON *qemu = cJSON_AddObjectToObject(ver, "qemu");
    cJSON_AddNumberToObject(qemu, "micro", v[2]);
    cJSON_AddNumberToObject(qemu, "minor", v[1]);
    cJSON_AddNumberToObject(qemu, "major", v[0]);
    cJSON_AddStringToObject(ver, "package", "plex86 " PLEX86_VERSION);
    return ver;
}

void qmp_init(struct qmp *q, struct vmctl *ctl, monitor_write_fn *write, void *opaque)
{
    memset(q, 0, offsetof(struct qmp, buf));
    q->ctl = ctl;
    q->write = write;
    q->opaque = opaque;
}

void qmp_start(struct qmp *q)
{
    q->negotiated = false;
    q->skipping = q->in_str = q->esc = false;
    q->depth = 0;
    q->len = 0;
    cJSON *g = cJSON_CreateObject();
    cJSON *qmp = cJSON_AddObjectToObject(g, "QMP");
    if (qmp) {
        cJSON_AddItemToObject(qmp, "version", version_object());
        cJSON_AddArrayToObject(qmp, "capabilities");
    }
    send_json(q, g);
    cJSON_Delete(g);
}

void qmp_event(struct qmp *q, const char *name, const char *data_json)
{
    if (!q->negotiated)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char text[512];
    int n = snprintf(text, sizeof(text),
                     "{\"timestamp\": {\"seconds\": %lld, \"microseconds\": %ld}, "
                     "\"event\": \"%s\"%s%s}\r\n",
                     (long long)tv.tv_sec, (long)tv.tv_usec, name,
                     data_json ? ", \"data\": " : "", data_json ? data_json : "");
    if (n > 0 && (size_t)n < sizeof(text))
        q->write(q->opaque, text, (size_t)n);
}

/* --- the commands --------------------------------------------------------- */

/* Refuses arguments the command does not know, as QEMU does. */
static bool only_args(const cJSON *args, const char *const *known, struct qmp_result *r)
{
    for (const cJSON *a = args ? args->child : NULL; a; a = a->next) {
        bool ok = false;
        for (const char *const *k = known; *k; k++)
            ok |= a->string && !strcmp(a->string, *k);
        if (!ok) {
            fail(r, "GenericError", "Parameter '%.200s' is unexpected",
                 a->string ? a->string : "");
            return false;
        }
    }
    return true;
}

static const char *const no_args[] = { NULL };

static void qmp_capabilities(struct qmp *q, const cJSON *args, struct qmp_result *r)
{
    static const char *const known[] = { "enable", NULL };
    if (!only_args(args, known, r))
        return;
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(args, "enable");
    if (en && !cJSON_IsArray(en)) {
        fail(r, "GenericError", "Invalid parameter type for '%s', expected: array", "enable");
        return;
    }
    if (en && en->child) {
        const char *cap = cJSON_IsString(en->child) ? en->child->valuestring : "?";
        fail(r, "GenericError", "Capability '%.200s' not available", cap);
        return;
    }
    q->negotiated = true;
    r->ret = cJSON_CreateObject();
}

static void query_status(struct qmp *q, const cJSON *args, struct qmp_result *r)
{
    if (!only_args(args, no_args, r))
        return;
    bool running = !q->ctl->stopped;
    r->ret = cJSON_CreateObject();
    cJSON_AddBoolToObject(r->ret, "running", running);
    cJSON_AddBoolToObject(r->ret, "singlestep", false);
    cJSON_AddStringToObject(r->ret, "status", running ? "running" : "paused");
}

/* QEMU 7.2's query-cpus-fast for its pc machine: one object per CPU, its
 * place in the -smp topology (cpu/topo.h) in props; every CPU on this
 * thread (they take turns on it, docs/internals.md). */
static void query_cpus_fast(struct qmp *q, const cJSON *args, struct qmp_result *r)
{
    if (!only_args(args, no_args, r))
        return;
    const struct vm *vm = q->ctl->pc->vm;
    r->ret = cJSON_CreateArray();
    for (unsigned i = 0; i < vm->ncpus; i++) {
        cJSON *cpu = cJSON_CreateObject(), *props = cJSON_CreateObject();
        char path[64];
        snprintf(path, sizeof(path), "/machine/unattached/device[%u]", i);
        cJSON_AddNumberToObject(cpu, "thread-id", (double)vm_cpu_thread_id(vm, i));
        struct cpu_topo_ids id = cpu_topo_ids(&vm->topo, i);
        cJSON_AddNumberToObject(props, "core-id", id.core);
        cJSON_AddNumberToObject(props, "thread-id", id.thread);
        cJSON_AddNumberToObject(props, "socket-id", id.socket);
        cJSON_AddItemToObject(cpu, "props", props);
        cJSON_AddStringToObject(cpu, "qom-path", path);
        cJSON_AddNumberToObject(cpu, "cpu-index", i);
        cJSON_AddStringToObject(cpu, "target", "i386");
        cJSON_AddItemToArray(r->ret, cpu);
    }
}

static void query_version(struct qmp *q, const cJSON *args, struct qmp_result *r)
{
    (void)q;
    if (only_args(args, no_args, r))
        r->ret = version_object();
}

static void simple(struct qmp *q, const cJSON *args, struct qmp_result *r,
                   void (*act)(struct vmctl *))
{
    if (!only_args(args, no_args, r))
        return;
    act(q->ctl);
    r->ret = cJSON_CreateObject();
}

static void reset_from_qmp(struct vmctl *ctl)
{
    vmctl_system_reset(ctl, "host-qmp-system-reset");
}

static void qmp_stop(struct qmp *q, const cJSON *a, struct qmp_result *r)
{
    simple(q, a, r, vmctl_stop);
}

static void qmp_cont(struct qmp *q, const cJSON *a, struct qmp_result *r)
{
    simple(q, a, r, vmctl_cont);
}

static void qmp_quit(struct qmp *q, const cJSON *a, struct qmp_result *r)
{
    simple(q, a, r, vmctl_quit);
}

static void qmp_system_reset(struct qmp *q, const cJSON *a, struct qmp_result *r)
{
    simple(q, a, r, reset_from_qmp);
}

static void qmp_system_powerdown(struct qmp *q, const cJSON *a, struct qmp_result *r)
{
    if (!only_args(a, no_args, r))
        return;
    if (vmctl_system_powerdown(q->ctl) < 0)
        fail(r, "GenericError", "%s", "system_powerdown: this machine has no ACPI power button");
    else
        r->ret = cJSON_CreateObject();
}

static void human_monitor_command(struct qmp *q, const cJSON *args, struct qmp_result *r)
{
    static const char *const known[] = { "command-line", "cpu-index", NULL };
    if (!only_args(args, known, r))
        return;
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(args, "command-line");
    const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(args, "cpu-index");
    if (!line) {
        fail(r, "GenericError", "Parameter '%s' is missing", "command-line");
        return;
    }
    if (!cJSON_IsString(line)) {
        fail(r, "GenericError", "Invalid parameter type for '%s', expected: string",
             "command-line");
        return;
    }
    if (cpu && (!cJSON_IsNumber(cpu) || cpu->valuedouble != 0)) {
        fail(r, "GenericError", "%s", "Parameter 'cpu-index' expects a CPU index: 0");
        return;
    }
    char *out = monitor_execute_string(q->ctl, line->valuestring);
    char *text = out ? monitor_crlf(out) : NULL;
    r->ret = text ? cJSON_CreateString(text) : NULL;
    free(text);
    free(out);
    if (!r->ret)
        fail(r, "GenericError", "%s", "out of memory");
}

static void query_block(struct qmp *q, const cJSON *args, struct qmp_result *r)
{
    if (!only_args(args, no_args, r))
        return;
    r->ret = qmp_query_block(q->ctl->drives);
    if (!r->ret)
        fail(r, "GenericError", "%s", "out of memory");
}

/* screendump {filename, format?}: QEMU's command; format "ppm" (the
 * default) or "png", and plex86's "text". */
static void qmp_screendump(struct qmp *q, const cJSON *args, struct qmp_result *r)
{
    static const char *const known[] = { "filename", "format", "device", "head", NULL };
    if (!only_args(args, known, r))
        return;
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(args, "filename");
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(args, "format");
    const cJSON *device = cJSON_GetObjectItemCaseSensitive(args, "device");
    if (!file) {
        fail(r, "GenericError", "Parameter '%s' is missing", "filename");
        return;
    }
    if (!cJSON_IsString(file) || (format && !cJSON_IsString(format))) {
        fail(r, "GenericError", "Invalid parameter type for '%s', expected: string",
             !cJSON_IsString(file) ? "filename" : "format");
        return;
    }
    if (device) {
        fail(r, "DeviceNotFound", "%s", "Device not found (plex86 has one display)");
        return;
    }
    enum screendump_format fmt = SCREENDUMP_PPM;
    if (format && screendump_parse_format(format->valuestring, &fmt) < 0) {
        fail(r, "GenericError", "Parameter 'format' does not accept value '%.100s'",
             format->valuestring);
        return;
    }
    if (!q->ctl->allow_files) {
        fail(r, "GenericError", "%s", "screendump: files are disabled here");
        return;
    }
    char err[512];
    if (screendump_write(pc_display(q->ctl->pc), file->valuestring, fmt, err,
                         sizeof(err)) < 0) {
        fail(r, "GenericError", "%.200s", err);
        return;
    }
    r->ret = cJSON_CreateObject();
}

static void query_commands(struct qmp *q, const cJSON *args, struct qmp_result *r);

static const struct qmp_cmd {
    const char *name;
    void (*fn)(struct qmp *q, const cJSON *args, struct qmp_result *r);
} qmp_cmds[] = {
    { "qmp_capabilities", qmp_capabilities },
    { "query-status", query_status },
    { "query-version", query_version },
    { "query-block", query_block },
    { "query-cpus-fast", query_cpus_fast },
    { "query-commands", query_commands },
    { "stop", qmp_stop },
    { "cont", qmp_cont },
    { "system_reset", qmp_system_reset },
    { "system_powerdown", qmp_system_powerdown },
    { "human-monitor-command", human_monitor_command },
    { "screendump", qmp_screendump },
    { "quit", qmp_quit },
};
#define NCMDS (sizeof(qmp_cmds) / sizeof(qmp_cmds[0]))

static void query_commands(struct qmp *q, const cJSON *args, struct qmp_result *r)
{
    (void)q;
    if (!only_args(args, no_args, r))
        return;
    r->ret = cJSON_CreateArray();
    for (size_t i = 0; i < NCMDS; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", qmp_cmds[i].name);
        cJSON_AddItemToArray(r->ret, c);
    }
}

/* --- one message ---------------------------------------------------------- */

static void reply(struct qmp *q, struct qmp_result *r, const cJSON *id)
{
    cJSON *msg = cJSON_CreateObject();
    if (r->err_class) {
        cJSON *e = cJSON_AddObjectToObject(msg, "error");
        cJSON_AddStringToObject(e, "class", r->err_class);
        cJSON_AddStringToObject(e, "desc", r->desc);
    } else {
        cJSON_AddItemToObject(msg, "return", r->ret);
        r->ret = NULL;
    }
    if (id)
        cJSON_AddItemToObject(msg, "id", cJSON_Duplicate(id, true));
    send_json(q, msg);
    cJSON_Delete(msg);
}

/* Checks the message's form (QEMU's qmp_dispatch order), then runs it. */
static void execute(struct qmp *q, const cJSON *msg, struct qmp_result *r)
{
    const cJSON *cmd = NULL, *args = NULL;
    for (const cJSON *m = msg->child; m; m = m->next) {
        if (!strcmp(m->string, "execute"))
            cmd = m;
        else if (!strcmp(m->string, "arguments"))
            args = m;
        else if (strcmp(m->string, "id")) {
            fail(r, "GenericError", "QMP input member '%.200s' is unexpected", m->string);
            return;
        }
    }
    if (!cmd) {
        fail(r, "GenericError", "%s", "QMP input lacks member 'execute'");
        return;
    }
    if (!cJSON_IsString(cmd)) {
        fail(r, "GenericError", "%s", "QMP input member 'execute' must be a string");
        return;
    }
    if (args && !cJSON_IsObject(args)) {
        fail(r, "GenericError", "%s", "QMP input member 'arguments' must be an object");
        return;
    }
    const char *name = cmd->valuestring;
    bool caps = !strcmp(name, "qmp_capabilities");
    if (!q->negotiated && !caps) {
        fail(r, "CommandNotFound", "%s",
             "Expecting capabilities negotiation with 'qmp_capabilities'");
        return;
    }
    if (q->negotiated && caps) {
        fail(r, "CommandNotFound", "%s",
             "Capabilities negotiation is already complete, command ignored");
        return;
    }
    for (size_t i = 0; i < NCMDS; i++) {
        if (!strcmp(qmp_cmds[i].name, name)) {
            qmp_cmds[i].fn(q, args, r);
            return;
        }
    }
    fail(r, "CommandNotFound", "The command %.200s has not been found", name);
}

static void handle_message(struct qmp *q, const char *text, size_t len)
{
    struct qmp_result r = { 0 };
    cJSON *msg = cJSON_ParseWithLength(text, len);
    const cJSON *id = NULL;
    if (!msg) {
        fail(&r, "GenericError", "%s", "JSON parse error, invalid JSON");
    } else if (!cJSON_IsObject(msg)) {
        fail(&r, "GenericError", "%s", "QMP input must be a JSON object");
    } else {
        id = cJSON_GetObjectItemCaseSensitive(msg, "id");
        vm_cpus_stop(q->ctl->pc->vm); /* a thread per CPU: see monitor.c */
        execute(q, msg, &r);
        vm_cpus_resume(q->ctl->pc->vm);
    }
    reply(q, &r, id);
    cJSON_Delete(r.ret);
    cJSON_Delete(msg);
}

static void reset_splitter(struct qmp *q)
{
    q->len = 0;
    q->depth = 0;
    q->in_str = q->esc = false;
}

/* A value ended: answer it, or, if it was too long and skipped, just
 * start afresh. */
static void finish(struct qmp *q)
{
    if (!q->skipping)
        handle_message(q, q->buf, q->len);
    q->skipping = false;
    reset_splitter(q);
}

void qmp_input(struct qmp *q, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = p[i];
        bool space = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
        if (q->len == 0 && !q->skipping && space)
            continue;
        if (q->depth == 0 && !q->in_str && space) {
            finish(q);         /* a value outside brackets: a scalar or junk */
            continue;
        }
        if (!q->skipping) {
            if (q->len == sizeof(q->buf)) {
                /* Too long: one error now, and the rest of the value is
                 * only followed (brackets, strings) to find its end. */
                struct qmp_result r = { 0 };
                fail(&r, "GenericError", "JSON message too large (more than %s bytes)",
                     "65536");
                reply(q, &r, NULL);
                q->skipping = true;
            } else {
                q->buf[q->len++] = (char)ch;
            }
        }
        if (q->in_str) {
            if (q->esc)
                q->esc = false;
            else if (ch == '\\')
                q->esc = true;
            else if (ch == '"')
                q->in_str = false;
            else if (ch == '\n')
                finish(q);     /* a raw newline never belongs in a string */
            continue;
        }
        if (ch == '"') {
            q->in_str = true;
        } else if (ch == '{' || ch == '[') {
            q->depth++;
        } else if (ch == '}' || ch == ']') {
            if (q->depth <= 1) /* the value is complete (or was never open) */
                finish(q);
            else
                q->depth--;
        }
    }
}
