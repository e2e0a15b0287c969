"""Conditional requests (issue 13, RFC 9110 section 13): If-None-Match
answers 304 on every resource sent with an ETag; If-Match takes `*` and
refuses weak validators."""

import pytest

from grading import past_round, save_draft, scorecard_body
from helpers import problem_of


def assert_conditional(api, path):
    r = api.get(path)
    assert r.status_code == 200, r.text
    etag = r.headers["ETag"]
    for inm in (etag, f"W/{etag}", f'"999999", {etag}', "*"):
        again = api.get(path, headers={"If-None-Match": inm})
        assert again.status_code == 304, (path, inm, again.status_code, again.text)
        assert again.content == b"" and again.headers["ETag"] == etag
    other = api.get(path, headers={"If-None-Match": '"999999"'})
    assert other.status_code == 200 and other.json() == r.json()
    return etag


@pytest.fixture(scope="module")
def things(team):
    loop = team.loop()
    rnd = past_round(team, loop, [(team.iv[0], "lead")])
    r = save_draft(team, team.iv[0], rnd["id"], scorecard_body(team.api(team.iv[0]), rnd))
    assert r.status_code == 200, r.text
    return {"loop": loop, "round": rnd}


def test_every_resource_with_an_etag_answers_304(team, things):
    api = team.api()
    assert_conditional(api, f"/v1/loops/{things['loop']['id']}")
    assert_conditional(api, f"/v1/rounds/{things['round']['id']}")
    assert_conditional(api, f"/v1/candidates/{things['loop']['candidate_id']}")
    assert_conditional(team.api(team.admin), f"/v1/users/{team.iv[0].id}")
    assert_conditional(team.api(team.iv[0]), "/v1/me")
    assert_conditional(team.api(team.iv[0]), f"/v1/rounds/{things['round']['id']}/scorecard")
    assert_conditional(team.api(team.admin), "/v1/decision-policy")


def test_a_change_makes_the_old_etag_miss(team):
    api = team.api()
    loop = team.loop()
    path = f"/v1/loops/{loop['id']}"
    etag = assert_conditional(api, path)
    r = api.patch(path, json={"position": "Staff engineer"}, headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    again = api.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_if_match_star_and_weak_validators(team):
    api = team.api()
    loop = team.loop()
    path = f"/v1/loops/{loop['id']}"
    etag = api.get(path).headers["ETag"]
    problem_of(api.patch(path, json={"position": "A"}, headers={"If-Match": f"W/{etag}"}),
               412, "precondition_failed")
    r = api.patch(path, json={"position": "B"}, headers={"If-Match": "*"})
    assert r.status_code == 200 and r.json()["position"] == "B", r.text
    problem_of(api.patch(path, json={"position": "C"}, headers={"If-Match": etag}),
               412, "precondition_failed")
    # "*" still needs the resource to exist
    r = api.patch("/v1/loops/00000000-0000-4000-8000-000000000000", json={"position": "D"},
                  headers={"If-Match": "*"})
    problem_of(r, 404, "not_found")
