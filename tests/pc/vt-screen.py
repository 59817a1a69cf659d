#!/usr/bin/env python3
"""vt-screen.py LOG: the screen a VT100 would show after LOG, as text.

memtest86+ (console=ttyS0) mirrors its 80x25 screen on the serial port by
sending only the cells that changed, each run placed with a cursor move
(ESC [ row ; col H), so its text cannot be grepped from the stream: this
replays the stream into a screen and prints the screen's rows, trailing
blanks removed.  Understood: ESC c (reset), ESC [ 2 J (clear), ESC [ r ; c H
(move), ESC [ K (erase to the end of the line), CR, LF, BS; other escape
sequences (colours, modes) are skipped.  Output past the last column or
row is dropped (memtest turns wrapping off with ESC [ ? 7 l).
"""
import re
import sys

ROWS, COLS = 25, 80


def render(data: bytes):
    screen = [[" "] * COLS for _ in range(ROWS)]
    row = col = 0
    i = 0
    seq = re.compile(rb"\x1b\[([0-9;?]*)([A-Za-z@])")
    while i < len(data):
        b = data[i]
        if b == 0x1B:
            m = seq.match(data, i)
            if m:
                args, cmd = m.group(1).decode(), m.group(2)
                nums = [int(x) if x.isdigit() else 0 for x in args.lstrip("?").split(";")] if args else []
                if cmd == b"H" or cmd == b"f":
                    row = (nums[0] if nums and nums[0] else 1) - 1
                    col = (nums[1] if len(nums) > 1 and nums[1] else 1) - 1
                elif cmd == b"J" and not args.startswith("?"):
                    if (nums[0] if nums else 0) == 2:
                        screen = [[" "] * COLS for _ in range(ROWS)]
                elif cmd == b"K" and 0 <= row < ROWS:
                    for c in range(max(col, 0), COLS):
                        screen[row][c] = " "
                i = m.end()
                continue
            if data[i + 1:i + 2] == b"c":
                screen = [[" "] * COLS for _ in range(ROWS)]
                row = col = 0
                i += 2
                continue
            i += 1
            continue
        if b == 0x0D:
            col = 0
        elif b == 0x0A:
            row += 1
        elif b == 0x08:
            col = max(col - 1, 0)
        elif b >= 0x20:
            if 0 <= row < ROWS and 0 <= col < COLS:
                # memtest draws boxes with code page 437: show them as ASCII.
                screen[row][col] = chr(b) if b < 0x7F else "#"
            col += 1
        i += 1
    return ["".join(r).rstrip() for r in screen]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: vt-screen.py LOG")
    with open(sys.argv[1], "rb") as f:
        print("\n".join(render(f.read())))


if __name__ == "__main__":
    main()
