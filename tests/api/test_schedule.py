"""Black-box tests of GET /v1/me/rounds, the caller's schedule: keyset pages
without skips or repeats (also across a tie on starts_at), the default
window and limit, cursors bound to from and to, and limits checked (for an
API client too, which has no schedule).

Who sees which rounds is tested in test_access_matrix.py, the calendar
feeds in test_calendar.py."""

import datetime as dt

import pytest

from helpers import H, first_cursor, iso, problem_of, walk


@pytest.fixture(scope="module")
def booked(team, loopd):
    """An interviewer of their own with 7 rounds over 4 loops; two of them
    moved (as the owner) to the same start, so the keyset's tie on starts_at
    falls across a page boundary of limit=3."""
    iv = team.admin.make_user(roles=("interviewer",))
    iv.token
    loops = [team.loop() for _ in range(4)]
    rounds = [team.round(loops[i % 4]["id"], interviewers=[(iv, "lead")]) for i in range(7)]
    starts = sorted(rounds, key=lambda r: r["starts_at"])
    a, b = starts[2], starts[3]
    conn = loopd.db()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE rounds SET starts_at = %s, ends_at = %s WHERE id = %s",
                        (a["starts_at"], a["ends_at"], b["id"]))
            assert cur.rowcount == 1
    finally:
        conn.close()
    first = dt.datetime.fromisoformat(starts[0]["starts_at"].replace("Z", "+00:00"))
    return {"iv": iv, "ids": {r["id"] for r in rounds}, "from": iso(first - H)}


def test_my_rounds_page_without_skips_or_repeats(team, booked):
    api = team.api(booked["iv"])
    whole = api.get("/v1/me/rounds", params={"from": booked["from"], "limit": 200})
    assert whole.status_code == 200, whole.text
    assert whole.json()["next_cursor"] is None
    everything = [row["round"]["id"] for row in whole.json()["data"]]
    assert set(everything) == booked["ids"] and len(everything) == 7

    rows, pages = walk(api, "/v1/me/rounds", {"from": booked["from"]}, 3)
    ids = [row["round"]["id"] for row in rows]
    assert pages == 3
    assert ids == everything, "pages skipped, repeated or reordered rounds"
    keys = [(row["round"]["starts_at"], row["round"]["id"]) for row in rows]
    assert keys == sorted(keys), "not ordered by (starts_at, id)"
    assert len({k[0] for k in keys}) == 6, "the tie on starts_at is gone"
    for row in rows:
        assert row["role"] == "lead"
        assert row["candidate"]["id"] and row["position"]

    # A page size that divides the list exactly ends with an empty next page
    # or none, never with a repeat.
    rows7, _ = walk(api, "/v1/me/rounds", {"from": booked["from"]}, 7)
    assert [row["round"]["id"] for row in rows7] == everything


def test_my_rounds_default_limit_and_window(team, booked):
    api = team.api(booked["iv"])
    r = api.get("/v1/me/rounds")
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]) == 7 and r.json()["next_cursor"] is None
    start = min(row["round"]["starts_at"] for row in r.json()["data"])
    first = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
    r = api.get("/v1/me/rounds", params={"from": booked["from"], "to": iso(first + H / 2),
                                         "limit": 1})
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]) == 1 and r.json()["next_cursor"] is None


def test_my_rounds_cursor_is_bound_to_from_and_to(team, booked):
    api = team.api(booked["iv"])
    cursor = first_cursor(api, "/v1/me/rounds", {"from": booked["from"]})
    ok = api.get("/v1/me/rounds", params={"from": booked["from"], "cursor": cursor})
    assert ok.status_code == 200, ok.text
    assert len(ok.json()["data"]) == 6
    for other in ({}, {"from": "2020-01-01T00:00:00Z"},
                  {"from": booked["from"], "to": "2099-01-01T00:00:00Z"}):
        problem_of(api.get("/v1/me/rounds", params=dict(other, cursor=cursor)),
                   400, "invalid_cursor")
    # Someone else's cursor of the same list is just as valid a position
    # (it holds no identity), but a tampered one is not.
    body, mac = cursor.split(".")
    tampered = body[:-1] + ("A" if body[-1] != "A" else "B") + "." + mac
    for bad in (tampered, "abc", cursor + "x", "." + mac):
        problem_of(api.get("/v1/me/rounds", params={"from": booked["from"], "cursor": bad}),
                   400, "invalid_cursor")


@pytest.mark.parametrize("limit", ["0", "201", "-1", "abc", "", "3.5", "1e2"])
def test_my_rounds_limit_is_checked(team, limit):
    problem_of(team.api(team.iv[0]).get("/v1/me/rounds", params={"limit": limit}),
               400, "invalid_query")


def test_an_api_client_still_has_its_paging_checked(team):
    # Validation comes before "an API client has no schedule".
    api = team.api(team.admin)
    assert api.get("/v1/me/rounds", params={"limit": 5}).status_code == 200
    problem_of(api.get("/v1/me/rounds", params={"limit": 0}), 400, "invalid_query")
