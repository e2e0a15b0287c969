"""Black-box tests of loopd as a service (issue 2): liveness, readiness and
the served OpenAPI document, metrics, logs, configuration, and the
database's life cycle: the embedded cluster, readiness and recovery while
it is down, migrations, restarts and crashes, a second loopd, signals,
interrupted start-ups, and an external database."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from harness import LOOPD_BIN, ROOT, pg_ctl, postgres_pids, tail
from helpers import problem_of

USERS = "/v1/users"


# -- liveness, readiness, the document ---------------------------------------


def test_healthz(api):
    r = api.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_readyz_when_ready(api):
    r = api.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready"}


def test_openapi_document_is_served(api):
    r = api.get("/v1/openapi.yaml")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/yaml")
    assert r.content == (ROOT / "openapi" / "openapi.yaml").read_bytes(), (
        "the served document differs from openapi/openapi.yaml (stale build?)")


# -- metrics -----------------------------------------------------------------


def metrics_text(loopd):
    """/metrics as served on the metrics listener (LOOP_METRICS_LISTEN)."""
    r = loopd.metrics()
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return r.text


def test_metrics_series(api, loopd):
    marker = "/no-such-route-" + uuid.uuid4().hex
    api.get(marker)
    api.get("/healthz")
    api.post("/healthz")
    text = metrics_text(loopd)
    for name in ("loopd_http_requests_total", "loopd_http_request_duration_seconds_bucket",
                 "loopd_http_request_duration_seconds_sum",
                 "loopd_http_request_duration_seconds_count", "loopd_db_connections_open",
                 "loopd_db_connections_busy", "loopd_db_errors_total",
                 "loopd_auth_failures_total"):
        assert re.search(rf"^{name}[{{ ]", text, re.M), f"{name} missing from /metrics"
    assert re.search(r'^loopd_http_requests_total\{(?=[^}]*route="/healthz")(?=[^}]*method="GET")'
                     r'(?=[^}]*status="200")', text, re.M), "no GET /healthz 200 request counter"
    assert re.search(r'^loopd_http_requests_total\{(?=[^}]*status="405")', text, re.M), (
        "no request counter for the 405")
    assert marker not in text, "an unmatched path became a label value (unbounded cardinality)"


def sample(text, series):
    """The value of one series line of /metrics (name and labels as served)."""
    m = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    assert m, f"{series} missing from /metrics"
    return float(m.group(1))


def test_metrics_describe_the_process_and_the_build(loopd):
    text = metrics_text(loopd)
    assert sample(text, "process_resident_memory_bytes") > 1 << 20
    assert 3 <= sample(text, "process_open_fds") <= sample(text, "process_max_fds")
    assert sample(text, "process_cpu_seconds_total") > 0
    started = sample(text, "process_start_time_seconds")
    assert time.time() - 3600 < started <= time.time() + 1, "start time is not the process's"
    version = subprocess.run([str(LOOPD_BIN), "--version"], capture_output=True,
                             text=True).stdout.split()[-1]
    m = re.search(r'^loopd_build_info\{version="([^"]+)",commit="([0-9a-f]+|unknown)"\} 1$',
                  text, re.M)
    assert m and m.group(1) == version, "no loopd_build_info naming this build"


def test_auth_failures_and_db_errors_carry_a_bounded_reason(api, loopd):
    before = metrics_text(loopd)
    missing = 'loopd_auth_failures_total{reason="token_missing"}'
    invalid = 'loopd_auth_failures_total{reason="token_invalid"}'
    assert api.get(USERS).status_code == 401
    for _ in range(2):
        assert api.get(USERS, headers={"Authorization": "Bearer not.a.token"}).status_code == 401
    after = metrics_text(loopd)
    assert sample(after, missing) >= sample(before, missing) + 1
    assert sample(after, invalid) >= sample(before, invalid) + 2
    reasons = set(re.findall(r'^loopd_auth_failures_total\{reason="(\w+)"\}', after, re.M))
    assert reasons == {"token_missing", "token_invalid", "password", "client", "refresh_token"}
    assert not re.search(r"^loopd_auth_failures_total ", after, re.M)
    kinds = set(re.findall(r'^loopd_db_errors_total\{reason="(\w+)"\}', after, re.M))
    assert kinds == {"unavailable", "timeout", "query"}


def test_promtool_accepts_metrics(api, loopd):
    promtool = shutil.which("promtool")
    if not promtool:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing (Debian package prometheus)")
        pytest.skip("promtool not installed (Debian package prometheus)")
    api.get("/healthz")
    api.get("/nope")
    text = metrics_text(loopd)
    out = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0 and not out.stdout.strip() and not out.stderr.strip(), (
        f"promtool check metrics: status {out.returncode}\n{out.stdout}{out.stderr}")


# -- logs --------------------------------------------------------------------


def test_log_lines_are_json_without_body_content(loopd):
    marker = "SECRET-BODY-" + uuid.uuid4().hex
    start = len(loopd.log_lines())
    api = loopd.api()
    ids = {}
    ids["get"] = "log-get-" + uuid.uuid4().hex[:8]
    api.get("/healthz", headers={"X-Request-Id": ids["get"]})
    ids["405"] = "log-405-" + uuid.uuid4().hex[:8]
    api.post("/healthz", data=marker, headers={"X-Request-Id": ids["405"]})
    ids["401"] = "log-401-" + uuid.uuid4().hex[:8]
    api.post(USERS, json={"name": marker, "password": marker}, headers={"X-Request-Id": ids["401"]})
    ids["404"] = "log-404-" + uuid.uuid4().hex[:8]
    api.get("/nope?q=" + marker, headers={"X-Request-Id": ids["404"]})
    try:
        admin = loopd.admin()
        r = admin.api.post(USERS, json={}, check=False)
        if r.status_code != 404:
            for i, body in enumerate([
                    json.dumps({"email": marker + "@x", "name": marker, "roles": [marker],
                                "password": marker}),
                    '{"name": "' + marker + '", broken',
                    json.dumps({"email": f"{marker.lower()}@example.test", "name": marker,
                                "roles": ["interviewer"], "password": marker})]):
                ids[f"admin{i}"] = f"log-admin{i}-" + uuid.uuid4().hex[:8]
                admin.api.post(USERS, data=body, headers={"Content-Type": "application/json",
                                                          "X-Request-Id": ids[f"admin{i}"]})
    except pytest.skip.Exception:
        pass
    time.sleep(0.3)
    lines = loopd.log_lines()[start:]
    seen = {}
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            pytest.fail(f"stderr line is not JSON: {line[:300]!r}")
        assert isinstance(entry, dict), line
        assert {"time", "level"} <= set(entry), f"log line lacks time/level: {line[:300]}"
        assert marker not in line, f"request content leaked into the log: {line[:300]}"
        assert marker.lower() not in line, f"request content leaked into the log: {line[:300]}"
        if entry.get("request_id") in ids.values():
            seen[entry["request_id"]] = entry
    for key, rid in ids.items():
        assert rid in seen, f"no log line for request {key} ({rid}); got {lines[-5:]}"
        entry = seen[rid]
        for field in ("request_id", "method", "route", "status", "duration_ms"):
            assert field in entry, f"log line for {key} lacks {field}: {entry}"
        assert int(entry["status"]) >= 200
        float(entry["duration_ms"])
    assert seen[ids["get"]]["route"] == "/healthz"
    assert seen[ids["get"]]["method"] == "GET"
    assert int(seen[ids["405"]]["status"]) == 405
    assert int(seen[ids["404"]]["status"]) == 404


# -- configuration -----------------------------------------------------------


def run_loopd(args=(), env=None, timeout=30):
    e = dict(os.environ)
    e.pop("LOOP_DATABASE_URL", None)
    e.update(env or {})
    return subprocess.run([LOOPD_BIN, *args], env=e, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def test_help_lists_settings():
    out = run_loopd(["--help"])
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    for name in ("LOOP_LISTEN", "LOOP_DATABASE_URL", "LOOP_DATA_DIR", "LOOP_THREADS",
                 "LOOP_MAX_BODY", "LOOP_LOG_LEVEL"):
        assert name in text, f"--help does not mention {name}"


def test_version():
    out = run_loopd(["--version"])
    assert out.returncode == 0, out.stderr
    m = re.search(r"project\(loopd VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text())
    assert m and m.group(1) in out.stdout, out.stdout


@pytest.mark.parametrize("name,value", [("LOOP_THREADS", "abc"), ("LOOP_MAX_BODY", "lots"),
                                        ("LOOP_MAX_BODY", "-5"), ("LOOP_LOG_LEVEL", "loud"),
                                        ("LOOP_LISTEN", "127.0.0.1:99999")])
def test_invalid_setting_exits_2(name, value):
    d = tempfile.mkdtemp(prefix="ld", dir="/tmp")
    try:
        out = run_loopd(env={name: value, "LOOP_DATA_DIR": d + "/never"})
        assert out.returncode == 2, f"status {out.returncode}\n{out.stdout}{out.stderr}"
        lines = [l for l in out.stderr.splitlines() if l.strip()]
        assert len(lines) == 1, f"expected a one-line error, got:\n{out.stderr}"
        assert name in lines[0]
        assert not Path(d, "never").exists(), "loopd created its data dir despite a bad setting"
    finally:
        shutil.rmtree(d, ignore_errors=True)


# -- the database: readiness, migrations, the embedded cluster ---------------


def test_embedded_cluster_layout(loopd, db):
    cur = db.cursor()
    cur.execute("SHOW listen_addresses")
    assert cur.fetchone()[0] == "", "the embedded cluster must not listen on TCP"
    cur.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'loopd_app'")
    assert cur.fetchone()[0] == 1
    cur.execute("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
    rows = cur.fetchall()
    files = sorted((ROOT / "db" / "migrations").glob("*.sql"))
    assert len(rows) == len(files) and rows, (rows, files)
    assert Path(loopd.data_dir, "postgres.log").exists()
    assert Path(loopd.socket_dir, ".s.PGSQL.5432").exists()


def poll(fn, timeout, what):
    """Calls fn until it returns something other than None or False;
    returns that (a requests.Response counts even when it is an error)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        last = fn()
        if last is not None and last is not False:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout}s")


def test_readyz_503_while_cluster_stopped_then_recovers(fresh_loopd):
    server = fresh_loopd()
    api = server.api()
    assert api.get("/readyz").status_code == 200
    pg_ctl(server.pgdata, "-m", "fast", "stop")
    r = poll(lambda: (lambda x: x if x.status_code == 503 else None)(api.get("/readyz")), 10,
             "/readyz did not answer 503 after the cluster stopped")
    problem_of(r, 503, "database_unavailable")
    assert int(r.headers["Retry-After"]) >= 0
    assert api.get("/healthz").status_code == 200, "liveness must not depend on the database"
    pg_ctl(server.pgdata, "-l", f"{server.data_dir}/postgres.log", "start")
    poll(lambda: api.get("/readyz").status_code == 200, 20,
         "/readyz did not recover after the cluster restarted")
    assert server.proc.poll() is None, "loopd exited"


def test_data_endpoint_503_while_cluster_stopped(fresh_loopd):
    server = fresh_loopd()
    admin = server.bootstrap()
    api = admin.api
    r = api.get(USERS)
    if r.status_code == 404 and r.json().get("code") == "not_found":
        pytest.skip("GET /v1/users is not implemented yet")
    assert r.status_code == 200
    pg_ctl(server.pgdata, "-m", "fast", "stop")
    r = poll(lambda: (lambda x: x if x.status_code == 503 else None)(api.get(USERS)), 10,
             "GET /v1/users did not answer 503 after the cluster stopped")
    problem_of(r, 503, "database_unavailable")
    assert "Retry-After" in r.headers
    pg_ctl(server.pgdata, "-l", f"{server.data_dir}/postgres.log", "start")
    poll(lambda: api.get(USERS).status_code == 200, 20,
         "GET /v1/users did not recover after the cluster restarted")


def test_first_write_after_a_database_restart_succeeds(fresh_loopd):
    server = fresh_loopd()
    boss = server.bootstrap()
    api = boss.api
    for _ in range(8):                  # every worker thread holds a connection now
        assert api.get("/v1/candidates").status_code == 200
    pg_ctl(server.pgdata, "-m", "fast", "-w", "stop")
    pg_ctl(server.pgdata, "-w", "-l", str(server.data_dir) + "/postgres.log", "start")
    statuses = [api.post("/v1/candidates", json={"name": f"After {i}",
                                                 "email": f"after{i}@example.test"}).status_code
                for i in range(8)]
    assert statuses == [201] * 8, statuses


def alive(pid):
    """True when pid runs (a zombie left for a non-reaping init is dead)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def assert_no_postgres(server):
    pids = postgres_pids(server.pgdata)
    assert not pids, f"postgres processes left behind for {server.pgdata}: {pids}"
    assert not Path(server.pgdata, "postmaster.pid").exists(), "postmaster.pid left behind"


def test_migration_checksum_mismatch_refuses_start(fresh_loopd):
    server = fresh_loopd()
    conn = server.db()
    cur = conn.cursor()
    cur.execute("SELECT version FROM schema_migrations ORDER BY version LIMIT 1")
    version = cur.fetchone()[0]
    cur.execute("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = %s", (version,))
    conn.close()
    server.stop()
    files = list((ROOT / "db" / "migrations").glob(f"{int(version):04d}_*.sql"))
    assert len(files) == 1, files
    server.start(wait=False)
    rc = server.wait_exit(60)
    err = server.stderr()
    assert rc != 0, "loopd started despite a changed migration"
    assert files[0].name in err, f"the error does not name {files[0].name}:\n{tail(server.stderr_path)}"
    assert_no_postgres(server)
    out = server.run("migrate")
    assert out.returncode != 0 and files[0].name in out.stderr, (
        f"loopd migrate accepted a changed migration: {out.returncode}\n{out.stderr}")
    assert_no_postgres(server)


def test_restart_on_existing_data_dir_and_after_a_crash(fresh_loopd):
    server = fresh_loopd()
    conn = server.db()
    conn.cursor().execute("CREATE TABLE test_survives (x int)")
    conn.close()
    server.stop()
    server.start()
    server.proc.kill()  # a crash: its cluster and pid files stay behind
    server.proc.wait()
    server.start()
    conn = server.db()
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM test_survives")
    conn.close()
    server.stop()
    assert_no_postgres(server)


def test_two_migrations_at_once(external_pg):
    """Two `loopd migrate` on one fresh database: the advisory lock
    serialises them; each migration is applied once."""
    procs = []
    dirs = []
    for _ in range(2):
        d = tempfile.mkdtemp(prefix="ld", dir="/tmp")
        dirs.append(d)
        env = dict(os.environ, LOOP_DATABASE_URL=external_pg.url, LOOP_DATA_DIR=d + "/unused",
                   LOOP_EMBEDDED_NOSYNC="1")
        procs.append(subprocess.Popen([LOOPD_BIN, "migrate"], env=env, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    try:
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
    for rc, err in results:
        assert rc == 0, f"loopd migrate exited {rc}:\n{err}"
    conn = external_pg.connect()
    cur = conn.cursor()
    cur.execute("SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version")
    rows = cur.fetchall()
    conn.close()
    assert rows and all(n == 1 for _, n in rows), rows
    assert len(rows) == len(list((ROOT / "db" / "migrations").glob("*.sql")))


def test_second_loopd_on_the_same_data_dir_is_refused(fresh_loopd):
    first = fresh_loopd()
    second = fresh_loopd(start=False, data_dir=first.data_dir)
    second.start(wait=False)
    rc = second.wait_exit(60)
    err = second.stderr()
    assert rc != 0
    assert first.data_dir in err, f"the error does not name the data dir:\n{err[-2000:]}"
    r = first.api().get("/readyz")
    assert r.status_code == 200, "the first loopd stopped serving"
    conn = first.db()
    conn.cursor().execute("SELECT 1")
    conn.close()
    first.stop()
    assert_no_postgres(first)


def test_external_database_url(external_pg, fresh_loopd):
    server = fresh_loopd(env={"LOOP_DATABASE_URL": external_pg.url})
    r = server.api().get("/readyz")
    assert r.status_code == 200
    assert not server.pgdata.exists(), "loopd initialised an embedded cluster despite LOOP_DATABASE_URL"
    assert not postgres_pids(server.data_dir), "loopd started a postgres of its own"
    conn = external_pg.connect()
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM schema_migrations")
    assert cur.fetchone()[0] == len(list((ROOT / "db" / "migrations").glob("*.sql")))
    conn.close()
    server.stop()
    # the external cluster is not loopd's to stop
    conn = external_pg.connect()
    conn.cursor().execute("SELECT 1")
    conn.close()


# -- start-up and shutdown ---------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_loopd_and_its_cluster(fresh_loopd, sig):
    server = fresh_loopd()
    pidfile = Path(server.pgdata, "postmaster.pid")
    postmaster = int(pidfile.read_text().split()[0])
    assert postgres_pids(server.pgdata), "no postgres found for the data dir while serving"
    server.stop(sig)
    assert_no_postgres(server)
    assert not alive(postmaster), f"postmaster {postmaster} still running"


def test_sigterm_drains_in_flight_requests(fresh_loopd):
    """Requests already being served when SIGTERM arrives still get answers."""
    server = fresh_loopd()
    api = server.api()
    results = []

    def worker():
        for _ in range(30):
            try:
                results.append(api.get("/readyz", check=False).status_code)
            except requests.ConnectionError:
                results.append("refused")
                return

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    server.stop()
    for t in threads:
        t.join(30)
    assert all(s in (200, 503, "refused") for s in results), results


def test_sigterm_during_startup_leaves_no_postgres(fresh_loopd):
    server = fresh_loopd(start=False)
    server.start(wait=False)
    time.sleep(1.5)                     # initdb or migrations are under way
    server.send_signal(signal.SIGTERM)
    assert server.wait_exit(timeout=60) == 0
    assert not postgres_pids(server.pgdata)


def wait_for_orphans(data_dir, limit=60.0):
    """Waits (bounded) until no initdb for data_dir is left: an orphaned
    initdb takes longer than any fixed sleep on a busy machine."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if subprocess.run(["pgrep", "-f", f"initdb.*{data_dir}"], capture_output=True).returncode:
            return
        time.sleep(0.2)


def test_interrupted_first_start_recovers(fresh_loopd):
    server = fresh_loopd(start=False)
    server.start(wait=False)
    time.sleep(0.5)                     # inside initdb
    server.proc.kill()
    server.proc.wait()
    wait_for_orphans(server.data_dir)   # initdb, orphaned, finishes on its own
    server.start()                      # must come up on a cluster of its own settings
    assert server.api().get("/readyz").status_code == 200
    conf = (server.pgdata / "postgresql.conf").read_text()
    assert "listen_addresses = ''" in conf
