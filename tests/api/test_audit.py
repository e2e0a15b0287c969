"""Black-box tests of the tamper-evident audit log (issue 3): one event per
change in the change's own transaction, none for refused or rolled-back
requests, the hash chain and its verification (API and CLI) against
tampering, the application role's privileges, listing filters and
pagination, no secrets in events, and an independent re-verification of the
chain exactly as README documents it.

State lives in organisations of this module's own (tamper tests each take a
fresh one, as a broken chain stays broken)."""

import hashlib
import json
import uuid

import psycopg2
import psycopg2.errors
import pytest

from conftest import Audited, audit_head, audit_rows, forget_login_failures

TOKEN = "/oauth/token"
EVENTS = "/v1/audit-events"
VERIFY = "/v1/audit-events/verify"
GENESIS = "0" * 64
HASHED = ("action", "actor_id", "actor_type", "changes", "entity_id", "entity_type",
          "occurred_at", "org_id", "request_id", "source")


def problem(r, status, code):
    assert r.status_code == status, f"expected {status} {code}, got {r.status_code}: {r.text}"
    assert r.json()["code"] == code, r.json()
    return r.json()


def form(server, data, auth=None):
    return server.api().post(TOKEN, data=data, auth=auth)


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


def canonical(event, org_id):
    """The canonical bytes of an event, exactly as README documents them."""
    e = dict(event, org_id=org_id)
    return json.dumps({k: e[k] for k in HASHED}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def tamper(server, *statements):
    """Runs statements as the owner with the audit table's user triggers
    disabled, in one transaction (the triggers are enabled again before it
    commits, so no other session ever sees them off)."""
    conn = server.db()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute("ALTER TABLE audit_events DISABLE TRIGGER USER")
            for sql, params in statements:
                cur.execute(sql, params)
            cur.execute("ALTER TABLE audit_events ENABLE TRIGGER USER")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def no_throttle_spill(loopd):
    yield
    conn = loopd.db()
    try:
        forget_login_failures(conn)
    finally:
        conn.close()


@pytest.fixture
def chain(loopd, new_org):
    """A fresh org with six events: org.created, user.created, client.created
    (bootstrap), login.succeeded, user.created x2. The admin's token is
    taken first."""
    admin = new_org()
    admin.token  # noqa: B018
    admin.make_user(roles=["recruiter"])
    admin.make_user(roles=["interviewer"])
    conn = loopd.db()
    try:
        assert [e["action"] for e in audit_rows(conn, admin)] == [
            "org.created", "user.created", "client.created", "login.succeeded",
            "user.created", "user.created"]
    finally:
        conn.close()
    return admin


def verdict(admin):
    r = admin.api.get(VERIFY)
    assert r.status_code == 200, r.text
    return r.json()


# -- one event per change ----------------------------------------------------------------


def test_bootstrap_writes_the_first_events(loopd, new_org, db):
    admin = new_org()
    events = audit_rows(db, admin)
    assert [(e["seq"], e["action"], e["entity_type"]) for e in events] == [
        (1, "org.created", "org"), (2, "user.created", "user"), (3, "client.created", "client")]
    assert events[0]["prev_hash"] == GENESIS
    assert events[0]["entity_id"] == admin.org_id
    assert events[1]["entity_id"] == admin.user_id
    assert events[2]["entity_id"] == admin.client_id
    assert all(e["actor_type"] == "system" and e["actor_id"] is None for e in events)


def test_user_endpoints_write_one_event_each(loopd, org_admin, audited):
    api = org_admin.api
    email = f"audit-{uuid.uuid4().hex[:8]}@example.test"
    password = "pw-" + uuid.uuid4().hex
    r, ev = audited.request(api, "POST", "/v1/users", org=org_admin, action="user.created",
                            entity_type="user", entity_id=lambda r: r.json()["id"], status=201,
                            actor_id=org_admin.user_id,
                            json={"email": email, "name": "Ada", "roles": ["recruiter"],
                                  "password": password})
    uid = r.json()["id"]
    assert ev["actor_type"] == "user" and ev["source"] == "127.0.0.1"
    assert ev["changes"] == {"email": email, "name": "Ada", "roles": "recruiter",
                             "disabled": False}
    url = f"/v1/users/{uid}"
    r, ev = audited.request(api, "PATCH", url, org=org_admin, action="user.updated",
                            entity_type="user", entity_id=uid, status=200,
                            json={"name": "Ada L"}, headers={"If-Match": '"1"'})
    assert ev["changes"] == {"name": "Ada L"}
    r, ev = audited.request(api, "PATCH", url, org=org_admin, action="user.updated",
                            entity_type="user", entity_id=uid, status=200,
                            json={"roles": ["recruiter", "hiring_manager"]},
                            headers={"If-Match": '"2"'})
    assert ev["changes"] == {"roles": "recruiter hiring_manager"}
    r, ev = audited.request(api, "PATCH", url, org=org_admin, action="user.disabled",
                            entity_type="user", entity_id=uid, status=200,
                            json={"disabled": True}, headers={"If-Match": '"3"'})
    assert ev["changes"] == {"disabled": True}
    r, ev = audited.request(api, "PATCH", url, org=org_admin, action="user.updated",
                            entity_type="user", entity_id=uid, status=200,
                            json={"disabled": False}, headers={"If-Match": '"4"'})
    assert ev["changes"] == {"disabled": False}
    # the user's own password change
    login = form(loopd, {"grant_type": "password", "username": email, "password": password,
                         "client_id": org_admin.client_id}).json()
    me = loopd.api(token=login["access_token"])
    r, ev = audited.request(me, "POST", "/v1/me/password", org=org_admin,
                            action="user.password_changed", entity_type="user", entity_id=uid,
                            actor_id=uid, status=204,
                            json={"current_password": password,
                                  "new_password": "an-even-longer-password"})
    assert ev["changes"] == {}


def test_client_endpoints_write_one_event_each(loopd, org_admin, audited):
    api = org_admin.api
    r, ev = audited.request(api, "POST", "/v1/clients", org=org_admin, action="client.created",
                            entity_type="client", entity_id=lambda r: r.json()["id"],
                            status=201, json={"name": "sync", "grants": ["client_credentials"],
                                              "scopes": ["loops:read"]})
    c = r.json()
    assert ev["changes"] == {"name": "sync", "grants": "client_credentials",
                             "scopes": "loops:read", "first_party": False}
    # client credentials: a login of the client
    r, ev = audited.request(loopd.api(), "POST", TOKEN, org=org_admin,
                            action="login.succeeded", entity_type="client", entity_id=c["id"],
                            actor_id=c["id"], status=200,
                            data={"grant_type": "client_credentials"},
                            auth=(c["id"], c["client_secret"]))
    assert ev["actor_type"] == "client"
    assert ev["changes"] == {"client_id": c["id"], "scope": "loops:read"}
    audited.request(api, "DELETE", f"/v1/clients/{c['id']}", org=org_admin,
                    action="client.revoked", entity_type="client", entity_id=c["id"],
                    status=204)


def test_token_endpoints_write_one_event_each(loopd, org_admin, audited):
    p = org_admin.make_user(roles=["interviewer"])
    pw = {"grant_type": "password", "username": p.email, "password": p.password,
          "client_id": p.client_id}
    r, ev = audited.request(loopd.api(), "POST", TOKEN, org=p, action="login.succeeded",
                            entity_type="user", entity_id=p.user_id, actor_id=p.user_id,
                            status=200, data=pw)
    assert ev["changes"] == {"client_id": p.client_id, "scope": r.json()["scope"]}
    rt = r.json()["refresh_token"]
    # failures are recorded too: wrong password, unknown user, disabled user
    r, ev = audited.request(loopd.api(), "POST", TOKEN, org=p, action="login.failed",
                            entity_type="user", entity_id=p.user_id, status=400,
                            data={**pw, "password": "wrong-password-x"})
    assert ev["changes"] == {"reason": "wrong_password"}
    r, ev = audited.request(loopd.api(), "POST", TOKEN, org=p, action="login.failed",
                            entity_type="user", status=400,
                            data={**pw, "username": "nobody@example.test"})
    assert ev["changes"] == {"reason": "unknown_user"} and ev["entity_id"] is None
    assert ev["actor_type"] == "system" and ev["actor_id"] is None
    # refresh, reuse, revocation
    r, ev = audited.request(loopd.api(), "POST", TOKEN, org=p, action="token.refreshed",
                            entity_type="refresh_family", status=200,
                            data={"grant_type": "refresh_token", "refresh_token": rt,
                                  "client_id": p.client_id})
    family = ev["entity_id"]
    assert ev["changes"] == {"family_id": family} and ev["actor_id"] == p.user_id
    rt2 = r.json()["refresh_token"]
    r, ev = audited.request(loopd.api(), "POST", TOKEN, org=p,
                            action="token.refresh_reuse_detected", entity_type="refresh_family",
                            entity_id=family, status=400,
                            data={"grant_type": "refresh_token", "refresh_token": rt,
                                  "client_id": p.client_id})
    login = form(loopd, pw).json()
    audited.request(loopd.api(), "POST", "/oauth/revoke", org=p, action="token.revoked",
                    entity_type="refresh_family", status=200,
                    data={"token": login["refresh_token"], "client_id": p.client_id})
    # a spent family: nothing left to revoke, nothing written
    with audited.none(p, allow=()):
        r = loopd.api().post("/oauth/revoke", data={"token": rt2, "client_id": p.client_id})
        assert r.status_code == 200


def test_forbidden_requests_are_audited(loopd, org_admin, audited):
    p = org_admin.make_user(roles=["interviewer"])
    api = loopd.api(token=p.token)
    r, ev = audited.request(api, "GET", EVENTS, org=p, action="access.denied",
                            entity_type="route", actor_id=p.user_id, status=403)
    assert ev["entity_id"] is None
    assert ev["changes"] == {"method": "GET", "route": "/v1/audit-events"}


def test_reads_write_no_events(loopd, org_admin, audited):
    api = org_admin.api
    with audited.none(org_admin, allow=()):
        for path in ("/v1/me", "/v1/users", f"/v1/users/{org_admin.user_id}", "/v1/clients",
                     EVENTS, VERIFY):
            assert api.get(path).status_code == 200


# -- refused and rolled-back requests --------------------------------------------------


def test_refused_requests_write_no_change_event(loopd, org_admin, audited):
    api = org_admin.api
    p = org_admin.make_user(roles=["recruiter"])
    url = f"/v1/users/{p.user_id}"
    cases = [
        ("POST", "/v1/users", {"json": {"email": "bad"}}, 422),
        ("POST", "/v1/users", {"data": b"{not json", "headers": {
            "Content-Type": "application/json"}}, 400),
        ("POST", "/v1/users", {"data": b"email=x", "headers": {
            "Content-Type": "application/x-www-form-urlencoded"}}, 415),
        ("PATCH", url, {"json": {"name": "x"}}, 428),
        ("PATCH", url, {"json": {"name": "x"}, "headers": {"If-Match": '"99"'}}, 412),
        ("PATCH", url, {"json": {"roles": []}, "headers": {"If-Match": '"1"'}}, 422),
        ("PATCH", f"/v1/users/{uuid.uuid4()}", {"json": {"name": "x"},
                                                 "headers": {"If-Match": '"1"'}}, 404),
        ("DELETE", f"/v1/clients/{uuid.uuid4()}", {}, 404),
        ("POST", "/v1/clients", {"json": {"name": "x", "grants": [], "scopes": []}}, 422),
    ]
    for method, path, kw, status in cases:
        with audited.none(org_admin, allow=()):
            r = api.request(method, path, **kw)
            assert r.status_code == status, (method, path, r.status_code, r.text)
    # unauthenticated and badly authenticated requests
    with audited.none(org_admin, allow=()):
        assert loopd.api().post("/v1/users", json={}).status_code == 401
        assert loopd.api(token="x.y.z").delete(
            f"/v1/clients/{org_admin.client_id}").status_code == 401
    # the password change with a wrong current password changes nothing, but
    # is recorded like a failed login (it counts toward the account's throttle)
    token = p.token
    with audited(org_admin, "user.password_change_refused", entity_type="user",
                 entity_id=p.user_id) as w:
        w.response = r = loopd.api(token=token).post("/v1/me/password", json={
            "current_password": "not-my-password", "new_password": "whatever-long-enough"})
        assert r.status_code == 422
    # OAuth requests refused before any login attempt
    with audited.none(org_admin, allow=()):
        for data in ({"grant_type": "magic", "client_id": org_admin.client_id},
                     {"grant_type": "password", "client_id": org_admin.client_id},
                     {"grant_type": "client_credentials", "client_id": org_admin.client_id},
                     {"grant_type": "refresh_token", "refresh_token": "nope",
                      "client_id": org_admin.client_id},
                     {"grant_type": "password", "username": p.email, "password": p.password,
                      "client_id": org_admin.client_id, "scope": "no:such"}):
            assert loopd.api().post(TOKEN, data=data).status_code in (400, 401)


def test_refused_refresh_writes_no_change_event(loopd, org_admin, audited):
    """A refresh refused with invalid_scope must not record (or perform) a
    rotation."""
    p = org_admin.make_user(roles=["interviewer"])
    rt = p.login()["refresh_token"]
    with audited.none(p, allow=()):
        r = loopd.api().post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": rt,
                                          "client_id": p.client_id, "scope": "users:admin"})
        assert r.status_code == 400 and r.json()["error"] == "invalid_scope"


def test_duplicate_rolls_back_without_an_event(loopd, org_admin, audited, db):
    """POST /v1/users with a taken email: 409, no user, no event."""
    p = org_admin.make_user()
    with audited.none(org_admin, allow=()):
        r = org_admin.api.post("/v1/users", json={"email": p.email.upper(), "name": "Dup",
                                                  "roles": ["recruiter"], "password": "p" * 12})
        problem(r, 409, "duplicate")
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM users WHERE org_id = %s AND lower(email) = lower(%s)",
                    (org_admin.org_id, p.email))
        assert cur.fetchone()[0] == 1


def test_change_fails_when_its_event_cannot_be_written(loopd, new_org, db):
    """The event is in the change's transaction: when writing it fails (a
    trigger refuses it here), the change is rolled back too."""
    admin = new_org()
    api = admin.api
    name = f"audit_refuse_{uuid.uuid4().hex[:8]}"
    email = f"{name}@example.test"
    before = audit_head(db, admin)
    with db.cursor() as cur:
        cur.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                    " BEGIN RAISE EXCEPTION 'audit store is full' USING ERRCODE = 'disk_full';"
                    " END $$")
        cur.execute(f"CREATE TRIGGER {name} BEFORE INSERT ON audit_events FOR EACH ROW"
                    f" WHEN (NEW.org_id = '{admin.org_id}' AND NEW.action = 'user.created')"
                    f" EXECUTE FUNCTION {name}()")
    try:
        r = api.post("/v1/users", json={"email": email, "name": "N", "roles": ["recruiter"],
                                        "password": "p" * 12}, check=False)
        assert r.status_code >= 500, (r.status_code, r.text)
    finally:
        with db.cursor() as cur:
            cur.execute(f"DROP TRIGGER {name} ON audit_events")
            cur.execute(f"DROP FUNCTION {name}()")
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM users WHERE org_id = %s AND email = %s",
                    (admin.org_id, email))
        assert cur.fetchone()[0] == 0, "the user was created although its event was not"
    assert audit_head(db, admin) == before
    r = api.post("/v1/users", json={"email": email, "name": "N", "roles": ["recruiter"],
                                    "password": "p" * 12})
    assert r.status_code == 201
    assert verdict(admin)["ok"] is True


# -- the chain and tampering ---------------------------------------------------------------


def test_untouched_chain_verifies(loopd, chain, db):
    v = verdict(chain)
    seq, head_hash = audit_head(db, chain)
    assert v == {"ok": True, "events_checked": seq, "head": {"seq": seq, "hash": head_hash},
                 "first_break": None}
    events = audit_rows(db, chain)
    for prev, e in zip([None] + events, events):
        assert e["prev_hash"] == (prev["hash"] if prev else GENESIS)
    out = loopd.run("audit", "verify", "--org", chain.org_id)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == v


def test_edited_event_is_reported(loopd, chain):
    tamper(loopd, ("UPDATE audit_events SET changes = %s WHERE org_id = %s AND seq = 5",
                   ('{"disabled":false,"email":"mallory@example.test","name":"M",'
                    '"roles":"admin"}', chain.org_id)))
    v = verdict(chain)
    assert v["ok"] is False and v["first_break"] == {"seq": 5, "reason": "edited"}, v
    assert v["events_checked"] == 4


@pytest.mark.parametrize("column,value", [
    ("changes", '{"name": "not canonical"}'),
    ("action", "user.deleted"),
    ("actor_id", None),
    ("entity_id", "00000000-0000-0000-0000-000000000000"),
    ("occurred_at", "2001-01-01T00:00:00Z"),
    ("source", "10.0.0.1"),
])
def test_any_edited_field_is_reported(loopd, chain, column, value):
    tamper(loopd, (f"UPDATE audit_events SET {column} = %s WHERE org_id = %s AND seq = 4",
                   (value, chain.org_id)))
    assert verdict(chain)["first_break"] == {"seq": 4, "reason": "edited"}


def test_deleted_middle_event_is_reported(loopd, chain):
    tamper(loopd, ("DELETE FROM audit_events WHERE org_id = %s AND seq = 3", (chain.org_id,)))
    v = verdict(chain)
    assert v["ok"] is False and v["first_break"] == {"seq": 3, "reason": "missing"}, v
    assert v["events_checked"] == 2


def test_deleted_last_event_is_reported(loopd, chain):
    tamper(loopd, ("DELETE FROM audit_events WHERE org_id = %s AND seq = 6", (chain.org_id,)))
    v = verdict(chain)
    assert v["first_break"] == {"seq": 6, "reason": "missing"}, v
    assert v["head"]["seq"] == 6


def test_swapped_events_are_reported(loopd, chain):
    org = chain.org_id
    tamper(loopd,
           ("UPDATE audit_events SET seq = -1 WHERE org_id = %s AND seq = 3", (org,)),
           ("UPDATE audit_events SET seq = 3 WHERE org_id = %s AND seq = 4", (org,)),
           ("UPDATE audit_events SET seq = 4 WHERE org_id = %s AND seq = -1", (org,)))
    v = verdict(chain)
    assert v["ok"] is False and v["first_break"] == {"seq": 3, "reason": "reordered"}, v
    assert v["events_checked"] == 2


def test_cli_verify_exits_non_zero_on_a_break(loopd, chain):
    tamper(loopd, ("DELETE FROM audit_events WHERE org_id = %s AND seq = 4", (chain.org_id,)))
    v = verdict(chain)
    out = loopd.run("audit", "verify", "--org", chain.org_id)
    assert out.returncode != 0
    assert json.loads(out.stdout.strip().splitlines()[-1]) == v
    assert v["first_break"] == {"seq": 4, "reason": "missing"}


def test_cli_verify_usage(loopd):
    assert loopd.run("audit", "verify").returncode == 2
    assert loopd.run("audit", "verify", "--org", "not-a-uuid").returncode == 2


def test_chain_continues_after_a_break(loopd, chain):
    """Later events still append (the log keeps recording); verify keeps
    naming the first break."""
    tamper(loopd, ("UPDATE audit_events SET source = 'x' WHERE org_id = %s AND seq = 2",
                   (chain.org_id,)))
    chain.make_user()
    v = verdict(chain)
    assert v["first_break"] == {"seq": 2, "reason": "edited"} and v["head"]["seq"] == 7


def test_other_orgs_chains_are_independent(loopd, chain, org_admin):
    tamper(loopd, ("DELETE FROM audit_events WHERE org_id = %s AND seq = 2", (chain.org_id,)))
    assert verdict(chain)["ok"] is False
    assert verdict(org_admin)["ok"] is True


# -- privileges -----------------------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET changes = changes WHERE org_id = %s AND seq = 1",
    "DELETE FROM audit_events WHERE org_id = %s AND seq = 1",
    "TRUNCATE audit_events",
])
def test_app_role_cannot_change_the_log(loopd, org_admin, statement):
    """As loopd_app (the role request connections use), UPDATE, DELETE and
    TRUNCATE on audit_events fail with a permission error (and are rolled
    back in any case)."""
    conn = loopd.db()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute("SET ROLE loopd_app")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement, (org_admin.org_id,) if "%s" in statement else None)
    finally:
        conn.rollback()
        conn.close()


def test_app_role_can_read_and_append(loopd):
    conn = loopd.db()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT has_table_privilege('loopd_app', 'audit_events', 'SELECT'),"
                        " has_table_privilege('loopd_app', 'audit_events', 'INSERT'),"
                        " has_table_privilege('loopd_app', 'audit_events', 'UPDATE'),"
                        " has_table_privilege('loopd_app', 'audit_events', 'DELETE'),"
                        " has_table_privilege('loopd_app', 'audit_events', 'TRUNCATE')")
            assert cur.fetchone() == (True, True, False, False, False)
    finally:
        conn.close()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET changes = changes WHERE org_id = %s AND seq = 1",
    "DELETE FROM audit_events WHERE org_id = %s AND seq = 1",
    "TRUNCATE audit_events",
])
def test_triggers_refuse_any_role_but_the_owner(loopd, org_admin, statement):
    """Even a role granted UPDATE/DELETE/TRUNCATE is refused by the triggers."""
    role = f"auditor_{uuid.uuid4().hex[:8]}"
    admin_conn = loopd.db()
    with admin_conn.cursor() as cur:
        cur.execute(f"CREATE ROLE {role} NOLOGIN")
        cur.execute(f"GRANT SELECT, UPDATE, DELETE, TRUNCATE ON audit_events TO {role}")
    conn = loopd.db()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute(f"SET ROLE {role}")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege) as e:
                cur.execute(statement, (org_admin.org_id,) if "%s" in statement else None)
            assert "append-only" in str(e.value)
    finally:
        conn.rollback()
        conn.close()
        with admin_conn.cursor() as cur:
            cur.execute(f"REVOKE ALL ON audit_events FROM {role}")
            cur.execute(f"DROP ROLE {role}")
        admin_conn.close()


# -- listing ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def listed(loopd, org_admin):
    """Some activity in the module's org: users made by the admin, one user
    changed, a login by another user."""
    made = [org_admin.make_user(roles=["recruiter"]) for _ in range(3)]
    r = org_admin.api.patch(f"/v1/users/{made[0].user_id}", json={"name": "Renamed"},
                            headers={"If-Match": '"1"'})
    assert r.status_code == 200
    made[1].token  # noqa: B018 (a login by another actor)
    return made


def test_list_matches_the_stored_events(org_admin, listed, db):
    api_events = all_events(org_admin.api)
    assert api_events == audit_rows(db, org_admin)
    assert [e["seq"] for e in api_events] == list(range(1, len(api_events) + 1))


def test_cursor_pagination_in_seq_order(org_admin, listed):
    api = org_admin.api
    everything = all_events(api)
    seen, cursor = [], None
    while True:
        r = api.get(f"{EVENTS}?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200
        page = r.json()
        assert 1 <= len(page["data"]) <= 2
        seen += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything


@pytest.mark.parametrize("name", ["entity_type", "entity_id", "actor_id", "action"])
def test_filters(org_admin, listed, db, name):
    value = {"entity_type": "user", "entity_id": listed[0].user_id,
             "actor_id": listed[1].user_id, "action": "user.created"}[name]
    got = all_events(org_admin.api, f"{name}={value}")
    want = [e for e in audit_rows(db, org_admin) if e[name] == value]
    assert got == want and got, (name, value)


def test_filter_by_admin_actor_pages(org_admin, listed, db):
    want = [e for e in audit_rows(db, org_admin) if e["actor_id"] == org_admin.user_id]
    assert len(want) >= 4
    seen, cursor = [], None
    while True:
        r = org_admin.api.get(f"{EVENTS}?actor_id={org_admin.user_id}&limit=1"
                              + (f"&cursor={cursor}" if cursor else ""))
        seen += r.json()["data"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == want


def test_since_and_until(org_admin, listed, db):
    events = audit_rows(db, org_admin)
    pivot = events[len(events) // 2]["occurred_at"]
    since = all_events(org_admin.api, f"since={pivot}")
    until = all_events(org_admin.api, f"until={pivot}")
    assert since == [e for e in events if e["occurred_at"] >= pivot]
    assert until == [e for e in events if e["occurred_at"] < pivot]
    both = all_events(org_admin.api, f"since={events[1]['occurred_at']}&until={pivot}")
    assert both == [e for e in events if events[1]["occurred_at"] <= e["occurred_at"] < pivot]


@pytest.mark.parametrize("query,code", [
    ("actor_id=someone", "invalid_query"),
    ("since=yesterday", "invalid_query"),
    ("until=2024-13-01T00:00:00Z", "invalid_query"),
    ("limit=0", "invalid_query"),
    ("limit=201", "invalid_query"),
    ("cursor=abc", "invalid_cursor"),
    ("cursor=c2VxfDE.AAAAAAAAAAAAAAAAAAAAAA", "invalid_cursor"),
])
def test_bad_queries_are_400(org_admin, query, code):
    problem(org_admin.api.get(f"{EVENTS}?{query}"), 400, code)


def test_a_users_cursor_is_not_an_audit_cursor(org_admin, listed):
    cursor = org_admin.api.get("/v1/users?limit=1").json()["next_cursor"]
    assert cursor
    problem(org_admin.api.get(f"{EVENTS}?cursor={cursor}"), 400, "invalid_cursor")


def test_events_of_other_orgs_are_not_listed(org_admin, new_org):
    other = new_org()
    ours = {e["entity_id"] for e in all_events(org_admin.api)}
    assert other.user_id not in ours and other.org_id not in ours
    assert all_events(org_admin.api, f"actor_id={other.user_id}") == []


# -- no secrets in events -------------------------------------------------------------------


def walk_keys(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from walk_keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk_keys(v)


def test_no_password_token_or_secret_in_any_event(loopd, new_org, db):
    admin = new_org()
    secrets = [admin.password]
    p = admin.make_user(roles=["recruiter"], password="first-password-Zq81")
    secrets.append(p.password)
    login = p.login()
    secrets += [login["access_token"], login["refresh_token"]]
    refreshed = loopd.api().post(TOKEN, data={"grant_type": "refresh_token",
                                              "refresh_token": login["refresh_token"],
                                              "client_id": p.client_id}).json()
    secrets += [refreshed["access_token"], refreshed["refresh_token"]]
    r = loopd.api(token=login["access_token"]).post("/v1/me/password", json={
        "current_password": p.password, "new_password": "second-password-Jw44"})
    assert r.status_code == 204
    secrets.append("second-password-Jw44")
    loopd.api().post(TOKEN, data={"grant_type": "password", "username": p.email,
                                  "password": "typo-password-Kx93", "client_id": p.client_id})
    secrets.append("typo-password-Kx93")
    c = admin.api.post("/v1/clients", json={"name": "s", "grants": ["client_credentials"],
                                            "scopes": ["loops:read"]}).json()
    secrets.append(c["client_secret"])
    cc = loopd.api().post(TOKEN, data={"grant_type": "client_credentials"},
                          auth=(c["id"], c["client_secret"])).json()
    secrets.append(cc["access_token"])
    loopd.api().post("/oauth/revoke", data={"token": refreshed["refresh_token"],
                                            "client_id": p.client_id})
    with db.cursor() as cur:
        cur.execute("SELECT seq, org_id::text, row_to_json(e)::text FROM audit_events e")
        rows = cur.fetchall()
        cur.execute("SELECT password_hash FROM users WHERE org_id = %s", (admin.org_id,))
        hashes = [h for (h,) in cur.fetchall()]
    assert rows
    for seq, org, text in rows:
        for s in secrets + hashes:
            assert s not in text, f"a secret appears in audit event {org}/{seq}"
        assert "$argon2" not in text, f"a password hash appears in audit event {org}/{seq}"
    for e in audit_rows(db, admin):
        bad = {k for k in walk_keys(e["changes"])
               if any(w in k.lower() for w in ("password", "secret", "token", "hash"))}
        assert not bad, (e["seq"], e["action"], bad)


# -- independent re-verification -------------------------------------------------------------


def test_independent_chain_verification(loopd, new_org):
    """Re-verifies the chain from GET /v1/audit-events alone, as README
    documents it: canonical = json.dumps of the hashed fields (org_id
    added), sorted keys, no whitespace, UTF-8; hash = sha256(prev + canonical)."""
    admin = new_org()
    admin.make_user(roles=["recruiter"], name='Zoë "Q" \\ 😀 \u2028 naïve')
    p = admin.make_user(roles=["interviewer"], name="Ünïcödé ユーザー")
    r = admin.api.patch(f"/v1/users/{p.user_id}", json={"name": "tab\there\nnewline\u0001"},
                        headers={"If-Match": '"1"'})
    assert r.status_code in (200, 422), r.text
    admin.api.post("/v1/clients", json={"name": "ç", "grants": ["client_credentials"],
                                        "scopes": ["audit:read"]})
    events = all_events(admin.api)
    assert len(events) >= 7
    prev = GENESIS
    for e in events:
        assert e["prev_hash"] == prev, f"event {e['seq']}: prev_hash does not link"
        text = canonical(e, admin.org_id)
        mine = hashlib.sha256((prev + text).encode("utf-8")).hexdigest()
        assert mine == e["hash"], (
            f"event {e['seq']} ({e['action']}): sha256(prev_hash + canonical) is {mine}, "
            f"loopd stored {e['hash']}; canonical text was {text!r}")
        prev = e["hash"]
    v = verdict(admin)
    assert v["ok"] and v["head"] == {"seq": events[-1]["seq"], "hash": prev}


def test_long_chain_built_outside_loopd_verifies(loopd, new_org, db):
    """1200 events chained in Python by the documented encoding (past
    verify's 1000-event batches) are accepted by loopd's verifier, listed
    page by page, and a break deep in them is found at its exact seq."""
    admin = new_org()
    admin.token  # noqa: B018
    seq, prev = audit_head(db, admin)
    rows = []
    for i in range(1, 1201):
        e = {"action": "test.synthetic", "actor_id": None, "actor_type": "system",
             "changes": {"i": i, "note": "grüße \"quoted\" \\ \u2028"},
             "entity_id": str(i), "entity_type": "test",
             "occurred_at": f"2030-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}Z",
             "org_id": admin.org_id, "request_id": f"req-{i}", "source": "192.0.2.1"}
        text = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        h = hashlib.sha256((prev + text).encode()).hexdigest()
        rows.append((admin.org_id, seq + i, e["occurred_at"], e["actor_type"], e["action"],
                     e["entity_type"], e["entity_id"], e["request_id"], e["source"],
                     json.dumps(e["changes"], sort_keys=True, separators=(",", ":"),
                                ensure_ascii=False), prev, h))
        prev = h
    with db.cursor() as cur:
        cur.executemany(
            "INSERT INTO audit_events (org_id, seq, occurred_at, actor_type, action, entity_type,"
            " entity_id, request_id, source, changes, prev_hash, hash)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
        cur.execute("UPDATE audit_heads SET seq = %s, hash = %s WHERE org_id = %s",
                    (seq + 1200, prev, admin.org_id))
    v = verdict(admin)
    assert v == {"ok": True, "events_checked": seq + 1200,
                 "head": {"seq": seq + 1200, "hash": prev}, "first_break": None}, v
    events = all_events(admin.api)
    assert [e["seq"] for e in events] == list(range(1, seq + 1201))
    # loopd keeps appending on top of them
    admin.make_user()
    assert verdict(admin)["ok"] is True
    target = seq + 1100
    tamper(loopd, ("UPDATE audit_events SET entity_id = 'x' WHERE org_id = %s AND seq = %s",
                   (admin.org_id, target)))
    v = verdict(admin)
    assert v["first_break"] == {"seq": target, "reason": "edited"}
    assert v["events_checked"] == target - 1
