/* The benchmark guest: a Multiboot kernel that runs the kernels of
 * kernels.c and prints one line per kernel on COM1,
 *
 *     kernel NAME checksum 0xXXXXXXXX
 *
 * then writes 0x10 to the isa-debug-exit port 0xF4 (the VM exits with
 * status 33).  The command line (-append) takes
 *
 *     scale=N          work per kernel, in units (default BENCH_DEFAULT_SCALE)
 *     only=A,B,...     run only these kernels (only=none: run nothing)
 *
 * A bad command line prints a line starting with "error:" and exits with
 * debug-exit value 0x11 (status 35).  Nothing here measures time: there is
 * no timer; the host script does that. */
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

#define BENCH_DEFAULT_SCALE 100u   /* about 1.8 billion instructions */

#define COM1 0x3F8
#define DEBUG_EXIT 0xF4
#define EXIT_OK 0x10
#define EXIT_BAD_CMDLINE 0x11
#define MB_BOOT_MAGIC 0x2BADB002u
#define MB_INFO_CMDLINE (1u << 2)

void bench_main(uint32_t magic, const uint32_t *info);

/* gcc and clang may emit calls to these even in freestanding code.  Their
 * loops must not be turned back into calls to themselves (clang has no
 * `optimize` attribute: its no_builtin keeps the loop idioms out). */
#if defined(__clang__)
#define NO_LIBCALLS __attribute__((no_builtin))
#else
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

NO_LIBCALLS void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}

NO_LIBCALLS void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

NO_LIBCALLS void *memmove(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    if (p < q) {
        while (n--)
            *p++ = *q++;
    } else {
        while (n--)
            p[n] = q[n];
    }
    return d;
}

NO_LIBCALLS int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p < *q ? -1 : 1;
    return 0;
}

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void serial_init(void)
{
    outb(COM1 + 1, 0x00);   /* no interrupts */
    outb(COM1 + 3, 0x80);   /* DLAB */
    outb(COM1 + 0, 0x01);   /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);   /* 8N1 */
    outb(COM1 + 2, 0xC7);   /* FIFO on, cleared */
}

static void putc_serial(char c)
{
    if (c == '\n')
        putc_serial('\r');
    while (!(inb(COM1 + 5) & 0x20))   /* LSR.THRE */
        ;
    outb(COM1, (uint8_t)c);
}

static void puts_serial(const char *s)
{
    while (*s)
        putc_serial(*s++);
}

static void put_hex(uint32_t v)
{
    puts_serial("0x");
    for (int i = 28; i >= 0; i -= 4)
        putc_serial("0123456789abcdef"[(v >> i) & 0xF]);
}

static void put_dec(uint32_t v)
{
    char buf[11];
    int i = 10;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    puts_serial(buf + i);
}

static __attribute__((noreturn)) void guest_exit(uint8_t code)
{
    outb(DEBUG_EXIT, code);
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* A word of the command line: [s, s+len). */
static int word_is(const char *s, size_t len, const char *w)
{
    size_t i = 0;
    for (; i < len && w[i]; i++)
        if (s[i] != w[i])
            return 0;
    return i == len && !w[i];
}

static int starts_with(const char *s, size_t len, const char *prefix)
{
    size_t i = 0;
    for (; prefix[i]; i++)
        if (i >= len || s[i] != prefix[i])
            return 0;
    return 1;
}

static __attribute__((noreturn)) void bad_cmdline(const char *what, const char *s,
                                                  size_t len)
{
    puts_serial("error: ");
    puts_serial(what);
    puts_serial(": ");
    for (size_t i = 0; i < len; i++)
        putc_serial(s[i]);
    puts_serial("\n");
    guest_exit(EXIT_BAD_CMDLINE);
}

static uint32_t selected;     /* bit i: run bench_kernels[i] */

/* only=A,B,...: a comma-separated list of kernel names, or "none". */
static void parse_only(const char *s, size_t len)
{
    selected = 0;
    while (len > 0) {
        size_t n = 0;
        while (n < len && s[n] != ',')
            n++;
        if (word_is(s, n, "none")) {
            /* nothing */
        } else if (word_is(s, n, "all")) {
            selected = (1u << bench_nkernels) - 1;
        } else {
            unsigned k = 0;
            while (k < bench_nkernels && !word_is(s, n, bench_kernels[k].name))
                k++;
            if (k == bench_nkernels)
                bad_cmdline("unknown kernel in only=", s, n);
            selected |= 1u << k;
        }
        s += n;
        len -= n;
        if (len > 0) {        /* the comma */
            s++;
            len--;
        }
    }
}

static uint32_t parse_scale(const char *s, size_t len)
{
    uint32_t v = 0;
    if (len == 0 || len > 5)
        bad_cmdline("scale= wants a number from 1 to 99999", s, len);
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            bad_cmdline("scale= wants a number from 1 to 99999", s, len);
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v == 0)
        bad_cmdline("scale= wants a number from 1 to 99999", s, len);
    return v;
}

/* The command line starts with the kernel's file name (GRUB and QEMU
 * both pass it); words without '=' are skipped. */
static uint32_t parse_cmdline(const char *c)
{
    uint32_t scale = BENCH_DEFAULT_SCALE;
    while (*c) {
        while (*c == ' ')
            c++;
        const char *w = c;
        while (*c && *c != ' ')
            c++;
        size_t len = (size_t)(c - w);
        if (len == 0)
            break;
        if (starts_with(w, len, "scale="))
            scale = parse_scale(w + 6, len - 6);
        else if (starts_with(w, len, "only="))
            parse_only(w + 5, len - 5);
        else {
            int has_eq = 0;
            for (size_t i = 0; i < len; i++)
                has_eq |= w[i] == '=';
            if (has_eq)
                bad_cmdline("unknown option (scale=N, only=A,B,...)", w, len);
        }
    }
    return scale;
}

void bench_main(uint32_t magic, const uint32_t *info)
{
    serial_init();
    selected = (1u << bench_nkernels) - 1;
    uint32_t scale = BENCH_DEFAULT_SCALE;
    if (magic != MB_BOOT_MAGIC)
        puts_serial("warning: not started by a Multiboot loader; defaults used\n");
    else if (info[0] & MB_INFO_CMDLINE)
        scale = parse_cmdline((const char *)(uintptr_t)info[4]);
    puts_serial("plex86 bench: scale ");
    put_dec(scale);
    puts_serial("\n");
    for (unsigned k = 0; k < bench_nkernels; k++) {
        if (!(selected & (1u << k)))
            continue;
        uint32_t sum = bench_kernels[k].run(scale);
        puts_serial("kernel ");
        puts_serial(bench_kernels[k].name);
        puts_serial(" checksum ");
        put_hex(sum);
        puts_serial("\n");
    }
    puts_serial("bench done\n");
    guest_exit(EXIT_OK);
}
