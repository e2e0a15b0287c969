#!/usr/bin/python3
"""Fault injection under a write load (issue 14).

Starts its own loopd on a throw-away embedded cluster (tests/api/harness.py)
and runs writers that create candidates, loops and past rounds and submit
scorecards, each request with an Idempotency-Key and retried with the same
key on errors and timeouts (bounded), as a careful integrator would.
Meanwhile, CYCLES times each: kill -9 loopd and start it again; kill -9 the
PostgreSQL postmaster (loopd's supervisor restarts it); kill -9 one backend
(PostgreSQL resets every session). Once: pg_ctl stop, 5 s down, pg_ctl
start. Then checks, reading the database: every acknowledged write exists
once, none exists twice, every org's audit chain verifies, /readyz is 200,
and no more database sessions are open than loopd's pool holds.

Prints one line of counts and exits 1 on any loss, duplicate, broken chain
or failed check:
  chaos: acknowledged=N retried=N lost=0 duplicated=0 chain_ok=true ...

Usage: LOOPD_BIN=build-test/loopd /usr/bin/python3 tests/chaos/chaos.py [cycles]
"""

import os
import random
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))

import requests  # noqa: E402

from grading import SD, complete  # noqa: E402
from harness import PG_BIN, Loopd, as_postgres  # noqa: E402
from helpers import H, M, Team, iso, utcnow  # noqa: E402

THREADS = 4             # loopd's workers (LOOP_THREADS): one database session each
HASH_THREADS = 1        # the password-hashing pool (LOOP_HASH_THREADS): one each
WEBHOOK_WORKERS = 2     # webhook delivery (LOOP_WEBHOOK_WORKERS): one each
# Every thread that touches the database keeps one session: the workers, the
# hashing pool, the webhook workers, the invalidation listener and the
# metrics listener's thread. More than that after the faults is a leak.
POOL = THREADS + HASH_THREADS + WEBHOOK_WORKERS + 2
WRITERS = 2             # concurrent writer clients
ATTEMPTS = 40           # a write is given up after this many tries ...
BACKOFF = (0.1, 1.0)    # ... waiting from 0.1 s, doubling, up to 1 s between them
REQUEST_TIMEOUT = 15    # above the statement timeout (10 s): a hung request is a failure
READY_WITHIN = 60       # a fault's recovery bound (measured: 1-3 s)
DOWN_FOR = 5            # the one planned PostgreSQL stop
MARGIN = 1.5               # a loaded 2-core machine's slack (load 10 seen) on the bounds:
DOWN_ANSWER_WITHIN = 1.0 + MARGIN  # 503 within a second while down ...
BACK_WITHIN = 2.0 + MARGIN         # ... and serving within 2 s once back
RETRYABLE = {500, 502, 503, 504}


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged = 0
        self.retried = 0
        self.unacknowledged = 0     # given up after ATTEMPTS: not acknowledged, may exist once
        self.refused = []           # a 4xx other than in-flight: a bug in loopd or here

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)


class Writer(threading.Thread):
    """Writes chains candidate -> loop -> round -> scorecard until told to stop;
    records each acknowledged write as (kind, id, tag)."""

    def __init__(self, team, counts, stop):
        super().__init__(daemon=True)
        self.team, self.counts, self.stop = team, counts, stop
        self.acked = []
        self.session = requests.Session()

    def write(self, who, method, path, body):
        """One idempotent write, retried with its key; the reply's JSON or None."""
        key = f"chaos-{uuid.uuid4()}"
        wait = BACKOFF[0]
        for attempt in range(ATTEMPTS):
            if attempt:
                self.counts.add(retried=1)
                time.sleep(wait)
                wait = min(wait * 2, BACKOFF[1])
            try:
                r = self.session.request(method, self.team.server.url + path, json=body,
                                         timeout=REQUEST_TIMEOUT,
                                         headers={"Idempotency-Key": key,
                                                  "Authorization": f"Bearer {who.token}"})
            except requests.RequestException:
                continue
            if r.status_code in RETRYABLE:
                continue
            if r.status_code == 409 and r.json().get("code") == "idempotency_in_flight":
                continue
            if 200 <= r.status_code < 300:
                self.counts.add(acknowledged=1)
                return r.json()
            self.counts.refused.append(f"{method} {path} -> {r.status_code} {r.text[:200]}")
            return None
        self.counts.add(unacknowledged=1)
        return None

    def chain(self):
        team, tag = self.team, uuid.uuid4().hex[:12]
        c = self.write(team.recruiter, "POST", "/v1/candidates",
                       {"name": f"Chaos {tag}", "email": f"chaos-{tag}@example.test"})
        if not c:
            return
        self.acked.append(("candidate", c["id"], tag))
        loop = self.write(team.recruiter, "POST", "/v1/loops",
                          {"position": f"Chaos {tag}", "candidate_id": c["id"],
                           "recruiter_id": team.recruiter.id, "hiring_manager_id": team.hm.id})
        if not loop:
            return
        self.acked.append(("loop", loop["id"], tag))
        iv = random.choice(team.iv)
        rnd = self.write(team.recruiter, "POST", f"/v1/loops/{loop['id']}/rounds",
                         round_body(team, iv))
        if not rnd:
            return
        self.acked.append(("round", rnd["id"], loop["id"]))
        if not self.write(iv, "PUT", f"/v1/rounds/{rnd['id']}/scorecard", complete()):
            return
        card = self.write(iv, "POST", f"/v1/rounds/{rnd['id']}/scorecard/submit", None)
        if card:
            self.acked.append(("scorecard", rnd["id"], iv.id))

    def run(self):
        while not self.stop.is_set():
            self.chain()


team_lock = threading.Lock()


def round_body(team, iv, minutes=10):
    """A finished round led by iv, at a past time no other chaos round has
    (as grading.past_round picks them), so its scorecard can be submitted."""
    with team_lock:
        end = getattr(team, "_past_before", None) or utcnow().replace(microsecond=0) - 2 * H
        team._past_before = end - (minutes + 1) * M
    return {"kind": SD, "starts_at": iso(end - minutes * M), "ends_at": iso(end),
            "interviewers": [{"user_id": iv.id, "role": "lead"}]}


# -- faults -------------------------------------------------------------------


def postmaster_pid(server):
    try:
        return int(Path(server.pgdata, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def wait_ready(server, timeout=READY_WITHIN):
    """Seconds until /readyz is 200; raises after timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if requests.get(server.url + "/readyz", timeout=2).status_code == 200:
                return time.monotonic() - start
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise AssertionError(f"loopd was not ready within {timeout}s")


def let_writes_happen(counts, n=3, timeout=10):
    """Waits until n more writes are acknowledged (bounded)."""
    target = counts.acknowledged + n
    deadline = time.monotonic() + timeout
    while counts.acknowledged < target and time.monotonic() < deadline:
        time.sleep(0.05)


def kill_loopd(server):
    server.kill()
    server.start(wait=False)
    return wait_ready(server)


def kill_postmaster(server):
    old = postmaster_pid(server)
    os.kill(old, signal.SIGKILL)
    start = time.monotonic()
    while postmaster_pid(server) in (old, None) and time.monotonic() - start < READY_WITHIN:
        time.sleep(0.05)
    return (time.monotonic() - start) + wait_ready(server)


def kill_backend(server):
    """kill -9 of one of loopd's sessions: PostgreSQL then ends every other
    session and recovers; loopd's workers reconnect."""
    conn = server.db()
    cur = conn.cursor()
    cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = 'loopd'"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                " ORDER BY usename = 'loopd_app' DESC, random() LIMIT 1")
    row = cur.fetchone()
    conn.close()
    assert row, "loopd holds no database session to kill"
    os.kill(row[0], signal.SIGKILL)
    return wait_ready(server)


def probe_while_down(server, token, seconds):
    """Asks for data for seconds while PostgreSQL is down: returns the slowest
    answer (s) and how many were not 503 with Retry-After."""
    slowest, wrong = 0.0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            r = requests.get(server.url + "/v1/candidates", timeout=REQUEST_TIMEOUT,
                             headers={"Authorization": f"Bearer {token}"})
            if r.status_code != 503 or "Retry-After" not in r.headers:
                wrong += 1
                print(f"chaos: while down: {r.status_code} {r.text[:200]}")
        except requests.RequestException as e:
            wrong += 1
            print(f"chaos: while down: {e!r}")
        slowest = max(slowest, time.monotonic() - start)
        time.sleep(0.1)
    return slowest, wrong


def stop_postgres(server, team, probes):
    """pg_ctl stop, DOWN_FOR seconds of probing, pg_ctl start; returns the
    seconds from the start until /readyz is 200."""
    pg = [f"{PG_BIN}/pg_ctl", "-D", str(server.pgdata), "-w"]
    out = as_postgres(pg + ["-m", "fast", "stop"])
    assert out.returncode == 0, out.stdout + out.stderr
    probes.append(probe_while_down(server, team.recruiter.token, DOWN_FOR))
    out = as_postgres(pg + ["-l", f"{server.data_dir}/postgres.log", "start"])
    assert out.returncode == 0, out.stdout + out.stderr
    return wait_ready(server)


# -- checks -------------------------------------------------------------------


def check_writes(server, acked):
    """(lost, duplicated) from the database, for the chaos org's rows."""
    lost = duplicated = 0
    conn = server.db()
    cur = conn.cursor()
    queries = {
        "candidate": "SELECT count(*) FROM candidates WHERE id = %s",
        "loop": "SELECT count(*) FROM loops WHERE id = %s",
        "round": "SELECT count(*) FROM rounds WHERE id = %s",
        "scorecard": "SELECT count(*) FROM scorecards WHERE round_id = %s AND author_id = %s"
                     " AND status = 'submitted'",
    }
    for kind, a, b in acked:
        cur.execute(queries[kind], (a, b) if kind == "scorecard" else (a,))
        lost += cur.fetchone()[0] != 1
    # Twice: the same write under one key stored again (every tag is unique).
    for sql in ("SELECT count(*) FROM (SELECT name FROM candidates WHERE name LIKE 'Chaos %%'"
                " GROUP BY name HAVING count(*) > 1) d",
                "SELECT count(*) FROM (SELECT position FROM loops WHERE position LIKE 'Chaos %%'"
                " GROUP BY position HAVING count(*) > 1) d",
                "SELECT count(*) FROM (SELECT r.loop_id FROM rounds r JOIN loops l"
                " ON l.org_id = r.org_id AND l.id = r.loop_id WHERE l.position LIKE 'Chaos %%'"
                " GROUP BY r.loop_id HAVING count(*) > 1) d",
                "SELECT count(*) FROM (SELECT round_id, author_id FROM scorecards"
                " GROUP BY round_id, author_id HAVING count(*) > 1) d"):
        cur.execute(sql)
        duplicated += cur.fetchone()[0]
    conn.close()
    return lost, duplicated


def chains_verify(server, team):
    conn = server.db()
    cur = conn.cursor()
    cur.execute("SELECT id FROM orgs")
    orgs = [r[0] for r in cur.fetchall()]
    conn.close()
    ok = True
    for org in orgs:
        out = server.run("audit", "verify", "--org", str(org))
        ok &= out.returncode == 0
    r = team.admin.api.get("/v1/audit-events/verify", check=False)
    return ok and r.status_code == 200 and r.json().get("ok") is True


def sessions(server):
    """loopd's sessions in pg_stat_activity, waiting (bounded) for a killed
    loopd's to go; returns (count, bound)."""
    bound = POOL
    deadline = time.monotonic() + 15
    while True:
        conn = server.db()
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = 'loopd'"
                    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        n = cur.fetchone()[0]
        conn.close()
        if n <= bound or time.monotonic() > deadline:
            return n, bound
        time.sleep(0.2)


def backend_kills_seen(server):
    """How many backends PostgreSQL saw killed (each resets every session)."""
    try:
        log = Path(server.data_dir, "postgres.log").read_text(errors="replace")
    except OSError:
        return 0
    return log.count("was terminated by signal 9")


def main():
    # 10 cycles of each fault, as issue 14 asks: about a minute on this
    # 2-core machine (README, Reliability), so scripts/test runs all 10.
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    server = Loopd(env={"LOOP_THREADS": str(THREADS), "LOOP_HASH_THREADS": str(HASH_THREADS),
                        "LOOP_WEBHOOK_WORKERS": str(WEBHOOK_WORKERS)})
    counts, stop = Counts(), threading.Event()
    recovery = {"loopd": [], "postmaster": [], "backend": [], "stop": []}
    ok = True
    started = time.monotonic()
    try:
        server.start()
        team = Team(server, interviewers=4)
        writers = [Writer(team, counts, stop) for _ in range(WRITERS)]
        for w in writers:
            w.start()
        let_writes_happen(counts, 5)
        for _ in range(cycles):
            for kind, fault in (("loopd", kill_loopd), ("postmaster", kill_postmaster),
                                ("backend", kill_backend)):
                recovery[kind].append(fault(server))
                let_writes_happen(counts)
        probes = []
        recovery["stop"].append(stop_postgres(server, team, probes))
        slowest, wrong = probes[0]
        let_writes_happen(counts)
        stop.set()
        for w in writers:
            w.join(ATTEMPTS * BACKOFF[1] + ATTEMPTS * REQUEST_TIMEOUT)
        acked = [a for w in writers for a in w.acked]
        lost, duplicated = check_writes(server, acked)
        chain_ok = chains_verify(server, team)
        ready = requests.get(server.url + "/readyz", timeout=5).status_code == 200
        n, bound = sessions(server)
        resets = backend_kills_seen(server)
        ok = resets >= cycles and not lost and not duplicated and chain_ok and ready and n <= bound \
            and not counts.refused and slowest < DOWN_ANSWER_WITHIN and not wrong \
            and recovery["stop"][0] < BACK_WITHIN
        worst = {k: max(v) for k, v in recovery.items() if v}
        print(f"chaos: acknowledged={counts.acknowledged} retried={counts.retried} "
              f"lost={lost} duplicated={duplicated} chain_ok={str(chain_ok).lower()} "
              f"(cycles={cycles}, unacknowledged={counts.unacknowledged}, "
              f"refused={len(counts.refused)}, backend kills seen={resets}, readyz={'200' if ready else 'not 200'}, "
              f"sessions={n}/{bound}, while down: slowest {slowest:.2f} s, "
              f"{wrong} not 503, worst recovery s: "
              + ", ".join(f"{k} {v:.1f}" for k, v in worst.items())
              + f", {time.monotonic() - started:.0f} s)")
        for line in counts.refused[:5]:
            print(f"chaos: refused: {line}")
        server.stop()
    except Exception as e:  # a fault that did not recover: say which, fail
        print(f"chaos: FAILED: {e!r}")
        print(server.stderr()[-2000:])
        ok = False
    finally:
        stop.set()
        server.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
