"""Scorecards: drafts, submission, amendments, the independence rule, overdue
listing, the loop's move to awaiting_decision, and erasure."""

import datetime as dt
import threading
import uuid

import pytest

from conftest import Team, iso, problem_of, utcnow
from grading import REQUIRED_SD, SD, complete, loop_status, past_round, save_draft, submit
from helpers import H


@pytest.fixture(scope="module")
def team(loopd):
    return Team(loopd, interviewers=6)


def sc(team, who, round_id, action="", **kw):
    path = f"/v1/rounds/{round_id}/scorecard" + (f"/{action}" if action else "")
    return team.api(who).request(kw.pop("method", "POST" if action else "GET"), path, **kw)


def authors(team, who, loop_id, status=200):
    r = team.api(who).get(f"/v1/loops/{loop_id}/scorecards")
    assert r.status_code == status, r.text
    return sorted((c["author"]["id"], c["status"]) for c in r.json()["data"]) if status == 200 else None


def client_token(team, scopes):
    c = team.admin.api.post("/v1/clients", json={"name": f"ats-{uuid.uuid4().hex[:6]}",
                                                  "grants": ["client_credentials"],
                                                  "scopes": scopes})
    assert c.status_code == 201, c.text
    c = c.json()
    t = team.server.api().post("/oauth/token", data={"grant_type": "client_credentials"},
                               auth=(c["id"], c["client_secret"]))
    assert t.status_code == 200, t.text
    return t.json()["access_token"]


# -- writing ----------------------------------------------------------------


def test_draft_round_trips_partial_content_with_versions_and_etag(team):
    loop = team.loop()
    rnd = past_round(team, loop, [(team.iv[0], "lead")])
    r = sc(team, team.iv[0], rnd["id"])
    assert r.status_code == 200
    empty = r.json()
    assert empty["id"] is None and empty["version"] == 0 and empty["status"] == "draft"
    assert empty["round"]["rubric"] == {"key": SD, "version": rnd["rubric"]["version"]}
    partial = {"ratings": [{"criterion": "capacity_estimation", "evidence": "estimated 10k rps"},
                           {"criterion": "requirements_scoping", "rating": 2}],
               "red_flags": [{"key": "happy_path_only"}]}
    r = save_draft(team, team.iv[0], rnd["id"], partial)
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["ETag"] == '"1"' and body["version"] == 1
    assert body["ratings"] == partial["ratings"] and body["red_flags"] == partial["red_flags"]
    assert "recommendation" not in body and "summary" not in body
    again = sc(team, team.iv[0], rnd["id"]).json()
    assert again["ratings"] == partial["ratings"] and again["version"] == 1
    r = save_draft(team, team.iv[0], rnd["id"], {"summary": "x"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["ratings"] == []
    problem_of(save_draft(team, team.iv[0], rnd["id"], {"summary": "y"},
                          headers={"If-Match": '"1"'}), 412, "precondition_failed")


def test_bad_content_names_every_bad_path(team):
    loop = team.loop()
    rnd = past_round(team, loop, [(team.iv[0], "lead")])
    body = {"ratings": [{"criterion": "requirements_scoping", "rating": 3},
                        {"criterion": "no_such_criterion", "rating": 2},
                        {"criterion": "requirements_scoping", "rating": 5}],
            "red_flags": [{"key": "not_a_flag", "evidence": "e"}],
            "notes": {"compensation_expectations": "100k"},
            "recommendation": "maybe", "summary": "s" * 10001}
    p = problem_of(save_draft(team, team.iv[0], rnd["id"], body), 422, "validation_failed")
    fields = {e["field"] for e in p["errors"]}
    assert {"ratings[2].rating", "recommendation", "summary"} <= fields, fields
    # rubric checks come after the shape is right
    body.update(recommendation="yes", summary="ok")
    body["ratings"][2]["rating"] = 4
    p = problem_of(save_draft(team, team.iv[0], rnd["id"], body), 422, "validation_failed")
    assert {e["field"] for e in p["errors"]} == {
        "ratings[1].criterion", "ratings[2].criterion", "red_flags[0].key",
        "notes.compensation_expectations"}
    huge = {"ratings": [{"criterion": "requirements_scoping", "evidence": "e" * 5001}]}
    p = problem_of(save_draft(team, team.iv[0], rnd["id"], huge), 422, "validation_failed")
    assert [e["field"] for e in p["errors"]] == ["ratings[0].evidence"]
    problem_of(team.api(team.iv[0]).put(f"/v1/rounds/{rnd['id']}/scorecard", data="[1",
                                        headers={"Content-Type": "application/json"}),
               400, "malformed_json")


def test_who_has_a_scorecard(team, new_org):
    loop = team.loop()
    rnd = past_round(team, loop, [(team.iv[0], "lead")])
    other_round = past_round(team, team.loop(), [(team.iv[1], "lead")])
    # an interviewer not on the round: 404, like another org's round
    problem_of(sc(team, team.iv[1], rnd["id"]), 404, "not_found")
    problem_of(save_draft(team, team.iv[1], rnd["id"], {}), 404, "not_found")
    stranger = new_org().make_user(roles=("interviewer",))
    problem_of(stranger.api.get(f"/v1/rounds/{rnd['id']}/scorecard"), 404, "not_found")
    # who sees the round but holds no seat: 403
    problem_of(sc(team, team.admin, rnd["id"]), 403, "not_an_interviewer")
    problem_of(sc(team, team.recruiter, rnd["id"]), 403, "insufficient_scope")
    problem_of(sc(team, team.hm, rnd["id"]), 403, "insufficient_scope")
    both = team.admin.make_user(roles=("hiring_manager", "interviewer"))
    own = team.loop(hiring_manager_id=both.id)
    r2 = past_round(team, own, [(team.iv[2], "lead")])
    problem_of(sc(team, both, r2["id"]), 403, "not_an_interviewer")
    assert other_round["id"]


def test_submit_before_start_cancelled_and_incomplete(team):
    loop = team.loop()
    future = team.round(loop["id"], interviewers=[(team.iv[0], "lead")])
    save_draft(team, team.iv[0], future["id"], complete())
    problem_of(submit(team, team.iv[0], future["id"]), 409, "round_not_started")
    cancelled = past_round(team, loop, [(team.iv[1], "lead")])
    save_draft(team, team.iv[1], cancelled["id"], complete())
    assert team.api().post(f"/v1/rounds/{cancelled['id']}/cancel").status_code == 200
    problem_of(submit(team, team.iv[1], cancelled["id"]), 409, "round_cancelled")

    rnd = past_round(team, loop, [(team.iv[2], "lead")])
    draft = {"ratings": [{"criterion": "requirements_scoping", "rating": 3},
                         {"criterion": "capacity_estimation", "evidence": "   "}],
             "red_flags": [{"key": "happy_path_only"}]}
    save_draft(team, team.iv[2], rnd["id"], draft)
    p = problem_of(submit(team, team.iv[2], rnd["id"]), 422, "scorecard_incomplete")
    fields = sorted(e["field"] for e in p["errors"])
    missing = [e for e in p["errors"] if e["code"] == "missing_criterion"]
    assert len(missing) == len(REQUIRED_SD) - 2
    assert {"ratings[0].evidence", "ratings[1].rating", "ratings[1].evidence",
            "red_flags[0].evidence", "recommendation", "summary"} <= set(fields), fields


def test_lock_after_submit_and_amendment_history(team, audited):
    loop = team.loop()
    # a round still running: the submission completes nothing, one event
    start = utcnow().replace(microsecond=0) - dt.timedelta(minutes=5)
    rnd = team.round(loop["id"], start=start, minutes=60, interviewers=[(team.iv[5], "lead")])
    with audited.none(team.admin) as w:
        w.response = save_draft(team, team.iv[5], rnd["id"], complete())    # drafts: no audit
    r, ev = audited.request(team.api(team.iv[5]), "POST",
                            f"/v1/rounds/{rnd['id']}/scorecard/submit", org=team.admin,
                            action="scorecard.submitted", status=200)
    card = r.json()
    assert card["status"] == "submitted" and card["revision"] == 1
    assert r.headers["ETag"] == f'"{card["version"]}"'
    assert ev["changes"]["recommendation"] == "yes" and "summary" not in ev["changes"]
    problem_of(save_draft(team, team.iv[5], rnd["id"], complete()), 409, "scorecard_locked")
    problem_of(submit(team, team.iv[5], rnd["id"]), 409, "scorecard_locked")
    # amendment: full content and a reason
    new = complete(rating=2, rec="no")
    problem_of(sc(team, team.iv[5], rnd["id"], "amend", json=new), 422, "validation_failed")
    new["reason"] = "re-read my notes: the capacity numbers were off"
    r, ev = audited.request(team.api(team.iv[5]), "POST",
                            f"/v1/rounds/{rnd['id']}/scorecard/amend", org=team.admin,
                            action="scorecard.amended", status=200, json=new)
    am = r.json()
    assert am["revision"] == 2 and am["amended"] and am["reason"] == new["reason"]
    assert "recommendation" in ev["changes"]["changed"]
    assert "ratings.capacity_estimation" in ev["changes"]["changed"]
    assert new["reason"] not in str(ev)
    # every version readable by the author, the recruiter, the hiring manager
    for who in (team.iv[5], team.recruiter, team.hm, team.admin):
        v = team.api(who).get(f"/v1/rounds/{rnd['id']}/scorecard/versions")
        assert v.status_code == 200, v.text
        assert [x["revision"] for x in v.json()["data"]] == [1, 2]
        assert [x["recommendation"] for x in v.json()["data"]] == ["yes", "no"]
    problem_of(team.api(team.hm2).get(f"/v1/rounds/{rnd['id']}/scorecard/versions"),
               404, "not_found")
    listed = team.api().get(f"/v1/loops/{loop['id']}/scorecards").json()["data"]
    assert [(c["revision"], c["amended"]) for c in listed] == [(2, True)]


def test_amend_before_submission_is_409(team):
    loop = team.loop()
    rnd = past_round(team, loop, [(team.iv[0], "lead")])
    body = dict(complete(), reason="typo")
    problem_of(sc(team, team.iv[0], rnd["id"], "amend", json=body), 409,
               "scorecard_not_submitted")


# -- independence -----------------------------------------------------------


def test_independence_matrix(team, new_org):
    lead, bar, shadow, elsewhere = team.iv[0], team.iv[1], team.iv[2], team.iv[3]
    loop = team.loop()
    r1 = past_round(team, loop, [(lead, "lead"), (shadow, "shadow")])
    r2 = past_round(team, loop, [(bar, "bar_raiser")])
    other_loop = team.loop(hiring_manager_id=team.hm2.id)
    past_round(team, other_loop, [(elsewhere, "lead")])
    notes_loop = team.loop()
    save_draft(team, lead, r1["id"], complete())
    save_draft(team, bar, r2["id"], complete(rec="strong_yes"))
    assert authors(team, lead, loop["id"]) == [(lead.id, "draft")]
    assert authors(team, team.recruiter, loop["id"]) == []        # never drafts
    assert submit(team, lead, r1["id"]).status_code == 200
    # the bar raiser has not submitted: sees only their own draft
    assert authors(team, bar, loop["id"]) == [(bar.id, "draft")]
    assert authors(team, shadow, loop["id"]) == []
    assert submit(team, bar, r2["id"]).status_code == 200
    both = sorted([(lead.id, "submitted"), (bar.id, "submitted")])
    assert authors(team, bar, loop["id"]) == both
    assert authors(team, lead, loop["id"]) == both
    assert authors(team, shadow, loop["id"]) == []                 # not yet submitted
    assert submit(team, shadow, r1["id"], complete()).status_code == 200
    everyone = sorted(both + [(shadow.id, "submitted")])
    assert authors(team, shadow, loop["id"]) == everyone
    shadow_card = [c for c in team.api().get(f"/v1/loops/{loop['id']}/scorecards").json()["data"]
                   if c["author"]["id"] == shadow.id][0]
    assert shadow_card["shadow"] and shadow_card["role"] == "shadow"
    for who in (team.recruiter, team.hm, team.admin):
        assert authors(team, who, loop["id"]) == everyone
    authors(team, elsewhere, loop["id"], status=404)               # interviewer of another loop
    authors(team, team.hm2, loop["id"], status=404)                # hiring manager of another loop
    assert authors(team, team.hm2, other_loop["id"]) == []
    stranger = new_org().make_user(roles=("recruiter",))
    problem_of(stranger.api.get(f"/v1/loops/{loop['id']}/scorecards"), 404, "not_found")
    for scopes in (["loops:read"], ["loops:read", "scorecards:write"]):
        token = client_token(team, scopes)
        api = team.server.api(token=token)
        data = api.get(f"/v1/loops/{loop['id']}/scorecards").json()["data"]
        assert sorted((c["author"]["id"], c["status"]) for c in data) == everyone
        assert all("notes" not in c for c in data)
        code = "not_an_interviewer" if "scorecards:write" in scopes else "insufficient_scope"
        problem_of(api.put(f"/v1/rounds/{r1['id']}/scorecard", json={}), 403, code)
    assert notes_loop


def test_notes_only_for_recruiters_admins_and_author(team):
    loop = team.loop()
    start = utcnow().replace(microsecond=0) - 2 * H
    rs = team.round(loop["id"], start=start, minutes=30, kind="recruiter_screen",
                    interviewers=[(team.iv[4], "lead")])
    rd = past_round(team, loop, [(team.iv[5], "lead")])
    body = {"ratings": [{"criterion": c, "rating": 3, "evidence": "ok"}
                        for c in ("background_relevance", "motivation_and_goals", "communication")],
            "recommendation": "yes", "summary": "fine",
            "notes": {"compensation_expectations": "asks 95k", "work_authorization": "needs visa"}}
    r = save_draft(team, team.iv[4], rs["id"], body)
    assert r.status_code == 200, r.text
    assert r.json()["notes"] == body["notes"]
    assert submit(team, team.iv[4], rs["id"]).status_code == 200
    assert submit(team, team.iv[5], rd["id"], complete()).status_code == 200
    for who, sees in ((team.recruiter, True), (team.admin, True), (team.iv[4], True),
                      (team.hm, False), (team.iv[5], False)):
        data = team.api(who).get(f"/v1/loops/{loop['id']}/scorecards").json()["data"]
        screen = [c for c in data if c["round_id"] == rs["id"]][0]
        assert ("notes" in screen) == sees, who.roles
        if sees:
            assert screen["notes"] == body["notes"]
        v = team.api(who).get(f"/v1/rounds/{rs['id']}/scorecard/versions")
        if v.status_code == 200:
            assert ("notes" in v.json()["data"][0]) == sees


# -- submission races and replays ---------------------------------------------


def test_concurrent_submits_give_one_submission(team, db):
    loop = team.loop()
    rnd = past_round(team, loop, [(team.iv[0], "lead")])
    save_draft(team, team.iv[0], rnd["id"], complete())
    results = []

    def go():
        results.append(team.api(team.iv[0]).post(f"/v1/rounds/{rnd['id']}/scorecard/submit"))

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1 and set(codes) <= {200, 409}, codes
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM scorecard_revisions v JOIN scorecards s"
                    " ON s.org_id = v.org_id AND s.id = v.scorecard_id WHERE s.round_id = %s",
                    (rnd["id"],))
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT count(*) FROM audit_events WHERE action = 'scorecard.submitted'"
                    " AND entity_id::text = %s", (results[0].json().get("id") or
                                                  [r for r in results if r.status_code == 200][0]
                                                  .json()["id"],))
        assert cur.fetchone()[0] == 1


def test_submit_replies_with_the_card_as_read_back(team):
    """The submission's reply is built from the draft and the publishing
    statement, not read again: it must be the card a GET reads, for a lead
    of an ended round (which completes it) with red flags and notes, and for
    a shadow whose running round stays scheduled."""
    loop = team.loop()
    start = utcnow().replace(microsecond=0) - 2 * H
    rs = team.round(loop["id"], start=start, minutes=30, kind="recruiter_screen",
                    interviewers=[(team.iv[2], "lead")])
    body = {"ratings": [{"criterion": c, "rating": 2, "evidence": "ok"}
                        for c in ("background_relevance", "motivation_and_goals", "communication")],
            "recommendation": "no", "summary": "fine", "notes": {"work_authorization": "visa"}}
    running = team.round(loop["id"], start=utcnow().replace(microsecond=0) - dt.timedelta(minutes=5),
                         minutes=60, interviewers=[(team.iv[3], "shadow")])
    flagged = complete(red_flags=[("happy_path_only", "never asked about failures")])
    for who, rnd, content, status in ((team.iv[2], rs, body, "completed"),
                                      (team.iv[3], running, flagged, "scheduled")):
        r = submit(team, who, rnd["id"], content)
        assert r.status_code == 200, r.text
        again = team.api(who).get(f"/v1/rounds/{rnd['id']}/scorecard")
        assert r.json() == again.json()
        assert r.headers["ETag"] == again.headers["ETag"]
        assert r.json()["round"]["status"] == status


def test_idempotent_replay_of_submit(team):
    loop = team.loop()
    rnd = past_round(team, loop, [(team.iv[1], "lead")])
    save_draft(team, team.iv[1], rnd["id"], complete())
    key = {"Idempotency-Key": f"submit-{uuid.uuid4()}"}
    a = team.api(team.iv[1]).post(f"/v1/rounds/{rnd['id']}/scorecard/submit", headers=key)
    b = team.api(team.iv[1]).post(f"/v1/rounds/{rnd['id']}/scorecard/submit", headers=key)
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()
    assert b.headers.get("Idempotent-Replayed") == "true"


# -- completion -------------------------------------------------------------


def test_loop_awaits_decision_exactly_when_the_last_required_scorecard_arrives(team):
    lead1, lead2, bar, shadow = team.iv[0], team.iv[1], team.iv[2], team.iv[3]
    loop = team.loop()
    r1 = past_round(team, loop, [(lead1, "lead"), (shadow, "shadow")])
    r2 = past_round(team, loop, [(lead2, "lead"), (bar, "bar_raiser")])
    assert loop_status(team, loop["id"]) == "in_progress"
    a = submit(team, lead1, r1["id"], complete())
    assert a.status_code == 200 and a.json()["round"]["status"] == "completed"
    assert loop_status(team, loop["id"]) == "in_progress"
    assert submit(team, lead2, r2["id"], complete()).status_code == 200
    assert team.api().get(f"/v1/rounds/{r2['id']}").json()["status"] == "completed"
    assert loop_status(team, loop["id"]) == "in_progress"          # the bar raiser is missing
    r = submit(team, bar, r2["id"], complete(rec="strong_yes"))
    assert r.status_code == 200
    assert loop_status(team, loop["id"]) == "awaiting_decision"   # shadow not required
    assert submit(team, shadow, r1["id"], complete()).status_code == 200
    assert loop_status(team, loop["id"]) == "awaiting_decision"


def test_lead_submission_of_a_running_round_does_not_complete_it(team):
    loop = team.loop()
    start = utcnow().replace(microsecond=0) - dt.timedelta(minutes=10)
    rnd = team.round(loop["id"], start=start, minutes=60, interviewers=[(team.iv[4], "lead")])
    r = submit(team, team.iv[4], rnd["id"], complete())
    assert r.status_code == 200 and r.json()["round"]["status"] == "scheduled"
    assert loop_status(team, loop["id"]) == "in_progress"


def test_a_graded_round_keeps_its_time(team):
    """A running round with a submitted scorecard cannot be moved (into the
    future or anywhere): the scorecard graded that interview."""
    lead = team.admin.make_user(roles=("interviewer",))   # a calendar of their own
    loop = team.loop()
    start = utcnow().replace(microsecond=0) - dt.timedelta(minutes=10)
    rnd = team.round(loop["id"], start=start, minutes=60, interviewers=[(lead, "lead")])
    api = team.api()
    later = start + dt.timedelta(days=2)
    move = {"starts_at": iso(later), "ends_at": iso(later + H)}
    before = api.get(f"/v1/rounds/{rnd['id']}").json()
    assert submit(team, lead, rnd["id"], complete()).status_code == 200
    now = api.get(f"/v1/rounds/{rnd['id']}").json()
    body = problem_of(api.patch(f"/v1/rounds/{rnd['id']}", json=move,
                                headers={"If-Match": f'"{now["version"]}"'}), 409, "invalid_state")
    assert "submitted scorecard" in body["detail"]
    after = api.get(f"/v1/rounds/{rnd['id']}").json()
    assert (after["starts_at"], after["version"]) == (before["starts_at"], now["version"])
    assert loop_status(team, loop["id"]) == "in_progress"


def test_whole_page_lists_refuse_limit_and_cursor(team):
    """A loop's scorecards and a scorecard's versions are one whole page:
    a limit or cursor that would be ignored is refused instead."""
    loop = team.loop()
    rnd = past_round(team, loop, [(team.iv[1], "lead")])
    api = team.api()
    for path in (f"/v1/loops/{loop['id']}/scorecards", f"/v1/rounds/{rnd['id']}/scorecard/versions"):
        for q in ({"limit": 1}, {"cursor": "x"}):
            problem_of(api.get(path, params=q), 400, "invalid_query")
        assert api.get(path).status_code == 200


# -- overdue ------------------------------------------------------------------


def test_overdue_listing(team):
    loop = team.loop()
    # ended 25 hours ago (due 24 hours after the end: 1 hour late) and 23 hours ago
    late = past_round(team, loop, [(team.iv[0], "lead"), (team.iv[2], "shadow")], ended=25 * H,
                      minutes=60)
    fresh = past_round(team, loop, [(team.iv[1], "lead")], ended=23 * H, minutes=60)
    rows = []
    api = team.api()
    page = api.get("/v1/scorecards/overdue", params={"limit": 1}).json()
    while True:
        rows += page["data"]
        if not page["next_cursor"]:
            break
        page = api.get("/v1/scorecards/overdue", params={"limit": 1,
                                                         "cursor": page["next_cursor"]}).json()
    mine = [x for x in rows if x["loop_id"] == loop["id"]]
    assert [(x["round_id"], x["interviewer"]["id"], x["state"]) for x in mine] == [
        (late["id"], team.iv[0].id, "missing")]
    assert 0.9 < mine[0]["hours_late"] < 1.2
    own = team.api(team.iv[0]).get("/v1/scorecards/overdue").json()["data"]
    assert {x["interviewer"]["id"] for x in own} == {team.iv[0].id}
    assert team.api(team.iv[1]).get("/v1/scorecards/overdue").json()["data"] == [] or all(
        x["round_id"] != fresh["id"] for x in team.api(team.iv[1]).get(
            "/v1/scorecards/overdue").json()["data"])
    metrics = team.server.metrics().text
    assert "loopd_scorecards_overdue " in metrics
    assert "loopd_scorecard_draft_saves_total" in metrics
    # a late submission stays listed as late
    assert submit(team, team.iv[0], late["id"], complete()).status_code == 200
    again = [x for x in api.get("/v1/scorecards/overdue", params={"limit": 200}).json()["data"]
             if x["round_id"] == late["id"]]
    assert [x["state"] for x in again] == ["late"]
    problem_of(api.get("/v1/scorecards/overdue", params={"cursor": "garbage"}), 400,
               "invalid_cursor")


def overdue_pages(api, order):
    rows, cursor = [], None
    while True:
        q = {"limit": 1, "order": order, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/scorecards/overdue", params=q).json()
        rows += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            return [(x["due_at"], x["round_id"], x["interviewer"]["id"]) for x in rows]


def test_overdue_pages_in_both_orders(team):
    """The overdue list walks rounds by their end and each round's seats in
    user order (db/scorecards_overdue.c): paged one row at a time, in both
    orders, the org's list and an interviewer's own are the whole list in
    (due, round, interviewer) order, seats of one round included."""
    loop = team.loop()
    past_round(team, loop, [(team.iv[0], "lead"), (team.iv[1], "bar_raiser")], ended=30 * H,
               minutes=60)
    past_round(team, loop, [(team.iv[1], "lead")], ended=28 * H, minutes=60)
    api = team.api()
    asc = overdue_pages(api, "asc")
    assert asc == sorted(asc) and len(asc) >= 3
    assert overdue_pages(api, "desc") == asc[::-1]
    mine = [x for x in asc if x[2] == team.iv[1].id]
    assert len(mine) >= 2
    assert overdue_pages(team.api(team.iv[1]), "asc") == mine
    assert overdue_pages(team.api(team.iv[1]), "desc") == mine[::-1]


# -- erasure ------------------------------------------------------------------


def test_erasure_clears_text_keeps_scores_and_chain(team, db):
    cand = team.candidate()
    loop = team.loop(candidate_id=cand["id"])
    rnd = past_round(team, loop, [(team.iv[3], "lead")])
    secret = f"evidence-{uuid.uuid4().hex[:8]}"
    body = complete(text=secret)
    body["summary"] = f"summary {secret}"
    body["red_flags"] = [{"key": "happy_path_only", "evidence": f"flag {secret}"}]
    assert submit(team, team.iv[3], rnd["id"], body,
                  headers={"Idempotency-Key": f"k-{secret}"}).status_code == 200
    amend = dict(body, reason=f"reason {secret}")
    assert sc(team, team.iv[3], rnd["id"], "amend", json=amend,
              headers={"Idempotency-Key": f"a-{uuid.uuid4()}"}).status_code == 200
    assert team.api().delete(f"/v1/candidates/{cand['id']}").status_code == 204
    from conftest import scan_database
    assert scan_database(db, [secret]) == []
    data = team.api().get(f"/v1/loops/{loop['id']}/scorecards").json()["data"]
    c = data[0]
    assert c["erased"] and "summary" not in c and "reason" not in c
    assert [x["rating"] for x in c["ratings"]] == [3] * len(REQUIRED_SD)
    assert all("evidence" not in x for x in c["ratings"])
    assert c["red_flags"] == [{"key": "happy_path_only"}] and c["recommendation"] == "yes"
    v = team.admin.api.get("/v1/audit-events/verify")
    assert v.status_code == 200 and v.json()["ok"], v.text
