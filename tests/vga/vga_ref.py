#!/usr/bin/env python3
"""The picture each mode of vga_modes.S must give, computed from the
mode's definition (the register tables' geometry, the DAC's 6-bit to
8-bit expansion QEMU uses, the patterns the ROM draws), as a binary PPM.

usage: vga_ref.py MODE OUT.ppm     (MODE 0-4 as vga_modes.S)
"""
import sys


def c6_to_8(v):
    v &= 63
    b = v & 1
    return (v << 2) | (b << 1) | b


def dac(i):
    return (c6_to_8(i & 63), c6_to_8((i >> 2) & 63), c6_to_8(63 - (i & 63)))


def font(c, y):
    return (c * 7 + y * 13) & 0xFF


def text():
    # 80x25 cells of 9x16 pixels; 9th column background (characters below
    # 0xC0); attribute 1 + i % 15, background (i // 15) % 8.
    w, h = 720, 400
    px = bytearray(w * h * 3)
    for i in range(2000):
        row, col = divmod(i, 80)
        ch = 0x20 + i % 96
        fg, bg = dac(1 + i % 15), dac((i // 15) % 8)
        for y in range(16):
            bits = font(ch, y)
            for x in range(9):
                on = x < 8 and (bits >> (7 - x)) & 1
                o = ((row * 16 + y) * w + col * 9 + x) * 3
                px[o:o + 3] = bytes(fg if on else bg)
    return w, h, px


def planar():
    w, h = 640, 480
    px = bytearray(w * h * 3)
    for y in range(h):
        for x in range(w):
            o = (y * w + x) * 3
            px[o:o + 3] = bytes(dac((x // 8 + y // 16) & 15))
    return w, h, px


def m256(colour):
    # 320x200, each pixel doubled across and each line twice (CRTC 09h = 41h).
    w, h = 640, 400
    px = bytearray(w * h * 3)
    for y in range(h):
        for x in range(w):
            o = (y * w + x) * 3
            px[o:o + 3] = bytes(dac(colour(x // 2, y // 2)))
    return w, h, px


def vbe():
    w, h = 640, 480
    px = bytearray(w * h * 3)
    for y in range(h):
        for x in range(w):
            o = (y * w + x) * 3
            yy = 0 if y == h - 1 else y   # the ROM copies row 0 over the last
            px[o:o + 3] = bytes((x & 255, yy & 255, (x + yy) & 255))
    return w, h, px


def main():
    mode = int(sys.argv[1])
    w, h, px = [text, planar, lambda: m256(lambda x, y: (x + y) & 255),
                lambda: m256(lambda x, y: (3 * x + y) & 255), vbe][mode]()
    with open(sys.argv[2], "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(px)


main()
