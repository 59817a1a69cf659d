/* The last few exits the CPU took to the monitor side: port I/O,
 * exceptions, external interrupts, HLT.  A ring of EXIT_LOG_SIZE entries
 * in struct cpu, kept across RESET, read only by the diagnostic line
 * (cpu_describe) that an internal error or a triple fault prints, so a
 * bug report shows what the guest was doing just before (issue 9 item 4).
 * Recording is a few stores on paths that already cost far more (a port
 * access, an event delivery). */
#ifndef PLEX86_CPU_EXIT_LOG_H
#define PLEX86_CPU_EXIT_LOG_H

#include <stddef.h>
#include <stdint.h>

#define EXIT_LOG_SIZE 8

enum exit_kind { EXIT_NONE = 0, EXIT_IN, EXIT_OUT, EXIT_EXCEPTION, EXIT_INTERRUPT, EXIT_HLT };

struct exit_entry {
    uint8_t kind;       /* enum exit_kind */
    uint8_t size;       /* I/O: bytes */
    uint16_t cs;        /* CS selector of the instruction */
    uint32_t eip;       /* its EIP */
    uint32_t what;      /* port, or vector */
    uint32_t value;     /* I/O: the value; exception: the error code */
};

struct exit_log {
    struct exit_entry e[EXIT_LOG_SIZE];
    unsigned next;      /* where the next entry goes (mod EXIT_LOG_SIZE) */
};

static inline void exit_log_add(struct exit_log *l, enum exit_kind kind, uint16_t cs,
                                uint32_t eip, uint32_t what, uint32_t value, unsigned size)
{
    l->e[l->next % EXIT_LOG_SIZE] = (struct exit_entry){
        .kind = (uint8_t)kind, .size = (uint8_t)size, .cs = cs, .eip = eip,
        .what = what, .value = value };
    l->next++;
}

/* Appends "last exits (oldest first): ..." to buf[n..len); returns the new
 * length (as snprintf counts). */
int exit_log_describe(const struct exit_log *l, char *buf, size_t len, int n);

#endif
