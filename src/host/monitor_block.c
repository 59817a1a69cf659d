/* The human monitor's drive commands; see monitor_block.h. */
#include "host/monitor_block.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"
#include "host/drives.h"
#include "host/vmctl.h"

/* The largest qemu-io transfer (it is a test tool, not a copy tool). */
#define QEMU_IO_MAX (16u << 20)

static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

void monitor_info_block(struct vmctl *ctl, const char *args, FILE *out)
{
    args = skip_blanks(args);
    if (!ctl->drives) {
        if (*args)
            fprintf(out, "Device '%s' not found\n", args);
        return;
    }
    drives_info_block(ctl->drives, *args ? args : NULL, out);
}

void monitor_commit(struct vmctl *ctl, const char *args, FILE *out)
{
    args = skip_blanks(args);
    if (!*args) {
        fputs("commit: block device name expected\n", out);
        return;
    }
    if (!ctl->drives) {
        if (strcmp(args, "all"))
            fprintf(out, "Device '%s' not found\n", args);
        return;
    }
    drives_commit(ctl->drives, args, out, NULL);
}

/* qemu-io's numbers (cvtnum): decimal or 0x hex, with an optional k, M,
 * G suffix (powers of 1024). */
static int parse_size(const char *s, uint64_t *v)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(s, &end, 0);
    if (errno)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (*end || n > (UINT64_MAX >> shift))
        return -1;
    *v = (uint64_t)n << shift;
    return 0;
}

/* Splits `cmd` into words (at most `max`); returns how many. */
static int split(char *cmd, char **w, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *p = strtok_r(cmd, " \t", &save); p && n < max;
         p = strtok_r(NULL, " \t", &save))
        w[n++] = p;
    return n;
}

static void io_command(struct drive *d, char *cmd, FILE *out)
{
    char *w[8];
    int n = split(cmd, w, 8);
    if (n == 0) {
        fputs("qemu-io: no command\n", out);
        return;
    }
    if (!strcmp(w[0], "flush") && n == 1) {
        int r = block_flush(d->block);
        if (r < 0)
            fprintf(out, "flush failed: %s\n", strerror(-r));
        return;
    }
    bool is_read = !strcmp(w[0], "read"), is_write = !strcmp(w[0], "write");
    if (!is_read && !is_write) {
        fprintf(out, "qemu-io: unknown command '%s' (read, write, flush)\n", w[0]);
        return;
    }
    int k = 1;
    bool pattern = false;
    uint64_t pat = 0;
    if (k < n && !strcmp(w[k], "-P")) {
        if (k + 1 >= n || parse_size(w[k + 1], &pat) < 0 || pat > 255) {
            fputs("qemu-io: -P wants a byte value\n", out);
            return;
        }
        pattern = true;
        k += 2;
    }
    uint64_t off, len;
    if (n - k != 2 || parse_size(w[k], &off) < 0 || parse_size(w[k + 1], &len) < 0) {
        fprintf(out, "qemu-io: usage: %s [-P PATTERN] OFFSET LENGTH\n", w[0]);
        return;
    }
    if (len > QEMU_IO_MAX) {
        fprintf(out, "qemu-io: at most %u bytes at a time\n", QEMU_IO_MAX);
        return;
    }
    uint8_t *buf = malloc(len ? (size_t)len : 1);
    if (!buf) {
        fputs("qemu-io: out of memory\n", out);
        return;
    }
    memset(buf, (int)pat, (size_t)len);
    int r = is_read ? block_read(d->block, off, buf, (size_t)len)
                    : block_write(d->block, off, buf, (size_t)len);
    if (r < 0) {
        fprintf(out, "%s failed: %s\n", w[0], strerror(-r));
    } else {
        fprintf(out, "%s %" PRIu64 "/%" PRIu64 " bytes at offset %" PRIu64 "\n",
                is_read ? "read" : "wrote", len, len, off);
        for (uint64_t i = 0; is_read && pattern && i < len; i++) {
            if (buf[i] != pat) {
                fprintf(out, "Pattern verification failed at offset %" PRIu64 ", %" PRIu64
                             " bytes\n", off, len);
                break;
            }
        }
    }
    free(buf);
}

void monitor_qemu_io(struct vmctl *ctl, const char *args, FILE *out)
{
    args = skip_blanks(args);
    size_t nlen = strcspn(args, " \t");
    char name[CLI_DRIVE_ID_MAX + 1];
    if (!nlen || nlen >= sizeof(name)) {
        fputs("qemu-io: usage: qemu-io DEVICE \"COMMAND\"\n", out);
        return;
    }
    memcpy(name, args, nlen);
    name[nlen] = 0;
    struct drive *d = ctl->drives ? drives_find(ctl->drives, name) : NULL;
    if (!d) {
        fprintf(out, "Device '%s' not found\n", name);
        return;
    }
    if (!d->block) {
        fprintf(out, "Device '%s' has no medium\n", name);
        return;
    }
    const char *rest = skip_blanks(args + nlen);
    size_t len = strlen(rest);
    if (len >= 2 && rest[0] == '"' && rest[len - 1] == '"') {
        rest++;
        len -= 2;
    }
    char *cmd = strndup(rest, len);
    if (!cmd) {
        fputs("qemu-io: out of memory\n", out);
        return;
    }
    io_command(d, cmd, out);
    free(cmd);
}
