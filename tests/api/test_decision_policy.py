"""The org's decision policy: defaults as version 1, admins replace it with
If-Match, every version is audited, bad members are named (issue 10)."""
import pytest

from conftest import Team, audit_rows, problem_of

DEFAULTS = {"hire_threshold": 3.0, "max_split": 1, "shrinkage_k": 5.0, "count_shadows": False,
            "critical_flag_blocks": True, "bar_raiser_no_blocks": True, "round_weights": {}}


@pytest.fixture(scope="module")
def org(loopd):
    return Team(loopd, interviewers=1)


def test_an_org_that_never_stored_a_policy_reads_the_defaults_as_version_1(loopd):
    t = Team(loopd, interviewers=1)
    for who in (t.admin, t.recruiter, t.hm):
        r = t.api(who).get("/v1/decision-policy")
        assert r.status_code == 200, r.text
        body = r.json()
        assert r.headers["ETag"] == '"1"'
        assert body["version"] == 1 and body["defaults"] is True and body["updated_at"] is None
        assert {k: body[k] for k in DEFAULTS} == DEFAULTS


def test_interviewers_do_not_read_the_policy(org):
    problem_of(org.api(org.iv[0]).get("/v1/decision-policy"), 403, "insufficient_scope")


def test_put_needs_if_match_and_bumps_the_version(org, db):
    api = org.api(org.admin)
    body = {"hire_threshold": 2.75, "shrinkage_k": 8, "count_shadows": True,
            "round_weights": {"system_design": 2}}
    problem_of(api.put("/v1/decision-policy", json=body), 428, "precondition_required")
    current = api.get("/v1/decision-policy").json()["version"]
    problem_of(api.put("/v1/decision-policy", json=body, headers={"If-Match": f'"{current + 5}"'}),
               412, "precondition_failed")
    r = api.put("/v1/decision-policy", json=body, headers={"If-Match": f'"{current}"'})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["version"] == current + 1 and r.headers["ETag"] == f'"{current + 1}"'
    assert got["defaults"] is False and got["updated_at"]
    assert got["hire_threshold"] == 2.75 and got["shrinkage_k"] == 8 and got["count_shadows"]
    assert got["max_split"] == 1 and got["critical_flag_blocks"] is True  # left out: default
    assert got["round_weights"] == {"system_design": 2}
    assert api.get("/v1/decision-policy").json() == got
    # the old ETag is stale now
    problem_of(api.put("/v1/decision-policy", json={}, headers={"If-Match": f'"{current}"'}),
               412, "precondition_failed")
    events = [e for e in audit_rows(db, org.org_id) if e["action"] == "decision_policy.updated"]
    assert events, "the change is audited"
    ch = events[-1]["changes"]
    assert ch["version"] == current + 1 and ch["hire_threshold"] == 2.75
    assert ch["round_weights"] == {"system_design": 2}
    assert events[-1]["actor_id"] == org.admin.id


def test_an_empty_put_restores_the_defaults_as_a_new_version(org):
    api = org.api(org.admin)
    v = api.get("/v1/decision-policy").json()["version"]
    r = api.put("/v1/decision-policy", json={}, headers={"If-Match": f'"{v}"'})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == v + 1 and r.json()["defaults"] is False
    assert {k: r.json()[k] for k in DEFAULTS} == DEFAULTS


def test_validation_names_every_bad_field(org):
    api = org.api(org.admin)
    v = api.get("/v1/decision-policy").json()["version"]
    body = {"hire_threshold": 5, "max_split": 7, "shrinkage_k": -1, "count_shadows": "no",
            "round_weights": {"system_design": 0}, "colour": "blue"}
    p = problem_of(api.put("/v1/decision-policy", json=body, headers={"If-Match": f'"{v}"'}),
                   422, "validation_failed")
    fields = {e["field"] for e in p["errors"]}
    assert {"hire_threshold", "max_split", "shrinkage_k", "count_shadows",
            "round_weights.system_design", "colour"} <= fields, p
    assert api.get("/v1/decision-policy").json()["version"] == v, "nothing was stored"
    p = problem_of(api.put("/v1/decision-policy", json={"hire_threshold": 3.333},
                           headers={"If-Match": f'"{v}"'}), 422, "validation_failed")
    assert [e["field"] for e in p["errors"]] == ["hire_threshold"]


def test_only_admins_change_the_policy(org):
    v = org.api(org.admin).get("/v1/decision-policy").json()["version"]
    h = {"If-Match": f'"{v}"'}
    # a hiring manager holds decisions:write but is no admin
    problem_of(org.api(org.hm).put("/v1/decision-policy", json={}, headers=h), 403, "forbidden")
    problem_of(org.api(org.recruiter).put("/v1/decision-policy", json={}, headers=h), 403,
               "insufficient_scope")
    assert org.api(org.admin).get("/v1/decision-policy").json()["version"] == v


def test_policies_are_per_org(org, loopd):
    other = Team(loopd, interviewers=1)
    mine = org.api(org.admin).get("/v1/decision-policy").json()
    assert mine["version"] > 1
    theirs = other.api(other.admin).get("/v1/decision-policy").json()
    assert theirs["version"] == 1 and theirs["defaults"] is True


def test_a_body_that_is_not_an_object_is_refused(org):
    api = org.api(org.admin)
    v = api.get("/v1/decision-policy").json()["version"]
    r = api.put("/v1/decision-policy", json=[1, 2], headers={"If-Match": f'"{v}"'})
    assert r.status_code in (400, 422), r.text
    r = api.put("/v1/decision-policy", json={"round_weights": {"Bad Kind!": 1}},
                headers={"If-Match": f'"{v}"'})
    problem_of(r, 422, "validation_failed")
