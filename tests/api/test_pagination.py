"""Black-box tests of list pagination: cursors bound to the list and the
filters they came from, keyset pages of GET /v1/me/rounds, the one-page
GET /v1/loops/{id}/rounds, lists of viewers who reach only some loops
(driven by their own rows), and q never matching an email the caller is
not shown."""

import datetime as dt
import uuid

import pytest

from conftest import iso, problem_of

H = dt.timedelta(hours=1)


def walk(api, path, params, limit):
    """Every page of a list from the first: (rows, number of pages)."""
    rows, cursor, pages = [], None, 0
    while True:
        q = dict(params, limit=limit)
        if cursor:
            q["cursor"] = cursor
        r = api.get(path, params=q)
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        assert len(body["data"]) <= limit
        rows += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            return rows, pages
        assert pages < 100, "pagination does not end"


def first_cursor(api, path, params=None):
    r = api.get(path, params=dict(params or {}, limit=1))
    assert r.status_code == 200, r.text
    cursor = r.json()["next_cursor"]
    assert cursor, f"{path} {params}: expected a next page"
    return cursor


# -- cursors are bound to their list and its filters ---------------------------


@pytest.fixture(scope="module")
def listed(team):
    """A few candidates, loops and audit events in the team's org, so every
    list below has a second page."""
    tag = uuid.uuid4().hex[:8]
    cands = [team.candidate(name=f"Pagina {tag} {i}", email=f"pag{tag}{i}@example.test")
             for i in range(3)]
    loops = [team.loop(candidate_id=c["id"]) for c in cands]
    return {"tag": tag, "candidates": cands, "loops": loops}


def test_a_cursor_is_refused_by_every_other_list(team, listed):
    admin = team.admin.api
    cursors = {
        "/v1/candidates": first_cursor(admin, "/v1/candidates"),
        "/v1/loops": first_cursor(admin, "/v1/loops"),
        "/v1/users": first_cursor(admin, "/v1/users"),
        "/v1/audit-events": first_cursor(admin, "/v1/audit-events"),
    }
    for made_on, cursor in cursors.items():
        for path in list(cursors) + ["/v1/me/rounds", "/v1/clients"]:
            r = admin.get(path, params={"cursor": cursor})
            if path == made_on:
                assert r.status_code == 200, f"{path} refused its own cursor: {r.text}"
            else:
                problem_of(r, 400, "invalid_cursor")
        loop_id = listed["loops"][0]["id"]
        problem_of(admin.get(f"/v1/loops/{loop_id}/rounds", params={"cursor": cursor}),
                   400, "invalid_cursor")


def test_a_candidate_cursor_is_bound_to_q(team, listed):
    api = team.api()
    q = f"Pagina {listed['tag']}"
    cursor = first_cursor(api, "/v1/candidates", {"q": q})
    rest = api.get("/v1/candidates", params={"q": q, "cursor": cursor, "limit": 50})
    assert rest.status_code == 200, rest.text
    assert len(rest.json()["data"]) == 2
    for other in ({}, {"q": q + " 1"}, {"q": "Pagina"}, {"q": q.upper()}):
        problem_of(api.get("/v1/candidates", params=dict(other, cursor=cursor)),
                   400, "invalid_cursor")
    # ... and a cursor of the unfiltered list does not continue a search.
    plain = first_cursor(api, "/v1/candidates")
    problem_of(api.get("/v1/candidates", params={"q": q, "cursor": plain}), 400, "invalid_cursor")


def test_a_loop_cursor_is_bound_to_the_filters(team, listed):
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
        dict(filters, candidate_id=listed["candidates"][0]["id"]),
        {"status": "draft", "hiring_manager_id": team.hm2.id},
    ]
    for other in others:
        problem_of(api.get("/v1/loops", params=dict(other, cursor=cursor)), 400, "invalid_cursor")


def test_an_audit_cursor_pages_on_and_is_bound_to_its_filters(team, listed):
    admin = team.admin.api
    events, pages = walk(admin, "/v1/audit-events", {"entity_type": "loop"}, 1)
    assert pages >= 3 and len({e["seq"] for e in events}) == len(events)
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    cursor = first_cursor(admin, "/v1/audit-events", {"entity_type": "loop"})
    problem_of(admin.get("/v1/audit-events", params={"entity_type": "candidate", "cursor": cursor}),
               400, "invalid_cursor")
    problem_of(admin.get("/v1/audit-events", params={"cursor": cursor}), 400, "invalid_cursor")


# -- GET /v1/me/rounds ----------------------------------------------------------


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


# -- GET /v1/loops/{id}/rounds: one complete page --------------------------------


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


# -- lists of viewers who reach some loops only ------------------------------------


@pytest.fixture(scope="module")
def dual(team):
    """A user who manages loops A and B and interviews in B and C; D is
    someone else's. Returns (user, {name: loop})."""
    u = team.admin.make_user(roles=("hiring_manager", "interviewer"))
    u.token
    tag = uuid.uuid4().hex[:8]
    loops = {}
    for name in "ABCD":
        cand = team.candidate(name=f"Dual {tag} {name}", email=f"dual{tag}{name.lower()}@example.test")
        hm = u.id if name in "AB" else team.hm.id
        loops[name] = team.loop(candidate_id=cand["id"], hiring_manager_id=hm)
        loops[name]["cand"] = cand
    for name in "BC":
        team.round(loops[name]["id"], interviewers=[(u, "lead")])
    return u, loops, tag


def test_loops_reached_both_ways_page_once_each(team, dual):
    u, loops, _ = dual
    rows, pages = walk(team.api(u), "/v1/loops", {}, 1)
    ids = [l["id"] for l in rows]
    assert ids == [loops[n]["id"] for n in "ABC"], "not each reachable loop once, in order"
    assert pages in (3, 4)
    only = team.api(u).get("/v1/loops", params={"candidate_id": loops["C"]["candidate_id"]})
    assert [l["id"] for l in only.json()["data"]] == [loops["C"]["id"]]
    none = team.api(u).get("/v1/loops", params={"candidate_id": loops["D"]["candidate_id"]})
    assert none.json()["data"] == []


def test_candidates_reached_both_ways_page_once_each(team, dual):
    u, loops, _ = dual
    rows, _ = walk(team.api(u), "/v1/candidates", {}, 1)
    assert [c["id"] for c in rows] == [loops[n]["cand"]["id"] for n in "ABC"]
    full = {c["id"]: "email" in c for c in rows}
    assert full == {loops["A"]["cand"]["id"]: True, loops["B"]["cand"]["id"]: True,
                    loops["C"]["cand"]["id"]: False}


def test_an_interviewer_cannot_find_a_candidate_by_email(team, dual):
    u, loops, tag = dual
    c = loops["C"]["cand"]
    prefix = c["email"][:len(f"dual{tag}") + 1]     # "dual<tag>c", unique to C
    api = team.api(u)
    # The interviewer (for C) sees C's basic profile only: no email match ...
    assert api.get("/v1/candidates", params={"q": prefix}).json()["data"] == []
    assert api.get("/v1/candidates", params={"q": c["email"]}).json()["data"] == []
    # ... but the name still matches, showing the basic profile.
    named = api.get("/v1/candidates", params={"q": c["name"]}).json()["data"]
    assert [x["id"] for x in named] == [c["id"]] and "email" not in named[0]
    # A candidate the same user manages is found by email.
    a = loops["A"]["cand"]
    found = api.get("/v1/candidates", params={"q": a["email"][:len(f"dual{tag}") + 1]})
    assert [x["id"] for x in found.json()["data"]] == [a["id"]]
    # So is C by its hiring manager and by a recruiter.
    for who in (team.hm, team.recruiter):
        r = team.api(who).get("/v1/candidates", params={"q": prefix})
        assert [x["id"] for x in r.json()["data"]] == [c["id"]]


def test_a_plain_interviewer_gets_names_only(team, dual):
    _, loops, tag = dual
    iv = team.admin.make_user(roles=("interviewer",))
    d = loops["D"]
    team.round(d["id"], interviewers=[(iv, "shadow")])
    api = team.api(iv)
    assert api.get("/v1/candidates", params={"q": f"dual{tag}d"}).json()["data"] == []
    assert api.get("/v1/candidates", params={"q": "DUAL" + tag}).json()["data"] == []
    by_name = api.get("/v1/candidates", params={"q": f"dual {tag} d"}).json()["data"]
    assert [x["id"] for x in by_name] == [d["cand"]["id"]]
    assert [l["id"] for l in api.get("/v1/loops").json()["data"]] == [d["id"]]
