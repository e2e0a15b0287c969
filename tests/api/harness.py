"""The machinery the fixtures in conftest.py are built from: a loopd process
on a free port with its own throw-away embedded PostgreSQL cluster, an HTTP
client whose every response is checked against openapi/openapi.yaml, users
who log in, and a separate cluster standing in for an external database.

Tests rarely import from here; they get these objects from fixtures
(`loopd`, `fresh_loopd`, `api`, `admin`, `org_admin`, `external_pg`). The
process-level tests (test_service.py) use the low-level pieces directly.

  Loopd            one loopd process: .start() .stop() .kill() .api(token)
                   .metrics() (GET /metrics on its own metrics listener)
                   .db() (owner connection) .raw(bytes) .run(*args) (other
                   `loopd` commands on the same data dir) .bootstrap() -> Admin
                   .admin() (first admin, made once) .stderr() .log_lines()
  Api              a requests.Session bound to one loopd; every response is
                   contract-checked unless the call passes check=False;
                   .as_user(token)
  Principal        a user who can log in: ids, credentials, .login(scope)
                   (a token response), .token (refreshed lazily), .headers,
                   .api (an Api sending the token)
  Admin            a Principal that can .make_user(roles=..., ...)
  ExternalCluster  a PostgreSQL cluster of the tests' own; .url is a
                   LOOP_DATABASE_URL for it, .connect() an owner connection
  RawResponse, read_raw_response(sock)   one HTTP/1.1 response read by hand
  pg_ctl, as_postgres, postgres_pids, short_tmpdir, free_port, tail
                   PostgreSQL and process odds and ends
  ROOT, LOOPD_BIN  the repository root and the binary under test

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
        self.metrics_port = free_port()
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
            "LOOP_METRICS_LISTEN": f"127.0.0.1:{self.metrics_port}",
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

    @property
    def metrics_url(self):
        """Base URL of the metrics listener (LOOP_METRICS_LISTEN)."""
        return f"http://127.0.0.1:{self.metrics_port}"

    def metrics(self):
        """GET /metrics from the metrics listener, contract-checked."""
        return Api(self.metrics_url).get("/metrics")

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

