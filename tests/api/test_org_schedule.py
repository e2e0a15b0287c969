"""GET /v1/rounds, the organisation's schedule (issue 13): who sees which
rounds, tenant isolation, the filters and keyset paging on (starts_at, id)."""

import datetime as dt

import pytest

from helpers import H, ids, iso, problem_of, walk


@pytest.fixture(scope="module")
def schedule(team):
    """Loop A (hiring manager hm) with rounds r1 (iv0) and r2 (iv1), loop B
    (hm2) with r3 (iv0), r3 cancelled; plus an unscheduled round."""
    a = team.loop()
    b = team.loop(hiring_manager_id=team.hm2.id)
    r1 = team.round(a["id"], interviewers=[(team.iv[0], "lead")])
    r2 = team.round(a["id"], interviewers=[(team.iv[1], "lead")])
    r3 = team.round(b["id"], interviewers=[(team.iv[0], "lead")])
    team.round(a["id"], unscheduled=True, kind="behavioral")
    r = team.api().post(f"/v1/rounds/{r3['id']}/cancel", json={"reason": "moved"})
    assert r.status_code == 200, r.text
    window = {"starts_after": r1["starts_at"],
              "starts_before": iso(dt.datetime.fromisoformat(
                  r3["starts_at"].replace("Z", "+00:00")) + H)}
    return {"r1": r1, "r2": r2, "r3": r3, "window": window}


def seen(team, who, schedule, **params):
    rows, _ = walk(team.api(who), "/v1/rounds", dict(schedule["window"], **params))
    return ids(rows)


def test_who_sees_which_rounds(team, schedule):
    r1, r2, r3 = (schedule[k]["id"] for k in ("r1", "r2", "r3"))
    assert seen(team, team.recruiter, schedule) == [r1, r2, r3]
    assert seen(team, team.admin, schedule) == [r1, r2, r3]
    assert seen(team, team.hm, schedule) == [r1, r2]
    assert seen(team, team.hm2, schedule) == [r3]
    assert seen(team, team.iv[0], schedule) == [r1, r3]
    assert seen(team, team.iv[1], schedule) == [r2]
    assert seen(team, team.iv[3], schedule) == []


def test_another_org_sees_none_of_it(loopd, team, schedule):
    other = loopd.bootstrap()
    r = other.api.get("/v1/rounds", params=schedule["window"])
    assert r.status_code == 200 and r.json()["data"] == []
    r = other.api.get("/v1/rounds", params={"interviewer": team.iv[0].id})
    assert r.status_code == 200 and r.json()["data"] == []


def test_filters(team, schedule):
    r1, r2, r3 = (schedule[k]["id"] for k in ("r1", "r2", "r3"))
    assert seen(team, None, schedule, interviewer=team.iv[0].id) == [r1, r3]
    assert seen(team, None, schedule, status="cancelled") == [r3]
    assert seen(team, None, schedule, status="scheduled") == [r1, r2]
    # an interviewer and a status (db/schedule.c's schedule_booked), both orders
    iv0 = team.iv[0].id
    assert seen(team, None, schedule, interviewer=iv0, status="cancelled") == [r3]
    assert seen(team, None, schedule, interviewer=iv0, status="scheduled") == [r1]
    assert seen(team, None, schedule, interviewer=team.iv[1].id, status="cancelled") == []
    rows, _ = walk(team.api(), "/v1/rounds", dict(schedule["window"], interviewer=iv0,
                                                  order="desc"), limit=1)
    assert ids(rows) == [r3, r1]
    # an interviewer filtering by a colleague sees only their shared rounds
    assert seen(team, team.iv[1], schedule, interviewer=team.iv[0].id) == []
    only = {"starts_after": schedule["r2"]["starts_at"], "starts_before": schedule["r3"]["starts_at"]}
    rows, _ = walk(team.api(), "/v1/rounds", only)
    assert ids(rows) == [r2]
    row = rows[0]
    assert row["interviewers"][0]["user_id"] == team.iv[1].id and row["status"] == "scheduled"


def test_paging_and_its_cursor(team, schedule):
    api = team.api()
    rows, pages = walk(api, "/v1/rounds", schedule["window"], limit=1)
    assert pages == 3 and len(rows) == 3
    starts = [r["starts_at"] for r in rows]
    assert starts == sorted(starts)
    first = api.get("/v1/rounds", params=dict(schedule["window"], limit=1)).json()
    r = api.get("/v1/rounds", params={"limit": 1, "cursor": first["next_cursor"],
                                      "starts_after": schedule["window"]["starts_after"]})
    problem_of(r, 400, "invalid_cursor")
    r = api.get("/v1/rounds", params=dict(schedule["window"], limit=1, status="scheduled",
                                          cursor=first["next_cursor"]))
    problem_of(r, 400, "invalid_cursor")


@pytest.mark.parametrize("params", [{"starts_after": "monday"}, {"starts_before": "x"},
                                    {"interviewer": "not-a-uuid"}, {"status": "unscheduled"},
                                    {"limit": "0"}, {"cursor": "garbage"}])
def test_bad_queries_are_400(team, params):
    r = team.api().get("/v1/rounds", params=params)
    assert r.status_code == 400, r.text


def test_needs_a_token(loopd):
    assert loopd.api().get("/v1/rounds").status_code == 401


def test_order_desc_is_latest_first(team, schedule):
    api = team.api()
    asc, _ = walk(api, "/v1/rounds", schedule["window"], limit=1)
    desc, pages = walk(api, "/v1/rounds", dict(schedule["window"], order="desc"), limit=1)
    assert pages == 3 and ids(desc) == list(reversed(ids(asc)))
    first = api.get("/v1/rounds", params=dict(schedule["window"], limit=1)).json()
    r = api.get("/v1/rounds", params=dict(schedule["window"], limit=1, order="desc",
                                          cursor=first["next_cursor"]))
    problem_of(r, 400, "invalid_cursor")
    problem_of(api.get("/v1/rounds", params={"order": "soonest"}), 400, "invalid_query")
