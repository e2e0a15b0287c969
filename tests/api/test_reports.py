"""GET /v1/reports/interviewers on a small hand-computed org (issue 10)."""
import pytest

from conftest import Team, problem_of
from test_decisions import JUSTIFICATION, past_loop


@pytest.fixture(scope="module")
def org(loopd):
    """Three interviewers A, B, C (k = 5, due 24 h after the round):
    loop 1: A 4s strong_yes, B 2s no (B 30 h late) -> decided hire;
    loop 2: A 3s yes, C 3s yes -> decided no_hire;
    loop 3: C lead, never submitted (missing, past due)."""
    t = Team(loopd, interviewers=4)
    db = loopd.db()
    a, b, c = t.iv[0], t.iv[1], t.iv[2]
    l1, _, _ = past_loop(t, db, [(a, "lead", 4, "strong_yes"), (b, "lead", 2, "no")],
                         late_hours={b.id: 30})
    l2, _, _ = past_loop(t, db, [(a, "lead", 3, "yes"), (c, "lead", 3, "yes")])
    past_loop(t, db, [(c, "lead", 3, "yes")], submit_panel=False)
    for lid, outcome in ((l1["id"], "hire"), (l2["id"], "no_hire")):
        r = t.api(t.hm).post(f"/v1/loops/{lid}/decision", json={
            "outcome": outcome, "rationale": "r", "override_justification": JUSTIFICATION})
        assert r.status_code == 201, r.text
    db.close()
    return t


def test_figures_per_interviewer(org):
    r = org.api(org.recruiter).get("/v1/reports/interviewers")
    assert r.status_code == 200, r.text
    body = r.json()
    rows = {row["user_id"]: row for row in body["data"]}
    a, b, c = (rows[org.iv[i].id] for i in range(3))
    assert org.iv[3].id not in rows, "no seat on any round: not an interviewer yet"
    assert [row["user_id"] for row in body["data"]] == [org.iv[i].id for i in range(3)]
    # A: ratings 7 x 4 and 7 x 3; deviations +2 (vs B) and 0 (vs C): 2 / (2 + 5)
    assert a["scorecards"] == 2 and a["mean_rating"] == 3.5
    assert a["leniency"] == {"estimate": 0.29, "n": 2}
    assert (a["decided"], a["matched"], a["match_rate"]) == (2, 1, 0.5)
    assert a["median_hours_to_submit"] == 1.5
    assert (a["due"], a["overdue"], a["overdue_rate"]) == (2, 0, 0.0)
    # B: -2 / (1 + 5); said no to a hire; 30 hours late
    assert b["scorecards"] == 1 and b["mean_rating"] == 2.0
    assert b["leniency"] == {"estimate": -0.33, "n": 1}
    assert (b["decided"], b["matched"], b["match_rate"]) == (1, 0, 0.0)
    assert b["median_hours_to_submit"] == 30.0
    assert (b["due"], b["overdue"], b["overdue_rate"]) == (1, 1, 1.0)
    # C: 0 / (1 + 5); said yes to a no_hire; one seat missing past due
    assert c["scorecards"] == 1 and c["mean_rating"] == 3.0
    assert c["leniency"] == {"estimate": 0.0, "n": 1}
    assert (c["decided"], c["matched"], c["match_rate"]) == (1, 0, 0.0)
    assert (c["due"], c["overdue"], c["overdue_rate"]) == (2, 1, 0.5)
    assert body["shrinkage_k"] == 5 and body["next_cursor"] is None


def test_disagreement_per_criterion(org):
    body = org.api(org.admin).get("/v1/reports/interviewers").json()
    crit = {(x["rubric_key"], x["criterion"]): x for x in body["criteria"]}
    assert len(crit) == 7
    for x in crit.values():
        # loop 1 split 4 vs 2; loop 2 agreed 3 vs 3; loop 3 had no panel
        assert (x["loops"], x["disagreements"], x["disagreement_rate"]) == (2, 1, 0.5), x


def test_paging(org):
    api = org.api(org.recruiter)
    p1 = api.get("/v1/reports/interviewers", params={"limit": 2}).json()
    assert len(p1["data"]) == 2 and p1["next_cursor"]
    p2 = api.get("/v1/reports/interviewers", params={"limit": 2, "cursor": p1["next_cursor"]}).json()
    assert [r["user_id"] for r in p2["data"]] == [org.iv[2].id] and p2["next_cursor"] is None
    problem_of(api.get("/v1/reports/interviewers", params={"cursor": "garbage"}), 400,
               "invalid_cursor")
    problem_of(api.get("/v1/reports/interviewers", params={"limit": 0}), 400, "invalid_query")


def test_who_reads_the_report(org, loopd):
    problem_of(org.api(org.hm).get("/v1/reports/interviewers"), 403, "forbidden")
    problem_of(org.api(org.iv[0]).get("/v1/reports/interviewers"), 403, "insufficient_scope")
    other = Team(loopd, interviewers=1)
    body = other.api(other.admin).get("/v1/reports/interviewers").json()
    assert body["data"] == [] and body["criteria"] == [], "another org sees none of it"


def test_the_leniency_follows_the_policy_k(org):
    api = org.api(org.admin)
    v = api.get("/v1/decision-policy").json()["version"]
    assert api.put("/v1/decision-policy", json={"shrinkage_k": 0},
                   headers={"If-Match": f'"{v}"'}).status_code == 200
    try:
        rows = {r["user_id"]: r for r in api.get("/v1/reports/interviewers").json()["data"]}
        assert rows[org.iv[0].id]["leniency"] == {"estimate": 1.0, "n": 2}
        assert rows[org.iv[1].id]["leniency"] == {"estimate": -2.0, "n": 1}
    finally:
        assert api.put("/v1/decision-policy", json={},
                       headers={"If-Match": f'"{v + 1}"'}).status_code == 200
