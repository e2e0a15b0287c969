"""Per-caller rate limits, black-box: a token bucket per user and per API
client (LOOP_RATE_LIMIT requests a minute, divided by
LOOP_RATE_LIMIT_INSTANCES), refusals counted too, 429 with Retry-After past
it, RateLimit-* headers on every authenticated response, and an org's own
limit set by its admins (GET/PUT /v1/rate-limit, audited)."""

import pytest

from helpers import audit_rows, count, problem_of, wait_for

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


def limits(r):
    return tuple(int(r.headers[h]) for h in ("RateLimit-Limit", "RateLimit-Remaining",
                                             "RateLimit-Reset"))


def test_every_authenticated_response_carries_the_limits(org_admin, people):
    api = people["interviewer"].api
    # (the default refills 100 a second: Remaining is exact only at low limits)
    for r in (api.get("/v1/me"), api.get("/v1/users"),
              api.get("/v1/loops/00000000-0000-4000-8000-000000000000")):
        limit, left, reset = limits(r)
        assert limit == 6000 and 0 <= left < limit and 0 <= reset <= 60, r.headers
    assert "RateLimit-Limit" not in org_admin.server.api().get("/v1/me").headers


def test_over_the_limit_is_429_and_refusals_count(fresh_loopd):
    """Limit 10 over 2 instances: 5 here (one more every 12 s). An interviewer's refused reads
    use up the bucket, then 429 with Retry-After; past the limit the
    refusals are no longer written to the audit log; another user is not
    affected."""
    srv = fresh_loopd(env={"LOOP_RATE_LIMIT": "10", "LOOP_RATE_LIMIT_INSTANCES": "2"})
    admin = srv.bootstrap()
    iv = admin.make_user(roles=("interviewer",))
    other = admin.make_user(roles=("interviewer",))
    api = iv.api
    seen = [api.get("/v1/users") for _ in range(5)]
    for r in seen:
        problem_of(r, 403, "insufficient_scope")
    assert [limits(r)[:2] for r in seen] == [(5, 4), (5, 3), (5, 2), (5, 1), (5, 0)]
    for _ in range(3):
        r = api.get("/v1/users")
        body = problem_of(r, 429, "too_many_requests")
        assert 1 <= int(r.headers["Retry-After"]) <= 13, r.headers
        assert limits(r)[:2] == (5, 0)
        assert "5 requests a minute" in body["detail"]
    problem_of(api.get("/v1/me"), 429, "too_many_requests")
    conn = srv.db()
    try:
        denied = count(conn, "SELECT coalesce(sum(count), 0) FROM access_denials"
                             " WHERE org_id = %s AND subject_id = %s", admin.org_id, iv.user_id)
    finally:
        conn.close()
    assert denied == 5, f"{denied} refusals audited, 5 were answered 403"
    r = other.api.get("/v1/me")
    assert r.status_code == 200 and limits(r)[:2] == (5, 4)


def test_a_disabled_users_401s_count_but_forged_tokens_do_not(fresh_loopd):
    """A token loopd signed still names its caller after the account is
    disabled: its 401s are charged, then 429. A token with a bad signature
    names no one loopd can trust, so it never drains that user's bucket."""
    srv = fresh_loopd(env={"LOOP_RATE_LIMIT": "6", "LOOP_RATE_LIMIT_INSTANCES": "2"})
    admin = srv.bootstrap()
    user = admin.make_user(roles=("interviewer",))
    token = user.token
    etag = admin.api.get(f"/v1/users/{user.user_id}").headers["ETag"]
    r = admin.api.patch(f"/v1/users/{user.user_id}", json={"disabled": True},
                        headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    api = srv.api(token=token)
    got = [api.get("/v1/me") for _ in range(4)]
    assert [r.status_code for r in got] == [401, 401, 401, 429], [r.text for r in got]
    assert [limits(r)[:2] for r in got[:3]] == [(3, 2), (3, 1), (3, 0)]
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for _ in range(3):
        problem_of(srv.api(token=forged).get("/v1/me"), 401, "invalid_token")


def test_an_admin_sets_the_orgs_own_limit(new_org, loopd, people):
    admin = new_org()
    recruiter = admin.make_user(roles=("recruiter",))
    r = admin.api.get("/v1/rate-limit")
    assert r.status_code == 200, r.text
    assert r.json() == {"requests_per_minute": 6000, "default": True, "instances": 1,
                        "per_instance": 6000, "updated_at": None}
    problem_of(recruiter.api.put("/v1/rate-limit", json={"requests_per_minute": 1}), 403,
               "insufficient_scope")
    for bad in (0, -1, "10", 1.5, 10**10):
        r = admin.api.put("/v1/rate-limit", json={"requests_per_minute": bad})
        problem_of(r, 422, "validation_failed")
    r = admin.api.put("/v1/rate-limit", json={"requests_per_minute": 60})
    assert r.status_code == 200, r.text
    assert r.json()["requests_per_minute"] == 60 and r.json()["default"] is False
    conn = loopd.db()
    try:
        events = [e for e in audit_rows(conn, admin.org_id) if e["action"] == "rate_limit.updated"]
    finally:
        conn.close()
    assert [e["changes"] for e in events] == [{"requests_per_minute": 60}]
    assert events[0]["actor_id"] == admin.user_id and events[0]["entity_id"] == admin.org_id
    api = recruiter.api
    assert [api.get("/v1/me").status_code for _ in range(61)] == [200] * 60 + [429]
    # another organisation keeps the default
    assert limits(people["interviewer"].api.get("/v1/me"))[0] == 6000
    # null goes back to the default (the admin's own bucket holds 60 now)
    r = admin.api.put("/v1/rate-limit", json={"requests_per_minute": None})
    assert r.status_code == 200 and r.json()["default"] is True, r.text
    assert limits(admin.api.get("/v1/rate-limit"))[0] == 6000


def test_help_shows_the_rate_limit_settings(loopd):
    out = loopd.run("--help").stdout
    assert "LOOP_RATE_LIMIT " in out and "LOOP_RATE_LIMIT_INSTANCES" in out
    assert "LOOP_RATE_LIMIT_ORG_MAX" in out and "--rate-limit-org-max" in out


def rate_limit_events(server, org):
    conn = server.db()
    try:
        return [e for e in audit_rows(conn, org) if e["action"] == "rate_limit.updated"]
    finally:
        conn.close()


def refused_and_unchanged(server, admin, value, low, high):
    """PUT value answers 422 naming the field and the range; GET shows the
    limit as it was and no event is written."""
    before = admin.api.get("/v1/rate-limit").json()
    events = len(rate_limit_events(server, admin.org_id))
    r = admin.api.put("/v1/rate-limit", json={"requests_per_minute": value})
    body = problem_of(r, 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("requests_per_minute", "range")]
    assert f"{low}" in body["errors"][0]["message"] and f"{high}" in body["errors"][0]["message"]
    assert admin.api.get("/v1/rate-limit").json() == before
    assert len(rate_limit_events(server, admin.org_id)) == events


def test_an_orgs_own_limit_is_bounded(new_org, loopd):
    """At least 60 (an admin keeps a request a second, enough to undo it);
    at most LOOP_RATE_LIMIT_ORG_MAX (60000 by default), so a tenant cannot
    switch the operator's limit off."""
    admin = new_org()
    r = admin.api.put("/v1/rate-limit", json={"requests_per_minute": 600})
    assert r.status_code == 200, r.text
    for value in (59, 1, 60001, 10**9):
        refused_and_unchanged(loopd, admin, value, 60, 60000)
    for value in (60, 60000):
        r = admin.api.put("/v1/rate-limit", json={"requests_per_minute": value})
        assert r.status_code == 200 and r.json()["requests_per_minute"] == value, r.text
    assert [e["changes"] for e in rate_limit_events(loopd, admin.org_id)] == [
        {"requests_per_minute": 600}, {"requests_per_minute": 60},
        {"requests_per_minute": 60000}]


def test_the_operator_sets_the_ceiling(fresh_loopd):
    """LOOP_RATE_LIMIT_ORG_MAX: a lower ceiling refuses what is above it,
    and a row stored above it (before the ceiling was lowered) is applied
    and shown at the ceiling; below 60 the setting itself is refused."""
    srv = fresh_loopd(env={"LOOP_RATE_LIMIT_ORG_MAX": "1000"})
    admin = srv.bootstrap()
    refused_and_unchanged(srv, admin, 1001, 60, 1000)
    r = admin.api.put("/v1/rate-limit", json={"requests_per_minute": 1000})
    assert r.status_code == 200 and r.json()["requests_per_minute"] == 1000, r.text
    conn = srv.db()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE rate_limits SET requests_per_minute = 1000000 WHERE org_id = %s",
                        (admin.org_id,))
    finally:
        conn.close()
    assert admin.api.get("/v1/rate-limit").json()["requests_per_minute"] == 1000
    out = srv.run("--help", env={"LOOP_RATE_LIMIT_ORG_MAX": "59"})
    assert out.returncode == 2 and "LOOP_RATE_LIMIT_ORG_MAX" in out.stderr, out.stderr


def test_a_limit_set_elsewhere_reaches_this_instance_within_seconds(new_org, loopd, wait=20):
    """Another instance's PUT writes the row; this one reads the org's limit
    again at most 10 s after its last read, without a restart."""
    admin = new_org()
    user = admin.make_user(roles=("recruiter",))
    assert limits(user.api.get("/v1/me"))[0] == 6000
    conn = loopd.db()
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO rate_limits (org_id, requests_per_minute) VALUES (%s, 4321)",
                        (admin.org_id,))
    finally:
        conn.close()
    assert wait_for(lambda: limits(user.api.get("/v1/me"))[0] == 4321, bound=wait), (
        "the org's new limit was not applied")
