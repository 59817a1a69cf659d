/* The monitor's `x` and `xp` memory dumps, with QEMU's /Nfu syntax and
 * output layout (monitor/hmp-cmds-target.c, memory_dump), and a page walk
 * of its own that never faults and never writes accessed bits. */
#include "host/monitor_dump.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "machine/vm.h"

/* At most this many bytes per command: a dump is for reading, and the
 * reply must fit a client's output queue (chardev_sock.h). */
#define DUMP_MAX_BYTES 65536u

enum { PTE_P = 1u << 0, PTE_PS = 1u << 7 };

/* Guest RAM or ROM only: MMIO would run a device's read handler. */
static bool read_phys(struct vm *vm, uint32_t pa, void *dst, unsigned len)
{
    const uint8_t *p = physmem_ptr(&vm->mem, pa, false);
    if (!p || (pa & (PHYS_PAGE_SIZE - 1)) + len > PHYS_PAGE_SIZE)
        return false;
    memcpy(dst, p, len);
    return true;
}

static bool read_pte32(struct vm *vm, uint32_t pa, uint32_t *v)
{
    return read_phys(vm, pa, v, 4) && (*v & PTE_P);
}

/* A PAE entry whose next level (or page) lies above 4 GiB is not
 * reachable in our 32-bit physical space. */
static bool read_pte64(struct vm *vm, uint32_t pa, uint32_t *v)
{
    uint64_t e;
    if (!read_phys(vm, pa, &e, 8) || !(e & PTE_P) || ((e >> 32) & 0x7FFFFFFFu))
        return false;
    *v = (uint32_t)e;
    return true;
}

bool monitor_linear_to_phys(struct vm *vm, const struct cpu *c, uint32_t la, uint32_t *pa)
{
    uint32_t e;
    if (!(c->cr0 & CR0_PG) || !(c->cr0 & CR0_PE)) {
        *pa = la;
        return true;
    }
    if (c->cr4 & CR4_PAE) {
        if (!read_pte64(vm, (c->cr3 & ~0x1Fu) + ((la >> 30) & 3) * 8, &e) ||
            !read_pte64(vm, (e & ~0xFFFu) + ((la >> 21) & 0x1FF) * 8, &e))
            return false;
        if (e & PTE_PS) {
            *pa = (e & 0xFFE00000u) | (la & 0x1FFFFFu);
            return true;
        }
        if (!read_pte64(vm, (e & ~0xFFFu) + ((la >> 12) & 0x1FF) * 8, &e))
            return false;
    } else {
        if (!read_pte32(vm, (c->cr3 & ~0xFFFu) + (la >> 22) * 4, &e))
            return false;
        if ((e & PTE_PS) && (c->cr4 & CR4_PSE)) {
            *pa = (e & 0xFFC00000u) | (la & 0x3FFFFFu);
            return true;
        }
        if (!read_pte32(vm, (e & ~0xFFFu) + ((la >> 12) & 0x3FF) * 4, &e))
            return false;
    }
    *pa = (e & ~0xFFFu) | (la & 0xFFFu);
    return true;
}

/* `len` bytes at `addr`, page by page. */
static bool read_guest(struct vm *vm, const struct cpu *c, uint32_t addr, bool physical,
                       uint8_t *dst, unsigned len)
{
    while (len) {
        unsigned in_page = PHYS_PAGE_SIZE - (addr & (PHYS_PAGE_SIZE - 1));
        unsigned n = len < in_page ? len : in_page;
        uint32_t pa = addr;
        if (!physical && !monitor_linear_to_phys(vm, c, addr, &pa))
            return false;
        if (!read_phys(vm, pa, dst, n))
            return false;
        addr += n;
        dst += n;
        len -= n;
    }
    return true;
}

struct dump_fmt {
    unsigned count;
    char format;    /* x d u o c */
    unsigned size;  /* 1 2 4 8 */
};

/* "/Nfu": a count, then format and unit letters in any order (QEMU's
 * get_str's /fmt rules; `i` is not supported: plex86 prints no
 * disassembly here). */
static const char *parse_fmt(const char *s, struct dump_fmt *f)
{
    *f = (struct dump_fmt){ .count = 1, .format = 'x', .size = 4 };
    if (*s != '/')
        return NULL;
    s++;
    if (isdigit((unsigned char)*s)) {
        unsigned long n = strtoul(s, (char **)&s, 10);
        if (n == 0 || n > DUMP_MAX_BYTES)
            return "invalid count";
        f->count = (unsigned)n;
    }
    for (; *s && *s != ' ' && *s != '\t'; s++) {
        switch (*s) {
        case 'x': case 'd': case 'u': case 'o': case 'c':
            f->format = *s;
            break;
        case 'b': f->size = 1; break;
        case 'h': f->size = 2; break;
        case 'w': f->size = 4; break;
        case 'g': f->size = 8; break;
        case 'i':
            return "format 'i' (disassembly) is not supported";
        default:
            return "invalid char in format";
        }
    }
    if (f->format == 'c')
        f->size = 1;   /* characters are bytes, whatever the unit (QEMU) */
    return NULL;
}

static const char *const gpr_names[8] = { "eax", "ecx", "edx", "ebx",
                                          "esp", "ebp", "esi", "edi" };

/* A number (C syntax: 0x hex, 0 octal, else decimal) or a register
 * ($eax, $eip, ...), with an optional + or - and a number after it. */
static bool parse_addr(const struct cpu *c, const char *s, uint32_t *addr)
{
    uint64_t v;
    char *end;
    if (*s == '$') {
        size_t len = strcspn(s + 1, "+- \t");
        const char *name = s + 1;
        if (len == 3 && !strncmp(name, "eip", 3))
            v = c->eip;
        else {
            int i;
            for (i = 0; i < 8; i++)
                if (len == 3 && !strncmp(name, gpr_names[i], 3))
                    break;
            if (i == 8)
                return false;
            v = c->gpr[i];
        }
        end = (char *)name + len;
    } else {
        if (!isdigit((unsigned char)*s))
            return false;
        v = strtoull(s, &end, 0);
    }
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end == '+' || *end == '-') {
        char op = *end++;
        while (*end == ' ' || *end == '\t')
            end++;
        if (!isdigit((unsigned char)*end))
            return false;
        uint64_t w = strtoull(end, &end, 0);
        v = op == '+' ? v + w : v - w;
    }
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end)
        return false;
    *addr = (uint32_t)v;
    return true;
}

static void print_char(FILE *out, unsigned v)
{
    switch (v) {
    case '\'': fputs("\\'", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    default:
        if (v >= 0x20 && v < 0x7F)
            fputc((int)v, out);
        else
            fprintf(out, "\\x%02x", v);
    }
}

void monitor_memory_dump(struct vm *vm, const struct cpu *c, const char *args, bool physical,
                         FILE *out)
{
    struct dump_fmt f;
    const char *bad = parse_fmt(args, &f);
    if (bad) {
        fprintf(out, "%s\n", bad);
        return;
    }
    if (*args == '/')
        args += strcspn(args, " \t");
    while (*args == ' ' || *args == '\t')
        args++;
    uint32_t addr;
    if (!*args) {
        fputs("missing address\n", out);
        return;
    }
    if (!parse_addr(c, args, &addr)) {
        fputs("invalid address expression\n", out);
        return;
    }
    uint64_t len = (uint64_t)f.count * f.size;
    if (len > DUMP_MAX_BYTES) {
        fprintf(out, "too much memory at once: at most %u bytes\n", DUMP_MAX_BYTES);
        return;
    }
    unsigned line_size = f.size == 1 ? 8 : 16;
    int digits = f.format == 'o'   ? (int)(f.size * 8 + 2) / 3
                 : f.format == 'x' ? (int)(f.size * 2)
                                   : (int)(f.size * 80 + 32) / 33;
    while (len > 0) {
        if (physical)
            fprintf(out, "%016" PRIx64 ":", (uint64_t)addr);
        else
            fprintf(out, "%08" PRIx32 ":", addr);
        unsigned l = len > line_size ? line_size : (unsigned)len;
        uint8_t buf[16];
        if (!read_guest(vm, c, addr, physical, buf, l)) {
            fputs(" Cannot access memory\n", out);
            return;
        }
        for (unsigned i = 0; i < l; i += f.size) {
            uint64_t v = 0;
            memcpy(&v, buf + i, f.size); /* little-endian host and guest */
            fputc(' ', out);
            switch (f.format) {
            case 'o': fprintf(out, "%#*" PRIo64, digits, v); break;
            case 'u': fprintf(out, "%*" PRIu64, digits, v); break;
            case 'd': fprintf(out, "%*" PRId64, digits, (int64_t)v); break;
            case 'c': fputc('\'', out); print_char(out, (unsigned)v); fputc('\'', out); break;
            default: fprintf(out, "0x%0*" PRIx64, digits, v); break;
            }
        }
        fputc('\n', out);
        addr += l;
        len -= l;
    }
}
