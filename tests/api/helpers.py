"""Plain helpers the API tests share (import them: `from helpers import ...`).
Fixtures live in conftest.py; the loopd process, the HTTP client and the
users (Loopd, Api, Principal, Admin) in harness.py.

Time
  iso(t)          RFC 3339 UTC text of an aware datetime, as loopd answers it
  utcnow()        the current aware UTC datetime
  H, M            one hour, one minute (timedelta)
Answers
  problem_of(r, status, code)   asserts a problem document (status, content
                  type, code, the Problem schema); returns its body
  oauth_error(r, status, error) asserts an RFC 6749 error answer; returns it
  assert_invalid_token(r)       asserts 401 invalid_token with its challenge
Lists
  ids(rows)       the "id" of each row
  walk(api, path, params=None, limit=50) -> (rows, pages): every page of a
                  list, following next_cursor
  page_all(api, path, limit=50, **params) -> rows: the same, rows only
  first_cursor(api, path, params=None)  the next_cursor of a one-row page
The database (owner connections: the `db` fixture or Loopd.db())
  count(db, sql, *args)          the first column of the first row
  scan_database(db, needles)     where any needle is stored in a text column
  forget_login_failures(conn, key=None)  ages failed-login counters out
Identity and OAuth
  user_with_token(admin, roles, scope=None) -> (Principal, access token)
  TOKEN, REVOKE, INTROSPECT      the form endpoints' paths
  post_form(server, path, form, auth=None, headers=None, check=True)
  password_form(p, ...), refresh_form(p, refresh_token, ...)  grant forms
  me(server, token)              GET /v1/me with that token
  ALL_SCOPES, ROLE_SCOPES, ROLES, canonical_scopes(scopes)  the scope
                  policy of DESIGN.md section 1, independent of the C table
  b64u, unb64u, compact, jwt_sign, jwt_parts, Forge, DROP, NOW  (tokens.py)
                  taking tokens apart and signing look-alikes (the `forge`
                  fixture is a Forge of a real admin token)
Polling
  wait_for(fn, bound=10.0)       polls fn until true or bound seconds pass
The audit log
  audit_rows(conn, org, after_seq=0), audit_head(conn, org)  read as owner
  Audited, AuditWatch            one event per mutation (the `audited` fixture)
  all_events(api, query="")      every event through GET /v1/audit-events
  verdict(admin)                 GET /v1/audit-events/verify's body
  EVENTS, VERIFY, GENESIS        paths and the first prev_hash
Scheduling
  Team            an organisation with a user per role and factories of
                  candidates, loops and rounds (the `team` fixture)
"""

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import time
import uuid

import contract
from tokens import DROP, NOW, Forge, b64u, compact, jwt_parts, jwt_sign, unb64u  # noqa: F401

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
PROBLEM = "application/problem+json"
TOKEN = "/oauth/token"
REVOKE = "/oauth/revoke"
INTROSPECT = "/oauth/introspect"
EVENTS = "/v1/audit-events"
VERIFY = "/v1/audit-events/verify"
GENESIS = "0" * 64


# -- time ----------------------------------------------------------------------


def iso(t):
    """RFC 3339 UTC text of an aware datetime, as loopd answers it."""
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


# -- answers -------------------------------------------------------------------


def problem_of(r, status, code):
    """Asserts r (a requests or a raw response) is a problem document with
    this status and code, whose body says the same status and matches the
    Problem schema; returns the body."""
    assert r.status_code == status, (
        f"expected {status} {code}, got {r.status_code}: {r.content[:600]!r}")
    assert r.headers.get("content-type", "").startswith(PROBLEM), (
        r.headers.get("content-type"))
    body = json.loads(r.content)
    assert body.get("code") == code, f"expected code {code}, got {body}"
    assert body["status"] == status
    contract.validate(body, "Problem")
    return body


def oauth_error(r, status, error):
    """Asserts r is an RFC 6749 error with this status and code; returns the body."""
    assert r.status_code == status, f"expected {status} {error}, got {r.status_code}: {r.text}"
    assert r.headers["Content-Type"].startswith("application/json"), r.headers["Content-Type"]
    body = r.json()
    assert body["error"] == error, body
    assert set(body) == {"error", "error_description"}, body
    assert r.headers.get("Cache-Control") == "no-store"
    return body


def assert_invalid_token(r):
    problem_of(r, 401, "invalid_token")
    challenge = r.headers.get("WWW-Authenticate", "")
    assert challenge.startswith("Bearer") and 'error="invalid_token"' in challenge, challenge


# -- lists ---------------------------------------------------------------------


def ids(rows):
    return [r["id"] for r in rows]


def walk(api, path, params=None, limit=50):
    """Every page of a list from the first: (rows, number of pages). Each
    page must answer 200 and hold at most `limit` rows."""
    rows, cursor, pages = [], None, 0
    while True:
        q = dict(params or {}, limit=limit)
        if cursor:
            q["cursor"] = cursor
        r = api.get(path, params=q)
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        assert len(body["data"]) <= limit
        rows += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            return rows, pages
        assert pages < 100, "pagination does not end"


def page_all(api, path, limit=50, **params):
    """Every row of a list, following next_cursor."""
    return walk(api, path, params, limit)[0]


def first_cursor(api, path, params=None):
    r = api.get(path, params=dict(params or {}, limit=1))
    assert r.status_code == 200, r.text
    cursor = r.json()["next_cursor"]
    assert cursor, f"{path} {params}: expected a next page"
    return cursor


# -- the database --------------------------------------------------------------


def count(db, sql, *args):
    with db.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


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


def forget_login_failures(conn, key=None):
    """Ages failed-login counters (all, or one key such as
    "acct:<org>:<user id>" or "addr:127.0.0.1") past the 15-minute window, as
    the owner, so throttling of one test cannot spill into the next: every
    test's failed logins from 127.0.0.1 count toward the per-address limit."""
    with conn.cursor() as cur:
        cur.execute("UPDATE login_failures SET failed_at = failed_at - interval '16 minutes'"
                    " WHERE %s::text IS NULL OR key = %s", (key, key))


# -- identity and OAuth --------------------------------------------------------


def user_with_token(admin, roles=("interviewer",), scope=None):
    """Creates a user with these roles in admin's organisation and logs in:
    returns (Principal, access token). With scope, the token asks for it."""
    p = admin.make_user(roles=roles)
    if scope is None:
        return p, p.token
    return p, p.login(scope=scope)["access_token"]


ALL_SCOPES = ("candidates:read candidates:write loops:read loops:write scorecards:write "
              "decisions:read decisions:write rubrics:write audit:read users:admin webhooks:admin").split()

# The policy as DESIGN.md section 1 and auth/scope.h state it: an oracle
# independent of the C table.
ROLE_SCOPES = {
    "admin": set(ALL_SCOPES),
    "recruiter": {"candidates:read", "candidates:write", "loops:read", "loops:write",
                  "decisions:read"},
    "interviewer": {"candidates:read", "loops:read", "scorecards:write"},
    "hiring_manager": {"candidates:read", "loops:read", "decisions:read", "decisions:write"},
}
ROLES = tuple(ROLE_SCOPES)


def canonical_scopes(scopes):
    """Space-joined, in the canonical order loopd uses."""
    return " ".join(s for s in ALL_SCOPES if s in scopes)


def post_form(server, path, form, auth=None, headers=None, check=True):
    return server.api().post(path, data=form, auth=auth, headers=headers, check=check)


def password_form(p, password=None, scope=None, client_id=None):
    form = {"grant_type": "password", "username": p.email,
            "password": p.password if password is None else password,
            "client_id": client_id or p.client_id}
    if scope is not None:
        form["scope"] = scope
    return form


def refresh_form(p, refresh_token, scope=None, client_id=None):
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": client_id or p.client_id}
    if scope is not None:
        form["scope"] = scope
    return form


def me(server, token, check=True):
    return server.api(token=token).get("/v1/me", check=check)


# -- polling ---------------------------------------------------------------


def wait_for(fn, bound=10.0):
    """Polls fn until it returns a true value or bound seconds pass; returns
    the last value (a generous bound, never a timing)."""
    end = time.monotonic() + bound
    while True:
        v = fn()
        if v or time.monotonic() > end:
            return v
        time.sleep(0.02)


# -- the audit log -------------------------------------------------------------


AUDIT_COLUMNS = ("seq", "occurred_at", "actor_type", "actor_id", "action", "entity_type",
                 "entity_id", "request_id", "source", "changes", "prev_hash", "hash")


def _org_id(org):
    return org if isinstance(org, str) else org.org_id


def audit_rows(conn, org, after_seq=0):
    """The organisation's audit events with seq > after_seq, read as the
    owner, in seq order: dicts with the API's field names (changes parsed,
    occurred_at as the API formats it; an access.denied event has the count
    of its denial bucket, as the API shows it)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT seq, to_char(occurred_at AT TIME ZONE 'UTC',"
            " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor_type, actor_id::text, action,"
            " entity_type, entity_id, request_id, source, changes, prev_hash, hash,"
            " (SELECT d.count FROM access_denials d WHERE d.org_id = e.org_id"
            "  AND d.event_seq = e.seq AND e.action = 'access.denied')"
            " FROM audit_events e WHERE org_id = %s AND seq > %s ORDER BY seq",
            (_org_id(org), after_seq))
        fetched = cur.fetchall()
    rows = []
    for f in fetched:
        r = dict(zip(AUDIT_COLUMNS, f[:len(AUDIT_COLUMNS)]))
        r["changes"] = json.loads(r["changes"])
        if f[len(AUDIT_COLUMNS)] is not None:
            r["count"] = f[len(AUDIT_COLUMNS)]
        rows.append(r)
    return rows


def past_refresh_grace(conn, refresh_token):
    """Ages a rotated refresh token past the grace window in which its reuse
    is taken for a concurrent refresh (not revoking its family), as the owner."""
    with conn.cursor() as cur:
        cur.execute("UPDATE refresh_tokens SET rotated_at = rotated_at - interval '11 seconds'"
                    " WHERE token_hash = %s",
                    (hashlib.sha256(refresh_token.encode()).hexdigest(),))


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



def all_events(api, query=""):
    """Every event of the caller's org through GET /v1/audit-events, page by page."""
    out, cursor = [], None
    while True:
        sep = "&" if query else ""
        url = f"{EVENTS}?{query}{sep}limit=200" + (f"&cursor={cursor}" if cursor else "")
        r = api.get(url)
        assert r.status_code == 200, r.text
        out += r.json()["data"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return out


def verdict(admin):
    """The body of GET /v1/audit-events/verify for admin's organisation."""
    r = admin.api.get(VERIFY)
    assert r.status_code == 200, r.text
    return r.json()


# -- scheduling ----------------------------------------------------------------


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
        base = dt.datetime(2031, 3, 3, 8, 0, tzinfo=dt.timezone.utc)
        self._slots = (base + dt.timedelta(hours=6 * i) for i in itertools.count())
        for p in [self.admin, self.recruiter, self.hm, self.hm2, *self.iv]:
            p.token  # log in now, once

    def api(self, who=None):
        return self.server.api(token=(who or self.recruiter).token)

    def slot(self, minutes=60):
        start = next(self._slots)
        return start, start + dt.timedelta(minutes=minutes)

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
            body["ends_at"] = iso(start + dt.timedelta(minutes=minutes))
        body["interviewers"] = [{"user_id": getattr(u, "id", u), "role": role}
                                for u, role in interviewers]
        body.update(fields)
        r = self.api(who).post(f"/v1/loops/{loop_id}/rounds", json=body)
        assert r.status_code == 201, f"creating a round failed: {r.status_code} {r.text}"
        return r.json()
