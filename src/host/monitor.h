/* The human monitor (HMP), as QEMU's: one command per line, a command
 * table (monitor_cmds.c) from which `help` is generated, output as text.
 *
 * A session is the protocol on one channel: bytes in (monitor_input),
 * text out through a callback, with the banner and the `(qemu) ` prompt.
 * The prompt is QEMU's, not "(plex86) ": scripts and tools written for
 * QEMU's monitor (expect scripts, libvirt's HMP pass-through, pexpect
 * wrappers) wait for exactly that string.
 *
 * Lines are bounded (MONITOR_LINE_MAX): a longer one is refused whole with
 * an error, and the session goes on at the next newline.  Every reply is
 * text; no command can make the session crash or block. */
#ifndef PLEX86_HOST_MONITOR_H
#define PLEX86_HOST_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct vmctl;

#define MONITOR_LINE_MAX 4096
#define MONITOR_PROMPT "(qemu) "

/* One HMP command: `fn` gets the rest of the line after the name, with
 * leading blanks skipped, and prints its reply to `out`. */
struct monitor_cmd {
    const char *name;       /* "info" is one command with subcommands */
    const char *alias;      /* a short spelling (QEMU's "c", "q"), or NULL */
    const char *args;       /* how the arguments are spelled, for help */
    const char *help;
    void (*fn)(struct vmctl *ctl, const char *args, FILE *out);
};

/* The command tables (monitor_cmds.c), each ending with a NULL name. */
extern const struct monitor_cmd monitor_cmds[];
extern const struct monitor_cmd monitor_info_cmds[];

/* Runs one command line and prints its reply to `out`.  An empty line
 * prints nothing. */
void monitor_execute(struct vmctl *ctl, const char *line, FILE *out);

/* The same, returning the reply as a malloc'ed string (NULL: no memory):
 * QMP's human-monitor-command. */
char *monitor_execute_string(struct vmctl *ctl, const char *line);

/* `text` with each "\n" as "\r\n", malloc'ed (NULL: no memory): QEMU's
 * monitor output has CR LF line ends on its sockets and in QMP's
 * human-monitor-command, and clients may split on them. */
char *monitor_crlf(const char *text);

/* Prints the table's help (`help`, `help CMD`, `info`). */
void monitor_print_help(const struct monitor_cmd *table, const char *prefix,
                        const char *only, FILE *out);

typedef void monitor_write_fn(void *opaque, const char *data, size_t n);

struct monitor {
    struct vmctl *ctl;
    monitor_write_fn *write;
    void *opaque;
    bool crlf;              /* "\n" goes out as "\r\n" (sockets, as QEMU) */
    bool echo;              /* a raw terminal (the Ctrl-A c mux): echo what
                               is typed and edit with backspace */
    bool overflow;          /* the current line was too long: skip to \n */
    bool last_cr;           /* the last byte was CR (CR LF is one end) */
    size_t len;
    char line[MONITOR_LINE_MAX];
};

void monitor_init(struct monitor *m, struct vmctl *ctl, monitor_write_fn *write,
                  void *opaque);

/* A client arrived (or the mux switched to the monitor): the banner and
 * the prompt; a line half typed by an earlier client is forgotten. */
void monitor_start(struct monitor *m);

/* Bytes from the client: each complete line is run, its reply written,
 * then the prompt. */
void monitor_input(struct monitor *m, const void *data, size_t n);

#endif
