/* The display options; see cli_display.h. */
#include "host/cli_display.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* [HOST]:N up to `end`: the RFB port 5900 + N. */
static int parse_addr(struct cli_display *d, const char *a, size_t len, char *err,
                      size_t errlen)
{
    const char *colon = NULL;   /* the last one: [::1]:5 */
    for (size_t i = len; i-- > 0;)
        if (a[i] == ':') {
            colon = a + i;
            break;
        }
    if (!colon) {
        snprintf(err, errlen, "-vnc: '%.*s' is not [HOST]:DISPLAY (e.g. :1 or localhost:1)",
                 (int)len, a);
        return -1;
    }
    size_t hlen = (size_t)(colon - a);
    if (hlen >= CLI_VNC_HOST_MAX) {
        snprintf(err, errlen, "-vnc: host name too long");
        return -1;
    }
    /* [::1]:N: brackets around an IPv6 address. */
    const char *h = a;
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    memcpy(d->vnc_host, h, hlen);
    d->vnc_host[hlen] = 0;
    const char *n = colon + 1;
    size_t nlen = len - (size_t)(n - a);
    unsigned v = 0;
    if (!nlen || nlen > 5)
        goto bad;
    for (size_t i = 0; i < nlen; i++) {
        if (n[i] < '0' || n[i] > '9')
            goto bad;
        v = v * 10 + (unsigned)(n[i] - '0');
    }
    if (v > 65535 - 5900)
        goto bad;
    d->vnc_port = 5900 + v;
    d->vnc = true;
    return 0;
bad:
    snprintf(err, errlen, "-vnc: bad display number '%.*s' (0-%u)", (int)nlen, n, 65535 - 5900);
    return -1;
}

int cli_vnc_option(struct cli_display *d, const char *arg, char *err, size_t errlen)
{
    const char *comma = strchr(arg, ',');
    size_t alen = comma ? (size_t)(comma - arg) : strlen(arg);
    if (alen == 4 && !strncmp(arg, "none", 4) && !comma) {
        d->vnc = false;
        d->websocket_port = 0;
        return 0;
    }
    if (parse_addr(d, arg, alen, err, errlen) < 0)
        return -1;
    d->websocket_port = 0;
    while (comma) {
        const char *o = comma + 1;
        comma = strchr(o, ',');
        size_t olen = comma ? (size_t)(comma - o) : strlen(o);
        if (olen > 10 && !strncmp(o, "websocket=", 10)) {
            const char *v = o + 10;
            size_t vlen = olen - 10;
            if ((vlen == 2 && !strncmp(v, "on", 2)) || (vlen == 3 && !strncmp(v, "yes", 3))) {
                d->websocket_port = 5700 + (d->vnc_port - 5900);
                if (d->websocket_port > 65535)
                    goto bad_ws;
                continue;
            }
            if ((vlen == 3 && !strncmp(v, "off", 3)) || (vlen == 2 && !strncmp(v, "no", 2))) {
                d->websocket_port = 0;
                continue;
            }
            char *end;
            char num[8];
            if (vlen == 0 || vlen >= sizeof(num))
                goto bad_ws;
            memcpy(num, v, vlen);
            num[vlen] = 0;
            unsigned long p = strtoul(num, &end, 10);
            if (*end || p == 0 || p > 65535 || num[0] < '0' || num[0] > '9')
                goto bad_ws;
            d->websocket_port = (unsigned)p;
            continue;
bad_ws:
            snprintf(err, errlen, "-vnc: bad websocket value '%.*s' (on, off or a port)",
                     (int)vlen, v);
            return -1;
        }
        snprintf(err, errlen, "-vnc: unsupported option '%.*s' (plex86 knows websocket=)",
                 (int)olen, o);
        return -1;
    }
    if (d->websocket_port && d->websocket_port == d->vnc_port) {
        snprintf(err, errlen, "-vnc: the websocket port is the VNC port (%u)", d->vnc_port);
        return -1;
    }
    return 0;
}

int cli_display_option(struct cli_display *d, const char *arg, char *err, size_t errlen)
{
    if (!strncmp(arg, "vnc=", 4)) {
        d->kind = CLI_DISPLAY_NONE;
        return cli_vnc_option(d, arg + 4, err, errlen);
    }
    static const struct {
        const char *name;
        enum cli_display_kind kind;
    } kinds[] = {
        { "none", CLI_DISPLAY_NONE }, { "sdl", CLI_DISPLAY_SDL },
        { "curses", CLI_DISPLAY_CURSES }, { "default", CLI_DISPLAY_DEFAULT },
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (!strcmp(arg, kinds[i].name)) {
            d->kind = kinds[i].kind;
            return 0;
        }
    }
    if (!strcmp(arg, "help")) {
        snprintf(err, errlen, "-display: none, sdl, curses, vnc=[HOST]:N or default");
        return -1;
    }
    const char *comma = strchr(arg, ',');
    if (comma)
        snprintf(err, errlen, "-display: options of '%.*s' are not supported ('%s')",
                 (int)(comma - arg), arg, comma + 1);
    else
        snprintf(err, errlen, "-display: unknown display '%s' (none, sdl, curses, vnc=...)",
                 arg);
    return -1;
}
