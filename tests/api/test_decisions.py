"""The decision packet (who reads it, audited reads) and the hire decision
(the loop's hiring manager, the override rule, once per loop) (issue 10)."""
import uuid

import pytest

from conftest import Team, problem_of
from grading import JUSTIFICATION, REQUIRED_SD, graded_loop, loop_status
from helpers import M, iso, utcnow


@pytest.fixture(scope="module")
def t(loopd):
    return Team(loopd, interviewers=3)


def split_loop(t):
    """Awaiting its decision; a strong_yes and a no: the packet asks for a debrief."""
    loop, _ = graded_loop(t, [(t.iv[0], "lead", 4, "strong_yes"), (t.iv[1], "lead", 2, "no")])
    assert loop_status(t, loop["id"]) == "awaiting_decision"
    return loop["id"]


def clear_loop(t, rating=4, rec="strong_yes"):
    loop, _ = graded_loop(t, [(t.iv[2], "lead", rating, rec)])
    return loop["id"]


def test_who_reads_the_packet(t, loopd):
    lid = split_loop(t)
    for who in (t.hm, t.recruiter, t.admin):
        r = t.api(who).get(f"/v1/loops/{lid}/decision-packet")
        assert r.status_code == 200, r.text
        p = r.json()
        assert p["loop_id"] == lid and p["recommendation"] == "needs_debrief"
        assert p["reasons"][0]["code"] == "recommendations_split"
        assert p["policy_version"] >= 1
    problem_of(t.api(t.hm2).get(f"/v1/loops/{lid}/decision-packet"), 404, "not_found")
    problem_of(t.api(t.iv[0]).get(f"/v1/loops/{lid}/decision-packet"), 403, "insufficient_scope")
    other = Team(loopd, interviewers=1)
    problem_of(other.api(other.admin).get(f"/v1/loops/{lid}/decision-packet"), 404, "not_found")
    problem_of(t.api().get(f"/v1/loops/{uuid.uuid4()}/decision-packet"), 404, "not_found")
    narrow = t.recruiter.login(scope="loops:read")["access_token"]
    problem_of(loopd.api(token=narrow).get(f"/v1/loops/{lid}/decision-packet"), 403,
               "insufficient_scope")


def test_an_api_client_with_decisions_read_reads_the_packet(t, loopd):
    lid = split_loop(t)
    tokens = {}
    for scopes in (["decisions:read", "loops:read"], ["loops:read"]):
        c = t.api(t.admin).post("/v1/clients", json={"name": "ats", "grants": ["client_credentials"],
                                                     "scopes": scopes})
        assert c.status_code == 201, c.text
        c = c.json()
        r = loopd.api().post("/oauth/token", data={"grant_type": "client_credentials"},
                             auth=(c["id"], c["client_secret"]))
        assert r.status_code == 200, r.text
        tokens[len(scopes)] = r.json()["access_token"]
    assert loopd.api(token=tokens[2]).get(f"/v1/loops/{lid}/decision-packet").status_code == 200
    problem_of(loopd.api(token=tokens[1]).get(f"/v1/loops/{lid}/decision-packet"), 403,
               "insufficient_scope")
    # a client never decides: only the loop's hiring manager
    problem_of(loopd.api(token=tokens[2]).post(f"/v1/loops/{lid}/decision", json={
        "outcome": "hire", "rationale": "x", "override_justification": JUSTIFICATION}), 403,
        "insufficient_scope")


def test_the_packet_shows_ratings_with_evidence_and_leniency_with_n(t):
    lid = split_loop(t)
    p = t.api(t.hm).get(f"/v1/loops/{lid}/decision-packet").json()
    assert p["raw_score"] is not None and p["score"] is not None
    crit = {c["key"]: c for c in p["criteria"]}
    assert set(crit) == set(REQUIRED_SD)
    c = crit["tradeoff_reasoning"]
    assert c["mean"] == 3.0 and c["spread"] == 2 and c["min"] == 2 and c["max"] == 4
    by = {r["interviewer_id"]: r for r in c["ratings"]}
    assert by[t.iv[0].id]["rating"] == 4 and t.iv[0].email in by[t.iv[0].id]["evidence"]
    assert [r["id"] for r in p["rounds"]] and p["rounds"][0]["scorecards"]
    people = {v["user_id"]: v for v in p["interviewers"]}
    assert set(people) == {t.iv[0].id, t.iv[1].id}
    assert all("n" in v["leniency"] and "estimate" in v["leniency"] for v in people.values())


def test_packet_reads_are_audited(t):
    lid = split_loop(t)
    r = t.api(t.hm).get(f"/v1/loops/{lid}/decision-packet")
    assert r.status_code == 200
    ev = t.api(t.admin).get("/v1/audit-events", params={"entity_id": lid,
                                                         "action": "decision_packet.read"})
    assert ev.status_code == 200, ev.text
    events = ev.json()["data"]
    assert len(events) == 1
    assert events[0]["actor_id"] == t.hm.id
    assert events[0]["changes"]["recommendation"] == "needs_debrief"
    assert events[0]["changes"]["policy_version"] == r.json()["policy_version"]


def test_who_decides(t):
    lid = split_loop(t)
    body = {"outcome": "hire", "rationale": "Strong design work.",
            "override_justification": JUSTIFICATION}
    problem_of(t.api(t.hm2).post(f"/v1/loops/{lid}/decision", json=body), 404, "not_found")
    problem_of(t.api(t.admin).post(f"/v1/loops/{lid}/decision", json=body), 403,
               "not_hiring_manager")
    problem_of(t.api(t.recruiter).post(f"/v1/loops/{lid}/decision", json=body), 403,
               "insufficient_scope")
    problem_of(t.api(t.iv[0]).post(f"/v1/loops/{lid}/decision", json=body), 403,
               "insufficient_scope")
    problem_of(t.api(t.hm).get(f"/v1/loops/{lid}/decision"), 404, "not_found")
    r = t.api(t.hm).post(f"/v1/loops/{lid}/decision", json=body)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"/v1/loops/{lid}/decision"
    assert loop_status(t, lid) == "decided"
    for who in (t.hm, t.recruiter, t.admin):
        g = t.api(who).get(f"/v1/loops/{lid}/decision")
        assert g.status_code == 200 and g.json() == r.json()
    problem_of(t.api(t.iv[0]).get(f"/v1/loops/{lid}/decision"), 403, "insufficient_scope")
    problem_of(t.api(t.hm2).get(f"/v1/loops/{lid}/decision"), 404, "not_found")


def test_override_rules(t):
    lid = split_loop(t)   # needs_debrief: either outcome is an override
    url = f"/v1/loops/{lid}/decision"
    p = problem_of(t.api(t.hm).post(url, json={"outcome": "hire", "rationale": "ok"}), 422,
                   "validation_failed")
    assert [e["field"] for e in p["errors"]] == ["override_justification"]
    p = problem_of(t.api(t.hm).post(url, json={"outcome": "hire", "rationale": "ok",
                                                "override_justification": "too short"}),
                   422, "validation_failed")
    assert [e["field"] for e in p["errors"]] == ["override_justification"]
    r = t.api(t.hm).post(url, json={"outcome": "no_hire", "rationale": "ok",
                                     "override_justification": JUSTIFICATION})
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["override"] is True and d["override_justification"] == JUSTIFICATION
    assert d["packet"]["recommendation"] == "needs_debrief"
    assert d["loop_status_at_decision"] == "awaiting_decision"


def test_following_the_recommendation_is_no_override(t):
    lid = clear_loop(t)
    p = t.api(t.hm).get(f"/v1/loops/{lid}/decision-packet").json()
    assert p["recommendation"] == "hire", p["reasons"]
    problem_of(t.api(t.hm).post(f"/v1/loops/{lid}/decision",
                                json={"outcome": "no_hire", "rationale": "no"}), 422,
               "validation_failed")
    r = t.api(t.hm).post(f"/v1/loops/{lid}/decision", json={"outcome": "hire", "rationale": "yes"})
    assert r.status_code == 201, r.text
    assert r.json()["override"] is False and r.json()["override_justification"] is None
    assert r.json()["packet"] == {"recommendation": "hire", "score": p["score"],
                                  "policy_version": p["policy_version"]}
    ev = t.api(t.admin).get("/v1/audit-events", params={"entity_id": lid,
                                                         "action": "decision.recorded"}).json()
    ch = ev["data"][0]["changes"]
    assert ch["packet_recommendation"] == "hire" and ch["packet_score"] == p["score"]
    assert ch["policy_version"] == p["policy_version"] and ch["rationale"] == "[redacted]"
    problem_of(t.api(t.hm).post(f"/v1/loops/{lid}/decision",
                                json={"outcome": "hire", "rationale": "again"}), 409,
               "already_decided")


def test_in_progress_only_as_override_and_not_before(t):
    loop = t.loop()
    url = f"/v1/loops/{loop['id']}/decision"
    body = {"outcome": "hire", "rationale": "early"}
    problem_of(t.api(t.hm).post(url, json=body), 409, "loop_not_ready")   # draft
    rnd = t.round(loop["id"], interviewers=[(t.iv[2], "lead")])
    p = problem_of(t.api(t.hm).post(url, json=body), 409, "loop_not_ready")  # scheduled
    assert p["current_status"] == "scheduled"
    # the interview starts: moved to ten minutes ago, still running
    start = utcnow().replace(microsecond=0) - 10 * M
    r = t.api().patch(f"/v1/rounds/{rnd['id']}", headers={"If-Match": f'"{rnd["version"]}"'},
                      json={"starts_at": iso(start), "ends_at": iso(start + 60 * M)})
    assert r.status_code == 200, r.text
    assert loop_status(t, loop["id"]) == "in_progress"
    p = problem_of(t.api(t.hm).post(url, json=body), 422, "validation_failed")
    r = t.api(t.hm).post(url, json=dict(body, override_justification=JUSTIFICATION))
    assert r.status_code == 201, r.text
    assert r.json()["override"] is True and r.json()["loop_status_at_decision"] == "in_progress"


def test_a_cancelled_loop_is_not_decided(t):
    loop = t.loop()
    assert t.api().post(f"/v1/loops/{loop['id']}/cancel", json={"reason": "x"}).status_code == 200
    problem_of(t.api(t.hm).post(f"/v1/loops/{loop['id']}/decision", json={
        "outcome": "hire", "rationale": "x", "override_justification": JUSTIFICATION}), 409,
        "loop_not_ready")


def test_idempotent_replay(t):
    lid = clear_loop(t)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"outcome": "hire", "rationale": "replayed"}
    r1 = t.api(t.hm).post(f"/v1/loops/{lid}/decision", json=body, headers=key)
    assert r1.status_code == 201, r1.text
    r2 = t.api(t.hm).post(f"/v1/loops/{lid}/decision", json=body, headers=key)
    assert r2.status_code == 201 and r2.json() == r1.json()
    assert r2.headers.get("Idempotent-Replayed") == "true"
    problem_of(t.api(t.hm).post(f"/v1/loops/{lid}/decision", json=dict(body, rationale="other"),
                                headers=key), 422, "idempotency_key_reused")


def test_bad_bodies(t):
    lid = clear_loop(t)
    url = f"/v1/loops/{lid}/decision"
    p = problem_of(t.api(t.hm).post(url, json={"outcome": "maybe", "extra": 1}), 422,
                   "validation_failed")
    assert {"outcome", "rationale", "extra"} <= {e["field"] for e in p["errors"]}
    problem_of(t.api(t.hm).post(url, json={"outcome": "hire", "rationale": "x" * 10001}), 422,
               "validation_failed")
    assert loop_status(t, lid) == "awaiting_decision"


def test_erasure_keeps_the_decision_and_clears_its_text(t):
    lid = split_loop(t)
    r = t.api(t.hm).post(f"/v1/loops/{lid}/decision", json={
        "outcome": "hire", "rationale": "Names the candidate", "override_justification": JUSTIFICATION})
    assert r.status_code == 201
    cid = t.api().get(f"/v1/loops/{lid}").json()["candidate_id"]
    assert t.api().delete(f"/v1/candidates/{cid}").status_code in (200, 204)
    d = t.api(t.hm).get(f"/v1/loops/{lid}/decision").json()
    assert d["erased"] is True and d["rationale"] is None and d["override_justification"] is None
    assert d["outcome"] == "hire" and d["override"] is True
