#!/usr/bin/env python3
# A stand-in for `hvmm run` that test_regress_sched.c drives through
# `hvmm regress --hvmm`: it writes the events of docs/regress.md section 1,
# serves status-json/regs/shutdown on --api like hvmm, and misbehaves as
# its --cpus asks: 1-2 a healthy boot, 3 the late-event-port hang (unread
# shutdown ring, no signal), 4 a stuck SynIC message, 5 a console panic,
# 6 a crash of "hvmm" itself, 7 a shutdown request never answered,
# 8 stuck before VMBus, 9 the late-event-port hang in an hvmm that is
# slow to answer `regs` and ignores SIGTERM (it logs a `sigterm` event),
# so only the runner's SIGKILL ends it. Every control command it gets is
# appended to ctl.log beside the events file.
import json, os, signal, socket, sys, time

a = sys.argv[2:]
def opt(n, d=None):
    return a[a.index(n) + 1] if n in a else d

mode = {"1": "pass", "2": "pass", "3": "lost", "4": "eom", "5": "panic", "6": "crash",
        "7": "noack", "8": "novmbus", "9": "stubborn"}[opt("--cpus", "1")]
ev = open(opt("--events"), "w")
sock = opt("--api")[len("unix:"):]
ser = open(opt("--serial")[len("file:"):], "w")
t0 = time.monotonic()

def now():
    return round(time.monotonic() - t0, 6)

def E(evname, **kw):
    ev.write(json.dumps(dict(t=now(), ev=evname, **kw)) + "\n")
    ev.flush()

E("start", cpus=int(opt("--cpus", "1")), pid=os.getpid())
E("vcpu_entry", vcpu=0)
ser.write("Linux version 6.1 (fake)\n")
ser.flush()
E("serial")
topen = None
if mode != "novmbus":
    time.sleep(0.2)
    E("vmbus_contact", version="5.3", vp=0, sint=2)
    E("vmbus_offer", relid=1, name="shutdown")
    E("vmbus_open", relid=1, name="shutdown")
    topen = now()
if mode in ("pass", "noack"):
    time.sleep(0.2)
    E("ic_negotiated", name="shutdown", fw="3.0", msg="3.2")
    E("ready", by="shutdown_ic")
if mode == "panic":
    ser.write("Kernel panic - not syncing: fake\n")
    ser.flush()
if mode == "crash":
    os.kill(os.getpid(), signal.SIGSEGV)

if mode == "stubborn":
    signal.signal(signal.SIGTERM, lambda *_: E("sigterm"))

s = socket.socket(socket.AF_UNIX)
s.bind(sock)
s.listen(4)
s.settimeout(0.1)
deadline = time.monotonic() + float(opt("--timeout", "60"))
while time.monotonic() < deadline:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    cmd = c.recv(256).decode().strip()
    with open(os.path.join(os.path.dirname(opt("--events")), "ctl.log"), "a") as log:
        log.write(cmd + "\n")
    if cmd in ("status-json", "status-json --no-pause"):
        lost = mode in ("lost", "stubborn")
        eom = mode == "eom"
        st = {"t": now(), "vcpus": [{"id": 0, "exits": 100, "halted": True}],
              "synic": [{"vp": 0, "msg_queued": 1 if eom else 0,
                         "msg_queued_since": topen if eom else None}],
              "vmbus": {"state": "connected", "version": "5.3", "channels": [
                  {"name": "shutdown", "relid": 1, "state": "open",
                   "h2g": {"unread": 120 if lost else 0, "unread_since": topen if lost else None,
                           "guest_read_t": None, "signals": 0, "guest_mask": False},
                   "g2h": {"unread": 0, "host_read_t": None}}]}}
        c.sendall(("ok\n" + json.dumps(st) + "\n").encode())
    elif cmd == "regs":
        if mode == "stubborn":
            time.sleep(1.2)
        c.sendall(b"ok\nvcpu 0: rip=0xffffffff81000000\n")
    elif cmd == "shutdown":
        c.sendall(b"ok\n")
        c.close()
        if mode == "noack":
            continue
        E("shutdown_request", source="ctl", reboot=False)
        E("shutdown_ack", status=0)
        E("exit", reason="poweroff", status=0)
        os.unlink(sock)
        sys.exit(0)
    else:
        c.sendall(b"error: unknown command\n")
    c.close()
E("exit", reason="timeout", status=5)
sys.exit(5)
