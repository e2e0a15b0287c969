"""Black-box tests of DESIGN section 3's promise that a 422 names every bad
field, not just the first (issue 13): checks that need a database lookup
(the candidate, the people's roles, the template and plan, the rubric, the
interviewers) are all reported together, and together with the syntactic
ones."""

import uuid

from helpers import problem_of


def fields(r):
    return sorted(e["field"] for e in problem_of(r, 422, "validation_failed")["errors"])


def test_a_loop_with_every_lookup_wrong_names_them_all(team):
    api = team.api()
    erased = team.candidate()
    assert api.delete(f"/v1/candidates/{erased['id']}").status_code == 204
    body = {"candidate_id": erased["id"], "position": "Backend engineer",
            "recruiter_id": team.iv[0].id, "hiring_manager_id": team.iv[1].id,
            "template": "no_such_template"}
    r = api.post("/v1/loops", json=body)
    assert fields(r) == ["candidate_id", "hiring_manager_id", "recruiter_id", "template"], r.text
    # a plan with two unknown kinds: both items
    body = dict(body, candidate_id=team.candidate()["id"], template=None, plan=[
        "system_design", "no_such_kind", "also_unknown"])
    del body["template"]
    r = api.post("/v1/loops", json=body)
    assert fields(r) == ["hiring_manager_id", "plan[1]", "plan[2]", "recruiter_id"], r.text


def test_a_loop_reports_spec_and_lookup_errors_together(team):
    api = team.api()
    body = {"candidate_id": str(uuid.uuid4()), "position": "",
            "recruiter_id": "not-a-uuid", "hiring_manager_id": team.hm.id,
            "template": "no_such_template"}
    r = api.post("/v1/loops", json=body)
    errors = {e["field"]: e["code"] for e in problem_of(r, 422, "validation_failed")["errors"]}
    assert errors == {"position": "length", "recruiter_id": "format",
                      "candidate_id": "not_found", "template": "unknown"}, r.text


def test_a_round_reports_its_times_kind_and_interviewers_together(team):
    api = team.api()
    loop = team.loop()
    start, _ = team.slot()
    body = {"kind": "no_such_kind", "starts_at": "2031-01-01T10:00:00Z",
            "ends_at": "2031-01-01T09:00:00Z",
            "interviewers": [{"user_id": team.iv[0].id, "role": "lead"},
                             {"user_id": team.recruiter.id, "role": "shadow"}]}
    r = api.post(f"/v1/loops/{loop['id']}/rounds", json=body)
    errors = {e["field"]: e["code"] for e in problem_of(r, 422, "validation_failed")["errors"]}
    assert errors == {"ends_at": "range", "kind": "unknown",
                      "interviewers[1].user_id": "role"}, r.text
    # with good times: the kind and the interviewer, still together
    body.update(starts_at="2031-01-01T10:00:00Z", ends_at="2031-01-01T11:00:00Z")
    r = api.post(f"/v1/loops/{loop['id']}/rounds", json=body)
    assert fields(r) == ["interviewers[1].user_id", "kind"], r.text
    # nothing was written
    assert api.get(f"/v1/loops/{loop['id']}").json()["rounds"] == []


def test_a_loop_patch_reports_format_and_lookup_errors_together(team):
    api = team.api()
    loop = team.loop()
    headers = {"If-Match": f'"{loop["version"]}"'}
    r = api.patch(f"/v1/loops/{loop['id']}", headers=headers, json={
        "position": "", "recruiter_id": team.iv[0].id, "hiring_manager_id": team.iv[1].id})
    errors = {e["field"]: e["code"] for e in problem_of(r, 422, "validation_failed")["errors"]}
    assert errors == {"position": "length", "recruiter_id": "role",
                      "hiring_manager_id": "role"}, r.text
    # a malformed id is reported as such, and the other lookup still joins it
    r = api.patch(f"/v1/loops/{loop['id']}", headers=headers, json={
        "recruiter_id": "not-a-uuid", "hiring_manager_id": team.iv[1].id})
    assert fields(r) == ["hiring_manager_id", "recruiter_id"], r.text
    got = api.get(f"/v1/loops/{loop['id']}").json()
    assert (got["version"], got["position"]) == (loop["version"], loop["position"])


def test_a_round_patch_reports_format_and_time_errors_together(team):
    api = team.api()
    loop = team.loop()
    start, _ = team.slot()
    rd = team.round(loop["id"], start=start)
    r = api.patch(f"/v1/rounds/{rd['id']}", headers={"If-Match": f'"{rd["version"]}"'}, json={
        "location": "x" * 501, "starts_at": "2031-01-01T10:00:00Z",
        "ends_at": "2031-01-01T09:00:00Z"})
    errors = {e["field"]: e["code"] for e in problem_of(r, 422, "validation_failed")["errors"]}
    assert errors == {"location": "length", "ends_at": "range"}, r.text
    assert api.get(f"/v1/rounds/{rd['id']}").json()["version"] == rd["version"]
