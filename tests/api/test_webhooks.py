"""Webhooks (issue 15): subscriptions, signed deliveries from the outbox
verified with the standardwebhooks package by a receiver on loopback,
retries, timeouts, crash recovery, the SSRF rules and no PII in payloads.
About 60 s: a loopd of the module's own with a short retry schedule."""
import json
import re
import uuid

import pytest

from grading import complete, decide, past_round, submit_scorecard
from harness import Loopd
from helpers import M, Team, audit_rows, iso, problem_of, wait_for
from webhook_support import INSECURE_ENV, Receiver, settled, subscribe

EVENT_TYPES = ["candidate.created", "candidate.erased", "loop.created", "loop.status_changed",
               "loop.cancelled", "round.scheduled", "round.rescheduled", "round.cancelled",
               "scorecard.submitted", "scorecard.amended", "scorecard.overdue", "loop.decided",
               "ping"]


@pytest.fixture(scope="module")
def server():
    s = Loopd(env=dict(INSECURE_ENV, LOOP_SCORECARD_DUE_HOURS="1"))
    try:
        s.start()
        yield s
        s.stop()
    finally:
        s.cleanup()


@pytest.fixture(scope="module")
def team(server):
    return Team(server, interviewers=3)


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    r = Receiver(tmp_path_factory.mktemp("receiver"))
    yield r
    r.stop()


def hooks_api(team):
    return team.api(team.admin)


def name():
    return uuid.uuid4().hex[:10]


def actions(server, org_id, entity_id):
    with server.db() as conn:
        return [r["action"] for r in audit_rows(conn, org_id) if r["entity_id"] == entity_id]


def test_subscriptions_show_the_secret_once_and_are_audited(server, team):
    api = hooks_api(team)
    hook = subscribe(api, "http://127.0.0.1:9/x", ["loop.created", "loop.created", "ping"],
                     description="ATS sync")
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{32}", hook["secret"])
    assert hook["events"] == ["loop.created", "ping"] and hook["enabled"] and not hook["failing"]
    got = api.get(f"/v1/webhooks/{hook['id']}")
    assert got.status_code == 200 and "secret" not in got.json()
    listed = api.get("/v1/webhooks").json()["data"]
    assert hook["id"] in [h["id"] for h in listed]
    assert all("secret" not in h for h in listed)
    r = api.patch(f"/v1/webhooks/{hook['id']}", json={"events": ["*"], "enabled": False},
                  headers={"If-Match": got.headers["ETag"]})
    assert r.status_code == 200 and r.json()["events"] == ["*"] and not r.json()["enabled"]
    problem_of(api.patch(f"/v1/webhooks/{hook['id']}", json={"enabled": True},
                         headers={"If-Match": got.headers["ETag"]}), 412, "precondition_failed")
    rotated = api.post(f"/v1/webhooks/{hook['id']}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json()["secret"] != hook["secret"]
    assert api.post(f"/v1/webhooks/{hook['id']}/test").status_code == 202
    assert api.delete(f"/v1/webhooks/{hook['id']}").status_code == 204
    assert api.get(f"/v1/webhooks/{hook['id']}").status_code == 404
    key = {"Idempotency-Key": uuid.uuid4().hex}
    once = api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/y", "events": ["*"]},
                    headers=key)
    replay = api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/y", "events": ["*"]},
                      headers=key)
    assert replay.json()["id"] == once.json()["id"] and replay.json()["secret"] is None
    assert actions(server, team.org_id, hook["id"]) == [
        "webhook.created", "webhook.updated", "webhook.secret_rotated", "webhook.tested",
        "webhook.deleted"]
    with server.db() as conn:
        text = json.dumps([r["changes"] for r in audit_rows(conn, team.org_id)], default=str)
    assert hook["secret"] not in text and rotated.json()["secret"] not in text


def test_bad_subscriptions_are_422_naming_each_field(team):
    r = hooks_api(team).post("/v1/webhooks", json={"url": "ftp://x", "events": ["nope"],
                                                   "description": "d" * 501})
    problem_of(r, 422, "validation_failed")
    assert {e["field"].split("[")[0] for e in r.json()["errors"]} == {"url", "events",
                                                                      "description"}


def test_who_manages_webhooks(server, team):
    problem_of(team.api(team.recruiter).get("/v1/webhooks"), 403, "insufficient_scope")
    secret = hooks_api(team).post("/v1/clients", json={
        "name": "hooks", "grants": ["client_credentials"], "scopes": ["webhooks:admin"]}).json()
    tok = server.api().post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": secret["id"],
        "client_secret": secret["client_secret"]}).json()["access_token"]
    assert server.api(tok).get("/v1/webhooks").status_code == 200


def test_another_orgs_webhooks_are_404(server, team):
    hook = subscribe(hooks_api(team), "http://127.0.0.1:9/x")
    other = server.bootstrap().api
    base = f"/v1/webhooks/{hook['id']}"
    for r in (other.get(base), other.patch(base, json={"enabled": False}), other.delete(base),
              other.post(f"{base}/rotate-secret"), other.post(f"{base}/test"),
              other.get(f"{base}/deliveries"),
              other.post(f"{base}/deliveries/{uuid.uuid4()}/retry")):
        problem_of(r, 404, "not_found")
    assert hook["id"] not in [h["id"] for h in other.get("/v1/webhooks").json()["data"]]
    assert hooks_api(team).get(base).json()["enabled"]


@pytest.mark.parametrize("url,code", [
    ("https://127.0.0.1/hook", "address_refused"),
    ("https://169.254.169.254/latest/meta-data", "address_refused"),
    ("https://[::1]/hook", "address_refused"),
    ("https://10.1.2.3/hook", "address_refused"),
    ("https://localhost/hook", "address_refused"),
    ("http://127.0.0.1/hook", "insecure_url"),
])
def test_inward_urls_are_refused_without_the_insecure_flag(admin, audited, url, code):
    """The shared loopd runs without LOOP_WEBHOOK_ALLOW_INSECURE."""
    r = admin.api.post("/v1/webhooks", json={"url": url, "events": ["*"]})
    problem_of(r, 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("url", code)]
    audited.none(admin)


def test_every_event_once_per_committed_change_signed_and_without_pii(server, team, receiver):
    api, n = hooks_api(team), name()
    hook = subscribe(api, receiver.url(n))
    receiver.trust(n, [hook["secret"]])
    cand = team.candidate(name=f"Zelda Quux {n}", email=f"zelda.{n}@example.test")
    # refused changes fire nothing
    problem_of(team.api().post("/v1/candidates", json={"name": ""}), 422, "validation_failed")
    loop = team.loop(candidate_id=cand["id"])
    rnd = team.round(loop["id"], interviewers=[(team.iv[0], "lead")])   # scheduled: draft -> scheduled
    start, end = team.slot()
    r = team.api().patch(f"/v1/rounds/{rnd['id']}", json={"starts_at": iso(start),
                         "ends_at": iso(end)}, headers={"If-Match": f'"{rnd["version"]}"'})
    assert r.status_code == 200, r.text
    problem_of(team.api().patch(f"/v1/rounds/{rnd['id']}", json={"starts_at": iso(start),
               "ends_at": iso(end)}, headers={"If-Match": f'"{rnd["version"]}"'}), 412,
               "precondition_failed")
    assert team.api().post(f"/v1/rounds/{rnd['id']}/cancel", json={}).status_code == 200
    r = team.api().post(f"/v1/loops/{loop['id']}/cancel", json={"reason": "r"})
    assert r.status_code == 200, r.text
    problem_of(team.api().post(f"/v1/loops/{loop['id']}/cancel", json={"reason": "r"}), 409,
               "invalid_state")
    # graded, amended, decided; and a past round whose lead never submits: overdue
    # (the graded round ended 10 minutes ago: its card is not due yet)
    graded = team.loop()
    grnd = past_round(team, graded, [(team.iv[1], "lead")], ended=10 * M)
    submit_scorecard(team, team.iv[1], grnd, 4, "strong_yes")
    amend = dict(complete(rating=3, rec="yes"), reason="re-read my notes")
    assert team.api(team.iv[1]).post(f"/v1/rounds/{grnd['id']}/scorecard/amend",
                                     json=amend).status_code == 200
    decide(team, graded["id"], "hire")
    late = team.loop()
    past_round(team, late, [(team.iv[2], "lead")])
    assert api.post(f"/v1/webhooks/{hook['id']}/test").status_code == 202
    assert team.api().delete(f"/v1/candidates/{cand['id']}").status_code in (200, 204)

    want = {"candidate.created": 3, "candidate.erased": 1, "loop.created": 3,
            "round.scheduled": 3, "round.rescheduled": 1, "round.cancelled": 1,
            "loop.cancelled": 1, "scorecard.submitted": 1, "scorecard.amended": 1,
            "loop.decided": 1, "scorecard.overdue": 1, "ping": 1,
            # draft -> scheduled -> draft (its only round cancelled); the graded
            # loop draft -> in_progress -> awaiting_decision; the late one
            # draft -> in_progress (cancel and decide have events of their own)
            "loop.status_changed": 5}
    def counted():
        got = {}
        for d in receiver.deliveries(n):
            got[d["event"]["type"]] = got.get(d["event"]["type"], 0) + 1
        return got
    got = wait_for(lambda: all(counted().get(t, 0) >= k for t, k in want.items()), 30)
    assert got, json.dumps(counted())
    settled(api, hook["id"])
    assert counted() == want
    rows = receiver.deliveries(n)
    moves = [(d["event"]["data"]["from"], d["event"]["data"]["status"]) for d in rows
             if d["event"]["type"] == "loop.status_changed"
             and d["event"]["data"]["loop_id"] == loop["id"]]
    assert sorted(moves) == [("draft", "scheduled"), ("scheduled", "draft")]
    assert len({d["id"] for d in rows}) == len(rows)      # no event twice
    assert all(d["verified"] == [True] for d in rows)
    for d in rows:
        e = d["event"]
        assert set(e) == {"id", "type", "created_at", "org_id", "data"}
        assert e["id"] == d["id"] and e["org_id"] == team.org_id
    overdue = [d["event"]["data"] for d in rows if d["event"]["type"] == "scorecard.overdue"]
    assert overdue[0]["interviewer_id"] == team.iv[2].id, (overdue, [u.id for u in team.iv])
    log = receiver.log.read_text()
    assert cand["name"] not in log and cand["email"] not in log and "Quux" not in log
    assert "re-read my notes" not in log and "said X" not in log
    assert counted().get("scorecard.overdue") == 1     # the sweep ran again: still once


def test_a_receiver_failing_twice_gets_the_event_three_times_with_growing_gaps(team, receiver):
    api, n = hooks_api(team), name()
    hook = subscribe(api, receiver.url(n, fail=2), ["ping"])
    receiver.trust(n, [hook["secret"]])
    api.post(f"/v1/webhooks/{hook['id']}/test")
    rows = receiver.wait(n, 3)
    assert [d["status"] for d in rows] == [500, 500, 204]
    assert len({d["id"] for d in rows}) == 1 and all(d["verified"] == [True] for d in rows)
    first, second = rows[1]["at"] - rows[0]["at"], rows[2]["at"] - rows[1]["at"]
    assert 900 <= first < second, (first, second)
    (d,) = settled(api, hook["id"])
    assert d["status"] == "delivered" and d["attempts"] == 3 and d["status_code"] == 204
    assert not api.get(f"/v1/webhooks/{hook['id']}").json()["failing"]


def test_dead_letters_flag_the_subscription_and_can_be_retried(team, receiver):
    api, n = hooks_api(team), name()
    hook = subscribe(api, receiver.url(n, fail=3), ["ping"])
    api.post(f"/v1/webhooks/{hook['id']}/test")
    receiver.wait(n, 3)
    (d,) = settled(api, hook["id"])
    assert d["status"] == "dead" and d["attempts"] == 3 and d["error"] == "status"
    assert api.get(f"/v1/webhooks/{hook['id']}").json()["failing"]
    r = api.post(f"/v1/webhooks/{hook['id']}/deliveries/{d['id']}/retry")
    assert r.status_code == 202
    rows = receiver.wait(n, 4)
    assert rows[3]["status"] == 204 and rows[3]["id"] == rows[0]["id"]
    assert settled(api, hook["id"])[0]["status"] == "delivered"


def test_a_hanging_receiver_times_out_without_holding_up_others(team, receiver):
    api, slow, fast = hooks_api(team), name(), name()
    hung = subscribe(api, receiver.url(slow, hang=True), ["candidate.created"])
    subscribe(api, receiver.url(fast), ["candidate.created"])
    team.candidate()
    receiver.wait(fast, 1)
    rows = api.get(f"/v1/webhooks/{hung['id']}/deliveries").json()["data"]
    assert len(receiver.deliveries(slow)) <= 1 and rows[0]["status"] == "pending"
    def timed_out():
        d = api.get(f"/v1/webhooks/{hung['id']}/deliveries").json()["data"][0]
        return d if d["error"] else None
    d = wait_for(timed_out, 20)
    assert d and d["error"] == "timeout" and d["status_code"] is None and d["attempts"] >= 1
    api.delete(f"/v1/webhooks/{hung['id']}")


def test_rotation_signs_with_both_secrets(team, receiver):
    api, n = hooks_api(team), name()
    hook = subscribe(api, receiver.url(n), ["ping"])
    new = api.post(f"/v1/webhooks/{hook['id']}/rotate-secret").json()["secret"]
    receiver.trust(n, [hook["secret"], new, "whsec_" + "A" * 32])
    api.post(f"/v1/webhooks/{hook['id']}/test")
    (d,) = receiver.wait(n, 1)
    assert d["verified"] == [True, True, False]
    assert len(d["signature"].split(" ")) == 2


def test_metrics_count_deliveries_and_the_queue(server):
    text = server.metrics().text
    assert re.search(r'^loopd_webhook_deliveries_total\{outcome="delivered"\} [1-9]', text, re.M)
    assert re.search(r"^loopd_webhook_queue_depth \d+$", text, re.M)
    assert re.search(r"^loopd_webhook_oldest_pending_seconds [0-9.]+$", text, re.M)


def test_a_killed_loopd_delivers_all_100_pending_events_after_restart(receiver):
    """One worker, stuck on a receiver that never answers (in flight), while
    100 events wait; kill -9; the restarted loopd delivers the 100 and sends
    the in-flight one again with the same webhook-id."""
    s = Loopd(env=dict(INSECURE_ENV, LOOP_WEBHOOK_WORKERS="1", LOOP_WEBHOOK_TIMEOUT="30"))
    try:
        s.start()
        api, n, stuck = s.admin().api, name(), name()
        hung = subscribe(api, receiver.url(stuck, hang=True), ["ping"])
        api.post(f"/v1/webhooks/{hung['id']}/test")
        (first,) = receiver.wait(stuck, 1)          # in flight now
        hook = subscribe(api, receiver.url(n), ["ping"])
        receiver.trust(n, [hook["secret"]])
        for _ in range(100):
            assert api.post(f"/v1/webhooks/{hook['id']}/test").status_code == 202
        s.proc.kill()                               # kill -9
        s.proc.wait(timeout=30)
        assert receiver.deliveries(n) == []
        again = Loopd(env=INSECURE_ENV, data_dir=s.data_dir)
        again.start()
        try:
            rows = receiver.wait(n, 100, bound=60)
            assert len({d["id"] for d in rows}) == 100
            assert all(d["verified"] == [True] for d in rows)
            assert receiver.wait(stuck, 2)[1]["id"] == first["id"]
            api2 = again.api(token=s.admin().token)
            page = api2.get(f"/v1/webhooks/{hook['id']}/deliveries", params={"limit": 60}).json()
            rest = api2.get(f"/v1/webhooks/{hook['id']}/deliveries",
                            params={"limit": 60, "cursor": page["next_cursor"]}).json()
            assert len(page["data"]) == 60 and len(rest["data"]) == 40 and not rest["next_cursor"]
            assert {d["event_id"] for d in page["data"] + rest["data"]} == {d["id"] for d in rows}
            again.api(token=s.admin().token).delete(f"/v1/webhooks/{hung['id']}")
        finally:
            again.stop()
    finally:
        s.cleanup()


def test_a_subscription_failing_past_the_limit_is_disabled_and_audited(receiver):
    """LOOP_WEBHOOK_DISABLE_AFTER (5 days by default) shortened to 1 s."""
    s = Loopd(env=dict(INSECURE_ENV, LOOP_WEBHOOK_DISABLE_AFTER="1"))
    try:
        s.start()
        admin, n = s.admin(), name()
        hook = subscribe(admin.api, receiver.url(n, fail=100), ["ping"])
        admin.api.post(f"/v1/webhooks/{hook['id']}/test")
        receiver.wait(n, 2)     # the second failure comes after more than 1 s of failing
        got = wait_for(lambda: not admin.api.get(f"/v1/webhooks/{hook['id']}").json()["enabled"])
        assert got
        h = admin.api.get(f"/v1/webhooks/{hook['id']}").json()
        assert h["disabled_reason"] == "failing" and h["failures"] >= 2 and h["failing_since"]
        with s.db() as conn:
            (ev,) = [r for r in audit_rows(conn, admin.org_id) if r["action"] == "webhook.disabled"]
        assert ev["actor_type"] == "system" and ev["entity_id"] == hook["id"]
        r = admin.api.patch(f"/v1/webhooks/{hook['id']}", json={"enabled": True})
        assert r.json()["enabled"] and not r.json()["failing"] and r.json()["disabled_reason"] is None
        s.stop()
    finally:
        s.cleanup()
