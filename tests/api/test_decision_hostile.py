import uuid
from conftest import Team, problem_of

def test_hostile(loopd):
    t = Team(loopd, interviewers=1)
    api = t.api(t.admin)
    # a huge round_weights object and an absurd number
    w = {f"k{i:03d}x": 1 for i in range(60)}
    r = api.put("/v1/decision-policy", json={"round_weights": w, "hire_threshold": 1e308},
                headers={"If-Match": '"1"'})
    problem_of(r, 422, "validation_failed")
    r = api.put("/v1/decision-policy", json={"round_weights": {"a" * 5000: 1}}, headers={"If-Match": '"1"'})
    problem_of(r, 422, "validation_failed")
    r = api.put("/v1/decision-policy", data="[]", headers={"If-Match": '"1"', "Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.text
    r = api.put("/v1/decision-policy", json={}, headers={"If-Match": 'W/"abc"'})
    problem_of(r, 412, "precondition_failed")
    r = t.api(t.hm).get("/v1/loops/not-a-uuid/decision-packet")
    assert r.status_code == 400
    r = t.api(t.hm).post(f"/v1/loops/{uuid.uuid4()}/decision", json={"outcome": "hire", "rationale": "x"})
    problem_of(r, 404, "not_found")
    r = t.api(t.hm).post(f"/v1/loops/{uuid.uuid4()}/decision", data="{", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
