#!/usr/bin/python3
"""loopd's benchmark (run through scripts/bench, which builds it): each figure
is a ratio to a baseline measured in the same run, interleaved with it, the
median of BENCH_ROUNDS runs (this machine is shared and noisy; absolute
numbers drift). Prints a markdown table and writes bench/results.json.

  scripts/bench [SCENARIO...]     (rubric me loop packet list packet-size rss logins writes
                                  submit ratelimit, or the figures' numbers 1-11; default all)

The data scenarios (4 5 6 7) are in scripts/bench_data.py.

Baselines: `hello` is a minimal libmicrohttpd server in loopd's mode (this
machine's HTTP limit); `pgbench -M prepared` runs the minimal SQL of a loop
read with the same client count. Read scenarios run on a cluster without
fsync; the write scenario turns fsync and synchronous_commit on first.
"""
import json, os, re, resource, socket, statistics, subprocess, sys, tempfile, threading, time
import urllib.request
import bench_data

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build-bench")
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
PORT = int(os.environ.get("BENCH_PORT", "18190"))
THREADS = int(os.environ.get("BENCH_THREADS", "0")) or 4 * os.cpu_count()
PASSWORD = "bench-password-%d" % time.time()
ALL = ["rubric", "me", "loop", "packet", "list", "packet-size", "rss", "logins", "writes",
       "submit", "ratelimit"]
BY_NUMBER = {"1": "rubric", "2": "me", "3": "loop", "4": "list", "5": "packet",
             "6": "packet-size", "7": "submit", "8": "logins", "9": "rss", "10": "writes",
             "11": "ratelimit"}
procs, dirs = [], []


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def call(listen, method, path, token=None, body=None, form=None):
    data, headers = None, {}
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request("http://%s%s" % (listen, path), data=data, method=method,
                                 headers=headers)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def start_loopd(port, sync=False, rate_limit="1000000000"):
    """loopd on a fresh embedded cluster, fsync off unless sync, 20 orgs;
    rate limits checked but never reached (rate_limit "0": not checked)."""
    d = tempfile.mkdtemp(prefix="ldb", dir="/tmp")
    dirs.append(d)
    listen = "127.0.0.1:%d" % port
    env = dict(os.environ, LOOP_DATA_DIR=d, LOOP_LISTEN=listen, LOOP_LOG_LEVEL="warn", LOOP_ADMIN_PASSWORD=PASSWORD, LOOP_THREADS=str(THREADS),
               LOOP_MAX_CONNS="3000", LOOP_MAX_CONNS_PER_IP="3000", LOOP_METRICS_LISTEN="",
               LOOP_RATE_LIMIT=rate_limit)
    if not sync:
        env["LOOP_EMBEDDED_NOSYNC"] = "1"
    p = subprocess.Popen([BUILD + "/loopd"], env=env, stdin=subprocess.DEVNULL,
                         stderr=open(d + "/loopd.log", "w"))
    procs.append(p)
    for _ in range(300):
        try:
            urllib.request.urlopen("http://%s/readyz" % listen, timeout=1)
            break
        except Exception:
            time.sleep(0.2)
    tokens, clients = [], []
    for i in range(1, 21):
        out = subprocess.run([BUILD + "/loopd", "admin", "bootstrap", "--org", "Bench %d" % i,
                              "--email", "admin@bench%d.test" % i], env=env, check=True,
                             capture_output=True, text=True).stdout
        client = json.loads(out.strip().splitlines()[-1])["client_id"]
        clients.append(client)
        tokens.append(login(listen, client, "admin@bench%d.test" % i, PASSWORD))
    return {"proc": p, "dir": d, "listen": listen, "env": env, "tokens": tokens,
            "clients": clients}


def stop(srv):
    srv["proc"].terminate()
    try:
        srv["proc"].wait(timeout=30)
    except subprocess.TimeoutExpired:
        srv["proc"].kill()


def login(listen, client, email, password):
    return call(listen, "POST", "/oauth/token", form={
        "grant_type": "password", "client_id": client, "username": email,
        "password": password})["access_token"]


def tokens_file(srv, tokens):
    path = os.path.join(srv["dir"], "tokens-%d" % len(tokens))
    with open(path, "w") as f:
        f.write("\n".join(tokens) + "\n")
    return path


def unit(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    if not m:
        raise ValueError("wrk printed an unknown time: %r" % v)
    if m.group(2) == "m":
        return float(m.group(1)) * 60000.0
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


def wrk(listen, path="/", tokens=None, script="get.lua", conns=CONNS, seconds=SECONDS,
        env=None):
    env = dict(os.environ, TOKENS=tokens or "/dev/null", BENCH_PATH=path,
               BENCH_RUN=str(time.monotonic_ns()), **(env or {}))
    out = subprocess.run(["wrk", "-t2", "-c%d" % conns, "-d%ds" % seconds, "--latency",
                          "-s", os.path.join(ROOT, "tests/load", script), "http://" + listen],
                         env=env, capture_output=True, text=True).stdout
    if "Requests/sec" not in out:
        raise RuntimeError("wrk failed:\n" + out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = unit(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = unit(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    r = {"rps": rps, "p50": p50, "p99": p99, "non2xx": int(bad.group(1)) if bad else 0}
    log("  %-28s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %d" % (
        path[:28], rps, p50, p99, r["non2xx"]))
    return r


def psql(srv, sql):
    return subprocess.run(["psql", "-qAt", "-h", srv["dir"] + "/run", "-U", "loopd_owner",
                           "loopd", "-c", sql], capture_output=True, text=True, check=True).stdout


def pgbench(srv, script, defines, conns=CONNS, seconds=SECONDS):
    path = os.path.join(srv["dir"], "pgbench.sql")
    with open(path, "w") as f:
        f.write(script)
    args = ["pgbench", "-n", "-M", "prepared", "-c", str(conns), "-j", "2", "-T", str(seconds),
            "-h", srv["dir"] + "/run", "-U", "loopd_owner", "-f", path, "-r"]
    for k, v in defines.items():
        args += ["-D", "%s=%s" % (k, v)]
    done = subprocess.run(args + ["loopd"], capture_output=True, text=True)
    out = done.stdout
    if "tps = " not in out:
        raise RuntimeError("pgbench failed:\n" + out + done.stderr)
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    lat = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    log("  %-28s %9.0f tps    avg %7.2f ms" % ("pgbench", tps, lat))
    return {"rps": tps, "p50": lat, "p99": None, "non2xx": 0}


def median_of(runs):
    out = {}
    for k in ("rps", "p50", "p99"):
        vals = [r[k] for r in runs if r[k] is not None]
        out[k] = statistics.median(vals) if vals else None
    out["non2xx"] = sum(r["non2xx"] for r in runs)
    return out


def interleave(*fns):
    """Runs each fn ROUNDS times, interleaved; the median of each."""
    runs = [[] for _ in fns]
    for _ in range(ROUNDS):
        for i, fn in enumerate(fns):
            runs[i].append(fn())
    return [median_of(r) for r in runs]


RESULTS = []


def figure(name, value, base, goal, op, note="", unit_="ratio"):
    ratio = value["rps"] / base["rps"] if base else None
    if op == ">=":
        ok = ratio is not None and ratio >= goal
    elif op == "p50<=":
        ratio = value["p50"] / base["p50"]
        ok = ratio <= goal
    elif op == "p99<=":
        ratio = value["p99"] / base["p99"]
        ok = ratio <= goal
    elif op == "<":
        ratio, ok = value["rps"], value["rps"] < goal
    else:
        ok = None
    RESULTS.append({"figure": name, "value": value, "baseline": base, "ratio": ratio,
                    "goal": "%s %s" % (op, goal) if goal is not None else "report",
                    "pass": ok, "note": note})


# -- seeding ------------------------------------------------------------------

def seed_loop(srv):
    """In the first org: a loop from the backend_engineer template (8 rounds),
    an interviewer booked in each round. Returns (org, loop id)."""
    listen, t = srv["listen"], srv["tokens"][0]
    me = call(listen, "GET", "/v1/me", t)

    def user(email, roles):
        return call(listen, "POST", "/v1/users", t, {"email": email, "name": email.split("@")[0],
                                                      "roles": roles,
                                                      "password": "bench-user-password"})["id"]
    hm = user("hm@bench.test", ["hiring_manager"])
    ivs = [user("iv%d@bench.test" % i, ["interviewer"]) for i in range(3)]
    for i in range(20):
        cand = call(listen, "POST", "/v1/candidates", t, {"name": "Cand %d" % i,
                                                          "email": "c%d@bench.test" % i})["id"]
        loop = call(listen, "POST", "/v1/loops", t, {
            "candidate_id": cand, "position": "Backend engineer", "recruiter_id": me["id"],
            "hiring_manager_id": hm, "template": "backend_engineer"})
    for n, rd in enumerate(loop["rounds"]):
        call(listen, "PUT", "/v1/rounds/%s/interviewers/%s" % (rd["id"], ivs[n % 3]), t,
             {"role": "lead"})
    return me["org_id"], loop["id"], len(loop["rounds"])


LOOP_SQL = """\\set dummy 1
SELECT l.id, l.status, l.position, l.version, r.id, r.kind, r.status, r.starts_at,
       ri.user_id, ri.role
  FROM loops l JOIN rounds r ON r.org_id = l.org_id AND r.loop_id = l.id
  LEFT JOIN round_interviewers ri ON ri.org_id = r.org_id AND ri.round_id = r.id
 WHERE l.org_id = :org AND l.id = :loop;
"""


# -- scenarios ----------------------------------------------------------------

RUBRIC = "/v1/rubrics/system_design/versions/1"
RUBRIC_BYTES = [0]


def rubric_file(srv):
    """A file holding the bytes loopd answers RUBRIC with, for hello to serve."""
    req = urllib.request.Request("http://%s%s" % (srv["listen"], RUBRIC),
                                 headers={"Authorization": "Bearer " + srv["tokens"][0]})
    path = os.path.join(dirs[-1], "rubric.json")
    with urllib.request.urlopen(req) as r, open(path, "wb") as f:
        RUBRIC_BYTES[0] = f.write(r.read())
    return path


def run_reads(srv, hello, want):
    """1 and 2: each against hello answering the same request, bearer token
    included; for 1, hello answers with the rubric's own bytes (the HTTP
    limit for a body of that size; the small body's ratio is the note)."""
    t1 = tokens_file(srv, srv["tokens"][:1])
    fns, names = [lambda: wrk(hello, "/v1/me", t1)], []
    if "rubric" in want:
        fns.append(lambda: wrk(hello, RUBRIC, t1))
        fns.append(lambda: wrk(srv["listen"], RUBRIC, t1))
        names += ["hello-rubric", "rubric"]
    if "me" in want:
        fns.append(lambda: wrk(srv["listen"], "/v1/me", t1))
        names.append("me")
    if len(fns) == 1:
        return
    res = interleave(*fns)
    base = res[0]
    for name, r in zip(names, res[1:]):
        if name == "hello-rubric":
            big = r
        elif name == "rubric":
            figure("1 GET published rubric version (cached, ETag, %d bytes) / hello-world"
                   " answering the same bytes" % RUBRIC_BYTES[0], r, big, 0.80, ">=",
                   note="against hello's 15-byte answer: %.2f" % (
                       r["rps"] / base["rps"] if base["rps"] else 0))
        else:
            figure("2 GET /v1/me / hello-world", r, base, 0.70, ">=")


def run_loop(srv):
    org, loop, n = seed_loop(srv)
    t1 = tokens_file(srv, srv["tokens"][:1])
    q = "'%s'" % org, "'%s'" % loop
    log("EXPLAIN of the loop read's minimal SQL:")
    log(psql(srv, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " +
             LOOP_SQL.split("\n", 1)[1].replace(":org", q[0]).replace(":loop", q[1])))
    base, r = interleave(lambda: pgbench(srv, LOOP_SQL, {"org": org, "loop": loop}),
                         lambda: wrk(srv["listen"], "/v1/loops/" + loop, t1))
    figure("3 GET /v1/loops/{id} (%d rounds) / pgbench of its minimal SQL" % n, r, base,
           0.60, ">=")
    return loop


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def run_rss(srv):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    host, port = srv["listen"].split(":")
    before = rss_kib(srv["proc"].pid)
    socks = []
    for _ in range(1000):
        s = socket.create_connection((host, int(port)))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
        socks.append(s)
    for s in socks:
        s.settimeout(10)
        got = b""
        while b"\r\n\r\n" not in got:
            got += s.recv(4096)
    time.sleep(1)
    after = rss_kib(srv["proc"].pid)
    for s in socks:
        s.close()
    mib = after / 1024
    log("  RSS %.1f MiB before, %.1f MiB with 1000 idle keep-alive connections" % (
        before / 1024, mib))
    figure("9 loopd RSS (MiB) with 1000 idle keep-alive connections", {
        "rps": mib, "p50": None, "p99": None, "non2xx": 0}, None, 64, "<",
        note="%.1f MiB before they connected" % (before / 1024))


LOGIN_RATE = int(os.environ.get("BENCH_LOGIN_RATE", "50"))
LOGIN_THREADS = 10
LOGIN_ACCOUNTS = 60


def login_from(listen, source, client, email, password):
    """One password grant from a loopback source address; True on 200."""
    import http.client
    host, port = listen.split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    try:
        c.request("POST", "/oauth/token", urllib.parse.urlencode({
            "grant_type": "password", "client_id": client, "username": email,
            "password": password}), {"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        r.read()
        return r.status == 200
    finally:
        c.close()


def run_logins(srv):
    """GET /v1/me p99 while password logins run at LOGIN_RATE per second, vs
    without. LOGIN_THREADS threads, each paced to its share and bound to its
    own loopback address (127.0.0.11...): loopd allows 600 sign-ins a minute
    per address and 20 per account, so the logins rotate over
    LOGIN_ACCOUNTS users. Only 200s count toward the rate reached."""
    listen, t = srv["listen"], srv["tokens"][0]
    accounts = []
    for i in range(LOGIN_ACCOUNTS):
        email = "login%d@bench.test" % i
        call(listen, "POST", "/v1/users", t, {"email": email, "name": "login %d" % i,
                                              "roles": ["interviewer"],
                                              "password": "bench-user-password"})
        accounts.append(email)
    t1 = tokens_file(srv, srv["tokens"][:1])
    stop = threading.Event()
    done, failed, turn = [0], [0], [0]
    lock = threading.Lock()

    def logins(k):
        i, start, per = 0, time.monotonic(), LOGIN_RATE / LOGIN_THREADS
        source = "127.0.0.%d" % (11 + k)
        while not stop.is_set():
            with lock:
                email = accounts[turn[0] % len(accounts)]
                turn[0] += 1
            try:
                ok = login_from(listen, source, srv["clients"][0], email, "bench-user-password")
            except Exception:
                ok = False
            with lock:
                done[0] += ok
                failed[0] += not ok
            i += 1
            time.sleep(max(0.0, start + i / per - time.monotonic()))

    rates = []

    def with_logins():
        stop.clear()
        done[0] = failed[0] = 0
        th = [threading.Thread(target=logins, args=(k,)) for k in range(LOGIN_THREADS)]
        began = time.monotonic()
        for x in th:
            x.start()
        r = wrk(listen, "/v1/me", t1)
        stop.set()
        for x in th:
            x.join()
        rate = done[0] / (time.monotonic() - began)
        rates.append(rate)
        log("    (%.1f logins/s answered 200 during the run, %d refused or failed)" % (
            rate, failed[0]))
        return r
    base, r = interleave(lambda: wrk(listen, "/v1/me", t1), with_logins)
    figure("8 GET p99 during %d logins/s (reached %.0f/s) / without" % (
        LOGIN_RATE, statistics.median(rates)), r, base, 2.0, "p99<=",
        note="logins/s reached per run: %s" % ", ".join("%.1f" % x for x in rates))


def run_writes(srv):
    """Audited writes (POST /v1/candidates) in one org vs spread over 20,
    with fsync and synchronous_commit on."""
    for setting in ("fsync", "synchronous_commit", "full_page_writes"):
        psql(srv, "ALTER SYSTEM SET %s = on" % setting)
    psql(srv, "SELECT pg_reload_conf()")
    log("  (fsync=%s, synchronous_commit=%s)" % (psql(srv, "SHOW fsync").strip(),
                                                 psql(srv, "SHOW synchronous_commit").strip()))
    one = tokens_file(srv, srv["tokens"][:1])
    many = tokens_file(srv, srv["tokens"])
    a, b = interleave(lambda: wrk(srv["listen"], "/", one, "candidates.lua"),
                      lambda: wrk(srv["listen"], "/", many, "candidates.lua"))
    figure("10 audited writes/s, 20 orgs / 1 org (fsync on)", b, a, None, "report")


BUCKET_SQL = """INSERT INTO bench_buckets VALUES ('u-one', 6000, clock_timestamp())
 ON CONFLICT (k) DO UPDATE SET level = least(6000, bench_buckets.level
 + extract(epoch FROM clock_timestamp() - bench_buckets.at) * 100) - 1, at = clock_timestamp()
 RETURNING level;
"""


def run_ratelimit(srv):
    """The cost of the in-process rate limit check: GET /v1/me with one
    caller's token (every request on one bucket, the worst contention)
    against a loopd with limits off; and, for the choice in README, the
    bucket as one PostgreSQL upsert (unlogged, fsync off) per request."""
    off = start_loopd(PORT + 2, rate_limit="0")
    on_t = tokens_file(srv, srv["tokens"][:1])
    off_t = tokens_file(off, off["tokens"][:1])
    psql(srv, "CREATE UNLOGGED TABLE IF NOT EXISTS bench_buckets"
              " (k text PRIMARY KEY, level double precision, at timestamptz)")
    on, base, pg = interleave(lambda: wrk(srv["listen"], "/v1/me", on_t),
                              lambda: wrk(off["listen"], "/v1/me", off_t),
                              lambda: pgbench(srv, BUCKET_SQL, {}))
    stop(off)
    figure("11 GET /v1/me with rate limits / without", on, base, 0.90, ">=")
    figure("12 PostgreSQL bucket upsert alone (pgbench) / GET /v1/me with in-process limits",
           pg, on, None, "report")


def table():
    lines = ["| figure | req/s | p50 ms | p99 ms | baseline req/s | ratio | goal | pass |",
             "|---|---:|---:|---:|---:|---:|---|---|"]
    f = lambda v, d=0: "-" if v is None else ("%.*f" % (d, v))
    for r in RESULTS:
        v, b = r["value"], r["baseline"] or {}
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["figure"], f(v["rps"], 1 if "RSS" in r["figure"] else 0), f(v["p50"], 2),
            f(v["p99"], 2), f(b.get("rps")), f(r["ratio"], 2), r["goal"],
            {True: "yes", False: "**no**", None: "-"}[r["pass"]]))
    return "\n".join(lines)


def main():
    want = [BY_NUMBER.get(w, w) for w in sys.argv[1:]] or ALL
    unknown = set(want) - set(ALL)
    if unknown:
        sys.exit("unknown scenario(s) %s; known: %s" % (" ".join(sorted(unknown)), " ".join(ALL)))
    started = time.monotonic()
    log("loopd bench: %ds per run, median of %d interleaved runs, %d connections, %d loopd"
        " threads, %d cores" % (SECONDS, ROUNDS, CONNS, THREADS, os.cpu_count()))
    srv = start_loopd(PORT)
    hello = subprocess.Popen([BUILD + "/hello", str(PORT + 1), str(THREADS),
                              rubric_file(srv)])
    procs.append(hello)
    hello_listen = "127.0.0.1:%d" % (PORT + 1)
    run_reads(srv, hello_listen, want)
    me = sys.modules[__name__]
    loop3 = run_loop(srv) if "loop" in want else None
    if "packet" in want:
        bench_data.run_packet(me, srv, loop3 or seed_loop(srv)[1])
    if "list" in want or "packet-size" in want:
        bench_data.run_sizes(me, want)
    if "rss" in want:
        run_rss(srv)
    if "logins" in want:
        run_logins(srv)
    if "ratelimit" in want:
        run_ratelimit(srv)
    if "writes" in want:
        run_writes(srv)	# last: it turns fsync on for this cluster
    if "submit" in want:
        stop(srv)
        bench_data.run_submit(me)	# its own loopd, started with fsync on
    out = table()
    print(out)
    os.makedirs(os.path.join(ROOT, "bench"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results.json"), "w") as f:
        json.dump({"seconds": SECONDS, "rounds": ROUNDS, "connections": CONNS,
                   "threads": THREADS, "cores": os.cpu_count(), "results": RESULTS}, f, indent=1)
    log("total %.0f s" % (time.monotonic() - started))


if __name__ == "__main__":
    import urllib.parse
    try:
        main()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        if not os.environ.get("BENCH_KEEP"):
            import shutil
            for d in dirs:
                shutil.rmtree(d, ignore_errors=True)
