/* A monitor's byte channel: a listening unix socket serving one client at
 * a time (`unix:PATH,server,nowait`), or the process's stdin and stdout
 * (`stdio`).  It only moves bytes; the protocols (monitor.h, qmp.h) frame
 * them.
 *
 * Everything is non-blocking: the run loop polls the channel between
 * slices and never waits on a client.  Output waits in a bounded queue; a
 * client that stops reading until the queue is full is disconnected (it
 * cannot make the VM wait or grow without bound).  When a client leaves,
 * the next one is accepted. */
#ifndef PLEX86_HOST_CHARDEV_SOCK_H
#define PLEX86_HOST_CHARDEV_SOCK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The output a client may leave unread before it is dropped. */
#define CHR_OUT_MAX (1u << 20)

enum chardev_spec_kind { CHR_SPEC_NONE, CHR_SPEC_STDIO, CHR_SPEC_UNIX };

/* A parsed -monitor / -qmp argument, QEMU's spelling:
 *   unix:PATH,server,nowait   unix:PATH,server=on,wait=off   stdio   none
 * `wait` (the default, as QEMU's) makes plex86 wait for the first client
 * before the guest starts. */
struct chardev_spec {
    enum chardev_spec_kind kind;
    char path[108];            /* sockaddr_un's sun_path */
    bool wait;
};

/* Returns 0, or -1 with one line in `err` (no "plex86:" prefix). */
int chardev_spec_parse(const char *s, struct chardev_spec *spec, char *err, size_t errlen);

struct chardev_sock;

/* Opens the channel: for unix, removes a stale socket file at the path,
 * listens, and with `wait` blocks until the first client connects.
 * Returns NULL with one line in `err`. */
struct chardev_sock *chardev_sock_open(const struct chardev_spec *spec, char *err,
                                       size_t errlen);
/* Flushes what it can (briefly), closes, and removes the socket file. */
void chardev_sock_close(struct chardev_sock *s);

/* The descriptor to poll now and for what (listening socket, or the
 * client, with POLLOUT while output waits).  Returns false when there is
 * nothing to poll (stdin ended). */
bool chardev_sock_pollfd(const struct chardev_sock *s, struct pollfd *p);

/* What happened since the last call: accepts a waiting client (returns
 * true once for each new one: the caller greets it), writes queued output,
 * and notices a client that left. */
bool chardev_sock_service(struct chardev_sock *s);

/* Reads what the client has sent, without blocking: > 0 bytes, 0 nothing
 * now (or no client).  A client that hangs up is closed here. */
size_t chardev_sock_read(struct chardev_sock *s, void *buf, size_t n);

/* Queues bytes for the client and tries to send them (dropped when no
 * client is connected; the client is disconnected past CHR_OUT_MAX). */
void chardev_sock_write(struct chardev_sock *s, const void *data, size_t n);

/* True while a client is connected (always for stdio until input ends). */
bool chardev_sock_connected(const struct chardev_sock *s);

/* Tries for up to `ms` milliseconds to send what is queued (at exit, so
 * that a SHUTDOWN event reaches the client). */
void chardev_sock_drain(struct chardev_sock *s, int ms);

#endif
