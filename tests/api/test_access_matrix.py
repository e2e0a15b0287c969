"""Who may do what: the role x endpoint matrices, black-box.

The scheduling world (two loops in the team's organisation, one in
another): which candidates, loops and rounds each role lists and reads,
that readers cannot write, that another organisation's ids answer 404
(never 403), basic profiles for interviewers, the caller's own rounds, and
401, 405 on the scheduling routes. Lists of viewers who reach only some
loops (driven by their own rows; q never matches an email the caller is not
shown). The identity routes' matrix (/v1/me, users, clients, audit events):
each role is let in or refused by scope, a refusal writes one access.denied
event, and no route answers without a token.

Every response is checked against openapi/openapi.yaml by the Api client."""

import uuid

import pytest

from access import CALLERS, ROUTES, AccessWorld, read_table, row_text
from helpers import ROLE_SCOPES, ROLES, Team, ids, page_all, problem_of, walk

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


# -- the world of the access matrix ------------------------------------------


@pytest.fixture(scope="module")
def world(team, loopd):
    """Two loops in the team's org and one in a second org:

    candidate A, loop LA (hiring manager hm): round RA1 with ivs[0] (lead)
        and round RA2 with ivs[1] (lead), both scheduled;
    candidate B, loop LB (hiring manager hm2): round RB with ivs[1];
    candidate C without loops; ivs[3] interviews nowhere;
    another organisation with its own candidate, loop and round.
    The interviewers are the world's own, so other tests' bookings of the
    team's interviewers cannot change what they see."""
    w = type("World", (), {})()
    w.ivs = [team.admin.make_user(roles=("interviewer",)) for _ in range(4)]
    for p in w.ivs:
        p.token
    w.A = team.candidate()
    w.B = team.candidate()
    w.C = team.candidate()
    w.LA = team.loop(candidate_id=w.A["id"])
    w.RA1 = team.round(w.LA["id"], interviewers=[(w.ivs[0], "lead")])
    w.RA2 = team.round(w.LA["id"], kind="behavioral", interviewers=[(w.ivs[1], "lead")])
    w.LB = team.loop(candidate_id=w.B["id"], hiring_manager_id=team.hm2.id)
    w.RB = team.round(w.LB["id"], interviewers=[(w.ivs[1], "shadow")])
    other = Team(loopd, interviewers=1)
    w.other = other
    w.OC = other.candidate()
    w.OL = other.loop(candidate_id=w.OC["id"])
    w.OR = other.round(w.OL["id"], interviewers=[(other.iv[0], "lead")])
    return w


WHO = ["admin", "recruiter", "hm", "hm2", "iv0", "iv1", "iv3"]


def principal(team, who, world):
    if who.startswith("iv"):
        return world.ivs[int(who[2:])]
    return getattr(team, who)


# Which candidates (by world attribute) each role sees in GET /v1/candidates,
# and whether it sees the full profile.
CANDIDATE_LIST = {
    "admin": ({"A", "B", "C"}, True),
    "recruiter": ({"A", "B", "C"}, True),
    "hm": ({"A"}, True),
    "hm2": ({"B"}, True),
    "iv0": ({"A"}, False),
    "iv1": ({"A", "B"}, False),
    "iv3": (set(), False),
}


@pytest.mark.parametrize("who", WHO)
def test_candidate_list_by_role(team, world, who):
    api = team.api(principal(team, who, world))
    rows = page_all(api, "/v1/candidates")
    names = {k for k in ("A", "B", "C") if getattr(world, k)["id"] in ids(rows)}
    want, full = CANDIDATE_LIST[who]
    assert names == want, f"{who} sees candidates {sorted(names)}, expected {sorted(want)}"
    assert world.OC["id"] not in ids(rows), "another organisation's candidate is listed"
    for row in rows:
        if full:
            assert "email" in row and "version" in row, row
        else:
            assert set(row) == {"id", "name", "erased"}, (
                f"an interviewer sees more than the basic profile: {row}")


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("cand", ["A", "B", "C"])
def test_candidate_get_by_role(team, world, who, cand):
    api = team.api(principal(team, who, world))
    c = getattr(world, cand)
    r = api.get(f"/v1/candidates/{c['id']}")
    want, full = CANDIDATE_LIST[who]
    if cand not in want:
        problem_of(r, 404, "not_found")
        return
    assert r.status_code == 200, r.text
    body = r.json()
    if full:
        assert body["email"] == c["email"]
        assert r.headers["ETag"] == f'"{body["version"]}"'
    else:
        assert body == {"id": c["id"], "name": c["name"], "erased": False}
        assert "email" not in r.text and c["email"] not in r.text


# Which loops each role reaches, and which rounds it sees in each.
LOOPS = {
    "admin": {"LA": {"RA1", "RA2"}, "LB": {"RB"}},
    "recruiter": {"LA": {"RA1", "RA2"}, "LB": {"RB"}},
    "hm": {"LA": {"RA1", "RA2"}},
    "hm2": {"LB": {"RB"}},
    "iv0": {"LA": {"RA1"}},
    "iv1": {"LA": {"RA2"}, "LB": {"RB"}},
    "iv3": {},
}


@pytest.mark.parametrize("who", WHO)
def test_loop_list_by_role(team, world, who):
    api = team.api(principal(team, who, world))
    rows = page_all(api, "/v1/loops")
    seen = {k for k in ("LA", "LB") if getattr(world, k)["id"] in ids(rows)}
    assert seen == set(LOOPS[who]), f"{who} lists loops {sorted(seen)}"
    assert world.OL["id"] not in ids(rows)
    for row in rows:
        assert row["rounds"] is None, "a listed loop embeds its rounds"


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("loop", ["LA", "LB"])
def test_loop_and_rounds_get_by_role(team, world, who, loop):
    api = team.api(principal(team, who, world))
    lid = getattr(world, loop)["id"]
    r = api.get(f"/v1/loops/{lid}")
    r2 = api.get(f"/v1/loops/{lid}/rounds")
    if loop not in LOOPS[who]:
        problem_of(r, 404, "not_found")
        problem_of(r2, 404, "not_found")
        return
    assert r.status_code == 200, r.text
    want = {getattr(world, k)["id"] for k in LOOPS[who][loop]}
    assert set(ids(r.json()["rounds"])) == want, f"{who} sees rounds of {loop}: {r.json()['rounds']}"
    assert r2.status_code == 200, r2.text
    assert set(ids(r2.json()["data"])) == want


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("rnd", ["RA1", "RA2", "RB"])
def test_round_get_by_role(team, world, who, rnd):
    api = team.api(principal(team, who, world))
    rid = getattr(world, rnd)["id"]
    r = api.get(f"/v1/rounds/{rid}")
    visible = any(rnd in rounds for rounds in LOOPS[who].values())
    if not visible:
        problem_of(r, 404, "not_found")
    else:
        assert r.status_code == 200, r.text
        assert r.headers["ETag"] == f'"{r.json()["version"]}"'


@pytest.mark.parametrize("who", ["hm", "iv0"])
def test_readers_cannot_write(team, world, who, audited):
    """Hiring managers and interviewers lack candidates:write and
    loops:write: every write answers 403 insufficient_scope and changes
    nothing (only access.denied is recorded)."""
    api = team.api(principal(team, who, world))
    la, ra1 = world.LA, world.RA1
    calls = [
        ("POST", "/v1/candidates", {"name": "X", "email": f"x{uuid.uuid4().hex[:6]}@example.test"}),
        ("PATCH", f"/v1/candidates/{world.A['id']}", {"name": "Renamed"}),
        ("DELETE", f"/v1/candidates/{world.A['id']}", None),
        ("POST", "/v1/loops", {"candidate_id": world.C["id"], "position": "P",
                               "recruiter_id": team.recruiter.id, "hiring_manager_id": team.hm.id}),
        ("PATCH", f"/v1/loops/{la['id']}", {"position": "Renamed"}),
        ("POST", f"/v1/loops/{la['id']}/cancel", {"reason": "no"}),
        ("POST", f"/v1/loops/{la['id']}/rounds", {"kind": "system_design"}),
        ("PATCH", f"/v1/rounds/{ra1['id']}", {"location": "elsewhere"}),
        ("POST", f"/v1/rounds/{ra1['id']}/cancel", {}),
        ("PUT", f"/v1/rounds/{ra1['id']}/interviewers/{world.ivs[2].id}", {"role": "shadow"}),
        ("DELETE", f"/v1/rounds/{ra1['id']}/interviewers/{world.ivs[0].id}", None),
    ]
    for method, path, body in calls:
        with audited.none(team.admin):
            r = api.request(method, path, json=body, headers={"If-Match": '"1"'})
            problem_of(r, 403, "insufficient_scope")
    assert team.api().get(f"/v1/rounds/{ra1['id']}").json()["version"] == ra1["version"]


def test_other_orgs_ids_answer_404(team, world, audited):
    """Every id of another organisation answers 404, for reads and writes,
    even to an admin (never 403: the id's existence is not revealed)."""
    api = team.api(team.admin)
    o = world
    for path in [f"/v1/candidates/{o.OC['id']}", f"/v1/loops/{o.OL['id']}",
                 f"/v1/loops/{o.OL['id']}/rounds", f"/v1/rounds/{o.OR['id']}"]:
        problem_of(api.get(path), 404, "not_found")
    with audited.none(team.admin), audited.none(o.other.admin):
        problem_of(api.patch(f"/v1/candidates/{o.OC['id']}", json={"name": "X"},
                             headers={"If-Match": '"1"'}), 404, "not_found")
        problem_of(api.delete(f"/v1/candidates/{o.OC['id']}"), 404, "not_found")
        problem_of(api.patch(f"/v1/loops/{o.OL['id']}", json={"position": "X"},
                             headers={"If-Match": '"1"'}), 404, "not_found")
        problem_of(api.post(f"/v1/loops/{o.OL['id']}/cancel", json={"reason": "x"}), 404,
                   "not_found")
        problem_of(api.post(f"/v1/loops/{o.OL['id']}/rounds", json={"kind": "system_design"}),
                   404, "not_found")
        problem_of(api.patch(f"/v1/rounds/{o.OR['id']}", json={"location": "x"},
                             headers={"If-Match": '"1"'}), 404, "not_found")
        problem_of(api.post(f"/v1/rounds/{o.OR['id']}/cancel", json={}), 404, "not_found")
        problem_of(api.put(f"/v1/rounds/{o.OR['id']}/interviewers/{team.iv[2].id}",
                           json={"role": "lead"}), 404, "not_found")
        problem_of(api.delete(f"/v1/rounds/{o.OR['id']}/interviewers/{o.other.iv[0].id}"),
                   404, "not_found")
    # another organisation's people cannot be named in this one
    with audited.none(team.admin):
        r = api.post("/v1/loops", json={"candidate_id": o.OC["id"], "position": "P",
                                        "recruiter_id": team.recruiter.id,
                                        "hiring_manager_id": team.hm.id})
        body = problem_of(r, 422, "validation_failed")
        assert [e["field"] for e in body["errors"]] == ["candidate_id"]
        r = api.put(f"/v1/rounds/{world.RA1['id']}/interviewers/{o.other.iv[0].id}",
                    json={"role": "shadow"})
        problem_of(r, 422, "validation_failed")
        r = api.post("/v1/loops", json={"candidate_id": world.C["id"], "position": "P",
                                        "recruiter_id": team.recruiter.id,
                                        "hiring_manager_id": o.other.hm.id})
        body = problem_of(r, 422, "validation_failed")
        assert [e["field"] for e in body["errors"]] == ["hiring_manager_id"]
    # and the other org's own view still sees its things unchanged
    r = o.other.api().get(f"/v1/rounds/{o.OR['id']}")
    assert r.status_code == 200 and r.json()["version"] == o.OR["version"]


def test_hiring_manager_who_also_interviews_sees_only_the_basic_profile_elsewhere(team, world):
    """A user with the hiring_manager and interviewer roles, booked into a
    round of a loop someone else manages: for that loop's candidate they
    are only an interviewer, so the list shows the basic profile, as
    GET /v1/candidates/{id} does."""
    both = team.admin.make_user(roles=("hiring_manager", "interviewer"))
    c = team.candidate(phone="+1 555 0142", notes="private notes")
    loop = team.loop(candidate_id=c["id"], hiring_manager_id=team.hm.id)
    team.round(loop["id"], interviewers=[(both, "shadow")])
    api = team.api(both)
    one = api.get(f"/v1/candidates/{c['id']}")
    assert one.status_code == 200 and set(one.json()) == {"id", "name", "erased"}
    listed = [row for row in page_all(api, "/v1/candidates") if row["id"] == c["id"]]
    assert len(listed) == 1
    assert set(listed[0]) == {"id", "name", "erased"}, (
        f"the list shows an interviewer the full profile: {listed[0]}")
    # and they see only their own round of that loop
    team.round(loop["id"], kind="behavioral", interviewers=[(team.iv[0], "lead")])
    rounds = api.get(f"/v1/loops/{loop['id']}").json()["rounds"]
    assert [r["interviewers"][0]["user_id"] for r in rounds] == [both.id]


def test_my_rounds_are_only_my_own(team, world):
    r = team.api(world.ivs[1]).get("/v1/me/rounds", params={"from": "2000-01-01T00:00:00Z"})
    assert r.status_code == 200, r.text
    got = {row["round"]["id"]: row for row in r.json()["data"]}
    assert set(got) == {world.RA2["id"], world.RB["id"]}
    assert got[world.RB["id"]]["role"] == "shadow"
    assert got[world.RA2["id"]]["candidate"] == {"id": world.A["id"], "name": world.A["name"]}
    r = team.api(world.ivs[3]).get("/v1/me/rounds")
    assert r.json()["data"] == []


@pytest.mark.parametrize("method,path,allow", [
    ("PUT", "/v1/candidates", "GET, POST"),
    ("POST", "/v1/candidates/{cand}", "GET, PATCH, DELETE"),
    ("DELETE", "/v1/loops/{loop}", "GET, PATCH"),
    ("GET", "/v1/loops/{loop}/cancel", "POST"),
    ("DELETE", "/v1/loops/{loop}/rounds", "GET, POST"),
    ("DELETE", "/v1/rounds/{round}", "GET, PATCH"),
    ("GET", "/v1/rounds/{round}/cancel", "POST"),
    ("GET", "/v1/rounds/{round}/interviewers/{user}", "PUT, DELETE"),
    ("POST", "/v1/me/rounds", "GET"),
    ("POST", "/v1/me/calendar.ics", "GET"),
    ("GET", "/v1/me/calendar-token", "POST"),
    ("POST", "/v1/calendar-feeds/sometoken", "GET"),
])
def test_other_methods_are_405_with_allow(team, world, method, path, allow):
    """The contract checker compares Allow with the document, so a method
    loopd serves but the document omits shows up here."""
    path = path.format(cand=world.A["id"], loop=world.LA["id"], round=world.RA1["id"],
                       user=world.ivs[0].id)
    r = team.api().request(method, path, json={} if method in ("POST", "PUT") else None)
    problem_of(r, 405, "method_not_allowed")
    assert {m.strip() for m in r.headers["Allow"].split(",")} >= set(allow.split(", "))


# -- lists of viewers who reach some loops only ------------------------------


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


# -- the identity routes: role x endpoint matrix -----------------------------


@pytest.fixture(scope="module")
def matrix(org_admin):
    """Users of each role (tokens fetched now), and a target user to read and change."""
    users = {role: org_admin.make_user(roles=[role]) for role in ROLES}
    for u in users.values():
        u.token  # noqa: B018 (log in before any audited block)
    target = org_admin.make_user(roles=["interviewer"])
    return {"users": users, "target": target, "admin": org_admin}


def _new_client(admin):
    r = admin.api.post("/v1/clients", json={"name": "tmp", "grants": ["client_credentials"],
                                            "scopes": ["loops:read"]})
    assert r.status_code == 201
    return r.json()["id"]


def _etag(admin, user_id):
    return admin.api.get(f"/v1/users/{user_id}").headers["ETag"]


# route -> (needed scope or None, success status, audit action or None,
#           function(ctx, principal) -> (method, path, kwargs))
MATRIX = {
    "GET /v1/me": (None, 200, None, lambda m, p: ("GET", "/v1/me", {})),
    "POST /v1/me/password": (None, 204, "user.password_changed", lambda m, p: (
        "POST", "/v1/me/password",
        {"json": {"current_password": p.password, "new_password": p.password + "-next"}})),
    "GET /v1/users": ("users:admin", 200, None, lambda m, p: ("GET", "/v1/users", {})),
    "POST /v1/users": ("users:admin", 201, "user.created", lambda m, p: (
        "POST", "/v1/users", {"json": {"email": f"m{uuid.uuid4().hex[:10]}@example.test",
                                       "name": "M", "roles": ["interviewer"],
                                       "password": "Plenty-0f-entropy"}})),
    "GET /v1/users/{id}": ("users:admin", 200, None, lambda m, p: (
        "GET", f"/v1/users/{m['target'].user_id}", {})),
    "PATCH /v1/users/{id}": ("users:admin", 200, "user.updated", lambda m, p: (
        "PATCH", f"/v1/users/{m['target'].user_id}",
        {"json": {"name": f"n{uuid.uuid4().hex[:6]}"},
         "headers": {"If-Match": _etag(m["admin"], m["target"].user_id)}})),
    "GET /v1/clients": ("users:admin", 200, None, lambda m, p: ("GET", "/v1/clients", {})),
    "POST /v1/clients": ("users:admin", 201, "client.created", lambda m, p: (
        "POST", "/v1/clients", {"json": {"name": "x", "grants": ["client_credentials"],
                                         "scopes": ["loops:read"]}})),
    "DELETE /v1/clients/{id}": ("users:admin", 204, "client.revoked", lambda m, p: (
        "DELETE", f"/v1/clients/{_new_client(m['admin'])}", {})),
    "GET /v1/audit-events": ("audit:read", 200, None, lambda m, p: (
        "GET", "/v1/audit-events", {})),
    "GET /v1/audit-events/verify": ("audit:read", 200, None, lambda m, p: (
        "GET", "/v1/audit-events/verify", {})),
}


def test_matrix_covers_every_authenticated_operation(openapi):
    """Every bearer-authenticated operation of issues 3 and 4 is in the matrix."""
    ours = {"/v1/me", "/v1/me/password", "/v1/users", "/v1/users/{id}", "/v1/clients",
            "/v1/clients/{id}", "/v1/audit-events", "/v1/audit-events/verify"}
    documented = set()
    for path, item in openapi.doc["paths"].items():
        if path not in ours:
            continue
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                documented.add(f"{method.upper()} {path}")
                sec = op.get("security", openapi.doc.get("security"))
                scopes = {s for req in sec for v in req.values() for s in v}
                if f"{method.upper()} {path}" in MATRIX:
                    need = MATRIX[f"{method.upper()} {path}"][0]
                    assert scopes == ({need} if need else set()), (path, method, scopes)
    assert documented == set(MATRIX), documented ^ set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_role_endpoint_matrix(loopd, matrix, audited, role, route):
    need, ok_status, action, build = MATRIX[route]
    p = matrix["users"][role]
    allowed = need is None or need in ROLE_SCOPES[role]
    method, path, kw = build(matrix, p)
    api = loopd.api(token=p.token)
    if allowed:
        if action:
            with audited(p, action) as w:
                w.response = r = api.request(method, path, **kw)
                assert r.status_code == ok_status, r.text
        else:
            with audited.none(p, allow=()):
                r = api.request(method, path, **kw)
                assert r.status_code == ok_status, r.text
        if route == "POST /v1/me/password":
            p.password = kw["json"]["new_password"]
    else:
        with audited(p, "access.denied", entity_type="route", actor_id=p.user_id) as w:
            w.response = r = api.request(method, path, **kw)
            problem_of(r, 403, "insufficient_scope")
        assert w.event["changes"] == {"method": method, "route": route.split(" ", 1)[1]}
        assert f'scope="{need}"' in r.headers["WWW-Authenticate"]


# -- the generated matrix: every route x every caller (api/access.tsv) ------------


@pytest.fixture(scope="module")
def access_world(team, loopd):
    return AccessWorld(team, Team(loopd, interviewers=0))


def _walk(world, method, pattern, scope):
    kw = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    got = {}
    for caller in CALLERS:
        path = world.path(method, pattern)
        r = world.team.server.api().request(method, path, token=world.token(caller, scope), **kw)
        got[caller] = r.status_code
        if r.status_code == 401 and not pattern.startswith("/oauth/"):
            assert r.headers["WWW-Authenticate"].startswith("Bearer"), r.headers
    return got


def test_every_route_is_in_the_access_table():
    table = read_table()
    missing = [(m, p) for m, p, _ in ROUTES if f"{m} {p}" not in table]
    stale = sorted(set(table) - {f"{m} {p}" for m, p, _ in ROUTES})
    assert not missing, (
        "routes of api/routes.c missing from api/access.tsv: add a line each (tab-separated: "
        f"method, path, then the status for {', '.join(CALLERS)}), e.g. the statuses loopd "
        "answers now, once checked (test_access_matrix[METHOD /path] prints them):\n" + "\n".join(
            f"{m}\t{p}\t" + "\t".join("?" for _ in CALLERS) for m, p in missing))
    assert not stale, f"api/access.tsv names routes that no longer exist: {stale}"


@pytest.mark.parametrize("method,pattern,scope", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_access_matrix(access_world, method, pattern, scope):
    """Each caller gets the status api/access.tsv names for the route (JSON
    routes get an empty object: an allowed caller reaches validation, 422).
    Another organisation's ids are never 403: 404, or the 422 of the empty
    body checked before any lookup."""
    got = _walk(access_world, method, pattern, scope)
    row = row_text(method, pattern, got)
    want = read_table().get(f"{method} {pattern}")
    assert want is not None, f"add this line to api/access.tsv (check each status):\n{row}"
    if "{id}" in pattern:
        assert got["other_org"] in (404, 422), f"another org's ids answer {got['other_org']}: {row}"
    diff = {c: f"{want[c]} expected, got {got[c]}" for c in CALLERS if want[c] != got[c]}
    assert not diff, f"{method} {pattern}: {diff}\nloopd now answers:\n{row}"
