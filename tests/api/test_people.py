"""Black-box tests of GET /v1/people, the directory recruiters book from:
every role reads it, only active users of the caller's own organisation
appear, each with id, name and roles and never an email; the role and q
filters; keyset paging; bad parameters; 401 and a client without
loops:read.

State lives in an organisation of this module's own (`org_admin`)."""

import uuid

import pytest

from access import client_token
from helpers import problem_of

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


def everyone(api, query=""):
    """Every page of /v1/people?query, walked by cursor; the items."""
    items, cursor = [], None
    while True:
        sep = "&" if query else ""
        r = api.get(f"/v1/people?{query}{sep}limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["data"]) <= 2
        items += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


@pytest.fixture(scope="module")
def staff(org_admin):
    """One user per role, with names to search for, plus a disabled
    interviewer; a dict role -> Principal."""
    tag = uuid.uuid4().hex[:6]
    made = {role: org_admin.make_user(roles=[role], name=f"{name} {tag}")
            for role, name in [("recruiter", "Rita Recruiter"), ("interviewer", "Ivan Interviewer"),
                               ("hiring_manager", "Hanna Manager")]}
    made["both"] = org_admin.make_user(roles=["interviewer", "hiring_manager"],
                                       name=f"Bo 100%_Both {tag}")
    gone = org_admin.make_user(roles=["interviewer"], name=f"Gone Interviewer {tag}")
    r = org_admin.api.get(f"/v1/users/{gone.id}")
    r = org_admin.api.patch(f"/v1/users/{gone.id}", json={"disabled": True},
                            headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.text
    made["gone"] = gone
    made["tag"] = tag
    return made


def test_every_role_reads_the_directory(loopd, org_admin, staff):
    want = {staff[k].id for k in ("recruiter", "interviewer", "hiring_manager", "both")}
    want.add(org_admin.id)
    for who in (org_admin, staff["recruiter"], staff["interviewer"], staff["hiring_manager"]):
        items = everyone(who.api)
        ids = [p["id"] for p in items]
        assert set(ids) == want and len(ids) == len(want), who.roles
        for p in items:
            assert set(p) == {"id", "name", "roles"}, p      # never an email
    me = next(p for p in everyone(org_admin.api) if p["id"] == staff["both"].id)
    assert me == {"id": staff["both"].id, "name": f"Bo 100%_Both {staff['tag']}",
                  "roles": ["interviewer", "hiring_manager"]}


def test_a_disabled_user_is_absent(org_admin, staff):
    ids = {p["id"] for p in everyone(staff["recruiter"].api)}
    assert staff["gone"].id not in ids
    r = staff["recruiter"].api.get(f"/v1/people?q=Gone%20Interviewer%20{staff['tag']}")
    assert r.status_code == 200 and r.json()["data"] == []


def test_another_orgs_people_never_appear(new_org, org_admin, staff):
    other = new_org()
    stranger = other.make_user(roles=["interviewer"], name=f"Ivan Interviewer {staff['tag']}")
    mine = {p["id"] for p in everyone(staff["recruiter"].api)}
    assert stranger.id not in mine and other.id not in mine
    theirs = {p["id"] for p in everyone(other.api)}
    assert theirs == {other.id, stranger.id}
    r = staff["recruiter"].api.get(f"/v1/people?q=Ivan%20Interviewer%20{staff['tag']}")
    assert [p["id"] for p in r.json()["data"]] == [staff["interviewer"].id]


def test_the_role_filter(org_admin, staff):
    api = staff["recruiter"].api
    cases = {"interviewer": {staff["interviewer"].id, staff["both"].id},
             "hiring_manager": {staff["hiring_manager"].id, staff["both"].id},
             "recruiter": {staff["recruiter"].id},
             "admin": {org_admin.id}}
    for role, want in cases.items():
        items = everyone(api, f"role={role}")
        assert {p["id"] for p in items} == want, role
        assert all(role in p["roles"] for p in items)
    # empty is absent
    assert len(everyone(api, "role=")) == 5


def test_q_matches_a_part_of_the_name_in_any_case(staff):
    api = staff["hiring_manager"].api
    tag = staff["tag"]
    def found(q, role=None):
        query = f"q={q}" + (f"&role={role}" if role else "")
        return {p["id"] for p in everyone(api, query)}
    assert found(f"rita%20recruiter%20{tag}") == {staff["recruiter"].id}          # prefix
    assert found(f"RECRUITER%20{tag.upper()}") == {staff["recruiter"].id}         # inside
    assert found(tag) == {staff[k].id for k in ("recruiter", "interviewer", "hiring_manager",
                                                "both")}
    assert found(tag, "hiring_manager") == {staff["hiring_manager"].id, staff["both"].id}
    # % and _ are plain characters, not patterns
    assert found("100%25_") == {staff["both"].id}
    assert found("%25") == {staff["both"].id}
    assert found("_") == {staff["both"].id}
    assert found(f"nobody-{tag}") == set()


def test_paging_walks_all_in_both_orders(staff):
    api = staff["interviewer"].api
    asc = [p["id"] for p in everyone(api)]
    desc = [p["id"] for p in everyone(api, "order=desc")]
    assert len(asc) == 5 and len(set(asc)) == 5 and desc == asc[::-1]
    r = api.get("/v1/people?limit=1")
    first = r.json()
    assert len(first["data"]) == 1 and first["next_cursor"]
    # a cursor is bound to its filters
    problem_of(api.get(f"/v1/people?role=interviewer&cursor={first['next_cursor']}"), 400,
               "invalid_cursor")
    problem_of(api.get(f"/v1/people?q=x&cursor={first['next_cursor']}"), 400, "invalid_cursor")
    r = api.get(f"/v1/people?limit=1&cursor={first['next_cursor']}")
    assert r.status_code == 200 and r.json()["data"][0]["id"] == asc[1]


@pytest.mark.parametrize("query", ["role=owner", "role=Interviewer", "limit=0", "limit=201",
                                   "limit=x", "order=sideways", "cursor=bogus", "q=" + "a" * 201])
def test_bad_parameters_answer_400(staff, query):
    r = staff["recruiter"].api.get(f"/v1/people?{query}")
    problem_of(r, 400, "invalid_cursor" if query.startswith("cursor") else "invalid_query")


def test_q_that_is_not_utf8_is_refused_before_sql(staff):
    for q in ("%ff", "%e2%82", "%00"):
        problem_of(staff["recruiter"].api.get(f"/v1/people?q={q}"), 400, "bad_request")


def test_q_at_the_bound_is_fine(staff):
    r = staff["recruiter"].api.get("/v1/people?q=" + "a" * 200)
    assert r.status_code == 200 and r.json() == {"data": [], "next_cursor": None}


def test_no_token_is_401(loopd):
    problem_of(loopd.api().get("/v1/people"), 401, "unauthenticated")


def test_a_client_needs_loops_read(loopd, org_admin, staff):
    without = client_token(loopd, org_admin, {"candidates:read", "users:admin"})
    problem_of(loopd.api(token=without).get("/v1/people"), 403, "insufficient_scope")
    with_ = client_token(loopd, org_admin, {"loops:read"})
    items = everyone(loopd.api(token=with_))
    assert len(items) == 5 and all(set(p) == {"id", "name", "roles"} for p in items)
