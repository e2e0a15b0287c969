"""Black-box tests of what the audit log records (issue 3): one event per
change in the change's own transaction (users, clients, tokens, and every
scheduling mutation), access.denied for a refusal by scope, none for reads
and for refused or rolled-back requests, GET /v1/audit-events (filters,
since/until, cursors), and no password, token, secret or hash in any
event. The chain and its verification are in test_audit_verify.py.

State lives in organisations of this module's own (`org_admin`, `team`)."""

import contextlib
import uuid

import pytest

from helpers import (EVENTS, GENESIS, TOKEN, VERIFY, H, all_events, audit_head, audit_rows,
                     first_cursor, past_refresh_grace, iso, post_form, problem_of, verdict, walk)

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


# -- one event per change ----------------------------------------------------


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
    login = post_form(loopd, TOKEN, {"grant_type": "password", "username": email,
                                     "password": password, "client_id": org_admin.client_id}).json()
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
                             "scopes": "loops:read", "first_party": False,
                             "redirect_uris": "", "public": False}
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
    past_refresh_grace(audited.conn, rt)  # a reuse, not a concurrent refresh
    r, ev = audited.request(loopd.api(), "POST", TOKEN, org=p,
                            action="token.refresh_reuse_detected", entity_type="refresh_family",
                            entity_id=family, status=400,
                            data={"grant_type": "refresh_token", "refresh_token": rt,
                                  "client_id": p.client_id})
    login = post_form(loopd, TOKEN, pw).json()
    audited.request(loopd.api(), "POST", "/oauth/revoke", org=p, action="token.revoked",
                    entity_type="refresh_family", status=200,
                    data={"token": login["refresh_token"], "client_id": p.client_id})
    # a spent family: nothing left to revoke, nothing written
    with audited.none(p, allow=()):
        r = loopd.api().post("/oauth/revoke", data={"token": rt2, "client_id": p.client_id})
        assert r.status_code == 200


def test_every_mutation_is_audited_once(team, audited):
    """One pass over every mutating endpoint of this issue: each success
    writes exactly one event with the request's id, the actor and the
    entity; personal data never appears in the events."""
    api = team.api()
    admin = team.admin
    tag = uuid.uuid4().hex[:8]
    r, ev = audited.request(api, "POST", "/v1/candidates", org=admin, action="candidate.created",
                            entity_type="candidate", entity_id=lambda r: r.json()["id"], status=201,
                            actor_id=team.recruiter.id,
                            json={"name": f"Audit {tag}", "email": f"a{tag}@example.test"})
    cid = r.json()["id"]
    r, ev = audited.request(api, "PATCH", f"/v1/candidates/{cid}", org=admin,
                            action="candidate.updated", entity_id=cid, status=200,
                            json={"source": "job board"}, headers={"If-Match": '"1"'})
    assert ev["changes"] == {"source": "[redacted]"}  # erasure clears it: never in the chain
    r, ev = audited.request(api, "POST", "/v1/loops", org=admin, action="loop.created",
                            entity_type="loop", entity_id=lambda r: r.json()["id"], status=201,
                            json={"candidate_id": cid, "position": "SRE",
                                  "recruiter_id": team.recruiter.id, "hiring_manager_id": team.hm.id})
    loop = r.json()
    r, ev = audited.request(api, "PATCH", f"/v1/loops/{loop['id']}", org=admin,
                            action="loop.updated", entity_id=loop["id"], status=200,
                            json={"position": "Senior SRE"}, headers={"If-Match": r.headers["ETag"]})
    s, e = team.slot()
    r, ev = audited.request(api, "POST", f"/v1/loops/{loop['id']}/rounds", org=admin,
                            action="round.created", entity_type="round",
                            entity_id=lambda r: r.json()["id"], status=201,
                            json={"kind": "system_design", "starts_at": iso(s), "ends_at": iso(e),
                                  "interviewers": [{"user_id": team.iv[0].id, "role": "lead"}]})
    rd = r.json()
    r, ev = audited.request(api, "PATCH", f"/v1/rounds/{rd['id']}", org=admin,
                            action="round.updated", entity_id=rd["id"], status=200,
                            json={"starts_at": iso(s + H), "ends_at": iso(e + H)},
                            headers={"If-Match": r.headers["ETag"]})
    r, ev = audited.request(api, "PUT", f"/v1/rounds/{rd['id']}/interviewers/{team.iv[1].id}",
                            org=admin, action="round.interviewer_set", entity_id=rd["id"],
                            status=200, json={"role": "shadow"})
    r, ev = audited.request(api, "DELETE", f"/v1/rounds/{rd['id']}/interviewers/{team.iv[1].id}",
                            org=admin, action="round.interviewer_removed", entity_id=rd["id"],
                            status=204)
    r, ev = audited.request(api, "POST", f"/v1/rounds/{rd['id']}/cancel", org=admin,
                            action="round.cancelled", entity_id=rd["id"], status=200,
                            json={"reason": "rescheduling"})
    r, ev = audited.request(api, "POST", f"/v1/loops/{loop['id']}/cancel", org=admin,
                            action="loop.cancelled", entity_id=loop["id"], status=200,
                            json={"reason": "closed"})
    iv_api = team.api(team.iv[0])
    r, ev = audited.request(iv_api, "POST", "/v1/me/calendar-token", org=admin,
                            action="user.calendar_token_rotated", entity_id=team.iv[0].id,
                            status=201, actor_id=team.iv[0].id)
    assert r.json()["token"] not in str(ev)
    # the cancelled loop's reason is wiped too: an event of its own
    with audited(admin, "candidate.erased", entity_id=cid, ignore=("loop.redacted",)) as w:
        w.response = r = api.delete(f"/v1/candidates/{cid}")
        assert r.status_code == 204, r.text
    # reads write nothing
    with audited.none(admin, allow=()):
        for path in ["/v1/candidates", f"/v1/candidates/{cid}", "/v1/loops",
                     f"/v1/loops/{loop['id']}", f"/v1/loops/{loop['id']}/rounds",
                     f"/v1/rounds/{rd['id']}"]:
            assert api.get(path).status_code == 200
        assert iv_api.get("/v1/me/rounds").status_code == 200
        assert iv_api.get("/v1/me/calendar.ics").status_code == 200


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


# -- refused and rolled-back requests ----------------------------------------


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
    # OAuth requests refused before any login attempt (a guessed refresh
    # token is one, and is recorded like a wrong password)
    with audited.none(org_admin, allow=("token.refresh_failed",)):
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
                                                  "roles": ["recruiter"], "password": "Plenty-0f-entropy"})
        problem_of(r, 409, "duplicate")
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
                                        "password": "Plenty-0f-entropy"}, check=False)
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
                                    "password": "Plenty-0f-entropy"})
    assert r.status_code == 201
    assert verdict(admin)["ok"] is True


@contextlib.contextmanager
def first_user_event_refused(db, admin, errcode, message):
    """While inside: the org's first user.created event insert fails with
    SQLSTATE errcode (a trigger on audit_events), later ones pass."""
    name = f"audit_refused_{uuid.uuid4().hex[:8]}"
    with db.cursor() as cur:
        cur.execute(f"CREATE SEQUENCE {name}")
        cur.execute(f"GRANT USAGE ON SEQUENCE {name} TO PUBLIC")
        cur.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                    f" BEGIN IF nextval('{name}') = 1 THEN RAISE EXCEPTION '{message}'"
                    f" USING ERRCODE = '{errcode}'; END IF; RETURN NEW; END $$")
        cur.execute(f"CREATE TRIGGER {name} BEFORE INSERT ON audit_events FOR EACH ROW"
                    f" WHEN (NEW.org_id = '{admin.org_id}' AND NEW.action = 'user.created')"
                    f" EXECUTE FUNCTION {name}()")
    try:
        yield
    finally:
        with db.cursor() as cur:
            cur.execute(f"DROP TRIGGER {name} ON audit_events")
            cur.execute(f"DROP FUNCTION {name}()")
            cur.execute(f"DROP SEQUENCE {name}")


def test_an_event_refused_once_is_not_retried_outside_its_transaction(loopd, new_org, db):
    """A write the disk refuses (53100) drops the connection; loopd replaces
    it, but must not send the failed statement again on the new session,
    where it would run on its own: the event of a change that was rolled
    back would be committed (and the chain broken)."""
    admin = new_org()
    api = admin.api
    email = f"audit_once_{uuid.uuid4().hex[:8]}@example.test"
    before = audit_head(db, admin)
    with first_user_event_refused(db, admin, "disk_full", "audit store is full"):
        r = api.post("/v1/users", json={"email": email, "name": "N", "roles": ["recruiter"],
                                        "password": "Plenty-0f-entropy"}, check=False)
        assert r.status_code >= 500, (r.status_code, r.text)
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM users WHERE org_id = %s AND email = %s",
                    (admin.org_id, email))
        assert cur.fetchone()[0] == 0
    assert audit_head(db, admin) == before
    assert [e["action"] for e in audit_rows(db, admin, after_seq=before[0])] == []
    assert verdict(admin)["ok"] is True


def test_a_transaction_run_again_appends_its_events_once(loopd, new_org, db):
    """Events are appended just before COMMIT; a serialization failure there
    (refused once by a trigger here) runs the whole transaction again, which
    must append its event once, not the first attempt's too."""
    admin = new_org()
    api = admin.api
    email = f"audit_retry_{uuid.uuid4().hex[:8]}@example.test"
    before = audit_head(db, admin)
    with first_user_event_refused(db, admin, "serialization_failure", "try again"):
        r = api.post("/v1/users", json={"email": email, "name": "N", "roles": ["recruiter"],
                                        "password": "Plenty-0f-entropy"})
        assert r.status_code == 201, r.text
    events = audit_rows(db, admin, after_seq=before[0])
    assert [(e["action"], e["entity_id"]) for e in events] == [("user.created", r.json()["id"])]
    assert verdict(admin)["ok"] is True


# -- listing -----------------------------------------------------------------


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
    problem_of(org_admin.api.get(f"{EVENTS}?{query}"), 400, code)


def test_a_users_cursor_is_not_an_audit_cursor(org_admin, listed):
    cursor = org_admin.api.get("/v1/users?limit=1").json()["next_cursor"]
    assert cursor
    problem_of(org_admin.api.get(f"{EVENTS}?cursor={cursor}"), 400, "invalid_cursor")


def test_events_of_other_orgs_are_not_listed(org_admin, new_org):
    other = new_org()
    ours = {e["entity_id"] for e in all_events(org_admin.api)}
    assert other.user_id not in ours and other.org_id not in ours
    assert all_events(org_admin.api, f"actor_id={other.user_id}") == []


def test_an_audit_cursor_pages_on_and_is_bound_to_its_filters(team, paged_lists):
    admin = team.admin.api
    events, pages = walk(admin, "/v1/audit-events", {"entity_type": "loop"}, 1)
    assert pages >= 3 and len({e["seq"] for e in events}) == len(events)
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    cursor = first_cursor(admin, "/v1/audit-events", {"entity_type": "loop"})
    problem_of(admin.get("/v1/audit-events", params={"entity_type": "candidate", "cursor": cursor}),
               400, "invalid_cursor")
    problem_of(admin.get("/v1/audit-events", params={"cursor": cursor}), 400, "invalid_cursor")


# -- no secrets in events ----------------------------------------------------


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
