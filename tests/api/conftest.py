"""Fixtures of the black-box API tests: real loopd processes on their own
throw-away embedded PostgreSQL clusters (harness.py), every response checked
against openapi/openapi.yaml (contract.py). Plain helpers are in helpers.py.

Run with Debian's interpreter: `pytest-3 tests/api` (ctest does, with
LOOPD_BIN set). Environment:
  LOOPD_BIN        the loopd binary (default <repo>/build/loopd)
  LOOP_SOURCE_DIR  the repository root (default: found from this file)

Servers and connections
  loopd        (session) the loopd most tests share
  fresh_loopd  factory of loopd processes of a test's own:
               fresh_loopd(env=None, start=True, data_dir=None) -> Loopd
  api          a client of the shared loopd without a token
  db           an autocommit owner connection to the shared database
  external_pg  a separate PostgreSQL cluster (.url for LOOP_DATABASE_URL)
  openapi      (session) the loaded contract checker
Organisations and people
  admin        (session) the shared loopd's first admin (an Admin)
  org_admin    (module) the admin of an organisation of the module's own:
               for state (users, audit chain, throttles) that must not mix
               with other modules'
  new_org      factory of fresh organisations: new_org(org=None, email=None)
  people       (module) one user per role in org_admin's organisation,
               keyed by role ("admin" is org_admin)
  team         (module) a helpers.Team: an organisation with a recruiter,
               hiring managers and interviewers, and factories of
               candidates, loops and rounds
  paged_lists  (module) three candidates with a draft loop each in the
               team's organisation, so every list has a second page
OAuth
  cc_client    (module) a confidential client of org_admin's organisation:
               client_credentials only, loops:read and candidates:read
               (a dict with id and client_secret)
  signing_key  (module) (kid, secret) of the shared loopd's current key
  forge        (module) a helpers.Forge of org_admin's real access token
The audit log and throttles
  audited      a helpers.Audited watching the shared loopd: one event per
               mutation, none for a refused request
  no_throttle_spill  ages failed logins out after each test; a module that
               fails logins takes it for all its tests with
               `pytestmark = pytest.mark.usefixtures("no_throttle_spill")`

The names harness.py and helpers.py export that lived in this file before
(`from conftest import iso, problem_of, Team, ...`) still import from here;
new tests import them from helpers (or harness).
"""

import uuid

import pytest

import contract
from harness import (ADMIN_PASSWORD, IS_ROOT, LOOPD_BIN, PG_BIN, ROOT, START_TIMEOUT, Admin,
                     Api, ExternalCluster, Loopd, Principal, RawResponse, as_postgres, free_port,
                     pg_bindir, pg_ctl, postgres_pids, read_raw_response, short_tmpdir, tail)
from helpers import (AUDIT_COLUMNS, ROLES, Audited, AuditWatch, Forge, Team, audit_head,
                     audit_rows, forget_login_failures, iso, problem_of, scan_database,
                     user_with_token, utcnow)

# Re-exported: these lived in this file before harness.py and helpers.py.
__all__ = ["ADMIN_PASSWORD", "IS_ROOT", "LOOPD_BIN", "PG_BIN", "ROOT", "START_TIMEOUT", "Admin",
           "Api", "ExternalCluster", "Loopd", "Principal", "RawResponse", "as_postgres",
           "free_port", "pg_bindir", "pg_ctl", "postgres_pids", "read_raw_response",
           "short_tmpdir", "tail", "AUDIT_COLUMNS", "Audited", "AuditWatch", "Team",
           "audit_head", "audit_rows", "forget_login_failures", "iso", "problem_of",
           "scan_database", "user_with_token", "utcnow"]


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


@pytest.fixture(scope="module")
def people(org_admin):
    """One user per role in the module's organisation (tokens made lazily)."""
    return {role: org_admin.make_user(roles=[role]) for role in ROLES if role != "admin"} | {
        "admin": org_admin}


@pytest.fixture
def no_throttle_spill(loopd):
    """Failed logins from 127.0.0.1 count toward the per-address limit of
    every test in the session: age them out after each test."""
    yield
    conn = loopd.db()
    try:
        forget_login_failures(conn)
    finally:
        conn.close()


# -- OAuth ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cc_client(org_admin):
    """A confidential client of the module's org: client_credentials only,
    loops:read and candidates:read. A dict with id and secret."""
    r = org_admin.api.post("/v1/clients", json={
        "name": "ats-sync", "grants": ["client_credentials"],
        "scopes": ["loops:read", "candidates:read"]})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def signing_key(loopd):
    """(kid, secret) of the shared loopd's one current signing key."""
    conn = loopd.db()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT kid, secret FROM signing_keys WHERE retired_at IS NULL")
            rows = cur.fetchall()
    finally:
        conn.close()
    assert len(rows) == 1, f"expected one signing key, got {len(rows)}"
    return rows[0][0], bytes(rows[0][1])


@pytest.fixture(scope="module")
def forge(loopd, org_admin, signing_key):
    """A Forge of the module admin's real access token: .sign(**claims) and
    .with_header(**fields) make look-alikes under the real key."""
    return Forge(org_admin.token, *signing_key)


# -- the audit log ------------------------------------------------------------------


@pytest.fixture
def audited(loopd):
    """An Audited watching the shared loopd (see Audited for how to use it)."""
    a = Audited(loopd)
    yield a
    a.close()


# -- scheduling -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def team(loopd):
    """A Team (an organisation of this module's own) on the shared loopd."""
    return Team(loopd)


@pytest.fixture(scope="module")
def paged_lists(team):
    """A few candidates, loops and audit events in the team's org, so every
    list below has a second page: {"tag", "candidates", "loops"}; the
    candidates are named "Pagina <tag> <i>" and each has a draft loop
    managed by team.hm."""
    tag = uuid.uuid4().hex[:8]
    cands = [team.candidate(name=f"Pagina {tag} {i}", email=f"pag{tag}{i}@example.test")
             for i in range(3)]
    loops = [team.loop(candidate_id=c["id"]) for c in cands]
    return {"tag": tag, "candidates": cands, "loops": loops}
