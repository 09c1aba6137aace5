# The worst-case memory phase, run on the box as root by `python3 - ARGS_JSON` (verify/worst-case/run.ts).
# Every budgeted part at its limit at once, for a fixed hold: Postgres backends sorting and hashing at work_mem,
# a CREATE INDEX at maintenance_work_mem, every gunicorn thread busy, nginx holding its connection count, Redis
# written past maxmemory. Prints one JSON document on stdout: what ran, what failed, the lowest MemAvailable seen.
# Only the standard library: the image's system Python runs it, never the app's venv. verify/memory/snapshot.py
# (meminfo, snapshot) comes first in the same program.
import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
import http.client

ARGS = json.loads(sys.argv[1])
HOLD_SEC = float(ARGS["holdSec"])
SCRATCH_DB = "kiln_worst_case"
errors = []
lock = threading.Lock()


def note(msg):
    with lock:
        if len(errors) < 40:
            errors.append(msg[:300])


def oom_kills():
    # The machine's kernel-wide count; a container's /proc/vmstat is the host's, so the caller reads the box's cgroup instead.
    with open("/proc/vmstat") as f:
        for line in f:
            k, v = line.split()
            if k == "oom_kill":
                return int(v)
    return None


# psql runs as our own child under the postgres user (peer authentication), so a timeout can end it by PID.
AS_POSTGRES = {"user": "postgres", "group": "postgres", "extra_groups": [], "env": dict(os.environ, HOME="/var/lib/postgresql"), "cwd": "/"}


def psql_argv(db, sql):
    return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql]


def psql(db, sql, timeout):
    return subprocess.run(psql_argv(db, sql), capture_output=True, text=True, timeout=timeout, **AS_POSTGRES)


# ---- Postgres: every slot the server still gives running a sort and a hash join sized past work_mem, and one CREATE
# INDEX at maintenance_work_mem, each in a loop that ends by itself after the hold (nothing has to reach it to stop it). One psql drives them all through dblink (Debian's postgresql
# package ships it), so the client side adds one process, not one per backend.
def sort_loop_sql(rows, seconds):
    return (
        f"DO $$ DECLARE t timestamptz := clock_timestamp() + interval '{seconds} seconds'; n bigint; BEGIN "
        "PERFORM set_config('enable_mergejoin', 'off', true); PERFORM set_config('enable_nestloop', 'off', true); "
        f"WHILE clock_timestamp() < t LOOP "
        f"SELECT count(*) INTO n FROM (SELECT g, md5(g::text) AS m FROM generate_series(1, {rows}) g ORDER BY m) s "
        f"JOIN generate_series(1, {rows}) h(g) ON s.g = h.g; "
        "END LOOP; END $$"
    )


def maintenance_loop_sql(seconds):
    return (
        f"DO $$ DECLARE t timestamptz := clock_timestamp() + interval '{seconds} seconds'; BEGIN "
        f"WHILE clock_timestamp() < t LOOP "
        "CREATE INDEX kiln_worst_case_m ON kiln_worst_case_t (m); DROP INDEX kiln_worst_case_m; "
        "END LOOP; END $$"
    )


def controller_sql(n, rows, seconds):
    # Connection 0 runs the maintenance loop, then sorts take every slot the server still gives (up to n): the app's
    # pool may hold some. It says how many it got, then collects every result, so a failed loop fails psql.
    return (
        "DO $ctl$ DECLARE i int; got int := 0; BEGIN "
        "PERFORM dblink_connect('w0', 'dbname=%s'); PERFORM dblink_send_query('w0', $q$%s$q$); "
        "FOR i IN 1..%d LOOP "
        "BEGIN PERFORM dblink_connect('w' || i, 'dbname=%s'); EXCEPTION WHEN OTHERS THEN EXIT; END; "
        "PERFORM dblink_send_query('w' || i, $q$%s$q$); got := i; END LOOP; "
        "RAISE NOTICE 'kiln-sorting=%%', got; "
        "FOR i IN 0..got LOOP PERFORM * FROM dblink_get_result('w' || i) AS r(status text); PERFORM dblink_disconnect('w' || i); END LOOP; "
        "END $ctl$" % (SCRATCH_DB, maintenance_loop_sql(seconds), n, SCRATCH_DB, sort_loop_sql(rows, seconds))
    )


def postgres_prepare(pg):
    for sql in ("DROP DATABASE IF EXISTS %s" % SCRATCH_DB, "CREATE DATABASE %s" % SCRATCH_DB):
        r = psql("postgres", sql, 120)
        if r.returncode != 0:
            raise RuntimeError("%s: %s" % (sql, r.stderr.strip()))
    setup = "CREATE EXTENSION dblink; CREATE TABLE kiln_worst_case_t AS SELECT g, md5(g::text) AS m FROM generate_series(1, %d) g" % pg["maintenanceRows"]
    r = psql(SCRATCH_DB, setup, 600)
    if r.returncode != 0:
        raise RuntimeError("scratch table: " + r.stderr.strip())


def postgres_start(pg, seconds):
    # At most every slot the server has, less the controller's and the maintenance task's.
    n = pg["maxConnections"] - 2
    proc = subprocess.Popen(psql_argv(SCRATCH_DB, controller_sql(n, pg["sortRows"], seconds)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **AS_POSTGRES)
    # The controller's notice comes once every loop is sent; until then the sorts are still connecting.
    line = proc.stderr.readline()
    got = int(line.split("kiln-sorting=")[1]) if "kiln-sorting=" in line else 0
    if got == 0:
        note("postgres: no sorting backend (%s)" % line.strip())
    return proc, got


def postgres_finish(proc, timeout):
    ok = True
    try:
        _, err = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            ok = False
            note("postgres: " + err.strip())
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        ok = False
        note("postgres: still running %d s after the hold" % timeout)
    psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % SCRATCH_DB, 120)
    return ok


def send(conn, web, ep):
    # One request of the app's traffic as the load generator sends it: its method, body and headers, nginx's Host.
    body = ep.get("body")
    conn.request(ep["method"], ep["path"], body=body.encode() if body is not None else None, headers=dict(ep.get("headers") or {}, Host=web["hostHeader"]))
    return conn.getresponse()


# ---- gunicorn: one closed-loop client per thread, cycling through the endpoints, through nginx.
def http_worker(web, stop, counts):
    conn = None
    i = 0
    while not stop.is_set():
        ep = web["endpoints"][i % len(web["endpoints"])]
        i += 1
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", web["port"], timeout=40)
            res = send(conn, web, ep)
            res.read()
            ok = res.status < 500
            with lock:
                counts["ok" if ok else "failed"] += 1
            if res.getheader("connection", "").lower() == "close":
                conn.close()
                conn = None
        except Exception as e:  # a refused or reset request counts as failed; the loop goes on
            with lock:
                counts["failed"] += 1
            if counts["failed"] <= 3:
                note("http %s: %s" % (ep["path"], e))
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.05)
    if conn is not None:
        conn.close()


# ---- nginx: idle client connections, each with a request line sent but no end of headers, so each holds a buffer.
def nginx_hold(count, port, host):
    socks = []
    for _ in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(("GET / HTTP/1.1\r\nHost: %s\r\n" % host).encode())
            socks.append(s)
        except OSError as e:
            note("nginx connection %d: %s" % (len(socks) + 1, e))
            break
    return socks


# ---- Redis: 4 KiB values in a scratch db until the bytes written pass maxmemory by the plan's factor.
def redis_fill(rd, deadline, result):
    # Runs to completion before the hold starts (bounded by deadline): the hold then has Redis past maxmemory throughout.
    value = b"k" * rd["valueBytes"]
    target = rd["fillMiB"] * 1024 * 1024
    written = 0
    oom = 0
    try:
        s = socket.create_connection(("127.0.0.1", rd["port"]), timeout=30)
        f = s.makefile("rb")

        def cmd(*parts):
            out = b"*%d\r\n" % len(parts)
            for p in parts:
                p = p if isinstance(p, bytes) else str(p).encode()
                out += b"$%d\r\n%s\r\n" % (len(p), p)
            return out

        s.sendall(cmd("SELECT", rd["db"]))
        f.readline()
        i = 0
        while written < target and time.time() < deadline:
            batch = b"".join(cmd("SET", "kiln:worst-case:%d" % (i + j), value) for j in range(64))
            s.sendall(batch)
            for _ in range(64):
                line = f.readline()
                if line.startswith(b"-"):
                    oom += 1
            i += 64
            written += 64 * rd["valueBytes"]
        info = b""
        s.sendall(cmd("INFO", "memory"))
        head = f.readline()
        if head.startswith(b"$"):
            info = f.read(int(head[1:]) + 2)
        for line in info.decode(errors="replace").splitlines():
            if line.startswith("used_memory:"):
                result["usedMemoryMiB"] = round(int(line.split(":")[1]) / 2**20, 1)
        s.sendall(cmd("FLUSHDB"))
        f.readline()
        s.close()
    except Exception as e:
        note("redis: %s" % e)
    result["writtenMiB"] = round(written / 2**20, 1)
    result["errors"] = oom


# ---- Afterwards: every endpoint answers as it should (its expected status, else any 2xx/3xx), retried for 30 s.
def answers_after(web):
    out = []
    for ep in web["endpoints"]:
        status, error, t_end = None, None, time.time() + 30
        while time.time() < t_end:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", web["port"], timeout=10)
                res = send(conn, web, ep)
                res.read()
                conn.close()
                status, error = res.status, None
                want = ep.get("status")
                if (status == want) if want else (200 <= status < 400):
                    break
            except Exception as e:
                error = str(e)[:200]
            time.sleep(1)
        out.append({"method": ep["method"], "path": ep["path"], "status": status, "expected": ep.get("status"), "error": error})
    return out


def main():
    started = time.time()
    before = meminfo()
    oom_before = oom_kills()
    parts = {}
    timings = {}
    # Enough descriptors for nginx's connection count on top of the closed-loop clients.
    need = (ARGS.get("nginx") or {}).get("connections", 0) + 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, max(hard, need)))

    def lap(name, t0):
        timings[name] = round(time.time() - t0, 1)

    # The slow preparations first, while nothing else competes for the box's CPUs.
    t0 = time.time()
    pg = ARGS.get("postgres")
    if pg:
        try:
            postgres_prepare(pg)
        except Exception as e:
            note("postgres: %s" % e)
            pg = None
            parts["postgres"] = {"sortConnections": 0, "maintenance": 0, "ok": False}
    lap("postgresPrepare", t0)
    t0 = time.time()
    redis_result = {}
    if ARGS.get("redis"):
        redis_fill(ARGS["redis"], time.time() + 300, redis_result)
    lap("redisFill", t0)
    t0 = time.time()
    web = ARGS["web"]
    socks = nginx_hold(ARGS["nginx"]["connections"], web["port"], web["hostHeader"]) if ARGS.get("nginx") else []
    lap("nginxConnections", t0)
    stop = threading.Event()
    counts = {"ok": 0, "failed": 0}
    threads = [threading.Thread(target=http_worker, args=(web, stop, counts), daemon=True) for _ in range(web["concurrency"])]
    for t in threads:
        t.start()
    # Postgres last: its loops hold for exactly the hold, which starts once every one of them is running.
    t0 = time.time()
    pg_proc = None
    if pg:
        try:
            pg_proc, n = postgres_start(pg, int(HOLD_SEC))
            parts["postgres"] = {"sortConnections": n, "maintenance": 1, "ok": False}
        except Exception as e:
            note("postgres: %s" % e)
            parts["postgres"] = {"sortConnections": 0, "maintenance": 0, "ok": False}
    lap("postgresStart", t0)
    setup_sec = time.time() - started

    deadline = time.time() + HOLD_SEC
    low = before["MemAvailable"]
    low_at = None
    samples = 0
    loaded = None
    while time.time() < deadline:
        # One full process scan halfway through: the OS share with everything at its limit.
        if loaded is None and time.time() > deadline - HOLD_SEC / 2:
            loaded = snapshot()
        m = meminfo()
        samples += 1
        if m["MemAvailable"] < low:
            low, low_at = m["MemAvailable"], m
        time.sleep(0.5)
    stop.set()
    if pg_proc is not None:
        # An iteration in flight finishes after the hold: a CREATE INDEX on a big tier's table takes minutes emulated.
        parts["postgres"]["ok"] = postgres_finish(pg_proc, 120 + pg["maintenanceRows"] // 4000)
    for t in threads:
        t.join(45)
    for s in socks:
        s.close()
    parts["web"] = {"concurrency": web["concurrency"], "ok": counts["ok"], "failed": counts["failed"]}
    if ARGS.get("nginx"):
        parts["nginx"] = {"connections": len(socks), "planned": ARGS["nginx"]["connections"]}
    if ARGS.get("redis"):
        parts["redis"] = dict(redis_result, planned=ARGS["redis"]["fillMiB"])
    after = answers_after(web)
    oom_after = oom_kills()
    peak = low_at or before
    print(json.dumps({
        "holdSec": HOLD_SEC,
        "setupSec": round(setup_sec, 1),
        "timings": timings,
        "elapsedSec": round(time.time() - started, 1),
        "samples": samples,
        "memTotalMiB": round(before["MemTotal"], 1),
        "memAvailableBeforeMiB": round(before["MemAvailable"], 1),
        "memAvailableMinMiB": round(low, 1),
        "atLowest": {k: round(peak.get(k, 0), 1) for k in ("MemFree", "Cached", "Slab", "SReclaimable", "SUnreclaim", "PageTables", "KernelStack", "AnonPages", "Shmem")},
        "vmOomKills": None if oom_before is None or oom_after is None else oom_after - oom_before,
        "parts": parts,
        "loaded": loaded,
        "after": after,
        "errors": errors,
    }))


main()
