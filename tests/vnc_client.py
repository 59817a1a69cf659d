"""A small RFB (VNC) client for the tests (RFC 6143): no security, raw
encoding, 32-bit true colour; key and pointer events; framebuffer updates
applied to a local copy of the screen."""
import socket
import struct
import time


class VncClient:
    def __init__(self, host, port, timeout=20.0):
        end = time.time() + timeout
        while True:
            try:
                self.s = socket.create_connection((host, port), timeout=timeout)
                break
            except OSError:
                if time.time() > end:
                    raise
                time.sleep(0.05)
        self.s.settimeout(timeout)
        version = self._recv(12)
        if not version.startswith(b"RFB 003."):
            raise IOError("not an RFB server: %r" % version)
        self.s.sendall(b"RFB 003.008\n")
        n = self._recv(1)[0]
        if n == 0:
            raise IOError("server refused: %r" % self._reason())
        types = self._recv(n)
        if 1 not in types:
            raise IOError("no 'None' security type: %r" % types)
        self.s.sendall(b"\x01")
        if struct.unpack(">I", self._recv(4))[0] != 0:
            raise IOError("security failed")
        self.s.sendall(b"\x01")                       # shared
        w, h = struct.unpack(">HH", self._recv(4))
        self._recv(16)                                # the server's format
        name_len = struct.unpack(">I", self._recv(4))[0]
        self.name = self._recv(name_len).decode()
        self.width, self.height = w, h
        self.pixels = bytearray(w * h * 4)
        # 32 bpp, depth 24, little-endian, true colour: red 16, green 8,
        # blue 0, as the pixels are 0x00RRGGBB words.
        self.s.sendall(struct.pack(">B3xBBBBHHHBBB3x", 0, 32, 24, 0, 1, 255, 255, 255,
                                   16, 8, 0))
        # Raw and the DesktopSize pseudo-encoding (-223).
        self.s.sendall(struct.pack(">BxHii", 2, 2, 0, -223))

    def _recv(self, n):
        b = bytearray()
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            if not chunk:
                raise IOError("server closed the connection")
            b += chunk
        return bytes(b)

    def _reason(self):
        n = struct.unpack(">I", self._recv(4))[0]
        return self._recv(n)

    def request(self, incremental, x=0, y=0, w=None, h=None):
        self.s.sendall(struct.pack(">BBHHHH", 3, 1 if incremental else 0, x, y,
                                   self.width if w is None else w,
                                   self.height if h is None else h))

    def read_update(self):
        """Reads server messages until a framebuffer update; returns its
        rectangles [(x, y, w, h, encoding)]."""
        while True:
            t = self._recv(1)[0]
            if t == 0:
                break
            if t == 1:                                 # colour map entries
                _, _, n = struct.unpack(">BHH", self._recv(5))
                self._recv(6 * n)
            elif t == 2:                               # bell
                pass
            elif t == 3:                               # cut text
                self._recv(3)
                self._recv(struct.unpack(">I", self._recv(4))[0])
            else:
                raise IOError("unknown server message %d" % t)
        self._recv(1)
        n = struct.unpack(">H", self._recv(2))[0]
        rects = []
        for _ in range(n):
            x, y, w, h, enc = struct.unpack(">HHHHi", self._recv(12))
            rects.append((x, y, w, h, enc))
            if enc == 0:
                data = self._recv(w * h * 4)
                for row in range(h):
                    at = ((y + row) * self.width + x) * 4
                    self.pixels[at:at + w * 4] = data[row * w * 4:(row + 1) * w * 4]
            elif enc == -223:
                self.width, self.height = w, h
                self.pixels = bytearray(w * h * 4)
            else:
                raise IOError("unexpected encoding %d" % enc)
        return rects

    def pixel(self, x, y):
        at = (y * self.width + x) * 4
        return struct.unpack("<I", bytes(self.pixels[at:at + 4]))[0] & 0xFFFFFF

    def key(self, keysym, down):
        self.s.sendall(struct.pack(">BBxxI", 4, 1 if down else 0, keysym))

    def tap(self, keysym):
        self.key(keysym, True)
        self.key(keysym, False)

    def pointer(self, x, y, mask=0):
        self.s.sendall(struct.pack(">BBHH", 5, mask, x, y))

    def close(self):
        self.s.close()
