"""The standing cache (auth/standing.c): a token's subject is checked on
every request without a database read, yet a disabled user, a removed role
or a revoked client counts within a bounded time on every instance, because
each change NOTIFYs from its own transaction and every loopd LISTENs. A lost
listener connection empties and bypasses the cache.

Two loopd processes share one external database here. The waits are
generous bounds (the README promises milliseconds; the bound tested is
10 s so a loaded machine does not fail the test), never timings."""

import time

import pytest

from harness import Loopd  # noqa: F401  (fixtures build them)

from helpers import wait_for


@pytest.fixture
def pair(external_pg, fresh_loopd):
    """Two loopd instances on one database, and an admin of a new org."""
    a = fresh_loopd(env={"LOOP_DATABASE_URL": external_pg.url})
    b = fresh_loopd(env={"LOOP_DATABASE_URL": external_pg.url})
    return a, b, a.bootstrap()


def me_status(server, token):
    return server.api(token).get("/v1/me", check=False).status_code


def patch_user(admin, user_id, body):
    r = admin.api.get(f"/v1/users/{user_id}")
    r = admin.api.patch(f"/v1/users/{user_id}", json=body, headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.text


def test_disable_through_one_instance_refuses_on_the_other(pair):
    a, b, admin = pair
    user = admin.make_user(roles=["recruiter"])
    token = user.token
    for _ in range(3):	# cached on both instances now
        assert me_status(a, token) == 200 and me_status(b, token) == 200
    patch_user(admin, user.user_id, {"disabled": True})
    assert me_status(a, token) == 401
    assert wait_for(lambda: me_status(b, token) == 401), "the other instance kept the user"


def test_role_taken_away_narrows_scopes_on_the_other(pair):
    a, b, admin = pair
    user = admin.make_user(roles=["recruiter", "interviewer"])
    token = user.token
    assert b.api(token).get("/v1/candidates").status_code == 200
    patch_user(admin, user.user_id, {"roles": ["interviewer"]})
    # candidates:read stays with interviewer; loops:write (POST) goes
    body = {"candidate_id": "00000000-0000-0000-0000-000000000000", "position": "x",
            "recruiter_id": user.user_id, "hiring_manager_id": user.user_id}
    assert wait_for(lambda: b.api(token).post("/v1/loops", json=body, check=False)
                    .status_code == 403), "the other instance kept the role"


def test_revoked_client_refused_on_the_other(pair):
    a, b, admin = pair
    r = admin.api.post("/v1/clients", json={"name": "sync", "grants": ["client_credentials"],
                                            "scopes": ["candidates:read"]})
    assert r.status_code == 201, r.text
    c = r.json()
    t = a.api().post("/oauth/token", data={"grant_type": "client_credentials",
                                           "client_id": c["id"],
                                           "client_secret": c["client_secret"]})
    assert t.status_code == 200, t.text
    token = t.json()["access_token"]
    assert b.api(token).get("/v1/candidates").status_code == 200
    assert admin.api.delete(f"/v1/clients/{c['id']}").status_code == 204
    assert wait_for(lambda: b.api(token).get("/v1/candidates", check=False).status_code == 401)


def test_change_by_plain_sql_counts_too(fresh_loopd):
    """The NOTIFY comes from a trigger, so a change made outside loopd counts."""
    server = fresh_loopd()
    admin = server.bootstrap()
    user = admin.make_user()
    token = user.token
    assert me_status(server, token) == 200
    conn = server.db()
    conn.cursor().execute("UPDATE users SET disabled = true WHERE id = %s", (user.user_id,))
    conn.close()
    assert wait_for(lambda: me_status(server, token) == 401)


def test_me_name_and_email_change_by_plain_sql_counts(fresh_loopd):
    """/v1/me is answered from the cache: a change of name or email, even
    outside loopd, drops it (users_notify covers those columns too)."""
    server = fresh_loopd()
    admin = server.bootstrap()
    user = admin.make_user()
    api = server.api(user.token)
    before = api.get("/v1/me").json()
    assert api.get("/v1/me").json() == before	# cached now
    conn = server.db()
    conn.cursor().execute("UPDATE users SET name = 'Renamed', email = 'renamed@example.test'"
                          " WHERE id = %s", (user.user_id,))
    conn.close()
    after = wait_for(lambda: (lambda m: m if m["name"] == "Renamed" else None)(
        api.get("/v1/me").json()))
    assert after and after["email"] == "renamed@example.test"


def test_me_patch_through_one_instance_shows_on_the_other(pair):
    a, b, admin = pair
    user = admin.make_user()
    for _ in range(2):
        assert b.api(user.token).get("/v1/me").json()["name"] != "New name"
    patch_user(admin, user.user_id, {"name": "New name"})
    assert a.api(user.token).get("/v1/me").json()["name"] == "New name"
    assert wait_for(lambda: b.api(user.token).get("/v1/me").json()["name"] == "New name")


def listener_pids(conn):
    cur = conn.cursor()
    cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'loopd-listener'")
    return [r[0] for r in cur.fetchall()]


def test_lost_listener_flushes_and_bypasses(pair, external_pg):
    """A change the listener could not hear (its notification is suppressed
    here) still counts once the listener connection is lost: the cache is
    emptied and bypassed until a listener is back."""
    a, b, admin = pair
    user = admin.make_user()
    token = user.token
    assert me_status(b, token) == 200 and me_status(b, token) == 200
    conn = external_pg.connect()
    cur = conn.cursor()
    assert wait_for(lambda: len(listener_pids(conn)) == 2), "both instances listen"
    cur.execute("ALTER TABLE users DISABLE TRIGGER users_notify")
    try:
        cur.execute("UPDATE users SET disabled = true WHERE id = %s", (user.user_id,))
        time.sleep(0.3)
        assert me_status(b, token) == 200, "the cache answered (the change was not heard)"
        for pid in listener_pids(conn):
            cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert wait_for(lambda: me_status(b, token) == 401), "the cache outlived its listener"
    finally:
        cur.execute("ALTER TABLE users ENABLE TRIGGER users_notify")
    # the listeners come back, and the cache serves (and is invalidated) again
    assert wait_for(lambda: len(listener_pids(conn)) == 2), "the listeners reconnected"
    cur.execute("UPDATE users SET disabled = false WHERE id = %s", (user.user_id,))
    assert wait_for(lambda: me_status(b, token) == 200)
    conn.close()
