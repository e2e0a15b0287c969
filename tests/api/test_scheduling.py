"""Black-box tests of candidates, loops, rounds and scheduling (issue 6):
the role x endpoint access matrix, tenant isolation, double booking (also
under concurrency and across two loopd processes), rescheduling, bar
raisers, time zones, the loop status machine, templates and plans,
If-Match, pagination under concurrent inserts, the `q` search, erasure
leaving no personal data in the database, and one audit event per
mutation.

Every response is checked against openapi/openapi.yaml by the Api client."""

import datetime as dt
import threading
import time
import uuid

import psycopg2
import pytest

from conftest import Team, iso, problem_of, scan_database, utcnow

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def ids(rows):
    return [r["id"] for r in rows]


def page_all(api, path, limit=50, **params):
    """Every row of a list, following next_cursor."""
    out, cursor = [], None
    for _ in range(1000):
        q = dict(params, limit=limit)
        if cursor:
            q["cursor"] = cursor
        r = api.get(path, params=q)
        assert r.status_code == 200, r.text
        body = r.json()
        out.extend(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return out
    raise AssertionError("pagination did not end")


def count(db, sql, *args):
    with db.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


# -- the world of the access matrix ---------------------------------------------


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


def test_unauthenticated_is_401(team, world):
    api = team.server.api()
    for method, path in [("GET", "/v1/candidates"), ("GET", f"/v1/loops/{world.LA['id']}"),
                         ("POST", "/v1/loops"), ("GET", "/v1/me/rounds"),
                         ("GET", f"/v1/rounds/{world.RA1['id']}")]:
        r = api.request(method, path, json={} if method == "POST" else None)
        problem_of(r, 401, "unauthenticated")


def test_malformed_path_ids_are_400(team):
    api = team.api()
    for path in ["/v1/candidates/nope", "/v1/loops/123/rounds", "/v1/rounds/x",
                 f"/v1/rounds/{uuid.uuid4()}/interviewers/not-a-uuid"]:
        method = "PUT" if path.endswith("not-a-uuid") else "GET"
        r = api.request(method, path, json={"role": "lead"} if method == "PUT" else None)
        problem_of(r, 400, "invalid_path_id")


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


def test_body_media_type_and_syntax(team, audited):
    api = team.api()
    with audited.none(team.admin):
        problem_of(api.post("/v1/loops", data="{}", headers={"Content-Type": "text/plain"}), 415,
                   "unsupported_media_type")
        problem_of(api.post("/v1/candidates", data="{\"name\": ",
                            headers={"Content-Type": "application/json"}), 400, "malformed_json")
        problem_of(api.post("/v1/candidates", json=[]), 400, "malformed_json")
        problem_of(api.post("/v1/candidates", data='{"name": "a", "name": "b", "email": "x@y.z"}',
                            headers={"Content-Type": "application/json"}), 400, "malformed_json")


# -- candidates -------------------------------------------------------------------


def test_create_and_get_candidate(team, audited):
    api = team.api()
    tag = uuid.uuid4().hex[:8]
    body = {"name": f"Grace Hopper {tag}", "email": f"Grace.{tag}@Example.test", "phone": "+1 555 0100",
            "source": "referral", "notes": "met at a conference"}
    with audited(team.admin, "candidate.created", entity_type="candidate",
                 entity_id=lambda r: r.json()["id"], actor_id=team.recruiter.id) as w:
        w.response = r = api.post("/v1/candidates", json=body)
        assert r.status_code == 201, r.text
    c = r.json()
    assert {k: c[k] for k in body} == body
    assert c["erased"] is False and c["version"] == 1
    assert r.headers["Location"] == f"/v1/candidates/{c['id']}"
    assert r.headers["ETag"] == '"1"'
    # personal data is never written into the audit log
    text = str(w.event["changes"])
    for value in (body["name"], body["email"], body["phone"], body["notes"]):
        assert value not in text, f"the audit event holds {value!r}: {w.event['changes']}"
    r = api.get(r.headers["Location"])
    assert r.status_code == 200 and r.json() == c


def test_candidate_validation_names_every_field(team, audited):
    with audited.none(team.admin):
        r = team.api().post("/v1/candidates", json={"name": "", "email": "not-an-email",
                                                    "phone": 5})
    body = problem_of(r, 422, "validation_failed")
    assert {e["field"] for e in body["errors"]} == {"name", "email", "phone"}


def test_duplicate_email_is_409_with_existing_id(team, audited):
    c = team.candidate()
    with audited.none(team.admin):
        r = team.api().post("/v1/candidates", json={"name": "Twin", "email": c["email"].upper()})
    body = problem_of(r, 409, "duplicate")
    assert body["existing_id"] == c["id"]
    # PATCHing another candidate onto the email: the same answer
    d = team.candidate()
    with audited.none(team.admin):
        r = team.api().patch(f"/v1/candidates/{d['id']}", json={"email": c["email"]},
                             headers={"If-Match": '"1"'})
    assert problem_of(r, 409, "duplicate")["existing_id"] == c["id"]


def test_patch_candidate_needs_if_match(team, audited):
    api = team.api()
    c = team.candidate(notes="first notes", phone="+1 555 0199")
    path = f"/v1/candidates/{c['id']}"
    with audited.none(team.admin):
        problem_of(api.patch(path, json={"name": "New"}), 428, "precondition_required")
        problem_of(api.patch(path, json={"name": "New"}, headers={"If-Match": '"7"'}), 412,
                   "precondition_failed")
        problem_of(api.patch(path, json={"name": "New"}, headers={"If-Match": "garbage"}), 412,
                   "precondition_failed")
    with audited(team.admin, "candidate.updated", entity_type="candidate", entity_id=c["id"]) as w:
        w.response = r = api.patch(path, json={"name": "New Name", "phone": None, "notes": None},
                                   headers={"If-Match": r'"1"'})
        assert r.status_code == 200, r.text
    got = r.json()
    assert got["name"] == "New Name" and got["phone"] is None and got["notes"] is None
    assert got["email"] == c["email"] and got["version"] == 2
    assert r.headers["ETag"] == '"2"'
    assert "New Name" not in str(w.event["changes"])
    # the old ETag is stale now
    problem_of(api.patch(path, json={"name": "Newer"}, headers={"If-Match": '"1"'}), 412,
               "precondition_failed")
    # a weak form of the current ETag is accepted
    r = api.patch(path, json={"source": "agency"}, headers={"If-Match": 'W/"2"'})
    assert r.status_code == 200 and r.json()["version"] == 3


def test_q_prefix_search(team):
    """q matches a prefix of the name or of the email, case-insensitively;
    not a substring in the middle; erased candidates never match."""
    api = team.api()
    tag = uuid.uuid4().hex[:6]
    a = team.candidate(name=f"Zelda{tag} Fitzgerald", email=f"zf{tag}@example.test")
    b = team.candidate(name=f"Ann {tag}", email=f"zelda{tag}.x@example.test")
    c = team.candidate(name=f"Zelda{tag}ish Other", email=f"o{tag}@example.test")

    def q(s):
        return set(ids(page_all(api, "/v1/candidates", q=s)))

    assert q(f"zelda{tag}") == {a["id"], b["id"], c["id"]}
    assert q(f"ZELDA{tag} F") == {a["id"]}
    assert q(f"ZF{tag}@EXAMPLE") == {a["id"]}
    assert q(f"Fitzgerald") & {a["id"], b["id"], c["id"]} == set(), "q matched mid-string"
    assert q(f"{tag}") & {a["id"], b["id"], c["id"]} == set()
    for wild in ("%", "_", "%" + tag, "z%"):
        assert q(wild) & {a["id"], b["id"], c["id"]} == set(), f"q={wild!r} acted as a pattern"
    # with pagination too
    rows = page_all(api, "/v1/candidates", limit=1, q=f"zelda{tag}")
    assert len(rows) == 3 and len(set(ids(rows))) == 3
    # an erased candidate is no longer found by its old name or email
    assert api.delete(f"/v1/candidates/{c['id']}").status_code == 204
    assert q(f"zelda{tag}") == {a["id"], b["id"]}
    assert q(f"o{tag}@") == set()
    assert q("erased cand") & {c["id"]} == set(), "an erased candidate is found by the placeholder"
    problem_of(api.get("/v1/candidates", params={"q": "x" * 201}), 400, "invalid_query")


def test_q_is_case_insensitive_beyond_ascii(team):
    """Names are international: "émile" finds "Émile", "ωμέγα" finds "ΩΜΈΓΑ"."""
    api = team.api()
    tag = uuid.uuid4().hex[:6]
    e = team.candidate(name=f"Émile{tag} Zola")
    o = team.candidate(name=f"ΩΜΈΓΑ{tag} Man")
    for query, want in [(f"émile{tag}", e), (f"ÉMILE{tag}", e), (f"ωμέγα{tag}", o),
                        (f"Ωμέγα{tag}", o)]:
        got = ids(page_all(api, "/v1/candidates", q=query))
        assert want["id"] in got, f"q={query!r} does not find {want['name']!r}"


@pytest.mark.parametrize("query", ["¿", "¿Qu", "ÿ", "\u07ff", "\uffff", "a\U0010ffff"])
def test_any_prefix_is_a_valid_query(team, query):
    """q is any text up to 200 characters: a prefix whose last UTF-8 byte
    is 0xbf or 0xff is as valid as any other (200, not an error)."""
    api = team.api()
    c = team.candidate(name=query + " " + uuid.uuid4().hex[:6])
    r = api.get("/v1/candidates", params={"q": query}, check=False)
    assert r.status_code == 200, f"q={query!r}: {r.status_code} {r.text[:300]}"
    assert c["id"] in ids(r.json()["data"])


def test_pagination_limits_and_tampered_cursor(team):
    api = team.api()
    for _ in range(3):
        team.candidate()
    r = api.get("/v1/candidates", params={"limit": 2})
    assert r.status_code == 200
    body = r.json()
    assert len(body["data"]) == 2 and body["next_cursor"]
    cur = body["next_cursor"]
    assert api.get("/v1/candidates", params={"limit": 2, "cursor": cur}).status_code == 200
    text, mac = cur.split(".", 1)
    flipped = text[:-1] + ("A" if text[-1] != "A" else "B")
    bad = [flipped + "." + mac, text + "." + mac[::-1], "garbage", cur + "x", "." + mac,
           text, "x" * 600]
    for c in bad:
        problem_of(api.get("/v1/candidates", params={"cursor": c}), 400, "invalid_cursor")
        problem_of(api.get("/v1/loops", params={"cursor": c}), 400, "invalid_cursor")
    for limit in ["0", "201", "-1", "abc", "1.5", ""]:
        problem_of(api.get("/v1/candidates", params={"limit": limit}), 400, "invalid_query")
    assert len(api.get("/v1/candidates", params={"limit": 200}).json()["data"]) <= 200
    problem_of(api.get("/v1/loops", params={"status": "nope"}), 400, "invalid_query")
    problem_of(api.get("/v1/loops", params={"candidate_id": "nope"}), 400, "invalid_query")


def test_pagination_under_concurrent_inserts(loopd):
    """Paging with limit=3 while another client inserts: every row that
    existed before paging began is seen exactly once, nothing is repeated,
    and the order is the keyset order."""
    t = Team(loopd, interviewers=0)
    api = t.api()
    before = [t.candidate()["id"] for _ in range(20)]
    stop = threading.Event()
    inserted, errors = [], []

    def writer():
        w = t.api()
        i = 0
        while not stop.is_set() and i < 200:
            i += 1
            r = w.post("/v1/candidates", json={"name": f"Late {i}",
                                               "email": f"late{i}-{uuid.uuid4().hex[:6]}@example.test"})
            if r.status_code != 201:
                errors.append(r.text)
                return
            inserted.append(r.json()["id"])

    th = threading.Thread(target=writer)
    th.start()
    seen, cursor, pages = [], None, 0
    try:
        while True:
            params = {"limit": 3}
            if cursor:
                params["cursor"] = cursor
            r = api.get("/v1/candidates", params=params)
            assert r.status_code == 200, r.text
            body = r.json()
            assert len(body["data"]) <= 3
            seen.extend(body["data"])
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
            time.sleep(0.005)
            assert pages < 500
    finally:
        stop.set()
        th.join(60)
    assert not errors, errors
    got = ids(seen)
    assert len(got) == len(set(got)), "a row was served twice"
    missing = set(before) - set(got)
    assert not missing, f"{len(missing)} rows that existed before paging were skipped"
    keys = [(c["created_at"], c["id"]) for c in seen]
    assert keys == sorted(keys, key=lambda k: (dt.datetime.fromisoformat(k[0].replace("Z", "+00:00")), k[1]))
    assert inserted, "the writer inserted nothing while paging"


# -- erasure ----------------------------------------------------------------------


def busy_candidate(team, audited=None, **extra):
    """A candidate whose data went through every path that stores text:
    create, patch, loops and rounds with idempotency keys, a rescheduled
    and a cancelled round, a calendar feed read."""
    api = team.api()
    tag = uuid.uuid4().hex[:8]
    pii = {"name": f"Quintessa Vandermolen{tag}", "email": f"qv.{tag}@mailbox.example",
           "phone": f"+44 20 7946 {tag[:4]}"}
    r = api.post("/v1/candidates", json=dict(pii, source="referral",
                                              notes=f"Strong referral; {pii['name']} asked about visas"),
                 headers={"Idempotency-Key": f"cand-{tag}"})
    assert r.status_code == 201, r.text
    c = r.json()
    r = api.patch(f"/v1/candidates/{c['id']}", json={"notes": f"call {pii['phone']} after 5pm"},
                  headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    r = api.post("/v1/loops", json={"candidate_id": c["id"], "position": "Staff engineer",
                                    "recruiter_id": team.recruiter.id,
                                    "hiring_manager_id": team.hm.id, "plan": ["behavioral"]},
                 headers={"Idempotency-Key": f"loop-{tag}"})
    assert r.status_code == 201, r.text
    loop = r.json()
    start, _ = team.slot()
    r = api.post(f"/v1/loops/{loop['id']}/rounds",
                 json={"kind": "system_design", "starts_at": iso(start), "ends_at": iso(start + H),
                       "location": "Room 4",
                       "interviewers": [{"user_id": team.iv[0].id, "role": "lead"}]},
                 headers={"Idempotency-Key": f"round-{tag}"})
    assert r.status_code == 201, r.text
    rnd = r.json()
    r = api.patch(f"/v1/rounds/{rnd['id']}", json={"starts_at": iso(start + 2 * H),
                                                  "ends_at": iso(start + 3 * H)},
                  headers={"If-Match": f'"{rnd["version"]}"'})
    assert r.status_code == 200, r.text
    r2 = team.round(loop["id"], interviewers=[(team.iv[1], "lead")])
    r = api.post(f"/v1/rounds/{r2['id']}/cancel", json={"reason": "moved"},
                 headers={"Idempotency-Key": f"rcancel-{tag}"})
    assert r.status_code == 200, r.text
    r = team.api(team.iv[0]).get("/v1/me/calendar.ics")
    assert r.status_code == 200 and pii["name"] in r.text
    r = team.api(team.iv[0]).get("/v1/me/rounds")
    assert r.status_code == 200
    return c, loop, rnd, pii


def test_erasure_leaves_no_pii_and_the_chain_verifies(team, db, audited):
    api = team.api()
    c, loop, rnd, pii = busy_candidate(team)
    found = scan_database(db, list(pii.values()))
    assert found, "the scan does not see the candidate's data before erasure (broken scan?)"
    with audited(team.admin, "candidate.erased", entity_type="candidate", entity_id=c["id"]) as w:
        w.response = r = api.delete(f"/v1/candidates/{c['id']}")
        assert r.status_code == 204, r.text
        assert r.content == b""
    found = scan_database(db, list(pii.values()))
    assert not found, f"personal data left after erasure: {found}"
    # the audit chain still verifies
    r = team.api(team.admin).get("/v1/audit-events/verify")
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True and r.json()["first_break"] is None, r.json()
    # the candidate is a placeholder; loops and rounds are kept, anonymous
    got = api.get(f"/v1/candidates/{c['id']}").json()
    assert got["erased"] is True and got["name"] == "Erased candidate"
    assert got["email"] is None and got["phone"] is None and got["notes"] is None
    assert got["source"] is None
    lp = api.get(f"/v1/loops/{loop['id']}").json()
    assert lp["candidate"] == {"id": c["id"], "name": "Erased candidate"}
    assert rnd["id"] in ids(lp["rounds"])
    assert len(lp["rounds"]) == 3
    cal = team.api(team.iv[0]).get("/v1/me/calendar.ics").text
    assert pii["name"] not in cal and "Erased candidate" in cal
    # erased: no second erasure, no changes, no new loops; the email is free again
    problem_of(api.delete(f"/v1/candidates/{c['id']}"), 409, "invalid_state")
    problem_of(api.patch(f"/v1/candidates/{c['id']}", json={"name": "Back"},
                         headers={"If-Match": f'"{got["version"]}"'}), 409, "invalid_state")
    r = api.post("/v1/loops", json={"candidate_id": c["id"], "position": "P",
                                    "recruiter_id": team.recruiter.id, "hiring_manager_id": team.hm.id})
    assert problem_of(r, 422, "validation_failed")["errors"][0]["field"] == "candidate_id"
    r = api.post("/v1/candidates", json={"name": "Someone else", "email": pii["email"]})
    assert r.status_code == 201, r.text


def test_erasure_removes_free_text_that_names_the_candidate(team, db):
    """DESIGN section 7: erasure removes "free text that names them". A loop
    cancelled with a reason quoting the candidate's name must not keep the
    name anywhere once the candidate is erased."""
    api = team.api()
    tag = uuid.uuid4().hex[:8]
    name = f"Ottoline Marchbanks{tag}"
    c = team.candidate(name=name)
    loop = team.loop(candidate_id=c["id"])
    team.round(loop["id"], interviewers=[(team.iv[2], "lead")])
    r = api.post(f"/v1/loops/{loop['id']}/cancel",
                 json={"reason": f"{name} accepted another offer"})
    assert r.status_code == 200, r.text
    assert api.delete(f"/v1/candidates/{c['id']}").status_code == 204
    found = scan_database(db, [name])
    assert not found, f"the candidate's name is left in free text after erasure: {found}"


# -- loops: creation, templates, plans, people ------------------------------------


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


# -- rounds: creation, validation, time zones -------------------------------------


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


def test_round_times_in_any_offset_come_back_in_utc(team):
    api = team.api()
    loop = team.loop()
    r = api.post(f"/v1/loops/{loop['id']}/rounds",
                 json={"kind": "system_design", "starts_at": "2032-02-29T23:45:00+05:30",
                       "ends_at": "2032-03-01T01:15:00.5+05:30",
                       "interviewers": [{"user_id": team.iv[3].id, "role": "lead"}]})
    assert r.status_code == 201, r.text
    rd = r.json()
    assert rd["starts_at"] == "2032-02-29T18:15:00Z"
    assert rd["ends_at"] == "2032-02-29T19:45:00.500000Z"
    assert api.get(f"/v1/rounds/{rd['id']}").json()["starts_at"] == "2032-02-29T18:15:00Z"
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


# -- double booking -----------------------------------------------------------------


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


# -- the loop status machine ----------------------------------------------------------


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
    # cancel the future rounds: every remaining round is completed
    for rd in unsched:
        assert api.post(f"/v1/rounds/{rd['id']}/cancel").status_code == 200
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
    assert loop_status(team, loop["id"]) == "awaiting_decision"


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


# -- every mutation audited exactly once ------------------------------------------------


def test_every_mutation_is_audited_once(team, audited):
    """One pass over every mutating endpoint of this issue: each success
    writes exactly one event with the request's id, the actor and the
    entity; personal data never appears in the events."""
    api = team.api()
    admin = team.admin
    tag = uuid.uuid4().hex[:8]
    r, ev = audited.request(api, "POST", "/v1/candidates", org=admin, action="candidate.created",
                            entity_type="candidate", entity_id=lambda r: r.json()["id"], status=201,
                            actor_id=team.recruiter.id,
                            json={"name": f"Audit {tag}", "email": f"a{tag}@example.test"})
    cid = r.json()["id"]
    r, ev = audited.request(api, "PATCH", f"/v1/candidates/{cid}", org=admin,
                            action="candidate.updated", entity_id=cid, status=200,
                            json={"source": "job board"}, headers={"If-Match": '"1"'})
    assert ev["changes"] == {"source": "job board"}
    r, ev = audited.request(api, "POST", "/v1/loops", org=admin, action="loop.created",
                            entity_type="loop", entity_id=lambda r: r.json()["id"], status=201,
                            json={"candidate_id": cid, "position": "SRE",
                                  "recruiter_id": team.recruiter.id, "hiring_manager_id": team.hm.id})
    loop = r.json()
    r, ev = audited.request(api, "PATCH", f"/v1/loops/{loop['id']}", org=admin,
                            action="loop.updated", entity_id=loop["id"], status=200,
                            json={"position": "Senior SRE"}, headers={"If-Match": r.headers["ETag"]})
    s, e = team.slot()
    r, ev = audited.request(api, "POST", f"/v1/loops/{loop['id']}/rounds", org=admin,
                            action="round.created", entity_type="round",
                            entity_id=lambda r: r.json()["id"], status=201,
                            json={"kind": "system_design", "starts_at": iso(s), "ends_at": iso(e),
                                  "interviewers": [{"user_id": team.iv[0].id, "role": "lead"}]})
    rd = r.json()
    r, ev = audited.request(api, "PATCH", f"/v1/rounds/{rd['id']}", org=admin,
                            action="round.updated", entity_id=rd["id"], status=200,
                            json={"starts_at": iso(s + H), "ends_at": iso(e + H)},
                            headers={"If-Match": r.headers["ETag"]})
    r, ev = audited.request(api, "PUT", f"/v1/rounds/{rd['id']}/interviewers/{team.iv[1].id}",
                            org=admin, action="round.interviewer_set", entity_id=rd["id"],
                            status=200, json={"role": "shadow"})
    r, ev = audited.request(api, "DELETE", f"/v1/rounds/{rd['id']}/interviewers/{team.iv[1].id}",
                            org=admin, action="round.interviewer_removed", entity_id=rd["id"],
                            status=204)
    r, ev = audited.request(api, "POST", f"/v1/rounds/{rd['id']}/cancel", org=admin,
                            action="round.cancelled", entity_id=rd["id"], status=200,
                            json={"reason": "rescheduling"})
    r, ev = audited.request(api, "POST", f"/v1/loops/{loop['id']}/cancel", org=admin,
                            action="loop.cancelled", entity_id=loop["id"], status=200,
                            json={"reason": "closed"})
    iv_api = team.api(team.iv[0])
    r, ev = audited.request(iv_api, "POST", "/v1/me/calendar-token", org=admin,
                            action="user.calendar_token_rotated", entity_id=team.iv[0].id,
                            status=201, actor_id=team.iv[0].id)
    assert r.json()["token"] not in str(ev)
    r, ev = audited.request(api, "DELETE", f"/v1/candidates/{cid}", org=admin,
                            action="candidate.erased", entity_id=cid, status=204)
    # reads write nothing
    with audited.none(admin, allow=()):
        for path in ["/v1/candidates", f"/v1/candidates/{cid}", "/v1/loops",
                     f"/v1/loops/{loop['id']}", f"/v1/loops/{loop['id']}/rounds",
                     f"/v1/rounds/{rd['id']}"]:
            assert api.get(path).status_code == 200
        assert iv_api.get("/v1/me/rounds").status_code == 200
        assert iv_api.get("/v1/me/calendar.ics").status_code == 200
