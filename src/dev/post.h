/* The POST code port, 0x80: BIOSes write a byte there at each step of the
 * power-on self test, and a POST card on the bus shows it.  We keep the last
 * few codes (a ring) and, with `-d post`, print each one as it arrives. */
#ifndef PLEX86_DEV_POST_H
#define PLEX86_DEV_POST_H

#include <stdint.h>
#include <stdio.h>

#include "vm/device.h"

#define POST_PORT 0x80
#define POST_RING 16

struct post {
    struct device dev;     /* first: device_free */
    FILE *log;             /* where `POST 0xNN` lines go; NULL: silent */
    uint64_t count;        /* codes written since creation */
    uint8_t last;          /* last code written (0 before any) */
    uint8_t ring[POST_RING]; /* the last POST_RING codes, oldest first from
                                ring[count % POST_RING] once full */
};

/* The n-th most recent code (0 = the last one); n < min(count, POST_RING). */
static inline uint8_t post_recent(const struct post *p, unsigned n)
{
    return p->ring[(p->count - 1 - n) % POST_RING];
}

/* Registers port 0x80 and adds the device to the VM (which owns it from then
 * on).  `log` may be NULL.  Returns NULL if the port is taken or the device
 * table is full. */
/* Declares port 0x80.  NULL when out of memory. */
struct post *post_create(FILE *log);

#endif
