"""Fixtures for the black-box API tests: real loopd processes on their own
throw-away embedded PostgreSQL clusters, an HTTP client whose every response
is checked against openapi/openapi.yaml, owner access to the database, and
an admin (through `loopd admin bootstrap`).

Run with Debian's interpreter: `pytest-3 tests/api` (ctest does, with
LOOPD_BIN set). Environment:
  LOOPD_BIN        the loopd binary (default <repo>/build/loopd)
  LOOP_SOURCE_DIR  the repository root (default: found from this file)

Data dirs are short (/tmp/ldXXXXXX): the cluster's Unix socket path must fit
in 107 bytes, so never use pytest's tmp_path for them.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import requests

import contract

ROOT = contract.source_dir()
LOOPD_BIN = os.environ.get("LOOPD_BIN") or str(ROOT / "build" / "loopd")
IS_ROOT = os.geteuid() == 0
START_TIMEOUT = 60
ADMIN_PASSWORD = "correct-horse-battery-staple"


def pg_bindir():
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and Path(out.stdout.strip(), "pg_ctl").exists():
            return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return "/usr/lib/postgresql/15/bin"


PG_BIN = pg_bindir()


def as_postgres(argv, **kw):
    """Runs a PostgreSQL tool as the cluster's account (postgres when we are root)."""
    if IS_ROOT:
        argv = ["runuser", "-u", "postgres", "--"] + argv
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 60)
    return subprocess.run(argv, **kw)


def pg_ctl(pgdata, *args):
    """pg_ctl on a cluster as its account; asserts it worked."""
    out = as_postgres([f"{PG_BIN}/pg_ctl", "-D", str(pgdata), "-w", *args])
    assert out.returncode == 0, f"pg_ctl {' '.join(args)} failed:\n{out.stdout}{out.stderr}"
    return out


def postgres_pids(pgdata):
    """Pids of processes whose command line names the cluster directory."""
    out = subprocess.run(["pgrep", "-f", str(pgdata)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def short_tmpdir(prefix="ld"):
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(d, 0o755)
    return d


def tail(path, n=40):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no output)"


class RawResponse:
    """A response read off a socket by hand."""

    def __init__(self, status, reason, headers, body):
        self.status_code = status
        self.reason = reason
        self.headers = requests.structures.CaseInsensitiveDict(headers)
        self.content = body

    def json(self):
        return json.loads(self.content)

    def __repr__(self):
        return f"<RawResponse {self.status_code} {self.content[:200]!r}>"


def read_raw_response(sock, timeout=15):
    """Reads one HTTP/1.1 response (Content-Length, chunked or until close)."""
    sock.settimeout(timeout)
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a complete response head: {buf!r}")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    _, status, reason = (lines[0].split(" ", 2) + [""])[:3]
    headers = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        headers[k.strip()] = v.strip()
    low = {k.lower(): v for k, v in headers.items()}

    def more():
        c = sock.recv(65536)
        return c

    if "content-length" in low:
        n = int(low["content-length"])
        while len(rest) < n:
            c = more()
            if not c:
                break
            rest += c
        body = rest[:n]
    elif low.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            while b"\r\n" not in rest:
                rest += more()
            size_line, rest = rest.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(rest) < size + 2:
                rest += more()
            body += rest[:size]
            rest = rest[size + 2:]
            if size == 0:
                break
    else:
        while True:
            try:
                c = more()
            except (ConnectionResetError, socket.timeout):
                break
            if not c:
                break
            rest += c
        body = rest
    return RawResponse(int(status), reason, headers, body)


class Api:
    """A requests.Session bound to one loopd; every response is checked
    against the OpenAPI document unless the call passes check=False."""

    def __init__(self, base_url, token=None):
        self.base_url = base_url
        self.session = requests.Session()
        self.token = token

    def request(self, method, path, *, check=True, token=None, headers=None, timeout=30, **kw):
        headers = dict(headers or {})
        tok = token if token is not None else self.token
        if tok and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {tok}"
        r = self.session.request(method, self.base_url + path, headers=headers, timeout=timeout,
                                 allow_redirects=False, **kw)
        if check:
            contract.check(r)
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def as_user(self, token):
        """A client for the same server that sends this bearer token."""
        return Api(self.base_url, token=token)


class Principal:
    """A user who can log in: ids, credentials and a (refreshed) access token."""

    def __init__(self, server, org_id, user_id, client_id, email, password, roles):
        self.server = server
        self.org_id = org_id
        self.user_id = user_id
        self.id = user_id
        self.client_id = client_id
        self.email = email
        self.password = password
        self.roles = roles
        self._token = None
        self._token_at = 0.0

    def login(self, scope=None):
        """A fresh token response (dict) from the password grant."""
        form = {"grant_type": "password", "username": self.email, "password": self.password,
                "client_id": self.client_id}
        if scope:
            form["scope"] = scope
        r = self.server.api().post("/oauth/token", data=form)
        if r.status_code == 404 and r.headers.get("content-type", "").startswith(
                "application/problem+json") and r.json().get("code") == "not_found":
            pytest.skip("POST /oauth/token is not implemented yet")
        assert r.status_code == 200, f"login as {self.email} failed: {r.status_code} {r.text}"
        return r.json()

    @property
    def token(self):
        # Access tokens live 15 minutes; a long session takes a new one.
        if self._token is None or time.monotonic() - self._token_at > 600:
            self._token = self.login()["access_token"]
            self._token_at = time.monotonic()
        return self._token

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def api(self):
        return self.server.api(token=self.token)


class Admin(Principal):
    """The org's bootstrap admin; makes more users."""

    def make_user(self, roles=("interviewer",), email=None, name=None, password=None):
        """Creates a user in this org through POST /v1/users and returns a
        Principal (skips the test while the endpoint does not exist)."""
        email = email or f"u{uuid.uuid4().hex[:12]}@example.test"
        password = password or "pw-" + uuid.uuid4().hex
        body = {"email": email, "name": name or email.split("@")[0], "roles": list(roles),
                "password": password}
        r = self.api.post("/v1/users", json=body)
        if r.status_code == 404 and r.json().get("code") == "not_found":
            pytest.skip("POST /v1/users is not implemented yet")
        assert r.status_code == 201, f"creating a user failed: {r.status_code} {r.text}"
        return Principal(self.server, self.org_id, r.json()["id"], self.client_id, email,
                         password, list(roles))


class Loopd:
    """One loopd process serving HTTP on a free port, with its own data dir
    (an embedded cluster unless env sets LOOP_DATABASE_URL)."""

    def __init__(self, env=None, data_dir=None, port=None):
        self.port = port or free_port()
        self.own_dir = data_dir is None
        self.data_dir = data_dir or short_tmpdir()
        self.pgdata = Path(self.data_dir, "pg")
        self.socket_dir = Path(self.data_dir, "run")
        fd, self.stderr_path = tempfile.mkstemp(prefix="ld", suffix=".stderr", dir="/tmp")
        os.close(fd)
        fd, self.stdout_path = tempfile.mkstemp(prefix="ld", suffix=".stdout", dir="/tmp")
        os.close(fd)
        self.env = dict(os.environ)
        self.env.update({
            "LOOP_LISTEN": f"127.0.0.1:{self.port}",
            "LOOP_DATA_DIR": self.data_dir,
            "LOOP_EMBEDDED_NOSYNC": "1",
            "LOOP_LOG_LEVEL": "info",
        })
        self.env.pop("LOOP_DATABASE_URL", None)
        self.env.update(env or {})
        self.proc = None
        self.returncode = None
        self._admin = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def api(self, token=None):
        return Api(self.url, token=token)

    # -- process -------------------------------------------------------------

    def start(self, wait=True, args=()):
        assert Path(LOOPD_BIN).exists(), (
            f"loopd binary not found at {LOOPD_BIN}: build it or set LOOPD_BIN")
        self.returncode = None
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen([LOOPD_BIN, *args], env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self.returncode = rc
                raise AssertionError(
                    f"loopd exited with status {rc} before it was ready; stderr:\n"
                    f"{tail(self.stderr_path)}")
            try:
                r = requests.get(self.url + "/readyz", timeout=2)
                if r.status_code == 200:
                    return
                last = f"{r.status_code} {r.text[:200]}"
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.1)
        self.kill()
        raise AssertionError(
            f"loopd was not ready within {timeout}s (last /readyz: {last}); stderr:\n"
            f"{tail(self.stderr_path)}")

    def wait_exit(self, timeout=60):
        """Waits for the process to exit by itself; returns its status."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"loopd did not exit within {timeout}s; stderr:\n"
                                 f"{tail(self.stderr_path)}")
        return self.returncode

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=60, check=True):
        """Signals loopd and waits; asserts a clean exit (status 0)."""
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None:
                self.returncode = self.proc.returncode
            return self.returncode
        self.proc.send_signal(sig)
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"loopd did not exit within {timeout}s of {sig!r}; stderr:\n"
                                 f"{tail(self.stderr_path)}")
        if check:
            assert self.returncode == 0, (
                f"loopd exited with status {self.returncode} after {sig!r}; stderr:\n"
                f"{tail(self.stderr_path)}")
        return self.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def cleanup(self):
        """Kills whatever is left (loopd, its cluster) and deletes the files."""
        self.kill()
        if self.own_dir and Path(self.pgdata, "postmaster.pid").exists():
            as_postgres([f"{PG_BIN}/pg_ctl", "-D", str(self.pgdata), "-w", "-m", "immediate",
                         "stop"])
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        for p in (self.stderr_path, self.stdout_path):
            try:
                os.unlink(p)
            except OSError:
                pass

    # -- output --------------------------------------------------------------

    def stderr(self):
        with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def log_lines(self):
        """stderr split into lines (each should be one JSON object)."""
        return [l for l in self.stderr().splitlines() if l.strip()]

    # -- other commands on the same data dir --------------------------------

    def run(self, *args, env=None, timeout=120, input=None):
        """Runs `loopd ARGS` with this server's environment; returns the
        CompletedProcess (text mode)."""
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run([LOOPD_BIN, *args], env=e, capture_output=True, text=True,
                              timeout=timeout, input=input, stdin=None if input else subprocess.DEVNULL)

    def db(self):
        """An autocommit owner connection to the embedded database."""
        conn = psycopg2.connect(host=str(self.socket_dir), user="loopd_owner", dbname="loopd",
                                connect_timeout=10)
        conn.autocommit = True
        return conn

    def raw(self, data, timeout=15, read=True):
        """Sends bytes on a new connection and reads one response."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            return read_raw_response(s, timeout) if read else None

    def bootstrap(self, org=None, email=None, name="Admin", password=ADMIN_PASSWORD):
        """`loopd admin bootstrap` into this server's database; returns an
        Admin. Skips the test while the command does not exist."""
        org = org or f"org-{uuid.uuid4().hex[:8]}"
        email = email or f"admin-{uuid.uuid4().hex[:8]}@example.test"
        out = self.run("admin", "bootstrap", "--org", org, "--email", email, "--name", name,
                       env={"LOOP_ADMIN_PASSWORD": password})
        if out.returncode != 0 and "unknown command" in (out.stderr + out.stdout).lower():
            pytest.skip("`loopd admin bootstrap` is not implemented yet")
        assert out.returncode == 0, (
            f"loopd admin bootstrap exited {out.returncode}:\n{out.stdout}{out.stderr}")
        ids = json.loads(out.stdout.strip().splitlines()[-1])
        return Admin(self, ids["org_id"], ids["user_id"], ids["client_id"], email, password,
                     ["admin"])

    def admin(self):
        """This server's first admin (bootstrapped on first use)."""
        if self._admin is None:
            self._admin = self.bootstrap()
        return self._admin


class ExternalCluster:
    """A PostgreSQL cluster of the tests' own (Unix socket only), standing in
    for a production server reached through LOOP_DATABASE_URL."""

    def __init__(self, user="loopd_ext"):
        self.dir = short_tmpdir("lx")
        self.pgdata = Path(self.dir, "pg")
        self.user = user
        if IS_ROOT:
            shutil.chown(self.dir, "postgres", "postgres")
        out = as_postgres([f"{PG_BIN}/initdb", "-D", str(self.pgdata), "-U", user, "-A", "trust",
                           "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
        assert out.returncode == 0, f"initdb failed:\n{out.stdout}{out.stderr}"
        pg_ctl(self.pgdata, "-l", f"{self.dir}/postgres.log",
               "-o", f"-c listen_addresses='' -k {self.dir} -c fsync=off", "start")
        out = as_postgres([f"{PG_BIN}/createdb", "-h", self.dir, "-U", user, "loopd"])
        assert out.returncode == 0, f"createdb failed:\n{out.stdout}{out.stderr}"
        self.url = f"postgresql:///loopd?host={self.dir}&user={user}"

    def connect(self):
        conn = psycopg2.connect(host=self.dir, user=self.user, dbname="loopd", connect_timeout=10)
        conn.autocommit = True
        return conn

    def close(self):
        if Path(self.pgdata, "postmaster.pid").exists():
            as_postgres([f"{PG_BIN}/pg_ctl", "-D", str(self.pgdata), "-w", "-m", "fast", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


# -- fixtures -----------------------------------------------------------------


@pytest.fixture(scope="session")
def loopd():
    """The loopd most tests share (startup costs about two seconds)."""
    server = Loopd()
    try:
        server.start()
        yield server
        server.stop()
    finally:
        server.cleanup()


@pytest.fixture
def fresh_loopd():
    """A factory for loopd processes of a test's own:
    fresh_loopd(env=None, start=True, data_dir=None) -> Loopd."""
    made = []

    def make(env=None, start=True, data_dir=None):
        server = Loopd(env=env, data_dir=data_dir)
        made.append(server)
        if start:
            server.start()
        return server

    yield make
    errors = []
    for server in reversed(made):
        try:
            if server.proc is not None and server.proc.poll() is None:
                server.stop()
        except AssertionError as e:
            errors.append(str(e))
        finally:
            server.cleanup()
    assert not errors, "\n".join(errors)


@pytest.fixture
def api(loopd):
    """A client of the shared loopd; every response is contract-checked."""
    return loopd.api()


@pytest.fixture
def db(loopd):
    """An autocommit owner connection to the shared loopd's database."""
    conn = loopd.db()
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def admin(loopd):
    """The shared loopd's admin: .org_id .user_id .client_id .token .api
    .make_user(roles=[...]). Skips while bootstrap is not implemented."""
    return loopd.admin()


@pytest.fixture
def external_pg():
    """A separate PostgreSQL cluster; .url is a LOOP_DATABASE_URL for it."""
    cluster = ExternalCluster()
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="session")
def openapi():
    """The loaded contract checker (contract.Contract)."""
    return contract.contract()


def pytest_terminal_summary(terminalreporter):
    c = contract._contract
    if c is not None and c.exercised:
        terminalreporter.write_sep("-", "OpenAPI contract coverage")
        for line in c.coverage_lines():
            terminalreporter.write_line(line)


# -- identity helpers (issue 4) -------------------------------------------------

import contextlib  # noqa: E402  (appended section)


def user_with_token(admin, roles=("interviewer",), scope=None):
    """Creates a user with these roles in admin's organisation and logs in:
    returns (Principal, access token). With scope, the token asks for it."""
    p = admin.make_user(roles=roles)
    if scope is None:
        return p, p.token
    return p, p.login(scope=scope)["access_token"]


@pytest.fixture(scope="module")
def org_admin(loopd):
    """The admin of an organisation of this test module's own (bootstrapped
    on the shared loopd): use it where a module's state (users, audit chain,
    throttles) must not mix with other modules'."""
    return loopd.bootstrap()


@pytest.fixture
def new_org(loopd):
    """A factory of fresh organisations on the shared loopd:
    new_org(org=None, email=None) -> Admin."""
    return loopd.bootstrap


def forget_login_failures(conn, key=None):
    """Ages failed-login counters (all, or one key such as
    "acct:<org>:<user id>" or "addr:127.0.0.1") past the 15-minute window, as
    the owner, so throttling of one test cannot spill into the next: every
    test's failed logins from 127.0.0.1 count toward the per-address limit."""
    with conn.cursor() as cur:
        cur.execute("UPDATE login_failures SET failed_at = failed_at - interval '16 minutes'"
                    " WHERE %s::text IS NULL OR key = %s", (key, key))


# -- audit helpers (issue 3) ----------------------------------------------------

AUDIT_COLUMNS = ("seq", "occurred_at", "actor_type", "actor_id", "action", "entity_type",
                 "entity_id", "request_id", "source", "changes", "prev_hash", "hash")


def _org_id(org):
    return org if isinstance(org, str) else org.org_id


def audit_rows(conn, org, after_seq=0):
    """The organisation's audit events with seq > after_seq, read as the
    owner, in seq order: dicts with the API's field names (changes parsed,
    occurred_at as the API formats it)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT seq, to_char(occurred_at AT TIME ZONE 'UTC',"
            " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor_type, actor_id::text, action,"
            " entity_type, entity_id, request_id, source, changes, prev_hash, hash"
            " FROM audit_events WHERE org_id = %s AND seq > %s ORDER BY seq",
            (_org_id(org), after_seq))
        rows = [dict(zip(AUDIT_COLUMNS, r)) for r in cur.fetchall()]
    for r in rows:
        r["changes"] = json.loads(r["changes"])
    return rows


def audit_head(conn, org):
    """(seq, hash) of the organisation's last event; (0, None) without one."""
    with conn.cursor() as cur:
        cur.execute("SELECT seq, hash FROM audit_events WHERE org_id = %s ORDER BY seq DESC"
                    " LIMIT 1", (_org_id(org),))
        row = cur.fetchone()
    return (row[0], row[1]) if row else (0, None)


class AuditWatch:
    """What one `audited` block saw. Inside the block set .response (the
    response of the audited request; `audited.request` does it) and, when
    the entity id is only known from the response, .entity_id. After the
    block: .events (all new events of the org) and .event (the expected one)."""

    def __init__(self):
        self.response = None
        self.entity_id = None
        self.events = []
        self.event = None


class Audited:
    """Counts an organisation's audit events around a request (issue 3:
    "each mutating endpoint writes exactly one event, in the same
    transaction"). Use it around EVERY black-box request that mutates, so
    later endpoints are covered by default:

        def test_create_loop(admin, audited):
            api = admin.api                     # get tokens BEFORE the block:
            with audited(admin, "loop.created", entity_type="loop") as w:
                w.response = r = api.post("/v1/loops", json=body)
                assert r.status_code == 201
                w.entity_id = r.json()["id"]
            assert w.event["changes"]["position"] == body["position"]

        # or in one call (asserts the status, returns (response, event)):
        r, ev = audited.request(admin.api, "POST", "/v1/loops", org=admin,
                                action="loop.created", entity_type="loop",
                                entity_id=lambda r: r.json()["id"], status=201, json=body)

        # a refused request (4xx) must write no change event:
        with audited.none(admin):
            r = admin.api.post("/v1/loops", json={})
            assert r.status_code == 422

    `audited(org, action, entity_type=None, entity_id=None, count=1,
    actor_id=None, ignore=())` asserts that exactly `count` events were
    appended to org's chain during the block, all with `action`, and (when
    given) `entity_type`, `entity_id` (a string, or a function of
    .response) and `actor_id`; that each carries the response's
    X-Request-Id (proof it was written by that request); and that the
    chain continues from the previous head. `ignore` lists actions to leave
    out of the count (e.g. "login.succeeded" when a lazy login happens in
    the block: better take `principal.token` before it).

    `audited.none(org, allow=("access.denied",))` asserts that no event
    other than the allowed actions was appended (a 403 writes
    `access.denied`, which is not a change event).

    org is an org id or anything with .org_id (Admin, Principal). The
    `audited` fixture watches the shared loopd; for another server use
    Audited(server)."""

    def __init__(self, server):
        self.server = server
        self._conn = None

    @property
    def conn(self):
        if self._conn is None or self._conn.closed:
            self._conn = self.server.db()
        return self._conn

    def close(self):
        if self._conn is not None and not self._conn.closed:
            self._conn.close()

    @contextlib.contextmanager
    def __call__(self, org, action, entity_type=None, entity_id=None, count=1, actor_id=None,
                 ignore=()):
        org_id = _org_id(org)
        before_seq, before_hash = audit_head(self.conn, org_id)
        w = AuditWatch()
        yield w
        w.events = audit_rows(self.conn, org_id, before_seq)
        if w.events and before_hash is not None:
            assert w.events[0]["prev_hash"] == before_hash, (
                "the new event does not continue the chain from the previous head")
        counted = [e for e in w.events if e["action"] not in ignore]
        summary = [(e["seq"], e["action"], e["entity_type"], e["entity_id"]) for e in w.events]
        status = w.response.status_code if w.response is not None else None
        assert len(counted) == count, (
            f"expected exactly {count} audit event(s) {action!r} in org {org_id}"
            f" (response status {status}), got {len(counted)}: {summary}")
        want_entity = w.entity_id
        if want_entity is None and entity_id is not None:
            want_entity = entity_id(w.response) if callable(entity_id) else entity_id
        rid = w.response.headers.get("X-Request-Id") if w.response is not None else None
        for e in counted:
            assert e["action"] == action, f"expected action {action!r}, got {summary}"
            if entity_type is not None:
                assert e["entity_type"] == entity_type, (
                    f"expected entity_type {entity_type!r}, got {summary}")
            if want_entity is not None:
                assert e["entity_id"] == want_entity, (
                    f"expected entity_id {want_entity!r}, got {summary}")
            if actor_id is not None:
                assert e["actor_id"] == actor_id, f"expected actor {actor_id}, got {e}"
            if rid is not None:
                assert e["request_id"] == rid, (
                    f"event {e['seq']} has request_id {e['request_id']!r}, the response "
                    f"X-Request-Id is {rid!r}")
        w.event = counted[0] if counted else None

    @contextlib.contextmanager
    def none(self, org, allow=("access.denied",)):
        org_id = _org_id(org)
        before_seq, _ = audit_head(self.conn, org_id)
        w = AuditWatch()
        yield w
        w.events = audit_rows(self.conn, org_id, before_seq)
        bad = [(e["seq"], e["action"], e["entity_type"], e["entity_id"]) for e in w.events
               if e["action"] not in allow]
        assert not bad, f"a refused request wrote audit events in org {org_id}: {bad}"

    def request(self, api, method, path, *, org, action, entity_type=None, entity_id=None,
                status=None, actor_id=None, **kw):
        """Sends one request through api inside audited(...); asserts the
        status when given; returns (response, event)."""
        with self(org, action, entity_type=entity_type, entity_id=entity_id,
                  actor_id=actor_id) as w:
            w.response = r = api.request(method, path, **kw)
            if status is not None:
                assert r.status_code == status, (
                    f"{method} {path}: expected {status}, got {r.status_code}: {r.text[:500]}")
        return r, w.event


@pytest.fixture
def audited(loopd):
    """An Audited watching the shared loopd (see Audited for how to use it)."""
    a = Audited(loopd)
    yield a
    a.close()


# -- scheduling helpers (issue 6) -----------------------------------------------

import datetime as _dt  # noqa: E402  (appended section)
import itertools as _itertools  # noqa: E402


def iso(t):
    """RFC 3339 UTC text of an aware datetime, as loopd answers it."""
    t = t.astimezone(_dt.timezone.utc)
    if t.microsecond:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow():
    return _dt.datetime.now(_dt.timezone.utc)


class Team:
    """An organisation of its own on a loopd, with one user per role and a
    few interviewers, logged in once (argon2 logins cost ~50 ms each):

        .admin .recruiter .hm .hm2 (hiring managers) .iv (list of
        interviewers, .iv[0] ...) .org_id; .api(who) a client sending who's
        token (default the recruiter).

    Factories that assert success and return the JSON body:
        .candidate(**fields)      POST /v1/candidates
        .loop(**fields)           POST /v1/loops (a new candidate unless
                                  candidate_id is given; hiring manager .hm)
        .round(loop_id, start=None, minutes=60, interviewers=((user, role),),
               unscheduled=False, **fields)
                                  POST /v1/loops/{id}/rounds (kind
                                  system_design unless given); start=None
                                  takes the next free .slot(); unscheduled=True
                                  sends no times
    .slot(minutes=60) -> (start, end) datetimes: a time in the future that no
    other slot of this team overlaps, so tests of one module never collide
    by accident."""

    def __init__(self, server, interviewers=4):
        self.server = server
        self.admin = server.bootstrap()
        self.org_id = self.admin.org_id
        self.recruiter = self.admin.make_user(roles=("recruiter",))
        self.hm = self.admin.make_user(roles=("hiring_manager",))
        self.hm2 = self.admin.make_user(roles=("hiring_manager",))
        self.iv = [self.admin.make_user(roles=("interviewer",)) for _ in range(interviewers)]
        base = _dt.datetime(2031, 3, 3, 8, 0, tzinfo=_dt.timezone.utc)
        self._slots = (base + _dt.timedelta(hours=6 * i) for i in _itertools.count())
        for p in [self.admin, self.recruiter, self.hm, self.hm2, *self.iv]:
            p.token  # log in now, once

    def api(self, who=None):
        return self.server.api(token=(who or self.recruiter).token)

    def slot(self, minutes=60):
        start = next(self._slots)
        return start, start + _dt.timedelta(minutes=minutes)

    def candidate(self, who=None, **fields):
        tag = uuid.uuid4().hex[:10]
        body = {"name": f"Candidate {tag}", "email": f"c{tag}@example.test"}
        body.update(fields)
        r = self.api(who).post("/v1/candidates", json=body)
        assert r.status_code == 201, f"creating a candidate failed: {r.status_code} {r.text}"
        return r.json()

    def loop(self, who=None, **fields):
        body = {"position": "Backend engineer", "recruiter_id": self.recruiter.id,
                "hiring_manager_id": self.hm.id}
        body.update(fields)
        if "candidate_id" not in body:
            body["candidate_id"] = self.candidate()["id"]
        r = self.api(who).post("/v1/loops", json=body)
        assert r.status_code == 201, f"creating a loop failed: {r.status_code} {r.text}"
        return r.json()

    def round(self, loop_id, start=None, minutes=60, interviewers=(), who=None, **fields):
        body = {"kind": "system_design"}
        unscheduled = fields.pop("unscheduled", False)
        if start is None and "starts_at" not in fields and not unscheduled:
            start, _ = self.slot(minutes)
        if start is not None:
            body["starts_at"] = iso(start)
            body["ends_at"] = iso(start + _dt.timedelta(minutes=minutes))
        body["interviewers"] = [{"user_id": getattr(u, "id", u), "role": role}
                                for u, role in interviewers]
        body.update(fields)
        r = self.api(who).post(f"/v1/loops/{loop_id}/rounds", json=body)
        assert r.status_code == 201, f"creating a round failed: {r.status_code} {r.text}"
        return r.json()


@pytest.fixture(scope="module")
def team(loopd):
    """A Team (an organisation of this module's own) on the shared loopd."""
    return Team(loopd)


def problem_of(r, status, code):
    """Asserts r is a problem document with this status and code; returns it."""
    assert r.status_code == status, (
        f"expected {status} {code}, got {r.status_code}: {r.content[:600]!r}")
    assert r.headers.get("content-type", "").startswith("application/problem+json"), (
        r.headers.get("content-type"))
    body = r.json()
    assert body.get("code") == code, f"expected code {code}, got {body}"
    return body


_TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb", "ARRAY", "name",
               "USER-DEFINED", "bytea", "xml")


def scan_database(db, needles):
    """(table, column, needle) for every needle found (case-insensitive) in
    any text-like column (text, varchar, json, jsonb, arrays, bytea, ...) of
    any table of the public schema, read through db (an owner connection):
    the check that erased personal data or a secret shown once is stored
    nowhere in clear."""
    with db.cursor() as cur:
        cur.execute("SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
                    " JOIN information_schema.tables t ON t.table_schema = c.table_schema"
                    "  AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'"
                    " WHERE c.table_schema = 'public' AND c.data_type = ANY(%s)"
                    " ORDER BY 1, 2", (list(_TEXT_TYPES),))
        columns = cur.fetchall()
        assert columns, "no text columns found in the public schema"
        found = []
        for table, column, dtype in columns:
            expr = (f"encode(\"{column}\", 'escape')" if dtype == "bytea"
                    else f"\"{column}\"::text")
            for needle in needles:
                cur.execute(f"SELECT count(*) FROM \"{table}\" WHERE {expr} ILIKE %s",
                            ("%" + needle.replace("\\", "\\\\").replace("%", r"\%")
                             .replace("_", r"\_") + "%",))
                if cur.fetchone()[0]:
                    found.append((table, column, needle))
    return found
