"""Black-box tests of Idempotency-Key on POST (issue 6, DESIGN.md section 3):
a replay with the same key and body returns the stored status, body,
Location and ETag with `Idempotent-Replayed: true` and does no work (no
second row, no second audit event); the same key with another body is 422;
a replay while the first request still runs is 409 (made slow by holding a
table lock as the owner); only successful replies are stored, so a failed
request leaves no key; keys are per caller and live 24 hours; and the
document declares the header on every authenticated POST."""

import threading
import time
import uuid

import pytest

import contract
from helpers import count, iso, problem_of, scan_database

REPLAYED = "Idempotent-Replayed"


def key():
    return f"k-{uuid.uuid4()}"


def assert_replay(first, again):
    """again is the stored reply of first, marked as a replay."""
    assert REPLAYED not in first.headers, "the first answer claims to be a replay"
    assert again.status_code == first.status_code, (again.status_code, again.text)
    assert again.headers.get(REPLAYED) == "true", dict(again.headers)
    assert again.content == first.content
    for h in ("Location", "ETag", "Content-Type"):
        assert again.headers.get(h) == first.headers.get(h), (h, dict(again.headers))
    assert again.headers["X-Request-Id"] != first.headers["X-Request-Id"]


# -- replay ------------------------------------------------------------------------


def test_replay_of_a_created_candidate(team, db, audited):
    api = team.api()
    k = key()
    tag = uuid.uuid4().hex[:8]
    body = {"name": f"Idem {tag}", "email": f"idem{tag}@example.test"}
    with audited(team.admin, "candidate.created", entity_type="candidate", count=1) as w:
        w.response = first = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
        assert first.status_code == 201, first.text
        again = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
        assert_replay(first, again)
    assert count(db, "SELECT count(*) FROM candidates WHERE org_id = %s AND email = %s",
                 team.org_id, body["email"]) == 1
    # the stored reply is replayed even after the resource changed since
    cid = first.json()["id"]
    assert api.patch(f"/v1/candidates/{cid}", json={"source": "fair"},
                     headers={"If-Match": '"1"'}).status_code == 200
    later = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
    assert_replay(first, later)


def test_replay_of_every_kind_of_post(team, db, audited):
    """Loops, rounds, round and loop cancellations: one row, one event."""
    api = team.api()
    iv = team.iv[0]
    c = team.candidate()

    def twice(path, body, action, table):
        k = key()
        n = count(db, f"SELECT count(*) FROM {table} WHERE org_id = %s", team.org_id)
        with audited(team.admin, action, count=1) as w:
            w.response = first = api.post(path, json=body, headers={"Idempotency-Key": k})
            assert 200 <= first.status_code < 300, first.text
            again = api.post(path, json=body, headers={"Idempotency-Key": k})
            assert_replay(first, again)
        grown = count(db, f"SELECT count(*) FROM {table} WHERE org_id = %s", team.org_id) - n
        return first.json(), grown

    loop, grown = twice("/v1/loops", {"candidate_id": c["id"], "position": "Idempotent SRE",
                                      "recruiter_id": team.recruiter.id,
                                      "hiring_manager_id": team.hm.id}, "loop.created", "loops")
    assert grown == 1
    s, e = team.slot()
    rd, grown = twice(f"/v1/loops/{loop['id']}/rounds",
                      {"kind": "system_design", "starts_at": iso(s), "ends_at": iso(e),
                       "interviewers": [{"user_id": iv.id, "role": "lead"}]},
                      "round.created", "rounds")
    assert grown == 1
    # a replay is not a double booking of the interviewer with themselves
    _, grown = twice(f"/v1/rounds/{rd['id']}/cancel", {"reason": "moved"}, "round.cancelled",
                     "rounds")
    assert grown == 0
    got, _ = twice(f"/v1/loops/{loop['id']}/cancel", {"reason": "closed"}, "loop.cancelled",
                   "loops")
    assert got["status"] == "cancelled"


def test_replay_of_a_204(loopd, audited):
    """POST /v1/me/password answers 204 without a body: the replay too."""
    admin = loopd.bootstrap()
    u = admin.make_user(roles=("interviewer",))
    api = u.api
    k = key()
    body = {"current_password": u.password, "new_password": "another-long-password-1"}
    with audited(admin, "user.password_changed", count=1) as w:
        w.response = first = api.post("/v1/me/password", json=body, headers={"Idempotency-Key": k})
        assert first.status_code == 204, first.text
        again = api.post("/v1/me/password", json=body, headers={"Idempotency-Key": k})
    assert again.status_code == 204 and again.content == b""
    assert again.headers.get(REPLAYED) == "true"


def test_without_a_key_each_post_does_the_work(team, db):
    api = team.api()
    c = team.candidate()
    body = {"candidate_id": c["id"], "position": "Twice", "recruiter_id": team.recruiter.id,
            "hiring_manager_id": team.hm.id}
    a = api.post("/v1/loops", json=body)
    b = api.post("/v1/loops", json=body)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert REPLAYED not in b.headers


# -- mismatch, scope, failures, format -----------------------------------------------


def test_same_key_with_another_body_is_422(team, db, audited):
    api = team.api()
    k = key()
    tag = uuid.uuid4().hex[:8]
    first = api.post("/v1/candidates", json={"name": "One", "email": f"one{tag}@example.test"},
                     headers={"Idempotency-Key": k})
    assert first.status_code == 201
    n = count(db, "SELECT count(*) FROM candidates WHERE org_id = %s", team.org_id)
    with audited.none(team.admin):
        r = api.post("/v1/candidates", json={"name": "Two", "email": f"two{tag}@example.test"},
                     headers={"Idempotency-Key": k})
        problem_of(r, 422, "idempotency_key_reused")
        assert REPLAYED not in r.headers
        # the same key on another endpoint is another request too
        r = api.post("/v1/loops", json={"name": "One", "email": f"one{tag}@example.test"},
                     headers={"Idempotency-Key": k})
        problem_of(r, 422, "idempotency_key_reused")
    assert count(db, "SELECT count(*) FROM candidates WHERE org_id = %s", team.org_id) == n
    # and the key still replays its own request
    assert_replay(first, api.post("/v1/candidates",
                                  json={"name": "One", "email": f"one{tag}@example.test"},
                                  headers={"Idempotency-Key": k}))


def test_keys_are_scoped_to_the_caller(team):
    k = key()
    c = team.candidate()
    body = {"candidate_id": c["id"], "position": "Scoped", "recruiter_id": team.recruiter.id,
            "hiring_manager_id": team.hm.id}
    a = team.api(team.recruiter).post("/v1/loops", json=body, headers={"Idempotency-Key": k})
    b = team.api(team.admin).post("/v1/loops", json=body, headers={"Idempotency-Key": k})
    assert a.status_code == b.status_code == 201
    assert REPLAYED not in b.headers and a.json()["id"] != b.json()["id"]
    # another organisation's caller with the same key is unrelated as well
    other = team.server.bootstrap()
    r = other.api.post("/v1/candidates", json={"name": "X", "email": "x@example.test"},
                       headers={"Idempotency-Key": k})
    assert r.status_code == 201 and REPLAYED not in r.headers


def test_a_failed_request_leaves_no_key(team, db):
    """Only successful replies are stored: after a 422 or a 409 the same key
    with a corrected (or the same) body does the work."""
    api = team.api()
    k = key()
    tag = uuid.uuid4().hex[:8]
    r = api.post("/v1/candidates", json={"name": "", "email": f"f{tag}@example.test"},
                 headers={"Idempotency-Key": k})
    problem_of(r, 422, "validation_failed")
    assert count(db, "SELECT count(*) FROM idempotency_keys WHERE key = %s", k) == 0
    r = api.post("/v1/candidates", json={"name": "Fixed", "email": f"f{tag}@example.test"},
                 headers={"Idempotency-Key": k})
    assert r.status_code == 201, r.text
    assert REPLAYED not in r.headers
    assert count(db, "SELECT count(*) FROM idempotency_keys WHERE key = %s", k) == 1
    # a 409 (duplicate email) is not stored either: once the holder is
    # erased, the very same request with the same key succeeds
    holder = r.json()
    k2 = key()
    body = {"name": "Second", "email": f"f{tag}@example.test"}
    # (check=False: whether this 409 names existing_id is the subject of
    # test_duplicate_with_a_key_still_names_the_existing_candidate)
    problem_of(api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k2},
                        check=False), 409, "duplicate")
    assert api.delete(f"/v1/candidates/{holder['id']}").status_code == 204
    r = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k2})
    assert r.status_code == 201, r.text
    assert REPLAYED not in r.headers


@pytest.mark.parametrize("bad", ["x" * 256, "has space", "caf\xe9", "tab\there"])
def test_malformed_keys_are_400(team, bad):
    r = team.api().post("/v1/candidates", json={"name": "K", "email": f"k{uuid.uuid4().hex[:8]}@example.test"},
                        headers={"Idempotency-Key": bad})
    problem_of(r, 400, "bad_request")


def test_a_255_character_key_is_fine(team):
    k = ("k" + uuid.uuid4().hex) * 8
    k = k[:255]
    body = {"name": "Long key", "email": f"lk{uuid.uuid4().hex[:8]}@example.test"}
    first = team.api().post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
    assert first.status_code == 201, first.text
    assert_replay(first, team.api().post("/v1/candidates", json=body, headers={"Idempotency-Key": k}))


def test_keys_expire_after_24_hours(team, db):
    api = team.api()
    c = team.candidate()
    k = key()
    body = {"candidate_id": c["id"], "position": "Expiring", "recruiter_id": team.recruiter.id,
            "hiring_manager_id": team.hm.id}
    first = api.post("/v1/loops", json=body, headers={"Idempotency-Key": k})
    assert first.status_code == 201
    with db.cursor() as cur:
        cur.execute("UPDATE idempotency_keys SET created_at = created_at - interval '25 hours'"
                    " WHERE key = %s", (k,))
        assert cur.rowcount == 1
    again = api.post("/v1/loops", json=body, headers={"Idempotency-Key": k})
    assert again.status_code == 201 and REPLAYED not in again.headers
    assert again.json()["id"] != first.json()["id"]
    # the key now stands for the new request
    assert_replay(again, api.post("/v1/loops", json=body, headers={"Idempotency-Key": k}))


def test_storing_a_reply_sweeps_expired_keys(team, db):
    """Expired keys (their replies may quote candidates) go with the next
    stored reply, in the statement that stores it."""
    api = team.api()
    old, new = key(), key()
    tag = uuid.uuid4().hex[:8]
    r = api.post("/v1/candidates", json={"name": "Old", "email": f"o{tag}@example.test"},
                 headers={"Idempotency-Key": old})
    assert r.status_code == 201, r.text
    with db.cursor() as cur:
        cur.execute("UPDATE idempotency_keys SET created_at = created_at - interval '25 hours'"
                    " WHERE key = %s", (old,))
    r = api.post("/v1/candidates", json={"name": "New", "email": f"n{tag}@example.test"},
                 headers={"Idempotency-Key": new})
    assert r.status_code == 201, r.text
    assert count(db, "SELECT count(*) FROM idempotency_keys WHERE key = %s", old) == 0
    assert count(db, "SELECT count(*) FROM idempotency_keys WHERE key = %s", new) == 1


# -- in flight ------------------------------------------------------------------------


def wait_for_lock_waiter(db, table, timeout=10):
    """Waits until a backend waits on a lock while writing into table."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = count(db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                      " AND query ILIKE %s", f"%INSERT INTO {table}%")
        if n:
            return
        time.sleep(0.02)
    raise AssertionError(f"no request blocked on the lock of {table} within {timeout}s")


def test_a_replay_while_the_first_runs_is_409(team, loopd, db, audited):
    """The first request is made slow by a table lock the owner holds; the
    second request with the same key answers 409 at once (without waiting
    for the first); after the first finished, the key replays."""
    api = team.api()
    k = key()
    tag = uuid.uuid4().hex[:8]
    body = {"name": f"Slow {tag}", "email": f"slow{tag}@example.test"}
    locker = loopd.db()
    locker.autocommit = False
    result = {}
    try:
        with audited(team.admin, "candidate.created", count=1) as w:
            with locker.cursor() as cur:
                cur.execute("LOCK TABLE candidates IN EXCLUSIVE MODE")

            def first():
                result["first"] = api.post("/v1/candidates", json=body,
                                           headers={"Idempotency-Key": k}, timeout=60)

            th = threading.Thread(target=first)
            th.start()
            try:
                wait_for_lock_waiter(db, "candidates")
                # the first request's key is not visible: it commits with the work
                assert count(db, "SELECT count(*) FROM idempotency_keys WHERE key = %s", k) == 0
                t0 = time.monotonic()
                second = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
                assert time.monotonic() - t0 < 5, "the second request waited for the first"
                problem_of(second, 409, "idempotency_in_flight")
                assert REPLAYED not in second.headers
            finally:
                locker.rollback()
                th.join(60)
            w.response = result["first"]
            assert result["first"].status_code == 201, result["first"].text
    finally:
        locker.close()
    third = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
    assert_replay(result["first"], third)
    assert count(db, "SELECT count(*) FROM candidates WHERE org_id = %s AND email = %s",
                 team.org_id, body["email"]) == 1


def test_simultaneous_requests_with_one_key(team, db):
    """Six requests with one key at once: the work is done once; every
    other answer is the replay or 409 idempotency_in_flight."""
    c = team.candidate()
    k = key()
    body = {"candidate_id": c["id"], "position": f"Race {uuid.uuid4().hex[:6]}",
            "recruiter_id": team.recruiter.id, "hiring_manager_id": team.hm.id,
            "template": "backend_engineer"}
    n = 6
    barrier = threading.Barrier(n)
    out = [None] * n

    def go(i):
        api = team.api()
        barrier.wait()
        out[i] = api.post("/v1/loops", json=body, headers={"Idempotency-Key": k})

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    fresh = [r for r in out if r.status_code == 201 and REPLAYED not in r.headers]
    assert len(fresh) == 1, [(r.status_code, dict(r.headers)) for r in out]
    for r in out:
        if r is fresh[0]:
            continue
        if r.status_code == 409:
            problem_of(r, 409, "idempotency_in_flight")
        else:
            assert_replay(fresh[0], r)
    assert count(db, "SELECT count(*) FROM loops WHERE org_id = %s AND position = %s",
                 team.org_id, body["position"]) == 1


# -- refusals inside an idempotent request --------------------------------------------


def test_double_booking_with_a_key_still_names_the_conflict(team):
    """The 409 for a double booking names the round in the way whether or not
    the request carried an Idempotency-Key; and it is not stored."""
    api = team.api()
    iv = team.iv[1]
    s, e = team.slot()
    taken = team.round(team.loop()["id"], start=s, interviewers=[(iv, "lead")])
    loop = team.loop()
    k = key()
    body = {"kind": "behavioral", "starts_at": iso(s), "ends_at": iso(e),
            "interviewers": [{"user_id": iv.id, "role": "lead"}]}
    r = api.post(f"/v1/loops/{loop['id']}/rounds", json=body, headers={"Idempotency-Key": k},
                 check=False)
    assert r.status_code == 409, r.text
    got = r.json()
    assert got["code"] == "double_booked"
    assert got.get("conflict", {}).get("round_id") == taken["id"], (
        f"the double_booked problem does not name the conflicting round: {got}")
    contract.check(r)
    assert api.post(f"/v1/rounds/{taken['id']}/cancel").status_code == 200
    r = api.post(f"/v1/loops/{loop['id']}/rounds", json=body, headers={"Idempotency-Key": k})
    assert r.status_code == 201 and REPLAYED not in r.headers


def test_duplicate_with_a_key_still_names_the_existing_candidate(team):
    c = team.candidate()
    r = team.api().post("/v1/candidates", json={"name": "Dup", "email": c["email"]},
                        headers={"Idempotency-Key": key()}, check=False)
    assert r.status_code == 409, r.text
    got = r.json()
    assert got["code"] == "duplicate"
    assert got.get("existing_id") == c["id"], (
        f"the duplicate problem does not name the existing candidate: {got}")
    contract.check(r)


def test_secrets_shown_once_are_not_stored_in_clear(team, db):
    """A client secret (and a calendar feed token, see test_calendar.py) is
    shown once and stored only as a hash; a stored idempotent reply must not
    keep it in clear for 24 hours."""
    r = team.api(team.admin).post("/v1/clients",
                                  json={"name": f"ats-{uuid.uuid4().hex[:6]}",
                                        "grants": ["client_credentials"],
                                        "scopes": ["candidates:read"]},
                                  headers={"Idempotency-Key": key()})
    assert r.status_code == 201, r.text
    found = scan_database(db, [r.json()["client_secret"]])
    assert found == [], f"the client secret is stored in clear: {found}"


def test_replayed_client_creation_does_not_show_the_secret_again(team):
    api = team.api(team.admin)
    k = key()
    body = {"name": f"ats-{uuid.uuid4().hex[:6]}", "grants": ["client_credentials"],
            "scopes": ["candidates:read"]}
    first = api.post("/v1/clients", json=body, headers={"Idempotency-Key": k})
    assert first.status_code == 201, first.text
    again = api.post("/v1/clients", json=body, headers={"Idempotency-Key": k})
    assert again.status_code == 201 and again.headers.get(REPLAYED) == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["client_secret"] is None
    assert again.headers.get("Location") == first.headers.get("Location")
    # one client, and its secret from the first answer works
    r = team.server.api().post("/oauth/token", data={"grant_type": "client_credentials",
                                                     "client_id": first.json()["id"],
                                                     "client_secret": first.json()["client_secret"]})
    assert r.status_code == 200, r.text


# -- the contract ---------------------------------------------------------------------


def test_every_authenticated_post_documents_idempotency(openapi):
    doc = openapi.doc
    default_security = doc.get("security")
    missing = []
    for path, item in doc["paths"].items():
        op = item.get("post")
        if not op:
            continue
        security = op.get("security", default_security)
        form = "application/x-www-form-urlencoded" in (openapi.deref(op.get("requestBody", {}))
                                                       .get("content", {}))
        if security == [] or form:
            continue  # public endpoints and the OAuth forms (public routes) ignore the header
        params = [openapi.deref(p) for p in op.get("parameters", []) + item.get("parameters", [])]
        if not any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in params):
            missing.append(f"{path}: no Idempotency-Key parameter")
        for status, resp in op["responses"].items():
            if str(status).startswith("2"):
                headers = openapi.deref(resp).get("headers", {})
                if REPLAYED not in headers:
                    missing.append(f"{path} {status}: no {REPLAYED} header")
        for status in ("400", "409", "422"):
            if status not in {str(s) for s in op["responses"]}:
                missing.append(f"{path}: {status} (Idempotency-Key) not declared")
    assert not missing, "\n".join(missing)
