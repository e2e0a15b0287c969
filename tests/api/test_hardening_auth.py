"""Hardening of sign-in against an outside attacker (issue 12): throttles
that cannot be raced, sign-ins throttled too, mistyped names kept only as
keyed hashes, client secrets and refresh tokens throttled and audited,
concurrent refreshes that do not log the user out, and RFC-exact error
codes at the token, revoke and introspection endpoints."""

import threading
import uuid

import pytest
import requests

from helpers import (INTROSPECT, REVOKE, TOKEN, audit_head, audit_rows, forget_login_failures,
                     oauth_error, past_refresh_grace, password_form, post_form, problem_of,
                     refresh_form)

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


def keys(db, like):
    with db.cursor() as cur:
        cur.execute("SELECT key FROM login_failures WHERE key LIKE %s", (like,))
        return [r[0] for r in cur.fetchall()]


# -- password logins ----------------------------------------------------------


def test_simultaneous_guesses_are_counted_before_hashing(loopd, org_admin, db):
    p = org_admin.make_user(roles=["recruiter"])
    forget_login_failures(db)
    before, _ = audit_head(db, org_admin.org_id)
    barrier = threading.Barrier(30)
    statuses = []

    def guess():
        form = password_form(p, password="wrong-password-xx")
        barrier.wait()
        statuses.append(requests.post(loopd.url + TOKEN, data=form, timeout=60).status_code)

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    evaluated = [e for e in audit_rows(db, org_admin.org_id, before)
                 if e["action"] == "login.failed" and e["entity_id"] == p.user_id]
    assert len(evaluated) == 5, f"{len(evaluated)} guesses evaluated, statuses {statuses}"
    assert statuses.count(400) == 5 and statuses.count(429) == 25, statuses


def test_successful_logins_are_throttled_per_account(loopd, org_admin, db):
    p = org_admin.make_user(roles=["interviewer"])
    forget_login_failures(db)
    got = [post_form(loopd, TOKEN, password_form(p), check=False).status_code for _ in range(21)]
    assert got[:20] == [200] * 20, got
    r = post_form(loopd, TOKEN, password_form(p))
    problem_of(r, 429, "too_many_requests")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # another account is not affected
    assert post_form(loopd, TOKEN, password_form(org_admin)).status_code == 200
    with db.cursor() as cur:
        cur.execute("UPDATE login_failures SET failed_at = failed_at - interval '61 seconds'"
                    " WHERE key = %s", (f"ok:acct:{p.org_id}:{p.user_id}",))
    assert post_form(loopd, TOKEN, password_form(p)).status_code == 200


def test_mistyped_usernames_are_stored_as_keyed_hashes(loopd, org_admin, db):
    name = f"Typo-{uuid.uuid4().hex[:8]}@example.test"
    form = {"grant_type": "password", "username": name, "password": "hunter2-hunter2",
            "client_id": org_admin.client_id}
    oauth_error(post_form(loopd, TOKEN, form), 400, "invalid_grant")
    assert not keys(db, f"%{name.lower()}%") and not keys(db, f"%{name}%")
    hashed = keys(db, f"acct:{org_admin.org_id}:h:%")
    assert hashed, "the failure of an unknown name was not counted"
    # the same name, spelled in another case, counts under the same key
    for _ in range(4):
        post_form(loopd, TOKEN, {**form, "username": name.upper()})
    problem_of(post_form(loopd, TOKEN, form), 429, "too_many_requests")


def test_expired_throttle_rows_are_purged_on_writes(loopd, org_admin, db):
    stale = f"addr:203.0.113.{uuid.uuid4().int % 250}"
    with db.cursor() as cur:
        cur.execute("INSERT INTO login_failures (key, failed_at) VALUES (%s, now() - interval"
                    " '2 days')", (stale,))
    post_form(loopd, TOKEN, password_form(org_admin, password="wrong-password-xx"))
    assert keys(db, stale) == []


# -- client credentials and refresh tokens --------------------------------------


def test_wrong_client_secrets_are_audited_and_throttled(loopd, org_admin, cc_client, db):
    forget_login_failures(db)
    before, _ = audit_head(db, org_admin.org_id)
    form = {"grant_type": "client_credentials"}
    for _ in range(10):
        r = post_form(loopd, TOKEN, form, auth=(cc_client["id"], "wrong-secret"))
        oauth_error(r, 401, "invalid_client")
    events = [e for e in audit_rows(db, org_admin.org_id, before)]
    assert [e["action"] for e in events] == ["client.authentication_failed"] * 10
    assert events[0]["entity_id"] == cc_client["id"]
    assert events[0]["changes"] == {"reason": "wrong_secret"}
    # further wrong secrets are refused unaudited while the client is locked,
    # but the right one still works: anyone who knows a client's id could
    # otherwise lock the integration out (test_reattack.py)
    r = post_form(loopd, TOKEN, form, auth=(cc_client["id"], "wrong-secret"))
    problem_of(r, 429, "too_many_requests")
    assert len(audit_rows(db, org_admin.org_id, before)) == 10
    r = post_form(loopd, TOKEN, form, auth=(cc_client["id"], cc_client["client_secret"]))
    assert r.status_code == 200, r.text
    forget_login_failures(db)


def test_client_credentials_grants_are_audited(loopd, org_admin, cc_client, db, audited):
    forget_login_failures(db)
    with audited(org_admin, "login.succeeded", entity_type="client",
                 entity_id=cc_client["id"], actor_id=cc_client["id"]) as w:
        w.response = r = post_form(loopd, TOKEN, {"grant_type": "client_credentials"},
                                   auth=(cc_client["id"], cc_client["client_secret"]))
        assert r.status_code == 200, r.text
    assert w.event["actor_type"] == "client"


def test_refresh_token_guesses_are_audited_and_throttled(loopd, org_admin, db):
    p = org_admin.make_user(roles=["interviewer"])
    forget_login_failures(db)
    before, _ = audit_head(db, org_admin.org_id)
    for _ in range(10):
        r = post_form(loopd, TOKEN, refresh_form(p, "guess-" + uuid.uuid4().hex))
        oauth_error(r, 400, "invalid_grant")
    events = audit_rows(db, org_admin.org_id, before)
    assert [e["action"] for e in events] == ["token.refresh_failed"] * 10
    r = post_form(loopd, TOKEN, refresh_form(p, "guess-" + uuid.uuid4().hex))
    problem_of(r, 429, "too_many_requests")
    forget_login_failures(db)


def test_concurrent_refresh_does_not_log_the_user_out(loopd, org_admin, db):
    p = org_admin.make_user(roles=["interviewer"])
    rt = p.login()["refresh_token"]
    winner = post_form(loopd, TOKEN, refresh_form(p, rt))
    assert winner.status_code == 200
    # the loser of the race, moments later: refused, the family lives on
    loser = post_form(loopd, TOKEN, refresh_form(p, rt))
    oauth_error(loser, 400, "invalid_grant")
    nxt = post_form(loopd, TOKEN, refresh_form(p, winner.json()["refresh_token"]))
    assert nxt.status_code == 200, nxt.text
    # after the grace window the old token's reuse is theft: the family dies
    past_refresh_grace(db, rt)
    oauth_error(post_form(loopd, TOKEN, refresh_form(p, rt)), 400, "invalid_grant")
    oauth_error(post_form(loopd, TOKEN, refresh_form(p, nxt.json()["refresh_token"])), 400,
                "invalid_grant")


# -- error codes (RFC 6749 5.2, RFC 7662) ------------------------------------------


def test_missing_client_id_is_invalid_client(loopd):
    form = {"grant_type": "password", "username": "a@b.test", "password": "x" * 12}
    oauth_error(post_form(loopd, TOKEN, form), 401, "invalid_client")


def test_public_client_credentials_look_like_an_unknown_client(loopd, org_admin):
    public = post_form(loopd, TOKEN, {"grant_type": "client_credentials",
                                      "client_id": org_admin.client_id})
    unknown = post_form(loopd, TOKEN, {"grant_type": "client_credentials",
                                       "client_id": str(uuid.uuid4())})
    oauth_error(public, 401, "invalid_client")
    assert public.json() == unknown.json()
    assert public.headers.get("WWW-Authenticate") == unknown.headers.get("WWW-Authenticate")


def test_introspection_needs_client_authentication_and_a_token(loopd, cc_client):
    oauth_error(post_form(loopd, INTROSPECT, {"token": "x"}), 401, "invalid_client")
    r = post_form(loopd, INTROSPECT, {}, auth=(cc_client["id"], cc_client["client_secret"]))
    oauth_error(r, 400, "invalid_request")


def test_revoke_415_names_the_form_media_type(loopd, org_admin):
    r = loopd.api().post(REVOKE, data='{"token": "x"}', headers={"Content-Type": "application/json"})
    p = problem_of(r, 415, "unsupported_media_type")
    assert "application/x-www-form-urlencoded" in p["title"]


def test_introspection_reports_an_expired_token_inactive_without_leeway(loopd, org_admin, forge,
                                                                        cc_client):
    import time
    now = int(time.time())
    token = forge.sign(iat=now - 900, nbf=now - 900, exp=now - 5)  # within the 60 s leeway
    r = post_form(loopd, INTROSPECT, {"token": token},
                  auth=(cc_client["id"], cc_client["client_secret"]))
    assert r.status_code == 200 and r.json() == {"active": False}, r.text


def test_access_tokens_beyond_lifetime_or_from_the_future_are_refused(loopd, forge):
    import time
    now = int(time.time())
    for claims in ({"iat": now + 300, "nbf": now, "exp": now + 900},
                   {"iat": now, "nbf": now, "exp": now + 86400},
                   {"aud": ["loopd-api", "other"]}):
        r = loopd.api(token=forge.sign(**claims)).get("/v1/me", check=False)
        assert r.status_code == 401, (claims, r.text)
