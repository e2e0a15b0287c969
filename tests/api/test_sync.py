"""Incremental sync (issue 13): `updated_after` and `created_after` on the
lists, `order=desc` (newest first), and cursors bound to all of them."""

from helpers import ids, problem_of, walk


def test_candidates_changed_since_a_sync_point(team):
    api = team.api()
    a = team.candidate()
    b = team.candidate()
    mark = b["updated_at"]
    c = team.candidate()
    r = api.patch(f"/v1/candidates/{a['id']}", json={"notes": "called back"},
                  headers={"If-Match": f'"{a["version"]}"'})
    assert r.status_code == 200, r.text
    rows, _ = walk(api, "/v1/candidates", {"updated_after": mark}, limit=1)
    assert ids(rows) == [a["id"], c["id"]], "changed since the mark, in keyset order"
    rows, _ = walk(api, "/v1/candidates", {"created_after": mark}, limit=1)
    assert ids(rows) == [c["id"]]
    rows, _ = walk(api, "/v1/candidates", {"created_after": a["created_at"], "order": "desc"})
    assert ids(rows)[:2] == [c["id"], b["id"]]


def test_order_desc_walks_every_list_newest_first(team):
    api = team.api()
    made = [team.candidate()["id"] for _ in range(3)]
    asc, _ = walk(api, "/v1/candidates", limit=2)
    desc, _ = walk(api, "/v1/candidates", {"order": "desc"}, limit=2)
    assert ids(desc) == list(reversed(ids(asc)))
    assert ids(desc)[:3] == list(reversed(made))
    loops = [team.loop()["id"] for _ in range(3)]
    asc, _ = walk(api, "/v1/loops", limit=2)
    desc, _ = walk(api, "/v1/loops", {"order": "desc"}, limit=2)
    assert ids(desc) == list(reversed(ids(asc))) and ids(desc)[:3] == list(reversed(loops))


def test_loops_sync_sees_erasure_and_cursors_keep_their_filters(team):
    api = team.api()
    c = team.candidate()
    loop = team.loop(candidate_id=c["id"])
    other = team.loop()
    mark = other["updated_at"]
    assert api.delete(f"/v1/candidates/{c['id']}").status_code == 204
    rows, _ = walk(api, "/v1/loops", {"updated_after": mark})
    assert loop["id"] in ids(rows) and other["id"] not in ids(rows), "erasure changed the loop"
    first = api.get("/v1/loops", params={"limit": 1}).json()
    assert first["next_cursor"]
    for params in ({"order": "desc"}, {"updated_after": mark}, {"created_after": mark}):
        r = api.get("/v1/loops", params=dict(params, limit=1, cursor=first["next_cursor"]))
        problem_of(r, 400, "invalid_cursor")
    r = api.get("/v1/candidates", params={"limit": 1, "order": "desc"})
    cur = r.json()["next_cursor"]
    problem_of(api.get("/v1/candidates", params={"limit": 1, "cursor": cur}), 400,
               "invalid_cursor")


def test_bad_sync_parameters_are_400(team):
    api = team.api()
    for path in ("/v1/candidates", "/v1/loops"):
        problem_of(api.get(path, params={"order": "sideways"}), 400, "invalid_query")
        problem_of(api.get(path, params={"updated_after": "yesterday"}), 400, "invalid_query")
        problem_of(api.get(path, params={"created_after": "2031-13-01T00:00:00Z"}), 400,
                   "invalid_query")


def test_a_loops_rounds_and_scorecards_sync_and_run_newest_first(team):
    from grading import past_round, submit_scorecard
    api = team.api()
    loop = team.loop()
    r1 = past_round(team, loop, [(team.iv[0], "lead")])
    r2 = past_round(team, loop, [(team.iv[1], "lead")])
    mark = r2["updated_at"]
    r = api.patch(f"/v1/rounds/{r1['id']}", json={"location": "Room 9"},
                  headers={"If-Match": f'"{r1["version"]}"'})
    assert r.status_code == 200, r.text
    path = f"/v1/loops/{loop['id']}/rounds"
    every = ids(api.get(path).json()["data"])
    assert ids(api.get(path, params={"order": "desc"}).json()["data"]) == list(reversed(every))
    assert ids(api.get(path, params={"updated_after": mark}).json()["data"]) == [r1["id"]]
    assert ids(api.get(path, params={"created_after": r1["created_at"]}).json()["data"]) == [r2["id"]]
    problem_of(api.get(path, params={"order": "up"}), 400, "invalid_query")
    c1 = submit_scorecard(team, team.iv[0], r1)
    c2 = submit_scorecard(team, team.iv[1], r2)
    path = f"/v1/loops/{loop['id']}/scorecards"
    every = ids(api.get(path).json()["data"])
    assert sorted(every) == sorted([c1["id"], c2["id"]])
    assert ids(api.get(path, params={"order": "desc"}).json()["data"]) == list(reversed(every))
    got = api.get(path, params={"updated_after": c1["updated_at"]}).json()["data"]
    assert ids(got) == [c2["id"]]
    problem_of(api.get(path, params={"updated_after": "soon"}), 400, "invalid_query")
    versions = api.get(f"/v1/rounds/{r1['id']}/scorecard/versions", params={"order": "desc"})
    assert versions.status_code == 200, versions.text


def test_my_rounds_and_clients_run_newest_first_too(team):
    iv = team.iv[2]
    loop = team.loop()
    made = [team.round(loop["id"], interviewers=[(iv, "lead")])["id"] for _ in range(3)]
    me = team.api(iv)
    asc, _ = walk(me, "/v1/me/rounds", limit=2)
    desc, _ = walk(me, "/v1/me/rounds", {"order": "desc"}, limit=2)
    assert [m["round"]["id"] for m in desc] == list(reversed([m["round"]["id"] for m in asc]))
    assert [m["round"]["id"] for m in desc][:3] == list(reversed(made))
    problem_of(me.get("/v1/me/rounds", params={"order": "x"}), 400, "invalid_query")
    admin = team.api(team.admin)
    for _ in range(2):
        r = admin.post("/v1/clients", json={"name": "sync job", "grants": ["client_credentials"],
                                            "scopes": ["loops:read"]})
        assert r.status_code == 201, r.text
    asc, _ = walk(admin, "/v1/clients", limit=1)
    desc, _ = walk(admin, "/v1/clients", {"order": "desc"}, limit=1)
    assert ids(desc) == list(reversed(ids(asc))) and len(asc) >= 2
    first = admin.get("/v1/clients", params={"limit": 1}).json()["next_cursor"]
    problem_of(admin.get("/v1/clients", params={"limit": 1, "order": "desc", "cursor": first}),
               400, "invalid_cursor")


def test_users_and_audit_events_run_newest_first_too(team):
    admin = team.api(team.admin)
    asc, _ = walk(admin, "/v1/users", limit=3)
    desc, _ = walk(admin, "/v1/users", {"order": "desc"}, limit=3)
    assert ids(desc) == list(reversed(ids(asc))) and len(asc) >= 5
    asc, _ = walk(admin, "/v1/audit-events", {"entity_type": "loop"}, limit=5)
    desc, _ = walk(admin, "/v1/audit-events", {"entity_type": "loop", "order": "desc"}, limit=5)
    seqs = [e["seq"] for e in desc]
    assert seqs == sorted(seqs, reverse=True) and seqs == [e["seq"] for e in reversed(asc)]
    first = admin.get("/v1/audit-events", params={"limit": 1}).json()["next_cursor"]
    problem_of(admin.get("/v1/audit-events", params={"limit": 1, "order": "desc",
                                                     "cursor": first}), 400, "invalid_cursor")
    problem_of(admin.get("/v1/users", params={"order": "newest"}), 400, "invalid_query")


def test_overdue_scorecards_run_latest_due_first(team):
    from grading import past_round
    from helpers import H
    loop = team.loop()
    for hours in (50, 40, 30):
        past_round(team, loop, [(team.iv[3], "lead")], ended=hours * H)
    api = team.api()
    asc, _ = walk(api, "/v1/scorecards/overdue", limit=1)
    desc, pages = walk(api, "/v1/scorecards/overdue", {"order": "desc"}, limit=1)
    key = [(o["due_at"], o["round_id"]) for o in asc]
    assert [(o["due_at"], o["round_id"]) for o in desc] == list(reversed(key)) and pages >= 3
    first = api.get("/v1/scorecards/overdue", params={"limit": 1}).json()["next_cursor"]
    problem_of(api.get("/v1/scorecards/overdue", params={"limit": 1, "order": "desc",
                                                          "cursor": first}), 400, "invalid_cursor")


def test_the_interviewer_report_runs_newest_first(team):
    from grading import past_round
    loop = team.loop()
    for iv in team.iv[:3]:
        past_round(team, loop, [(iv, "shadow")])
    api = team.api()
    asc, _ = walk(api, "/v1/reports/interviewers", limit=1)
    desc, _ = walk(api, "/v1/reports/interviewers", {"order": "desc"}, limit=1)
    key = [row["user_id"] for row in asc]
    assert len(key) >= 3 and [row["user_id"] for row in desc] == list(reversed(key))
