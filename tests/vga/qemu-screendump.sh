# Sourced by the VGA tests (seabios-vga.sh, vga-modes.sh): QEMU's picture
# of a machine to compare with plex86's.
#
# qemu_screendump QEMU OUT SECONDS|halt QEMU-ARGS...: runs QEMU's pc
# machine with QEMU-ARGS, headless, COM1 to null, stopped (-S) until QMP's
# `cont`, lets it run SECONDS, or with `halt` until its CPU halts (HLT=1 in
# the monitor's info registers, polled: for ROMs that end in CLI; HLT, so
# a loaded machine cannot make the picture early; at most 120 s), and
# writes its screen to OUT (PPM) through QMP's screendump.  Status 0 when
# OUT was written.
qemu_screendump() {
    python3 - "$@" <<'PY'
import json, os, shutil, socket, subprocess, sys, tempfile, time
qemu, out, secs, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
d = tempfile.mkdtemp()
sock = os.path.join(d, "qmp.sock")
p = subprocess.Popen([qemu, "-M", "pc", "-display", "none", "-serial", "null", "-S",
                      "-qmp", "unix:%s,server,nowait" % sock] + args,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.1)
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    f = s.makefile("rw")

    def cmd(c, **a):
        f.write(json.dumps({"execute": c, "arguments": a}) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                return r

    json.loads(f.readline())
    cmd("qmp_capabilities")
    cmd("cont")
    if secs == "halt":
        end = time.time() + 120
        while "HLT=1" not in cmd("human-monitor-command",
                                 **{"command-line": "info registers"}).get("return", ""):
            assert time.time() < end, "QEMU's CPU did not halt within 120 s"
            time.sleep(0.05)
    else:
        time.sleep(float(secs))
    r = cmd("screendump", filename=out)
    assert "return" in r, r
finally:
    p.kill()
    p.wait()
    shutil.rmtree(d, ignore_errors=True)
PY
}
