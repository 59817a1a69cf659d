/* A monitor's byte channel; see chardev_sock.h. */
#define _GNU_SOURCE 1 /* accept4 */
#include "host/chardev_sock.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct chardev_sock {
    struct chardev_spec spec;
    int listen_fd;     /* unix: the listening socket; stdio: -1 */
    int in_fd, out_fd; /* the client, or -1 (unix: in_fd == out_fd) */
    uint8_t *out;      /* queued output */
    size_t out_len;
};

/* "on"/"off" and QEMU's other boolean spellings. */
static int parse_bool(const char *v, size_t len, bool *b)
{
    if ((len == 2 && !strncmp(v, "on", 2)) || (len == 3 && !strncmp(v, "yes", 3)) ||
        (len == 4 && !strncmp(v, "true", 4))) {
        *b = true;
        return 0;
    }
    if ((len == 3 && !strncmp(v, "off", 3)) || (len == 2 && !strncmp(v, "no", 2)) ||
        (len == 5 && !strncmp(v, "false", 5))) {
        *b = false;
        return 0;
    }
    return -1;
}

int chardev_spec_parse(const char *s, struct chardev_spec *spec, char *err, size_t errlen)
{
    *spec = (struct chardev_spec){ .kind = CHR_SPEC_NONE };
    if (!strcmp(s, "none"))
        return 0;
    if (!strcmp(s, "stdio")) {
        spec->kind = CHR_SPEC_STDIO;
        return 0;
    }
    if (strncmp(s, "unix:", 5)) {
        snprintf(err, errlen, "bad device '%s' (unix:PATH,server,nowait, stdio or none)", s);
        return -1;
    }
    const char *p = s + 5;
    size_t plen = strcspn(p, ",");
    if (plen == 0 || plen >= sizeof(spec->path)) {
        snprintf(err, errlen, "unix: the socket path must have 1 to %zu characters",
                 sizeof(spec->path) - 1);
        return -1;
    }
    memcpy(spec->path, p, plen);
    spec->path[plen] = 0;
    spec->kind = CHR_SPEC_UNIX;
    spec->wait = true;     /* QEMU's default for a server */
    bool server = false;
    p += plen;
    while (*p == ',') {
        p++;
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        bool val = true;
        if (eq && parse_bool(eq + 1, len - klen - 1, &val) < 0) {
            snprintf(err, errlen, "unix: bad value in '%.*s' (on or off)", (int)len, p);
            return -1;
        }
        if (klen == 6 && !strncmp(p, "server", 6))
            server = val;
        else if (klen == 4 && !strncmp(p, "wait", 4))
            spec->wait = val;
        else if (!eq && klen == 6 && !strncmp(p, "nowait", 6))
            spec->wait = false;
        else if (!eq && klen == 8 && !strncmp(p, "noserver", 8))
            server = false;
        else {
            snprintf(err, errlen, "unix: unknown option '%.*s' (server, wait)", (int)len, p);
            return -1;
        }
        p += len;
    }
    if (!server) {
        snprintf(err, errlen, "unix:%s: only server mode is supported (add ,server,nowait)",
                 spec->path);
        return -1;
    }
    return 0;
}

static void drop_client(struct chardev_sock *s)
{
    if (s->spec.kind == CHR_SPEC_UNIX && s->in_fd >= 0)
        close(s->in_fd);
    s->in_fd = s->out_fd = -1;
    s->out_len = 0;
}

static bool accept_client(struct chardev_sock *s)
{
    if (s->listen_fd < 0 || s->in_fd >= 0)
        return false;
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return false;
    s->in_fd = s->out_fd = fd;
    s->out_len = 0;
    return true;
}

static int listen_unix(struct chardev_sock *s, char *err, size_t errlen)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path, s->spec.path, strlen(s->spec.path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "unix:%s: socket: %s", s->spec.path, strerror(errno));
        return -1;
    }
    /* A socket file left by an earlier run is replaced, as QEMU does;
     * anything else at the path is an error. */
    struct stat st;
    if (lstat(s->spec.path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(s->spec.path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        snprintf(err, errlen, "unix:%s: %s", s->spec.path, strerror(errno));
        close(fd);
        return -1;
    }
    s->listen_fd = fd;
    if (s->spec.wait) {
        fprintf(stderr, "plex86: waiting for connection on: unix:%s,server=on\n",
                s->spec.path);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        while (!accept_client(s)) {
            if (poll(&p, 1, -1) < 0 && errno != EINTR) {
                snprintf(err, errlen, "unix:%s: poll: %s", s->spec.path, strerror(errno));
                return -1;
            }
        }
    }
    return 0;
}

struct chardev_sock *chardev_sock_open(const struct chardev_spec *spec, char *err,
                                       size_t errlen)
{
    struct chardev_sock *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory for a monitor");
        return NULL;
    }
    s->spec = *spec;
    s->listen_fd = s->in_fd = s->out_fd = -1;
    if (spec->kind == CHR_SPEC_STDIO) {
        s->in_fd = STDIN_FILENO;
        s->out_fd = STDOUT_FILENO;
        return s;
    }
    if (spec->kind != CHR_SPEC_UNIX || listen_unix(s, err, errlen) < 0) {
        if (spec->kind != CHR_SPEC_UNIX)
            snprintf(err, errlen, "no channel to open");
        chardev_sock_close(s);
        return NULL;
    }
    return s;
}

void chardev_sock_close(struct chardev_sock *s)
{
    if (!s)
        return;
    chardev_sock_drain(s, 100);
    drop_client(s);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        unlink(s->spec.path);
    }
    free(s->out);
    free(s);
}

bool chardev_sock_pollfd(const struct chardev_sock *s, struct pollfd *p)
{
    if (s->in_fd >= 0) {
        *p = (struct pollfd){ .fd = s->in_fd, .events = POLLIN };
        if (s->out_len && s->out_fd == s->in_fd)
            p->events |= POLLOUT;
        return true;
    }
    if (s->listen_fd >= 0) {
        *p = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
        return true;
    }
    return false;
}

/* Sends what the client takes now. */
static void flush_out(struct chardev_sock *s)
{
    size_t done = 0;
    while (s->out_fd >= 0 && done < s->out_len) {
        ssize_t n;
        if (s->spec.kind == CHR_SPEC_UNIX)
            n = send(s->out_fd, s->out + done, s->out_len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        else
            n = write(s->out_fd, s->out + done, s->out_len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        drop_client(s);    /* EPIPE, reset: the client is gone */
        return;
    }
    memmove(s->out, s->out + done, s->out_len - done);
    s->out_len -= done;
}

bool chardev_sock_service(struct chardev_sock *s)
{
    bool fresh = accept_client(s);
    if (s->out_len)
        flush_out(s);
    return fresh;
}

size_t chardev_sock_read(struct chardev_sock *s, void *buf, size_t n)
{
    if (s->in_fd < 0 || n == 0)
        return 0;
    if (s->spec.kind == CHR_SPEC_STDIO) {
        struct pollfd p = { .fd = s->in_fd, .events = POLLIN };
        if (poll(&p, 1, 0) <= 0)
            return 0;
    }
    ssize_t r = s->spec.kind == CHR_SPEC_UNIX ? recv(s->in_fd, buf, n, MSG_DONTWAIT)
                                              : read(s->in_fd, buf, n);
    if (r > 0)
        return (size_t)r;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    drop_client(s);        /* end of input, or an error */
    return 0;
}

void chardev_sock_write(struct chardev_sock *s, const void *data, size_t n)
{
    if (s->out_fd < 0 || n == 0)
        return;
    if (n > CHR_OUT_MAX - s->out_len) {
        flush_out(s);
        if (s->out_fd < 0)
            return;
        if (n > CHR_OUT_MAX - s->out_len) {
            /* The client does not read: it goes, the VM does not wait. */
            drop_client(s);
            return;
        }
    }
    if (!s->out) {
        s->out = malloc(CHR_OUT_MAX);
        if (!s->out) {
            drop_client(s);
            return;
        }
    }
    memcpy(s->out + s->out_len, data, n);
    s->out_len += n;
    flush_out(s);
}

bool chardev_sock_connected(const struct chardev_sock *s)
{
    return s->in_fd >= 0;
}

void chardev_sock_drain(struct chardev_sock *s, int ms)
{
    for (int waited = 0; s->out_fd >= 0 && s->out_len && waited < ms; waited += 10) {
        flush_out(s);
        if (!s->out_len || s->out_fd < 0)
            break;
        struct pollfd p = { .fd = s->out_fd, .events = POLLOUT };
        poll(&p, 1, 10);
    }
}
