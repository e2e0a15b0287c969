"""The decision packet's rules through real scorecards (issue 10; README,
"The decision packet"): a critical red flag and a bar raiser's no block hire,
a split asks for a debrief, a missing lead scorecard leaves the loop
incomplete, calibration takes a harsh grader's leniency out, and shadows
count only when the policy says so."""
import re

import pytest

from conftest import Team
from grading import decide, graded_loop, loop_status, packet, past_round, scorecard_body, \
    set_policy, submit, submit_scorecard


@pytest.fixture(scope="module")
def t(loopd):
    return Team(loopd, interviewers=3)


def codes(p):
    return [r["code"] for r in p["reasons"]]


def reason(p, code):
    """The packet's one reason with this code."""
    found = [r for r in p["reasons"] if r["code"] == code]
    assert len(found) == 1, (code, p["reasons"])
    return found[0]


def refs(r):
    return {(x["type"], x["id"]) for x in r["refs"]}


def name(user):
    return user.email.split("@")[0]    # the display name make_user gives


def test_a_critical_red_flag_among_strong_yeses_is_no_hire(t):
    loop = t.loop()
    coding = past_round(t, loop, [(t.iv[0], "lead")], kind="coding_deep_dive")
    design = past_round(t, loop, [(t.iv[1], "lead")])
    card = submit_scorecard(t, t.iv[0], coding, 4, "strong_yes",
                            red_flags=[("no_working_code", "nothing compiled by the end")])
    submit_scorecard(t, t.iv[1], design, 4, "strong_yes")
    assert loop_status(t, loop["id"]) == "awaiting_decision"
    p = packet(t, loop["id"])
    assert p["recommendation"] == "no_hire" and p["score"] == 4.0
    assert codes(p)[0] == "critical_red_flag"
    assert "score_meets_threshold" in codes(p), "the score alone would hire"
    flag = reason(p, "critical_red_flag")
    assert {("red_flag", "no_working_code"), ("scorecard", card["id"]),
            ("interviewer", t.iv[0].id), ("round", coding["id"])} <= refs(flag)
    assert name(t.iv[0]) in flag["message"] and "no_working_code" in flag["message"]
    [listed] = p["red_flags"]
    assert (listed["key"], listed["severity"], listed["blocks"]) == ("no_working_code",
                                                                    "critical", True)
    assert listed["interviewer_id"] == t.iv[0].id
    assert listed["evidence"] == "nothing compiled by the end"


def test_a_bar_raisers_no_is_no_hire(t):
    loop = t.loop()
    rnd = past_round(t, loop, [(t.iv[0], "lead"), (t.iv[1], "bar_raiser")])
    submit_scorecard(t, t.iv[0], rnd, 4, "yes")
    card = submit_scorecard(t, t.iv[1], rnd, 3, "no")
    p = packet(t, loop["id"])
    assert p["recommendation"] == "no_hire" and p["score"] == 3.5
    assert codes(p)[0] == "bar_raiser_no"
    assert {("scorecard", card["id"]), ("interviewer", t.iv[1].id)} <= refs(
        reason(p, "bar_raiser_no"))
    assert "recommendations_split" not in codes(p), "yes against no is one step: no split"
    assert "score_meets_threshold" in codes(p)


def test_a_strong_yes_and_a_no_need_a_debrief_naming_both(t):
    loop, rnd = graded_loop(t, [(t.iv[0], "lead", 4, "strong_yes"), (t.iv[1], "lead", 2, "no")])
    p = packet(t, loop["id"])
    assert p["recommendation"] == "needs_debrief"
    split = reason(p, "recommendations_split")
    assert p["reasons"][0] == split
    cards = {c["interviewer_id"]: c["id"] for c in p["rounds"][0]["scorecards"]}
    assert {("scorecard", cards[t.iv[0].id]), ("scorecard", cards[t.iv[1].id]),
            ("interviewer", t.iv[0].id), ("interviewer", t.iv[1].id)} <= refs(split)
    for who, said in ((t.iv[0], "strong_yes"), (t.iv[1], "no")):
        assert name(who) in split["message"] and said in split["message"], split["message"]


def test_a_required_round_without_its_lead_scorecard_is_incomplete(t):
    loop = t.loop()
    design = past_round(t, loop, [(t.iv[0], "lead")])
    behavioral = past_round(t, loop, [(t.iv[1], "lead"), (t.iv[2], "shadow")], kind="behavioral")
    submit_scorecard(t, t.iv[0], design, 4, "strong_yes")
    submit_scorecard(t, t.iv[2], behavioral, 4, "strong_yes")   # a shadow never covers a round
    assert loop_status(t, loop["id"]) == "in_progress"
    p = packet(t, loop["id"])
    assert p["recommendation"] == "incomplete"
    missing = reason(p, "round_missing")
    assert p["reasons"][0] == missing and refs(missing) == {("round", behavioral["id"])}
    rounds = {r["id"]: r for r in p["rounds"]}
    assert rounds[behavioral["id"]]["covered"] is False and rounds[design["id"]]["covered"]


def test_a_harsh_interviewer_is_calibrated_up(loopd):
    c = Team(loopd, interviewers=3)     # an org of its own: a history of its own
    harsh, peer, fresh = c.iv
    before = None
    for _ in range(2):   # two decided loops a point below the co-panelist
        loop, _ = graded_loop(c, [(harsh, "lead", 2, "no"), (peer, "lead", 3, "yes")])
        before = packet(c, loop["id"])
        decide(c, loop["id"], before["recommendation"]
               if before["recommendation"] in ("hire", "no_hire") else "no_hire")
    # a decided loop's packet leaves out that loop's own contribution
    assert packet(c, loop["id"])["interviewers"] == before["interviewers"]
    assert packet(c, loop["id"])["score"] == before["score"]

    loop = c.loop()
    r1 = past_round(c, loop, [(harsh, "lead")])
    r2 = past_round(c, loop, [(fresh, "lead")])
    submit_scorecard(c, harsh, r1, 2, "yes")
    submit_scorecard(c, fresh, r2, 3, "yes")
    p = packet(c, loop["id"])
    people = {v["user_id"]: v["leniency"] for v in p["interviewers"]}
    # sum of deviations -2 over n = 2 loops, shrunk: -2 / (2 + 5)
    assert people[harsh.id] == {"estimate": -0.29, "n": 2, "mean_deviation": -1.0,
                                "shrink": 0.29}
    assert people[fresh.id]["n"] == 0 and people[fresh.id]["estimate"] == 0.0
    rounds = {r["id"]: r for r in p["rounds"]}
    assert (rounds[r1["id"]]["raw_score"], rounds[r1["id"]]["score"]) == (2.0, 2.29)
    assert (rounds[r2["id"]]["raw_score"], rounds[r2["id"]]["score"]) == (3.0, 3.0)
    assert p["raw_score"] == 2.5 and p["score"] > p["raw_score"], "harsh: calibrated up"
    shift = reason(p, "calibration_shift")
    assert refs(shift) == {("interviewer", harsh.id)}
    assert name(harsh) in shift["message"] and "n=2" in shift["message"], shift["message"]


def test_shadows_count_only_when_the_policy_says_so(loopd):
    s = Team(loopd, interviewers=2)     # an org of its own: its policy changes
    lead, shadow = s.iv
    loop = s.loop()
    rnd = past_round(s, loop, [(lead, "lead"), (shadow, "shadow")])
    submit_scorecard(s, lead, rnd, 3, "yes")
    card = submit_scorecard(s, shadow, rnd, 1, "strong_no")
    p = packet(s, loop["id"])
    assert p["recommendation"] == "hire" and p["raw_score"] == 3.0
    assert {("scorecard", card["id"]), ("interviewer", shadow.id)} <= refs(
        reason(p, "shadows_not_counted"))
    ratings = [x for c in p["criteria"] for x in c["ratings"] if x["interviewer_id"] == shadow.id]
    assert ratings and not any(x["counted"] for x in ratings), "shown, not counted"

    version = set_policy(s, count_shadows=True)
    p = packet(s, loop["id"])
    assert p["policy_version"] == version
    assert "shadows_not_counted" not in codes(p)
    assert p["raw_score"] == 2.0, "(3 + 1) / 2"
    assert p["recommendation"] == "needs_debrief", "yes against strong_no, two steps apart"
    assert ("scorecard", card["id"]) in refs(reason(p, "recommendations_split"))


def test_figures_go_out_with_two_decimals(t):
    loop = t.loop()
    rnd = past_round(t, loop, [(t.iv[0], "lead")])
    card = scorecard_body(t.api(t.iv[0]), rnd, 4, "strong_yes")
    card["ratings"][1]["rating"] = 3     # capacity_estimation, weight 2 of 17
    assert submit(t, t.iv[0], rnd["id"], card).status_code == 200
    r = t.api(t.hm).get(f"/v1/loops/{loop['id']}/decision-packet")
    assert r.status_code == 200
    assert r.json()["score"] == 3.88, "(15 x 4 + 2 x 3) / 17 = 3.882..."
    assert '"score":3.88,' in r.text
    assert not re.search(r"\d\.\d{3,}", r.text), "no figure with more than 2 decimals"
