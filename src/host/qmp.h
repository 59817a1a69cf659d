/* QMP, QEMU's machine protocol, on one channel: the greeting, the
 * capabilities negotiation, commands as JSON objects
 * ({"execute": NAME, "arguments": {...}, "id": ANY}), replies
 * ({"return": ...} or {"error": {"class": ..., "desc": ...}}, with the
 * id echoed) and events ({"event": ..., "data": ..., "timestamp":
 * {"seconds", "microseconds"}}), so that QEMU's clients (qmp-shell,
 * Python's qemu.qmp, libvirt-style scripts) can drive plex86.
 *
 * Input is a stream of JSON values, not lines (qemu.qmp sends objects
 * without a newline): they are split by counting brackets outside
 * strings, then parsed with cJSON.  A value longer than QMP_MSG_MAX
 * bytes gets an error and the rest of it is skipped (followed only to
 * find its end); a value that does not parse gets an error; either way
 * the session stays usable. */
#ifndef PLEX86_HOST_QMP_H
#define PLEX86_HOST_QMP_H

#include <stdbool.h>
#include <stddef.h>

#include "host/monitor.h"

struct vmctl;

#define QMP_MSG_MAX 65536

struct qmp {
    struct vmctl *ctl;
    monitor_write_fn *write;
    void *opaque;
    bool negotiated;        /* qmp_capabilities done: commands and events */
    /* The splitter's state. */
    bool skipping;          /* in an over-long value: to its end */
    bool in_str, esc;
    unsigned depth;
    size_t len;
    char buf[QMP_MSG_MAX];
};

void qmp_init(struct qmp *q, struct vmctl *ctl, monitor_write_fn *write, void *opaque);

/* A client arrived: the greeting; negotiation starts again. */
void qmp_start(struct qmp *q);

/* Bytes from the client; each complete value is answered. */
void qmp_input(struct qmp *q, const void *data, size_t n);

/* Sends an event (to a negotiated client only); `data_json` is the
 * "data" member's JSON text, or NULL. */
void qmp_event(struct qmp *q, const char *name, const char *data_json);

#endif
