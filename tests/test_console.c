/* The host console (src/host/console.c) on a pseudo-terminal and on a pipe,
 * feeding a real UART that the test reads as a guest would. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dev/board_util.h"
#include "dev/serial.h"
#include "host/console.h"

static struct vm *vm;
static struct serial *uart;

static uint8_t in(unsigned reg)
{
    return (uint8_t)iobus_in(&vm->io, (uint16_t)(SERIAL_COM1_BASE + reg), 1);
}

static void out(unsigned reg, uint8_t v)
{
    iobus_out(&vm->io, (uint16_t)(SERIAL_COM1_BASE + reg), v, 1);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* Pumps and reads the UART like a guest until `want` bytes arrived (or
 * about two seconds passed: the pty hands data over asynchronously). */
static size_t collect(struct console *c, uint8_t *got, size_t want)
{
    size_t n = 0;
    for (int i = 0; i < 2000 && n < want; i++) {
        console_pump(c, uart);
        while ((in(UART_LSR) & UART_LSR_DR) && n < want)
            got[n++] = in(UART_RBR_THR);
        if (n < want)
            sleep_ms(1);
    }
    return n;
}

/* A pty pair: the master is the user's keyboard and screen. */
static int open_pty(int *slave)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
        return -1;
    *slave = open(ptsname(m), O_RDWR | O_NOCTTY);
    return *slave < 0 ? -1 : m;
}

static bool same_termios(const struct termios *a, const struct termios *b)
{
    return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
           a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
           memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) == 0;
}

static void type(int master, const char *s, size_t n)
{
    CHECK_EQ(write(master, s, n), (ssize_t)n);
}

static void test_pty(void)
{
    int slave, master = open_pty(&slave);
    CHECK(master >= 0);
    if (master < 0)
        return;
    struct termios before, raw;
    CHECK(tcgetattr(slave, &before) == 0);
    CHECK(before.c_lflag & ICANON);   /* a fresh pty is cooked */
    FILE *msg = tmpfile();
    char err[256];
    struct console *c = console_open(slave, NULL, msg, err, sizeof(err));
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK(console_is_raw(c));
    CHECK_EQ(console_fd(c), slave);
    CHECK(tcgetattr(slave, &raw) == 0);
    CHECK_EQ(raw.c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0);
    CHECK_EQ(raw.c_iflag & (ICRNL | IXON), 0);
    CHECK(raw.c_oflag & OPOST);
    /* A second console cannot take the terminal. */
    CHECK(console_open(slave, NULL, NULL, err, sizeof(err)) == NULL);

    /* Ctrl-C and CR reach the guest; Ctrl-A Ctrl-A is one Ctrl-A; an
     * unknown escape is dropped; Ctrl-A b is a break. */
    out(UART_IIR_FCR, UART_FCR_ENABLE);
    static const char keys[] = "ab\x01\x01" "c\x03\r\x01q" "d\x01" "be";
    type(master, keys, sizeof(keys) - 1);
    uint8_t got[16];
    size_t n = collect(c, got, 8);
    CHECK_EQ(n, 8);
    CHECK(memcmp(got, "ab\x01" "c\x03\r" "d\0", 8) == 0);
    /* The break's zero came with BI; the rest follows it. */
    n += collect(c, got + n, 1);
    CHECK_EQ(n, 9);
    CHECK_EQ(got[8], 'e');
    CHECK(!console_quit_requested(c));
    /* Help goes to msg; Ctrl-A split across reads still escapes. */
    type(master, "\x01h", 2);
    for (int i = 0; i < 200 && ftell(msg) <= 0; i++) {
        console_pump(c, uart);
        sleep_ms(1);
    }
    CHECK(ftell(msg) > 0);
    type(master, "\x01", 1);
    for (int i = 0; i < 50; i++) {
        console_pump(c, uart);
        sleep_ms(1);
    }
    CHECK(!console_quit_requested(c));
    type(master, "x" "zz", 3);
    for (int i = 0; i < 2000 && !console_quit_requested(c); i++) {
        console_pump(c, uart);
        sleep_ms(1);
    }
    CHECK(console_quit_requested(c));
    CHECK_EQ(console_fd(c), -1);
    CHECK_EQ(in(UART_LSR) & UART_LSR_DR, 0);   /* nothing after the quit */
    console_close(c);
    struct termios after;
    CHECK(tcgetattr(slave, &after) == 0);
    CHECK(same_termios(&before, &after));
    fclose(msg);

    /* A stream larger than the FIFO and the pty's buffer, read slowly:
     * every byte arrives, in order (no Ctrl-A in it). */
    c = console_open(slave, NULL, NULL, err, sizeof(err));
    CHECK(c != NULL);
    static char big[6000];
    static uint8_t back[6000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(0x20 + i % 90);
    size_t sent = 0, recv = 0;
    for (int i = 0; i < 20000 && recv < sizeof(big); i++) {
        if (sent < sizeof(big)) {
            ssize_t w = write(master, big + sent, sizeof(big) - sent < 512 ? sizeof(big) - sent : 512);
            if (w > 0)
                sent += (size_t)w;
        }
        console_pump(c, uart);
        /* The guest takes at most 5 bytes a turn. */
        for (int k = 0; k < 5 && (in(UART_LSR) & UART_LSR_DR); k++)
            back[recv++] = in(UART_RBR_THR);
        if (i % 16 == 0)
            sleep_ms(1);
    }
    CHECK_EQ(recv, sizeof(big));
    CHECK(memcmp(big, back, sizeof(big)) == 0);
    console_close(c);
    close(slave);
    close(master);
}

/* The terminal comes back when the process ends without console_close:
 * by a signal (the console's handler) or by exit() (its atexit). */
static void test_restore_on_exit(int how)
{
    int slave, master = open_pty(&slave);
    CHECK(master >= 0);
    if (master < 0)
        return;
    struct termios before, after;
    tcgetattr(slave, &before);
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        char err[256];
        struct console *c = console_open(slave, NULL, NULL, err, sizeof(err));
        struct termios t;
        tcgetattr(slave, &t);
        char r = c && !(t.c_lflag & ICANON) ? 'r' : 'n';
        if (write(ready[1], &r, 1) != 1)
            _exit(3);
        if (how == 0)
            exit(0);
        raise(how);
        _exit(4);   /* not reached: the signal ends the process */
    }
    char r = 0;
    CHECK_EQ(read(ready[0], &r, 1), 1);
    CHECK_EQ(r, 'r');
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    if (how == 0)
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    else
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == how);
    CHECK(tcgetattr(slave, &after) == 0);
    CHECK(same_termios(&before, &after));
    close(ready[0]);
    close(ready[1]);
    close(slave);
    close(master);
}

/* A pipe: bytes verbatim (Ctrl-A x too), end of input stops input only. */
static void test_pipe(void)
{
    int p[2];
    CHECK(pipe(p) == 0);
    char err[256];
    struct console *c = console_open(p[0], NULL, NULL, err, sizeof(err));
    CHECK(c != NULL);
    CHECK(!console_is_raw(c));
    CHECK_EQ(console_pump(c, uart), 0);     /* nothing yet: no blocking */
    CHECK(!console_input_ended(c));
    CHECK_EQ(write(p[1], "hi\x01x!", 5), 5);
    close(p[1]);
    uint8_t got[8];
    CHECK_EQ(collect(c, got, 5), 5);
    CHECK(memcmp(got, "hi\x01x!", 5) == 0);
    console_pump(c, uart);
    CHECK(console_input_ended(c));
    CHECK(!console_quit_requested(c));
    CHECK_EQ(console_fd(c), -1);
    console_close(c);
    close(p[0]);
}

/* Guest output without a newline (a prompt) is flushed by the pump. */
static void test_output_flush(void)
{
    int p[2], q[2];
    CHECK(pipe(p) == 0 && pipe(q) == 0);
    FILE *screen = fdopen(p[1], "w");
    char err[256];
    struct console *c = console_open(q[0], screen, NULL, err, sizeof(err));
    struct char_sink sink = char_sink_file(screen);
    char_sink_put(&sink, '#');
    char_sink_put(&sink, ' ');
    struct pollfd pf = { .fd = p[0], .events = POLLIN };
    CHECK_EQ(poll(&pf, 1, 0), 0);            /* still in stdio's buffer */
    console_pump(c, uart);
    CHECK_EQ(poll(&pf, 1, 1000), 1);
    char buf[4] = { 0 };
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
    CHECK_STR(buf, "# ");
    console_close(c);
    fclose(screen);
    close(p[0]);
    close(q[0]);
    close(q[1]);
}

int main(void)
{
    vm = board_vm(1);
    uart = serial_create("serial0", SERIAL_COM1_BASE, (struct char_sink){ 0 });
    CHECK(uart != NULL);
    board_add(vm, &uart->dev);
    test_pty();
    out(UART_IIR_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
    test_pipe();
    test_output_flush();
    test_restore_on_exit(0);
    test_restore_on_exit(SIGTERM);
    test_restore_on_exit(SIGHUP);
    test_restore_on_exit(SIGINT);
    vm_destroy(vm);
    return check_report();
}
