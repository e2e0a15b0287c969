"""Black-box tests of rounds: POST /v1/loops/{id}/rounds, GET /v1/loops/{id}/rounds,
GET/PATCH /v1/rounds/{id}, POST /v1/rounds/{id}/cancel and
PUT/DELETE /v1/rounds/{id}/interviewers/{user_id}. Validation, times in any
offset (and ones PostgreSQL would read otherwise) answered in UTC, pinned
rubric versions, no new rounds for an erased candidate, the loop's rounds
as one page, double booking (409 naming the conflict, also on reschedule
and PUT, under concurrency and across two loopd processes), cancelling,
If-Match, interviewers and bar raisers.

Every response is checked against openapi/openapi.yaml by the Api client."""

import threading
import uuid

import pytest

from helpers import H, M, count, first_cursor, iso, problem_of


# -- creation, validation, time zones ----------------------------------------


def test_round_unscheduled_then_scheduled(team, audited):
    api = team.api()
    loop = team.loop()
    with audited(team.admin, "round.created", entity_type="round",
                 entity_id=lambda r: r.json()["id"]) as w:
        w.response = r = api.post(f"/v1/loops/{loop['id']}/rounds",
                                  json={"kind": "behavioral",
                                        "interviewers": [{"user_id": team.iv[2].id, "role": "lead"}]})
        assert r.status_code == 201, r.text
    rd = r.json()
    assert r.headers["Location"] == f"/v1/rounds/{rd['id']}"
    assert rd["status"] == "unscheduled" and rd["starts_at"] is None
    assert rd["rubric"]["key"] == "behavioral"
    assert api.get(f"/v1/loops/{loop['id']}").json()["status"] == "draft"
    start, end = team.slot()
    with audited(team.admin, "round.updated", entity_type="round", entity_id=rd["id"]) as w:
        w.response = r = api.patch(f"/v1/rounds/{rd['id']}",
                                   json={"starts_at": iso(start), "ends_at": iso(end)},
                                   headers={"If-Match": r.headers["ETag"]})
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "scheduled" and r.json()["starts_at"] == iso(start)
    assert api.get(f"/v1/loops/{loop['id']}").json()["status"] == "scheduled"


def test_round_audit_events_carry_times_as_served(team, audited):
    """The changes of round.created and round.updated hold the stored times
    in the one strict format the API serves (UTC, six fraction digits), not
    the text the client sent: one parser reads every time in the log."""
    api = team.api()
    loop = team.loop()
    with audited(team.admin, "round.created", entity_type="round",
                 entity_id=lambda r: r.json()["id"]) as w:
        w.response = r = api.post(f"/v1/loops/{loop['id']}/rounds",
                                  json={"kind": "system_design",
                                        "starts_at": "2033-03-01T10:00:00+01:00",
                                        "ends_at": "2033-03-01T10:45:00.5+01:00",
                                        "interviewers": [{"user_id": team.iv[1].id,
                                                          "role": "lead"}]})
        assert r.status_code == 201, r.text
    rd = r.json()
    assert w.event["changes"]["starts_at"] == rd["starts_at"] == "2033-03-01T09:00:00.000000Z"
    assert w.event["changes"]["ends_at"] == rd["ends_at"] == "2033-03-01T09:45:00.500000Z"
    with audited(team.admin, "round.updated", entity_type="round", entity_id=rd["id"]) as w:
        w.response = r = api.patch(f"/v1/rounds/{rd['id']}",
                                   json={"starts_at": "2033-03-02T10:00:00Z",
                                         "ends_at": "2033-03-02T11:00:00Z"},
                                   headers={"If-Match": r.headers["ETag"]})
        assert r.status_code == 200, r.text
    assert w.event["changes"]["starts_at"] == "2033-03-02T10:00:00.000000Z"
    assert w.event["changes"]["ends_at"] == "2033-03-02T11:00:00.000000Z"


def test_round_times_in_any_offset_come_back_in_utc(team):
    api = team.api()
    loop = team.loop()
    r = api.post(f"/v1/loops/{loop['id']}/rounds",
                 json={"kind": "system_design", "starts_at": "2032-02-29T23:45:00+05:30",
                       "ends_at": "2032-03-01T01:15:00.5+05:30",
                       "interviewers": [{"user_id": team.iv[3].id, "role": "lead"}]})
    assert r.status_code == 201, r.text
    rd = r.json()
    assert rd["starts_at"] == "2032-02-29T18:15:00.000000Z"
    assert rd["ends_at"] == "2032-02-29T19:45:00.500000Z"
    assert api.get(f"/v1/rounds/{rd['id']}").json()["starts_at"] == "2032-02-29T18:15:00.000000Z"
    mine = team.api(team.iv[3]).get("/v1/me/rounds",
                                    params={"from": "2032-02-29T18:00:00-00:00",
                                            "to": "2032-02-29T23:50:00+05:30"}).json()["data"]
    assert [m["round"]["id"] for m in mine] == [rd["id"]]
    # the same instant written with another offset overlaps it
    r = api.post(f"/v1/loops/{loop['id']}/rounds",
                 json={"kind": "behavioral", "starts_at": "2032-02-29T10:00:00-08:00",
                       "ends_at": "2032-02-29T11:00:00-08:00",
                       "interviewers": [{"user_id": team.iv[3].id, "role": "shadow"}]})
    assert problem_of(r, 409, "double_booked")["conflict"]["round_id"] == rd["id"]


def test_times_beyond_year_9999_are_422(loopd, team):
    loop = team.loop()
    r = team.api().post(f"/v1/loops/{loop['id']}/rounds", json={
        "kind": "system_design", "starts_at": "9999-12-31T22:00:00-05:00",
        "ends_at": "9999-12-31T23:00:00-05:00"})
    assert r.status_code == 422, r.text
    assert "starts_at" in {e["field"] for e in r.json()["errors"]}


def test_offsets_and_fractions_postgres_would_treat_otherwise_are_normalised(loopd, team):
    loop = team.loop()
    r = team.api().post(f"/v1/loops/{loop['id']}/rounds", json={
        "kind": "system_design", "starts_at": "2032-02-07T10:00:00+16:00",
        "ends_at": "2032-02-07T18:00:00.0000006+16:00"})
    assert r.status_code == 201, r.text
    assert r.json()["starts_at"] == "2032-02-06T18:00:00.000000Z"
    assert r.json()["ends_at"] == "2032-02-07T02:00:00.000000Z"


def test_round_validation(team, db, audited):
    api = team.api()
    loop = team.loop()
    path = f"/v1/loops/{loop['id']}/rounds"
    start, _ = team.slot()
    n = count(db, "SELECT count(*) FROM rounds WHERE org_id = %s", team.org_id)
    cases = [
        ({"kind": "system_design", "starts_at": iso(start)}, "ends_at"),
        ({"kind": "system_design", "ends_at": iso(start)}, "starts_at"),
        ({"kind": "system_design", "starts_at": iso(start), "ends_at": iso(start)}, "ends_at"),
        ({"kind": "system_design", "starts_at": iso(start), "ends_at": iso(start - M)}, "ends_at"),
        ({"kind": "system_design", "starts_at": iso(start), "ends_at": iso(start + 8 * H + M)},
         "ends_at"),
        ({"kind": "system_design", "starts_at": "tomorrow", "ends_at": iso(start)}, "starts_at"),
        ({"kind": "juggling"}, "kind"),
        ({"kind": "system_design", "rubric_key": "behavioral"}, "rubric_key"),
        ({"kind": "system_design", "rubric_key": "system_design", "rubric_version": 999}, "rubric_key"),
        ({"kind": "system_design", "interviewers": [{"user_id": team.hm.id, "role": "lead"}]},
         "interviewers[0].user_id"),
        ({"kind": "system_design", "interviewers": [{"user_id": str(uuid.uuid4()), "role": "lead"}]},
         "interviewers[0].user_id"),
        ({"kind": "system_design", "interviewers": [{"user_id": team.iv[0].id, "role": "boss"}]},
         "interviewers[0].role"),
        ({"kind": "system_design", "interviewers": [{"user_id": team.iv[0].id, "role": "lead"},
                                                    {"user_id": team.iv[0].id, "role": "shadow"}]},
         "interviewers[1].user_id"),
    ]
    with audited.none(team.admin):
        for body, field in cases:
            r = api.post(path, json=body)
            got = problem_of(r, 422, "validation_failed")
            assert field in [e["field"] for e in got["errors"]], (body, got)
    # exactly 8 hours is allowed
    rd = team.round(loop["id"], start=start, minutes=480)
    assert rd["status"] == "scheduled"
    assert count(db, "SELECT count(*) FROM rounds WHERE org_id = %s", team.org_id) == n + 1


def test_round_pins_the_rubric_version(team):
    api = team.api()
    loop = team.loop()
    latest = api.get("/v1/rubrics/coding_deep_dive").json()
    rd = team.round(loop["id"], kind="coding_deep_dive", unscheduled=True)
    assert rd["rubric"] == {"key": "coding_deep_dive", "version": latest["version"]}
    explicit = team.round(loop["id"], kind="coding_deep_dive", rubric_key="coding_deep_dive",
                          rubric_version=latest["version"], unscheduled=True)
    assert explicit["rubric"]["version"] == latest["version"]


def test_no_new_rounds_for_an_erased_candidate(loopd, team):
    loop = team.loop()
    assert team.api().delete(f"/v1/candidates/{loop['candidate_id']}").status_code == 204
    start, end = team.slot()
    r = team.api().post(f"/v1/loops/{loop['id']}/rounds", json={
        "kind": "system_design", "starts_at": start.isoformat(), "ends_at": end.isoformat()})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "invalid_state"
    # the loop itself can still be closed
    r = team.api().post(f"/v1/loops/{loop['id']}/cancel", json={"reason": "candidate erased"})
    assert r.status_code == 200, r.text


# -- GET /v1/loops/{id}/rounds: one complete page ----------------------------


@pytest.mark.parametrize("limit", ["0", "201", "abc", "-3"])
def test_loop_rounds_limit_is_checked(team, limit):
    loop = team.loop()
    problem_of(team.api().get(f"/v1/loops/{loop['id']}/rounds", params={"limit": limit}),
               400, "invalid_query")


def test_loop_rounds_are_one_page_and_refuse_cursors(team):
    loop = team.loop()
    for _ in range(3):
        team.round(loop["id"], interviewers=[(team.iv[1], "lead")])
    api = team.api()
    r = api.get(f"/v1/loops/{loop['id']}/rounds", params={"limit": 1})
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]) == 3 and r.json()["next_cursor"] is None
    body = problem_of(api.get(f"/v1/loops/{loop['id']}/rounds", params={"cursor": "x.y"}),
                      400, "invalid_cursor")
    assert "one page" in body.get("detail", "")
    cursor = first_cursor(api, "/v1/loops")
    problem_of(api.get(f"/v1/loops/{loop['id']}/rounds", params={"cursor": cursor}),
               400, "invalid_cursor")


# -- double booking, rescheduling, cancelling --------------------------------


def test_overlap_is_409_naming_the_round(team, db, audited):
    api = team.api()
    iv = team.iv[0]
    l1, l2 = team.loop(), team.loop()
    start, end = team.slot(90)
    r1 = team.round(l1["id"], start=start, minutes=90, interviewers=[(iv, "lead")])
    n = count(db, "SELECT count(*) FROM rounds WHERE org_id = %s", team.org_id)
    for s, e in [(start + 30 * M, end + H), (start - H, start + M), (start + 10 * M, start + 20 * M),
                 (start - H, end + H)]:
        with audited.none(team.admin):
            r = api.post(f"/v1/loops/{l2['id']}/rounds",
                         json={"kind": "behavioral", "starts_at": iso(s), "ends_at": iso(e),
                               "interviewers": [{"user_id": team.iv[1].id, "role": "lead"},
                                                {"user_id": iv.id, "role": "shadow"}]})
            body = problem_of(r, 409, "double_booked")
        assert body["conflict"] == {"round_id": r1["id"], "user_id": iv.id,
                                    "starts_at": iso(start), "ends_at": iso(end)}, body
        assert r1["id"] in body["detail"]
    assert count(db, "SELECT count(*) FROM rounds WHERE org_id = %s", team.org_id) == n, (
        "a refused round was half-written")
    # the other interviewer was not booked either
    assert team.api(team.iv[1]).get("/v1/me/rounds",
                                    params={"from": iso(start - H), "to": iso(end + H)}).json()["data"] == []


def test_back_to_back_rounds_are_not_a_conflict(team):
    iv = team.iv[0]
    loop = team.loop()
    start, _ = team.slot(120)
    a = team.round(loop["id"], start=start, minutes=60, interviewers=[(iv, "lead")])
    b = team.round(loop["id"], start=start + H, minutes=60, kind="behavioral",
                   interviewers=[(iv, "lead")])
    c = team.round(loop["id"], start=start - H, minutes=60, kind="coding_deep_dive",
                   interviewers=[(iv, "lead")])
    assert {a["status"], b["status"], c["status"]} == {"scheduled"}


def test_cancelled_round_frees_the_interviewer(team, audited):
    api = team.api()
    iv = team.iv[1]
    loop = team.loop()
    start, _ = team.slot()
    r1 = team.round(loop["id"], start=start, interviewers=[(iv, "lead")])
    with audited(team.admin, "round.cancelled", entity_type="round", entity_id=r1["id"]) as w:
        w.response = r = api.post(f"/v1/rounds/{r1['id']}/cancel", json={"reason": "moved"})
        assert r.status_code == 200, r.text
    got = r.json()
    assert got["status"] == "cancelled" and got["sequence"] == r1["sequence"] + 1
    assert r.headers["ETag"] == f'"{got["version"]}"'
    r2 = team.round(team.loop()["id"], start=start, interviewers=[(iv, "lead")])
    assert r2["status"] == "scheduled"
    # a cancelled round is final
    body = problem_of(api.post(f"/v1/rounds/{r1['id']}/cancel"), 409, "invalid_state")
    assert body.get("current_status") == "cancelled"
    problem_of(api.patch(f"/v1/rounds/{r1['id']}", json={"starts_at": iso(start + 5 * H),
                                                         "ends_at": iso(start + 6 * H)},
                         headers={"If-Match": f'"{got["version"]}"'}), 409, "invalid_state")
    problem_of(api.put(f"/v1/rounds/{r1['id']}/interviewers/{team.iv[2].id}", json={"role": "lead"}),
               409, "invalid_state")


def test_cancel_unscheduled_round(team):
    api = team.api()
    loop = team.loop()
    rd = team.round(loop["id"], unscheduled=True, interviewers=[(team.iv[2], "lead")])
    r = api.post(f"/v1/rounds/{rd['id']}/cancel")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"


def test_reschedule_into_a_conflict_is_409(team, audited):
    api = team.api()
    iv = team.iv[2]
    la, lb = team.loop(), team.loop()
    s1, e1 = team.slot()
    s2, e2 = team.slot()
    r1 = team.round(la["id"], start=s1, interviewers=[(iv, "lead")])
    r2 = team.round(lb["id"], start=s2, interviewers=[(iv, "bar_raiser"), (team.iv[3], "lead")])
    with audited.none(team.admin):
        r = api.patch(f"/v1/rounds/{r2['id']}",
                      json={"starts_at": iso(s1 + 30 * M), "ends_at": iso(e1 + 30 * M)},
                      headers={"If-Match": f'"{r2["version"]}"'})
        body = problem_of(r, 409, "double_booked")
    assert body["conflict"]["round_id"] == r1["id"] and body["conflict"]["user_id"] == iv.id
    got = api.get(f"/v1/rounds/{r2['id']}").json()
    assert got["starts_at"] == iso(s2) and got["sequence"] == r2["sequence"]
    assert got["version"] == r2["version"]
    # rescheduling within its own time is not a conflict with itself
    r = api.patch(f"/v1/rounds/{r2['id']}", json={"starts_at": iso(s2 + 15 * M),
                                                  "ends_at": iso(e2 + 15 * M)},
                  headers={"If-Match": f'"{r2["version"]}"'})
    assert r.status_code == 200, r.text
    assert r.json()["sequence"] == r2["sequence"] + 1
    # booking the interviewer into an overlapping round by PUT: 409 too
    r3 = team.round(team.loop()["id"], start=s1 + 15 * M, interviewers=[(team.iv[3], "lead")])
    with audited.none(team.admin):
        r = api.put(f"/v1/rounds/{r3['id']}/interviewers/{iv.id}", json={"role": "shadow"})
        assert problem_of(r, 409, "double_booked")["conflict"]["round_id"] == r1["id"]
    # scheduling an unscheduled round into the interviewer's busy time: 409
    r4 = team.round(team.loop()["id"], unscheduled=True, interviewers=[(iv, "lead")])
    r = api.patch(f"/v1/rounds/{r4['id']}", json={"starts_at": iso(s1), "ends_at": iso(e1)},
                  headers={"If-Match": f'"{r4["version"]}"'})
    assert problem_of(r, 409, "double_booked")["conflict"]["round_id"] == r1["id"]


def test_patch_round_needs_if_match(team):
    api = team.api()
    rd = team.round(team.loop()["id"])
    path = f"/v1/rounds/{rd['id']}"
    problem_of(api.patch(path, json={"location": "Room 9"}), 428, "precondition_required")
    problem_of(api.patch(path, json={"location": "Room 9"}, headers={"If-Match": '"99"'}), 412,
               "precondition_failed")
    r = api.patch(path, json={"location": "Room 9"}, headers={"If-Match": f'"{rd["version"]}"'})
    assert r.status_code == 200 and r.json()["location"] == "Room 9"
    problem_of(api.patch(path, json={"starts_at": rd["starts_at"]},
                         headers={"If-Match": r.headers["ETag"]}), 422, "validation_failed")


# -- interviewers and bar raisers --------------------------------------------


def test_interviewer_put_and_delete(team, audited):
    api = team.api()
    rd = team.round(team.loop()["id"], interviewers=[(team.iv[0], "lead")])
    path = f"/v1/rounds/{rd['id']}/interviewers/{team.iv[3].id}"
    with audited(team.admin, "round.interviewer_set", entity_type="round", entity_id=rd["id"]) as w:
        w.response = r = api.put(path, json={"role": "shadow"})
        assert r.status_code == 200, r.text
    assert {(i["user_id"], i["role"]) for i in r.json()["interviewers"]} == {
        (team.iv[0].id, "lead"), (team.iv[3].id, "shadow")}
    assert r.headers["ETag"] == f'"{r.json()["version"]}"'
    # the new interviewer sees the round now
    assert team.api(team.iv[3]).get(f"/v1/rounds/{rd['id']}").status_code == 200
    with audited(team.admin, "round.interviewer_set", entity_type="round", entity_id=rd["id"]) as w:
        w.response = r = api.put(path, json={"role": "lead"})
        assert r.status_code == 200
    assert (team.iv[3].id, "lead") in {(i["user_id"], i["role"]) for i in r.json()["interviewers"]}
    with audited(team.admin, "round.interviewer_removed", entity_type="round",
                 entity_id=rd["id"]) as w:
        w.response = r = api.delete(path)
        assert r.status_code == 204, r.text
    problem_of(team.api(team.iv[3]).get(f"/v1/rounds/{rd['id']}"), 404, "not_found")
    with audited.none(team.admin):
        problem_of(api.delete(path), 404, "not_found")
        problem_of(api.put(path, json={"role": "chief"}), 422, "validation_failed")
        problem_of(api.put(f"/v1/rounds/{rd['id']}/interviewers/{team.recruiter.id}",
                           json={"role": "lead"}), 422, "validation_failed")
        problem_of(api.put(f"/v1/rounds/{uuid.uuid4()}/interviewers/{team.iv[3].id}",
                           json={"role": "lead"}), 404, "not_found")


def test_at_most_one_bar_raiser_per_loop(team, audited):
    api = team.api()
    loop = team.loop()
    r1 = team.round(loop["id"], interviewers=[(team.iv[0], "bar_raiser")])
    start, end = team.slot()
    with audited.none(team.admin):
        r = api.post(f"/v1/loops/{loop['id']}/rounds",
                     json={"kind": "behavioral", "starts_at": iso(start), "ends_at": iso(end),
                           "interviewers": [{"user_id": team.iv[1].id, "role": "bar_raiser"}]})
        body = problem_of(r, 422, "validation_failed")
        assert body["errors"][0]["field"] == "interviewers[0].user_id"
    r2 = team.round(loop["id"], kind="behavioral", interviewers=[(team.iv[1], "lead")])
    with audited.none(team.admin):
        r = api.put(f"/v1/rounds/{r2['id']}/interviewers/{team.iv[1].id}", json={"role": "bar_raiser"})
        problem_of(r, 422, "validation_failed")
    # another loop may have its own bar raiser
    team.round(team.loop()["id"], interviewers=[(team.iv[1], "bar_raiser")])
    # once the bar raiser's round is cancelled, the loop may get another one
    assert api.post(f"/v1/rounds/{r1['id']}/cancel").status_code == 200
    r = api.put(f"/v1/rounds/{r2['id']}/interviewers/{team.iv[1].id}", json={"role": "bar_raiser"})
    assert r.status_code == 200, r.text


def test_one_bar_raiser_even_among_unscheduled_rounds(team):
    """"At most one bar raiser per loop" holds for rounds that are not
    scheduled yet too: the second one is refused when it is named (422),
    not later as a puzzling failure when the rounds get their times."""
    api = team.api()
    loop = team.loop()
    team.round(loop["id"], unscheduled=True, interviewers=[(team.iv[0], "bar_raiser")])
    r = api.post(f"/v1/loops/{loop['id']}/rounds",
                 json={"kind": "behavioral",
                       "interviewers": [{"user_id": team.iv[1].id, "role": "bar_raiser"}]})
    problem_of(r, 422, "validation_failed")


# -- concurrent bookings -----------------------------------------------------


def _book_race(apis, loops, iv, start, end):
    """Fires one booking per api at the same moment; returns the responses."""
    barrier = threading.Barrier(len(apis))
    out = [None] * len(apis)

    def go(i):
        body = {"kind": "system_design", "starts_at": iso(start), "ends_at": iso(end),
                "interviewers": [{"user_id": iv.id, "role": "lead"}]}
        barrier.wait()
        out[i] = apis[i].post(f"/v1/loops/{loops[i]['id']}/rounds", json=body)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(apis))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def _assert_one_winner(responses, team, iv, start, end):
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (len(responses) - 1), [(r.status_code, r.text[:300]) for r in responses]
    winner = next(r for r in responses if r.status_code == 201).json()
    for r in responses:
        if r.status_code == 409:
            body = problem_of(r, 409, "double_booked")
            assert body["conflict"]["round_id"] == winner["id"], body
    mine = team.api(iv).get("/v1/me/rounds", params={"from": iso(start), "to": iso(end)}).json()
    assert [m["round"]["id"] for m in mine["data"]] == [winner["id"]]


def test_concurrent_bookings_exactly_one_wins(team):
    iv = team.iv[3]
    for attempt in range(5):
        loops = [team.loop(), team.loop(), team.loop()]
        start, end = team.slot()
        apis = [team.api(), team.api(team.recruiter), team.api(team.admin)]
        responses = _book_race(apis, loops, iv, start, end + 30 * M * (attempt % 2))
        _assert_one_winner(responses, team, iv, start, end)


def test_concurrent_bookings_across_two_loopd_processes(team, loopd, fresh_loopd):
    """A second loopd on the same database (the shared loopd's embedded
    cluster, through LOOP_DATABASE_URL): the exclusion constraint refuses
    the double booking whichever process serves which request."""
    url = f"postgresql:///loopd?host={loopd.socket_dir}&user=loopd_owner"
    second = fresh_loopd(env={"LOOP_DATABASE_URL": url})
    # a token from the first is valid on the second (keys live in the database)
    r = second.api(token=team.recruiter.token).get("/v1/loops", params={"limit": 1})
    assert r.status_code == 200, r.text
    iv = team.iv[2]
    for _ in range(4):
        loops = [team.loop(), team.loop()]
        start, end = team.slot()
        apis = [loopd.api(token=team.recruiter.token), second.api(token=team.admin.token)]
        responses = _book_race(apis, loops, iv, start, end)
        _assert_one_winner(responses, team, iv, start, end)
    # rescheduling on one process into a booking made through the other
    s, e = team.slot()
    a = team.round(team.loop()["id"], start=s, interviewers=[(iv, "lead")])
    b = second.api(token=team.recruiter.token).post(
        f"/v1/loops/{team.loop()['id']}/rounds",
        json={"kind": "behavioral", "starts_at": iso(s + 2 * H), "ends_at": iso(e + 2 * H),
              "interviewers": [{"user_id": iv.id, "role": "lead"}]})
    assert b.status_code == 201, b.text
    r = second.api(token=team.recruiter.token).patch(
        f"/v1/rounds/{b.json()['id']}", json={"starts_at": iso(s), "ends_at": iso(e)},
        headers={"If-Match": b.headers["ETag"]})
    assert problem_of(r, 409, "double_booked")["conflict"]["round_id"] == a["id"]
