"""Connecting to plex86's monitor and QMP sockets from the Python tests."""
import socket
import time


def connect(path, timeout=20.0):
    """A stream connection to the Unix socket at `path`, retried until the
    VM has created it; OSError after `timeout` seconds."""
    end = time.time() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.time() > end:
                raise
            time.sleep(0.05)
