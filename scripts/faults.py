#!/usr/bin/env python3
"""Fault and fuzz tests of the running sidecar over loopback (issue 14), each with an oracle.

  mutate   random and mutated bodies, media types, Content-Length lies, chunked bodies: every
           answer is one of the documented statuses, the process stays up, every event a 202
           acknowledged is in the window, promtool accepts every /metrics.
  kill     kill -9 while events flow and checkpoints run (every 200 ms), restart, repeat: the
           window holds exactly the events acknowledged.
  enospc   the journal on a small tmpfs filled to ENOSPC: ingest answers 503 (nothing kept),
           /readyz says not ready; space freed: 202 again, /readyz ready; after kill -9 the window
           holds exactly what was acknowledged.
  storelock  another process holds SQLite's write lock on the store for 15 s (as a long
           checkpoint or a backup would): /readyz keeps answering within 0.5 s (it reads the
           background probes' outcome, never SQLite), turns 503 while the lock is held, and 200
           after it is released; ingest keeps acknowledging (the journal is not SQLite), and after
           the lock the window holds every acknowledged event.
  clients  idle connections, trickled headers and bodies beyond max_connections: each is closed
           by its timeout and /healthz still answers.
  soak     mixed valid and invalid load for --soak seconds: RSS sampled every 10 s stays within
           5 % of its value after the first minute (or the first third of a shorter run).

Prints one line of figures per phase; exits 1 on the first violated oracle.
Usage: scripts/faults.py --bin .build/debug/driftwatch [--phases mutate,kill,...] [--soak 600]
"""
import argparse, json, os, random, shutil, signal, socket, subprocess, sys, tempfile, time
import http.client

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--phases", default="mutate,kill,enospc,storelock,clients")
ap.add_argument("--requests", type=int, default=3000, help="mutated requests")
ap.add_argument("--kills", type=int, default=8)
ap.add_argument("--soak", type=int, default=0, help="seconds of mixed load (0: no soak)")
ap.add_argument("--seed", type=int, default=14)
args = ap.parse_args()
rng = random.Random(args.seed)
work = tempfile.mkdtemp(prefix="driftwatch-faults-")
port = 22000 + rng.randrange(3000)
proc = None


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    log = os.path.join(work, "serve.log")
    if os.path.exists(log):
        print("".join(open(log, errors="replace").readlines()[-15:]), file=sys.stderr)
    stop(signal.SIGKILL)
    cleanup()
    sys.exit(1)


def cleanup():
    mnt = os.path.join(work, "journal")
    if os.path.ismount(mnt):
        subprocess.run(["umount", mnt], check=False)
    shutil.rmtree(work, ignore_errors=True)


# --- the sidecar -------------------------------------------------------------------------------

def write_config(journal, extra="", records=1000000):
    path = os.path.join(work, "c.yaml")
    with open(path, "w") as f:
        f.write(f"""listen: 127.0.0.1:{port}
store: {work}/s.sqlite
journal: {journal}
checkpoint_every: 200ms
max_body_bytes: 64KiB
idle_timeout: 2s
body_timeout: 2s
max_connections: 32
models:
  - name: m
    window: {{max_records: {records}, max_age: none, max_bytes: 1GiB}}
    evaluate_every: 500ms
{extra}""")
    return path


def start(config):
    global proc
    log = open(os.path.join(work, "serve.log"), "a")
    proc = subprocess.Popen([args.bin, "serve", "--config", config], stdout=log, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            fail(f"the sidecar exited at start with {proc.returncode}")
        try:
            if get("/readyz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    fail("the sidecar did not become ready in 30 s")


def stop(sig=signal.SIGTERM):
    global proc
    if proc and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc = None


def alive(what):
    if proc.poll() is not None:
        fail(f"the sidecar died ({proc.returncode}) after {what}")


def get(path, timeout=5):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def post(body, ctype="application/x-ndjson", timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("POST", "/v1/events", body=body, headers={"Content-Type": ctype} if ctype is not None else {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def metric(name, text=None):
    text = text if text is not None else get("/metrics")[1].decode()
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def promtool(what):
    status, body = get("/metrics")
    if status != 200:
        fail(f"/metrics answered {status} after {what}")
    r = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
    if r.returncode != 0:
        fail(f"promtool check metrics failed after {what}: {(r.stderr + r.stdout)[:400]!r}")
    return body.decode()


def held_events(what, wait=1.2):
    """Events in the window one evaluation (500 ms) after `what`, promtool-checked."""
    time.sleep(wait)
    return metric("driftwatch_window_samples", promtool(what))


def crash_and_restart(config, what):
    """kill -9, start again: the events the restarted window holds."""
    stop(signal.SIGKILL)
    start(config)
    return held_events(what)


def ack(n, what):
    """Posts n valid events, which must be acknowledged; returns how many were."""
    status, resp = post(valid_ndjson(n))
    if status != 202:
        fail(f"valid batch {what} answered {status}: {resp[:200]!r}")
    return json.loads(resp)["accepted"]


# --- bodies ------------------------------------------------------------------------------------

def event(i):
    return {"features": {"x": round(rng.uniform(0, 10), 3), "y": round(rng.gauss(5, 2), 3),
                         "c": rng.choice("abc")}, "latency_ms": rng.uniform(1, 30), "status": "ok"}


def valid_ndjson(n):
    return "".join(json.dumps(event(i)) + "\n" for i in range(n)).encode()


TOKENS = [b"1e999", b"-1e308", b"1.7976931348623157e308", b"NaN", b"null", b"true", b"\"\"", b"[]", b"{}",
          b"\"\\ud800\"", b"\"\\u0000\"", b"-", b"0x10", b"\xff\xfe", b"\"" + b"a" * 3000 + b"\"", b"[" * 2000,
          b"{\"features\":", b"\n", b"\r\n", b",", b":", b"\"features\"", b"\"model\":\"nope\"", b"1" * 400]
CTYPES = ["application/x-ndjson", "application/json", "application/json; charset=utf-8", "APPLICATION/X-NDJSON",
          "", ";", ";;", "   ", "text/plain", "application/json;;", "application/x-ndjson; charset=latin1",
          "multipart/form-data; boundary=x", "\t", None]


def mutate(body):
    b = bytearray(body)
    for _ in range(rng.randrange(1, 6)):
        op = rng.randrange(5)
        if not b:
            b += rng.choice(TOKENS)
        elif op == 0:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 1:
            i = rng.randrange(len(b)); del b[i:i + rng.randrange(1, 40)]
        elif op == 2:
            i = rng.randrange(len(b)); b[i:i] = rng.choice(TOKENS)
        elif op == 3:
            b = b[:rng.randrange(len(b) + 1)]
        else:
            i = rng.randrange(len(b)); b[i:i] = b[rng.randrange(len(b)):][:50]
    return bytes(b)


def raw_exchange(data, read_timeout=5.0):
    """Sends raw bytes on one connection; returns the first response's status and body
    ((None, b"") when the server closed without answering)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        s.sendall(data)
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        if not got.startswith(b"HTTP/1.1 ") or b"\r\n\r\n" not in got:
            return None, b""
        head, body = got.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        while len(body) < length:
            chunk = s.recv(4096)
            if not chunk:
                break
            body += chunk
        return int(head.split(b" ")[1]), body[:length]
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        return None, b""
    finally:
        s.close()


ALLOWED = {202, 400, 408, 413, 415}


def phase_mutate():
    start(write_config(os.path.join(work, "journal")))
    acknowledged = 0
    statuses = {}
    for i in range(args.requests):
        n = rng.randrange(1, 40)
        base = valid_ndjson(n)
        kind = rng.random()
        ctype = rng.choice(CTYPES) if kind < 0.15 else ("application/json" if kind < 0.3 else "application/x-ndjson")
        if ctype == "application/json":
            base = json.dumps([event(k) for k in range(n)]).encode()
        body = mutate(base) if rng.random() < 0.8 else base
        if rng.random() < 0.02:
            body = body * (70000 // max(1, len(body)) + 1)  # over max_body_bytes
        try:
            status, resp = post(body, ctype)
        except (ConnectionError, http.client.HTTPException, socket.timeout) as e:
            alive(f"request {i}")
            fail(f"request {i} got no answer: {e!r}")
        statuses[status] = statuses.get(status, 0) + 1
        if status not in ALLOWED:
            fail(f"request {i}: status {status} is not one of {sorted(ALLOWED)}: {resp[:200]!r}")
        if status == 202:
            acknowledged += json.loads(resp)["accepted"]
        if i % 500 == 0:
            alive(f"request {i}")
            promtool(f"request {i}")
    # Content-Length lies and chunked bodies on raw sockets.
    lies = 0
    for i in range(60):
        body = valid_ndjson(rng.randrange(1, 10))
        mode = i % 4
        if mode == 0:   # claims more than it sends: the body timeout answers or closes
            data = b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n" % (len(body) + 500) + body
        elif mode == 1:  # claims less: the rest is a malformed next request
            data = b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n" % max(0, len(body) // 2) + body
        elif mode == 2:  # chunked, random chunk sizes
            chunks, k = b"", 0
            while k < len(body):
                m = rng.randrange(1, 64)
                chunks += b"%x\r\n" % len(body[k:k + m]) + body[k:k + m] + b"\r\n"
                k += m
            data = b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
        else:           # a bad chunk size, and a negative Content-Length
            data = (b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + body
                    if i % 8 == 3 else
                    b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: -5\r\n\r\n" + body)
        code, resp = raw_exchange(data)
        if code == 202:
            lies += 1
            # A short Content-Length cuts the body: its whole lines are records, the cut one is
            # refused (NDJSON lines stand alone). A long one or a bad frame is never acknowledged.
            if mode in (0, 3):
                fail(f"a lying request was acknowledged: {data[:120]!r} -> {resp[:200]!r}")
            acknowledged += json.loads(resp)["accepted"]
        elif code is not None and code not in ALLOWED:
            fail(f"raw request mode {mode}: status {code}")
    alive("the raw requests")
    held = held_events("the mutated requests")
    if held != acknowledged:
        fail(f"window holds {held} events, {acknowledged} were acknowledged")
    # And they survive a crash.
    held = crash_and_restart(write_config(os.path.join(work, "journal")), "the restart")
    if held != acknowledged:
        fail(f"after kill -9 the window holds {held} events, {acknowledged} were acknowledged")
    stop()
    print(f"faults: mutate: {args.requests} mutated requests + 60 raw framing lies, statuses "
          f"{dict(sorted(statuses.items()))}, {acknowledged} events acknowledged = {int(held)} in the window after kill -9; "
          f"promtool clean on every scrape; no crash")


def phase_kill():
    # A 20 000-event window: a full checkpoint falls due every 40 000 events, so kills land during
    # full writes as well as between them; the window must hold the newest min(acknowledged, 20 000).
    config = write_config(os.path.join(work, "journal-kill"), records=20000)
    acknowledged = 0
    start(config)
    for k in range(args.kills):
        deadline = time.time() + rng.uniform(0.3, 1.5)
        while time.time() < deadline:
            acknowledged += ack(rng.randrange(1, 200), f"before kill {k}")
        held = crash_and_restart(config, f"restart {k}")
        if held != min(acknowledged, 20000):
            fail(f"restart {k}: the window holds {held} events, {acknowledged} were acknowledged")
    stop()
    print(f"faults: kill: {args.kills} kill -9 during ingest with checkpoints every 200 ms; "
          f"{acknowledged} events acknowledged into a 20 000-event window, the newest min(acknowledged, 20 000) restored after every kill ({int(held)} at the end)")


def phase_enospc():
    mnt = os.path.join(work, "journal")
    if os.path.isdir(mnt):
        shutil.rmtree(mnt)
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt], capture_output=True)
    if r.returncode != 0:
        fail(f"cannot mount a tmpfs (needs root): {r.stderr.decode().strip()}")
    config = write_config(mnt)
    start(config)
    acknowledged = 0
    for _ in range(20):
        acknowledged += ack(50, "before the disk filled")
    filler = os.path.join(mnt, "filler")
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    refused = 0
    for _ in range(50):
        status, resp = post(valid_ndjson(200))
        if status == 202:
            acknowledged += json.loads(resp)["accepted"]
        elif status == 503:
            refused += 1
        else:
            fail(f"ingest on a full disk answered {status}: {resp[:200]!r}")
    alive("ENOSPC")
    if refused == 0:
        fail("no request was refused on a full journal disk")
    t0 = time.time()
    while get("/readyz")[0] != 503:
        if time.time() - t0 > 15:
            fail("/readyz stayed ready with the journal disk full")
        time.sleep(0.2)
    unready_after = time.time() - t0
    promtool("ENOSPC")
    os.remove(filler)
    t0 = time.time()
    while get("/readyz")[0] != 200:
        if time.time() - t0 > 30:
            fail("/readyz did not recover after space was freed")
        time.sleep(0.2)
    ready_after = time.time() - t0
    for _ in range(20):
        acknowledged += ack(50, "after space returned")
    held = crash_and_restart(config, "the restart after ENOSPC")
    stop()
    subprocess.run(["umount", mnt], check=False)
    if held != acknowledged:
        fail(f"after ENOSPC and kill -9 the window holds {held} events, {acknowledged} were acknowledged")
    print(f"faults: enospc: 4 MiB tmpfs filled: {refused} of 50 batches refused with 503, /readyz unready within "
          f"{unready_after:.1f} s, ready {ready_after:.1f} s after space was freed; {acknowledged} acknowledged = "
          f"{int(held)} after kill -9, 0 lost")


def phase_storelock():
    import sqlite3
    start(write_config(os.path.join(work, "journal")))
    acknowledged = ack(100, "before the lock")
    db = sqlite3.connect(os.path.join(work, "s.sqlite"), isolation_level=None, timeout=30)
    db.execute("BEGIN IMMEDIATE")  # SQLite's write lock, held by another process
    t0 = time.time()
    slowest = 0.0
    unready_after = None
    while time.time() - t0 < 15:
        q = time.time()
        status, body = get("/readyz", timeout=5)
        slowest = max(slowest, time.time() - q)
        if status == 503 and unready_after is None:
            unready_after = time.time() - t0
            checks = json.loads(body)["checks"]
            if "probe" not in checks["store"] and checks["store"] != "not writable":
                fail(f"/readyz unready for another reason while the store was locked: {checks}")
        acknowledged += ack(10, "while the store was locked")
        time.sleep(0.2)
    db.execute("ROLLBACK")
    db.close()
    if slowest > 0.5:
        fail(f"/readyz took {slowest:.2f} s to answer while SQLite's write lock was held")
    if unready_after is None:
        fail("/readyz stayed ready for 15 s with the store's write lock held by another process")
    t0 = time.time()
    while get("/readyz")[0] != 200:
        if time.time() - t0 > 20:
            fail("/readyz did not recover after the store's lock was released")
        time.sleep(0.2)
    ready_after = time.time() - t0
    alive("the store lock")
    held = held_events("the store lock")
    stop()
    if held != acknowledged:
        fail(f"after the store lock the window holds {held} events, {acknowledged} were acknowledged")
    print(f"faults: storelock: SQLite write lock held 15 s by another process: /readyz answered within "
          f"{slowest * 1000:.0f} ms throughout, unready after {unready_after:.1f} s, ready {ready_after:.1f} s after "
          f"release; {acknowledged} events acknowledged meanwhile = {int(held)} held")


def phase_clients():
    start(write_config(os.path.join(work, "journal-clients")))
    t0 = time.time()
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]  # > max_connections 32
    trickle_h = socket.create_connection(("127.0.0.1", port))
    trickle_h.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n")
    trickle_b = socket.create_connection(("127.0.0.1", port))
    trickle_b.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n{")
    # A new client is served once the idle ones time out (2 s), well before the 10 s client timeout.
    hz = time.time()
    status, _ = get("/healthz", timeout=10)
    served_after = time.time() - hz
    if status != 200:
        fail(f"/healthz answered {status} with idle connections over the limit")

    def closed_within(s, limit, keep_sending=False):
        s.settimeout(0.2)
        start_t = time.time()
        while time.time() - start_t < limit:
            try:
                if keep_sending:
                    s.sendall(b"a")
                if s.recv(4096) == b"":
                    return time.time() - t0
            except socket.timeout:
                continue
            except (ConnectionResetError, BrokenPipeError):
                return time.time() - t0
        return None

    header_closed = closed_within(trickle_h, 8)
    body_closed = closed_within(trickle_b, 8, keep_sending=True)
    idle_closed = [closed_within(s, 6) for s in idle[:5]]
    for s in idle + [trickle_h, trickle_b]:
        s.close()
    text = promtool("the slow clients")
    paused = metric("driftwatch_http_accept_paused_total", text) or 0
    alive("the slow clients")
    stop()
    if header_closed is None or body_closed is None or any(c is None for c in idle_closed):
        fail(f"a slow client was never closed: headers {header_closed}, body {body_closed}, idle {idle_closed}")
    print(f"faults: clients: 40 idle connections over max_connections 32, /healthz served after {served_after:.1f} s; "
          f"idle closed by {max(idle_closed):.1f} s, trickled headers by {header_closed:.1f} s, trickled body by "
          f"{body_closed:.1f} s (timeouts 2 s); accept paused {int(paused)} times")


def rss_mb():
    with open(f"/proc/{proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024


def phase_soak():
    start(write_config(os.path.join(work, "journal-soak"), records=20000))
    samples, t_start, requests, bad = [], time.time(), 0, 0
    next_sample = t_start + 10
    while time.time() - t_start < args.soak:
        body = valid_ndjson(rng.randrange(1, 50))
        if rng.random() < 0.3:
            body, bad = mutate(body), bad + 1
        status, _ = post(body, rng.choice(["application/x-ndjson"] * 8 + CTYPES))
        requests += 1
        if status not in ALLOWED:
            fail(f"soak: status {status}")
        if time.time() >= next_sample:
            alive("soak")
            samples.append(rss_mb())
            next_sample += 10
    promtool("the soak")
    stop()
    if len(samples) < 3:
        fail("soak too short to sample RSS")
    ref = samples[min(5, len(samples) // 3)]
    growth = (samples[-1] - ref) / ref
    if growth > 0.05:
        fail(f"soak: RSS grew {growth * 100:.1f} % ({ref:.1f} → {samples[-1]:.1f} MB): {samples}")
    print(f"faults: soak: {args.soak} s, {requests} requests ({bad} mutated), RSS {ref:.1f} MB after warm-up → "
          f"{samples[-1]:.1f} MB at the end ({growth * 100:+.1f} %), samples every 10 s: {[round(s) for s in samples]}")


try:
    with open(os.path.join(work, "train.csv"), "w") as f:
        f.write("x,y,c\n")
        for i in range(2000):
            f.write(f"{rng.uniform(0, 10):.3f},{rng.gauss(5, 2):.3f},{rng.choice('abc')}\n")
    base = os.path.join(work, "base.sqlite")
    subprocess.run([args.bin, "baseline", "build", "--db", base, "--model", "m", "--data", os.path.join(work, "train.csv")],
                   check=True, capture_output=True)
    phases = [p for p in args.phases.split(",") if p] + (["soak"] if args.soak else [])
    for phase in phases:
        for suffix in ("", "-wal", "-shm"):  # a stale WAL would bring the last phase's checkpoint back
            if os.path.exists(os.path.join(work, "s.sqlite" + suffix)):
                os.remove(os.path.join(work, "s.sqlite" + suffix))
        shutil.copy(base, os.path.join(work, "s.sqlite"))
        {"mutate": phase_mutate, "kill": phase_kill, "enospc": phase_enospc, "storelock": phase_storelock, "clients": phase_clients,
         "soak": phase_soak}[phase]()
finally:
    stop(signal.SIGKILL)
    cleanup()
