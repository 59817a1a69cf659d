/* The display benchmark guest (bench/display-fps.sh, issue 17): a
 * Multiboot kernel (entry.S) that sets a graphics mode by programming the
 * VGA itself (no VGA BIOS call, so the same image runs under plex86's
 * -kernel and QEMU's) and redraws the whole screen N times, each frame a
 * different picture, then prints on COM1
 *
 *     fps MODE frames N
 *
 * and writes 0x10 to the isa-debug-exit port 0xF4 (the VM exits with
 * status 33).  The command line (-append) takes
 *
 *     mode=13h     320x200, 256 colours, chain-4, through the legacy window
 *                  at 0xA0000 (IBM VGA Technical Reference's mode 13h
 *                  register values)
 *     mode=vbe     1024x768x32 through the Bochs VBE interface (ports
 *                  0x1CE/0x1CF) and the linear framebuffer, BAR0 of the
 *                  std VGA (PCI 1234:1111), which this guest places at
 *                  0xE0000000 when the firmware left it unassigned
 *     frames=N     frames to draw (0: set the mode and exit, the start-up
 *                  run the host subtracts)
 *
 * A frame is one pass of 32-bit stores over the visible picture, as a
 * software renderer's blit does.  The guest cannot time itself: the host
 * script times whole runs.  A bad command line prints "error: ..." and
 * exits with 0x11 (status 35). */
#include <stddef.h>
#include <stdint.h>

#define COM1 0x3F8
#define DEBUG_EXIT 0xF4
#define EXIT_OK 0x10
#define EXIT_BAD 0x11
#define MB_BOOT_MAGIC 0x2BADB002u
#define MB_INFO_CMDLINE (1u << 2)
#define LFB_DEFAULT 0xE0000000u

void bench_main(uint32_t magic, const uint32_t *info);

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
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

static __attribute__((noreturn)) void bad(const char *what)
{
    puts_serial("error: ");
    puts_serial(what);
    puts_serial("\n");
    guest_exit(EXIT_BAD);
}

/* --- mode 13h ------------------------------------------------------------- */

/* The IBM VGA Technical Reference's mode 13h: misc output, sequencer 0-4,
 * CRTC 0-18h, graphics controller 0-8, attribute controller 0-14h. */
static const uint8_t m13_seq[5] = { 0x03, 0x01, 0x0F, 0x00, 0x0E };
static const uint8_t m13_crtc[25] = {
    0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x9C, 0x0E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF,
};
static const uint8_t m13_gr[9] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF };
static const uint8_t m13_ar[21] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A,
    0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x41, 0x00, 0x0F, 0x00, 0x00,
};

static void vbe_write(uint16_t index, uint16_t value)
{
    outw(0x1CE, index);
    outw(0x1CF, value);
}

static void set_mode13(void)
{
    vbe_write(4, 0);                     /* VBE off */
    outb(0x3C2, 0x63);
    for (uint8_t i = 0; i < 5; i++) {
        outb(0x3C4, i);
        outb(0x3C5, m13_seq[i]);
    }
    outb(0x3D4, 0x11);                   /* unlock CRTC 0-7 */
    outb(0x3D5, 0x0E);
    for (uint8_t i = 0; i < 25; i++) {
        outb(0x3D4, i);
        outb(0x3D5, m13_crtc[i]);
    }
    for (uint8_t i = 0; i < 9; i++) {
        outb(0x3CE, i);
        outb(0x3CF, m13_gr[i]);
    }
    (void)inb(0x3DA);                    /* the flip-flop to "index" */
    for (uint8_t i = 0; i < 21; i++) {
        outb(0x3C0, i);
        outb(0x3C0, m13_ar[i]);
    }
    outb(0x3C0, 0x20);                   /* palette address source: video on */
    /* A ramp: entry i is red i & 63, green (i >> 2) & 63, blue 63 - ... */
    outb(0x3C8, 0);
    for (unsigned i = 0; i < 256; i++) {
        outb(0x3C9, (uint8_t)(i & 63));
        outb(0x3C9, (uint8_t)((i >> 2) & 63));
        outb(0x3C9, (uint8_t)(63 - (i & 63)));
    }
}

/* --- VBE ---------------------------------------------------------------- */

static uint32_t pci_read(unsigned dev, unsigned reg)
{
    outl(0xCF8, 0x80000000u | dev << 11 | reg);
    return inl(0xCFC);
}

static void pci_write(unsigned dev, unsigned reg, uint32_t v)
{
    outl(0xCF8, 0x80000000u | dev << 11 | reg);
    outl(0xCFC, v);
}

/* The framebuffer's address: BAR0 of the std VGA on bus 0. */
static uint32_t find_lfb(void)
{
    for (unsigned dev = 0; dev < 32; dev++) {
        if (pci_read(dev, 0) != 0x11111234u)
            continue;
        uint32_t bar = pci_read(dev, 0x10) & 0xFFFFFFF0u;
        if (!bar) {
            bar = LFB_DEFAULT;
            pci_write(dev, 0x10, bar);
        }
        pci_write(dev, 0x04, pci_read(dev, 0x04) | 0x3);   /* I/O and memory */
        return bar;
    }
    bad("no std VGA (1234:1111) on PCI bus 0");
}

static void set_vbe(unsigned w, unsigned h)
{
    vbe_write(4, 0);
    vbe_write(1, (uint16_t)w);
    vbe_write(2, (uint16_t)h);
    vbe_write(3, 32);
    vbe_write(4, 0x41);                  /* enabled, linear framebuffer */
    (void)inb(0x3DA);
    outb(0x3C0, 0x20);
}

/* --- the loop ------------------------------------------------------------- */

/* One frame: every dword of the picture, a pattern that moves with the
 * frame number so that each frame differs everywhere. */
static void draw(volatile uint32_t *fb, uint32_t dwords, uint32_t frame)
{
    uint32_t v = frame * 0x01030507u;
    for (uint32_t i = 0; i < dwords; i++)
        fb[i] = v + i;
}

static uint32_t parse_dec(const char *s, size_t len)
{
    uint32_t v = 0;
    if (!len || len > 9)
        bad("frames= wants a number below 10^9");
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            bad("frames= wants a number");
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    return v;
}

static int is(const char *s, size_t len, const char *w)
{
    size_t i = 0;
    for (; i < len && w[i]; i++)
        if (s[i] != w[i])
            return 0;
    return i == len && !w[i];
}

void bench_main(uint32_t magic, const uint32_t *info)
{
    const char *mode = "13h";
    uint32_t frames = 100;
    if (magic == MB_BOOT_MAGIC && (info[0] & MB_INFO_CMDLINE)) {
        const char *s = (const char *)(uintptr_t)info[4];
        while (*s) {
            while (*s == ' ')
                s++;
            size_t n = 0;
            while (s[n] && s[n] != ' ')
                n++;
            if (n > 5 && s[0] == 'm' && s[1] == 'o' && s[2] == 'd' && s[3] == 'e' &&
                s[4] == '=') {
                if (is(s + 5, n - 5, "13h"))
                    mode = "13h";
                else if (is(s + 5, n - 5, "vbe"))
                    mode = "vbe";
                else
                    bad("mode= wants 13h or vbe");
            } else if (n > 7 && s[0] == 'f' && s[1] == 'r' && s[2] == 'a' && s[3] == 'm' &&
                       s[4] == 'e' && s[5] == 's' && s[6] == '=') {
                frames = parse_dec(s + 7, n - 7);
            }
            /* Any other word is skipped (a loader may pass the file
             * name first). */
            s += n;
        }
    }
    volatile uint32_t *fb;
    uint32_t dwords;
    if (mode[0] == '1') {
        set_mode13();
        fb = (volatile uint32_t *)0xA0000u;
        dwords = 320 * 200 / 4;
    } else {
        fb = (volatile uint32_t *)(uintptr_t)find_lfb();
        set_vbe(1024, 768);
        dwords = 1024 * 768;
    }
    for (uint32_t f = 0; f < frames; f++)
        draw(fb, dwords, f + 1);
    puts_serial("fps ");
    puts_serial(mode);
    puts_serial(" frames ");
    put_dec(frames);
    puts_serial("\n");
    guest_exit(EXIT_OK);
}
