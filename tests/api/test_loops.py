"""Black-box tests of /v1/loops: creation from a template or a plan
(unscheduled rounds pinned to the latest rubric versions, in the
template's order), the people a loop names and their roles, list filters
and cursors bound to them, If-Match, the status machine driven by rounds
(draft, scheduled, in_progress once a start passes, awaiting_decision;
outcomes only after the start, no-shows), and cancelling with a reason.

Every response is checked against openapi/openapi.yaml by the Api client."""

import datetime as dt
import time
import uuid

from grading import submit_scorecard
from helpers import H, count, first_cursor, ids, iso, page_all, problem_of, utcnow


# -- creation: templates, plans, people --------------------------------------


def test_template_loop_creates_unscheduled_pinned_rounds(team, audited):
    api = team.api()
    tpl = {t["key"]: t for t in api.get("/v1/loop-templates").json()["data"]}["backend_engineer"]
    c = team.candidate()
    body = {"candidate_id": c["id"], "position": "Backend engineer",
            "recruiter_id": team.recruiter.id, "hiring_manager_id": team.hm.id,
            "template": "backend_engineer"}
    with audited(team.admin, "loop.created", entity_type="loop",
                 entity_id=lambda r: r.json()["id"]) as w:
        w.response = r = api.post("/v1/loops", json=body)
        assert r.status_code == 201, r.text
    loop = r.json()
    assert r.headers["Location"] == f"/v1/loops/{loop['id']}"
    assert r.headers["ETag"] == f'"{loop["version"]}"'
    assert loop["status"] == "draft" and loop["template"] == "backend_engineer"
    assert loop["candidate"] == {"id": c["id"], "name": c["name"]}
    assert w.event["changes"].get("rounds_planned") == len(tpl["rounds"])
    rounds = loop["rounds"]
    assert sorted((r_["kind"], r_["required"]) for r_ in rounds) == sorted(
        (t["kind"], t["required"]) for t in tpl["rounds"])
    for rd in rounds:
        assert rd["status"] == "unscheduled" and rd["starts_at"] is None and rd["ends_at"] is None
        assert rd["interviewers"] == [] and rd["sequence"] == 0
        latest = api.get(f"/v1/rubrics/{rd['rubric']['key']}").json()
        assert rd["rubric"] == {"key": latest["key"], "version": latest["version"]}
    assert api.get(f"/v1/loops/{loop['id']}").json() == loop


def test_template_rounds_keep_the_template_order(team):
    """The template lists its rounds in interview order (recruiter screen
    first); the loop's unscheduled rounds come back in that order."""
    api = team.api()
    tpl = {t["key"]: t for t in api.get("/v1/loop-templates").json()["data"]}["backend_engineer"]
    loop = team.loop(template="backend_engineer")
    assert [r["kind"] for r in loop["rounds"]] == [t["kind"] for t in tpl["rounds"]]
    r = api.get(f"/v1/loops/{loop['id']}/rounds")
    assert [x["kind"] for x in r.json()["data"]] == [t["kind"] for t in tpl["rounds"]]


def test_plan_of_kinds_and_unknown_kind(team, db, audited):
    api = team.api()
    loop = team.loop(plan=["system_design", "behavioral", "system_design"])
    assert [r["kind"] for r in loop["rounds"]].count("system_design") == 2
    assert len(loop["rounds"]) == 3 and all(r["status"] == "unscheduled" for r in loop["rounds"])
    assert loop["status"] == "draft"
    c = team.candidate()
    n = count(db, "SELECT count(*) FROM loops WHERE org_id = %s", team.org_id)
    with audited.none(team.admin):
        r = api.post("/v1/loops", json={"candidate_id": c["id"], "position": "P",
                                        "recruiter_id": team.recruiter.id,
                                        "hiring_manager_id": team.hm.id,
                                        "plan": ["system_design", "juggling"]})
        body = problem_of(r, 422, "validation_failed")
        assert [e["field"] for e in body["errors"]] == ["plan[1]"]
        r = api.post("/v1/loops", json={"candidate_id": c["id"], "position": "P",
                                        "recruiter_id": team.recruiter.id,
                                        "hiring_manager_id": team.hm.id, "template": "astronaut"})
        assert [e["field"] for e in problem_of(r, 422, "validation_failed")["errors"]] == ["template"]
        r = api.post("/v1/loops", json={"candidate_id": c["id"], "position": "P",
                                        "recruiter_id": team.recruiter.id,
                                        "hiring_manager_id": team.hm.id, "plan": ["Bad Kind!"]})
        problem_of(r, 422, "validation_failed")
    assert count(db, "SELECT count(*) FROM loops WHERE org_id = %s", team.org_id) == n, (
        "a refused loop was half-written")


def test_loop_people_must_have_their_roles(team, audited):
    api = team.api()
    c = team.candidate()
    base = {"candidate_id": c["id"], "position": "P", "recruiter_id": team.recruiter.id,
            "hiring_manager_id": team.hm.id}
    with audited.none(team.admin):
        for field, value in [("hiring_manager_id", team.recruiter.id),
                             ("hiring_manager_id", team.iv[0].id),
                             ("recruiter_id", team.iv[0].id),
                             ("recruiter_id", str(uuid.uuid4())),
                             ("candidate_id", str(uuid.uuid4()))]:
            r = api.post("/v1/loops", json=dict(base, **{field: value}))
            body = problem_of(r, 422, "validation_failed")
            assert [e["field"] for e in body["errors"]] == [field], body
        r = api.post("/v1/loops", json={"position": ""})
        body = problem_of(r, 422, "validation_failed")
        assert {e["field"] for e in body["errors"]} >= {"candidate_id", "position", "recruiter_id",
                                                         "hiring_manager_id"}
    # an admin may be the recruiter
    loop = team.loop(recruiter_id=team.admin.id)
    assert loop["recruiter_id"] == team.admin.id


# -- lists and changes -------------------------------------------------------


def test_loop_list_filters(team):
    api = team.api()
    c = team.candidate()
    l1 = team.loop(candidate_id=c["id"])
    l2 = team.loop(candidate_id=c["id"], hiring_manager_id=team.hm2.id, recruiter_id=team.admin.id)
    team.round(l2["id"], interviewers=[(team.iv[2], "lead")])
    got = ids(page_all(api, "/v1/loops", candidate_id=c["id"]))
    assert got == [l1["id"], l2["id"]]
    assert ids(page_all(api, "/v1/loops", candidate_id=c["id"], hiring_manager_id=team.hm2.id)) == [l2["id"]]
    assert ids(page_all(api, "/v1/loops", candidate_id=c["id"], recruiter_id=team.admin.id)) == [l2["id"]]
    assert ids(page_all(api, "/v1/loops", candidate_id=c["id"], status="scheduled")) == [l2["id"]]
    assert ids(page_all(api, "/v1/loops", candidate_id=c["id"], status="draft")) == [l1["id"]]
    assert ids(page_all(api, "/v1/loops", candidate_id=c["id"], status="cancelled")) == []
    # paging through with limit=1
    assert ids(page_all(api, "/v1/loops", limit=1, candidate_id=c["id"])) == [l1["id"], l2["id"]]


def test_loop_list_every_filter_combination(team):
    """The admin's list is answered by one of several statements, chosen by
    the filters given (db/loops.c loop_shape): every combination of status
    (stored, effective or none) and person filters, both orders, paged by
    two, lists exactly the loops of the unfiltered list that match."""
    api = team.api()
    c = team.candidate()
    made = [team.loop(candidate_id=c["id"]),
            team.loop(candidate_id=c["id"], hiring_manager_id=team.hm2.id,
                      recruiter_id=team.admin.id),
            team.loop(hiring_manager_id=team.hm2.id)]
    s, _ = team.slot()
    team.round(made[1]["id"], start=s, interviewers=[(team.iv[2], "lead")])
    now = utcnow().replace(microsecond=0)
    team.round(made[2]["id"], start=now - 3 * H, interviewers=[(team.iv[1], "lead")])
    cancelled = team.loop(candidate_id=c["id"], recruiter_id=team.admin.id)
    assert api.post(f"/v1/loops/{cancelled['id']}/cancel",
                    json={"reason": "closed"}).status_code == 200
    for order in ("asc", "desc"):
        every = page_all(api, "/v1/loops", order=order)
        assert len({x["status"] for x in every}) >= 4
        for status in (None, "draft", "scheduled", "in_progress", "awaiting_decision",
                       "decided", "cancelled"):
            for people in ({}, {"candidate_id": c["id"]}, {"hiring_manager_id": team.hm2.id},
                           {"recruiter_id": team.admin.id},
                           {"candidate_id": c["id"], "recruiter_id": team.admin.id}):
                q = dict(people, order=order, **({"status": status} if status else {}))
                want = [x["id"] for x in every
                        if (not status or x["status"] == status)
                        and all((x["candidate"]["id"] if k == "candidate_id" else x[k]) == v
                                for k, v in people.items())]
                assert ids(page_all(api, "/v1/loops", limit=2, **q)) == want, q


def test_a_loop_cursor_is_bound_to_the_filters(team, paged_lists):
    api = team.api()
    filters = {"status": "draft", "hiring_manager_id": team.hm.id}
    cursor = first_cursor(api, "/v1/loops", filters)
    ok = api.get("/v1/loops", params=dict(filters, cursor=cursor, limit=2))
    assert ok.status_code == 200, ok.text
    others = [
        {},
        {"status": "draft"},
        {"status": "scheduled", "hiring_manager_id": team.hm.id},
        {"hiring_manager_id": team.hm.id},
        dict(filters, recruiter_id=team.recruiter.id),
        dict(filters, candidate_id=paged_lists["candidates"][0]["id"]),
        {"status": "draft", "hiring_manager_id": team.hm2.id},
    ]
    for other in others:
        problem_of(api.get("/v1/loops", params=dict(other, cursor=cursor)), 400, "invalid_cursor")


def test_patch_loop_if_match(team, audited):
    api = team.api()
    loop = team.loop()
    path = f"/v1/loops/{loop['id']}"
    with audited.none(team.admin):
        problem_of(api.patch(path, json={"position": "Other"}), 428, "precondition_required")
        problem_of(api.patch(path, json={"position": "Other"},
                             headers={"If-Match": f'"{loop["version"] + 1}"'}),
                   412, "precondition_failed")
        body = problem_of(api.patch(path, json={"hiring_manager_id": team.iv[0].id},
                                    headers={"If-Match": f'"{loop["version"]}"'}),
                          422, "validation_failed")
        assert body["errors"][0]["field"] == "hiring_manager_id"
    with audited(team.admin, "loop.updated", entity_type="loop", entity_id=loop["id"]) as w:
        w.response = r = api.patch(path, json={"position": "Principal engineer",
                                               "hiring_manager_id": team.hm2.id},
                                   headers={"If-Match": f'"{loop["version"]}"'})
        assert r.status_code == 200, r.text
    got = r.json()
    assert got["position"] == "Principal engineer" and got["hiring_manager_id"] == team.hm2.id
    assert got["version"] == loop["version"] + 1
    assert r.headers["ETag"] == f'"{got["version"]}"'
    # the new hiring manager reaches the loop, the old one no longer does
    assert team.api(team.hm2).get(path).status_code == 200
    problem_of(team.api(team.hm).get(path), 404, "not_found")


# -- the loop status machine -------------------------------------------------


def loop_status(team, loop_id):
    return team.api().get(f"/v1/loops/{loop_id}").json()["status"]


def test_status_draft_scheduled_in_progress_awaiting_decision(team):
    api = team.api()
    loop = team.loop(plan=["system_design"])
    assert loop["status"] == "draft"
    unsched = loop["rounds"]
    # the first scheduled round: scheduled
    s, e = team.slot()
    r = api.patch(f"/v1/rounds/{unsched[0]['id']}", json={"starts_at": iso(s), "ends_at": iso(e)},
                  headers={"If-Match": f'"{unsched[0]["version"]}"'})
    assert r.status_code == 200, r.text
    assert loop_status(team, loop["id"]) == "scheduled"
    assert loop["id"] in ids(page_all(api, "/v1/loops", status="scheduled"))
    # a round in the past (recording an interview that happened): in_progress
    now = utcnow().replace(microsecond=0)
    past = team.round(loop["id"], start=now - 3 * H, kind="coding_deep_dive",
                      interviewers=[(team.iv[0], "lead")])
    assert past["status"] == "scheduled"
    assert loop_status(team, loop["id"]) == "in_progress"
    assert loop["id"] in ids(page_all(api, "/v1/loops", status="in_progress"))
    # outcomes only after the start
    fut = api.get(f"/v1/rounds/{unsched[0]['id']}").json()
    body = problem_of(api.patch(f"/v1/rounds/{fut['id']}", json={"status": "completed"},
                                headers={"If-Match": f'"{fut["version"]}"'}), 409, "invalid_state")
    assert body.get("current_status") == "scheduled"
    problem_of(api.patch(f"/v1/rounds/{fut['id']}", json={"status": "no_show"},
                         headers={"If-Match": f'"{fut["version"]}"'}), 409, "invalid_state")
    problem_of(api.patch(f"/v1/rounds/{past['id']}", json={"status": "cancelled"},
                         headers={"If-Match": f'"{past["version"]}"'}), 422, "validation_failed")
    r = api.patch(f"/v1/rounds/{past['id']}", json={"status": "completed"},
                  headers={"If-Match": f'"{past["version"]}"'})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "completed"
    # completed is final
    problem_of(api.post(f"/v1/rounds/{past['id']}/cancel"), 409, "invalid_state")
    problem_of(api.patch(f"/v1/rounds/{past['id']}", json={"status": "no_show"},
                         headers={"If-Match": f'"{done["version"]}"'}), 409, "invalid_state")
    assert loop_status(team, loop["id"]) == "in_progress"
    # cancel the future rounds: every remaining round is completed, but
    # its lead's scorecard is still missing
    for rd in unsched:
        assert api.post(f"/v1/rounds/{rd['id']}/cancel").status_code == 200
    assert loop_status(team, loop["id"]) == "in_progress"
    submit_scorecard(team, team.iv[0], past)
    assert loop_status(team, loop["id"]) == "awaiting_decision"
    assert loop["id"] in ids(page_all(api, "/v1/loops", status="awaiting_decision"))


def test_status_in_progress_once_a_start_passes(team):
    """A scheduled loop is in progress as soon as its first round starts,
    even though nothing was written since."""
    api = team.api()
    loop = team.loop()
    start = utcnow().replace(microsecond=0) + dt.timedelta(seconds=2)
    team.round(loop["id"], start=start, interviewers=[(team.iv[1], "lead")])
    assert loop_status(team, loop["id"]) == "scheduled"
    time.sleep(max(0.0, (start - utcnow()).total_seconds()) + 0.3)
    assert loop_status(team, loop["id"]) == "in_progress"
    assert loop["id"] in ids(page_all(api, "/v1/loops", status="in_progress"))
    assert loop["id"] not in ids(page_all(api, "/v1/loops", status="scheduled"))


def test_no_show_does_not_block_awaiting_decision(team):
    api = team.api()
    loop = team.loop()
    now = utcnow().replace(microsecond=0)
    a = team.round(loop["id"], start=now - 5 * H, interviewers=[(team.iv[2], "lead")])
    b = team.round(loop["id"], start=now - 3 * H, kind="behavioral",
                   interviewers=[(team.iv[2], "lead")])
    r = api.patch(f"/v1/rounds/{a['id']}", json={"status": "no_show"},
                  headers={"If-Match": f'"{a["version"]}"'})
    assert r.status_code == 200 and r.json()["status"] == "no_show"
    assert loop_status(team, loop["id"]) == "in_progress"
    r = api.patch(f"/v1/rounds/{b['id']}", json={"status": "completed"},
                  headers={"If-Match": f'"{b["version"]}"'})
    assert r.status_code == 200
    assert loop_status(team, loop["id"]) == "in_progress"
    # the no-show round needs no scorecard; the completed one its lead's
    submit_scorecard(team, team.iv[2], b)
    assert loop_status(team, loop["id"]) == "awaiting_decision"


# -- cancelling --------------------------------------------------------------


def test_cancel_loop_with_reason(team, audited):
    api = team.api()
    iv = team.iv[0]
    loop = team.loop()
    s, e = team.slot()
    rd = team.round(loop["id"], start=s, interviewers=[(iv, "lead")])
    with audited.none(team.admin):
        problem_of(api.post(f"/v1/loops/{loop['id']}/cancel", json={}), 422, "validation_failed")
        problem_of(api.post(f"/v1/loops/{loop['id']}/cancel", json={"reason": ""}), 422,
                   "validation_failed")
    with audited(team.admin, "loop.cancelled", entity_type="loop", entity_id=loop["id"]) as w:
        w.response = r = api.post(f"/v1/loops/{loop['id']}/cancel",
                                  json={"reason": "position closed"})
        assert r.status_code == 200, r.text
    got = r.json()
    assert got["status"] == "cancelled" and got["cancel_reason"] == "position closed"
    assert r.headers["ETag"] == f'"{got["version"]}"'
    assert [x["status"] for x in got["rounds"]] == ["cancelled"]
    # the interviewer is free again
    team.round(team.loop()["id"], start=s, interviewers=[(iv, "lead")])
    # a second cancel names the current status
    with audited.none(team.admin):
        body = problem_of(api.post(f"/v1/loops/{loop['id']}/cancel", json={"reason": "again"}),
                          409, "invalid_state")
        assert body["current_status"] == "cancelled"
        assert "cancelled" in body["detail"]
        body = problem_of(api.post(f"/v1/loops/{loop['id']}/rounds", json={"kind": "behavioral"}),
                          409, "invalid_state")
        assert body["current_status"] == "cancelled"
        body = problem_of(api.patch(f"/v1/loops/{loop['id']}", json={"position": "x"},
                                    headers={"If-Match": f'"{got["version"]}"'}), 409,
                          "invalid_state")
        assert body["current_status"] == "cancelled"
        r = api.patch(f"/v1/rounds/{rd['id']}", json={"location": "x"},
                      headers={"If-Match": f'"{got["rounds"][0]["version"]}"'})
        problem_of(r, 409, "invalid_state")
    assert loop["id"] in ids(page_all(api, "/v1/loops", status="cancelled"))


def test_cancel_loop_with_unscheduled_rounds(team):
    """A loop from a template still has unscheduled rounds; cancelling it
    cancels them too."""
    api = team.api()
    loop = team.loop(template="backend_engineer")
    r = api.post(f"/v1/loops/{loop['id']}/cancel", json={"reason": "candidate withdrew"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert {x["status"] for x in r.json()["rounds"]} == {"cancelled"}
