"""GET /v1/reports/interviewers on a small hand-computed org (issue 10)."""
import pytest

from conftest import Team, problem_of
from grading import decide, past_round, submit_scorecard
from helpers import H

# Scorecards are submitted through the API as the fixture runs, a second or
# so after their round is created: hours to submit are the hours since the
# round ended, give or take the time the fixture takes.
WALL_CLOCK = 0.05   # hours (3 minutes)


@pytest.fixture(scope="module")
def org(loopd):
    """Three interviewers A, B, C (k = 5, due 24 h after the round):
    loop 1: A 4s strong_yes (a round that ended 1 h ago), B 2s no (a round
    that ended 30 h ago: B 30 h late) -> decided hire;
    loop 2: A 3s yes, C 3s yes (one round that ended 2 h ago) -> decided no_hire;
    loop 3: C lead of a round that ended 26 h ago, never submitted (missing,
    past due). No two rounds of one interviewer overlap."""
    t = Team(loopd, interviewers=4)
    a, b, c = t.iv[0], t.iv[1], t.iv[2]
    l1, l2 = t.loop(), t.loop()
    r1a = past_round(t, l1, [(a, "lead")], minutes=30, ended=1 * H)
    r1b = past_round(t, l1, [(b, "lead")], minutes=30, ended=30 * H)
    r2 = past_round(t, l2, [(a, "lead"), (c, "lead")], minutes=30, ended=2 * H)
    past_round(t, t.loop(), [(c, "lead")], minutes=30, ended=26 * H)   # loop 3
    submit_scorecard(t, a, r1a, 4, "strong_yes")
    submit_scorecard(t, b, r1b, 2, "no")
    submit_scorecard(t, a, r2, 3, "yes")
    submit_scorecard(t, c, r2, 3, "yes")
    decide(t, l1["id"], "hire")
    decide(t, l2["id"], "no_hire")
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
    assert a["median_hours_to_submit"] == pytest.approx((1 + 2) / 2, abs=WALL_CLOCK)
    assert (a["due"], a["overdue"], a["overdue_rate"]) == (2, 0, 0.0)
    # B: -2 / (1 + 5); said no to a hire; 30 hours after the round, 6 past due
    assert b["scorecards"] == 1 and b["mean_rating"] == 2.0
    assert b["leniency"] == {"estimate": -0.33, "n": 1}
    assert (b["decided"], b["matched"], b["match_rate"]) == (1, 0, 0.0)
    assert b["median_hours_to_submit"] == pytest.approx(30, abs=WALL_CLOCK)
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
