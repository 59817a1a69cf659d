"""noVNC in a real browser (issue 17): plex86 runs the kbd_echo guest with
-vnc localhost:N,websocket=P; a web server of ours serves Debian's noVNC
(/usr/share/novnc) and novnc_page.html, which headless chromium opens: the
page connects noVNC's RFB client over the WebSocket, types "b" and Esc,
and the guest echoes the scan codes on COM1 and ends with PASS.  Skips
(77) when chromium, noVNC or plex86's VNC frontend is missing.

usage: test_novnc.py PLEX86 KBD_ECHO_ELF"""
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading

from vnc_guest import Guest, free_port

NOVNC = "/usr/share/novnc"


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    plex86, guest = sys.argv[1:]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium or not os.path.exists(os.path.join(NOVNC, "core", "rfb.js")):
        print("test_novnc: skipped: chromium or noVNC (Debian's novnc) is missing")
        return 77
    n = free_port(5900 + 100, 5900 + 400) - 5900
    ws = free_port(6100, 6400)
    web = tempfile.mkdtemp(prefix="plex86-novnc.")
    os.symlink(NOVNC, os.path.join(web, "novnc"))
    shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "novnc_page.html"),
                os.path.join(web, "index.html"))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=web, **k)

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    g = Guest([plex86, "-kernel", guest, "-nographic", "-no-reboot",
               "-vnc", "localhost:%d,websocket=%d" % (n, ws)])
    p, expect, log = g.p, g.expect, g.log

    browser = None
    profile = tempfile.mkdtemp(prefix="plex86-chromium.")
    ok = False
    try:
        if not expect("ready", 60):
            if g.no_vnc():
                print("test_novnc: skipped: %s" % log[-1])
                return 77
            raise AssertionError("the guest did not start:\n" + "\n".join(log))
        url = "http://127.0.0.1:%d/index.html?port=%d" % (httpd.server_address[1], ws)
        browser = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--user-data-dir=" + profile, "--remote-debugging-port=0",
             url],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # "b": set 1 0x30 (make), 0xB0 (break); then Esc ends the guest.
        for want in ("k 0x00000030", "k 0x000000b0", "k 0x00000001"):
            assert expect(want, 90), "expected %r; the guest's output:\n%s" % (
                want, "\n".join(log))
        status = p.wait(timeout=30)
        assert status == 33, "exit status %d" % status
        ok = True
    finally:
        for proc in (browser, p):
            if proc and proc.poll() is None:
                proc.kill()
                proc.wait()
        httpd.shutdown()
        shutil.rmtree(web, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)
    print("test_novnc: %s" % ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
