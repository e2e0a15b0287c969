"""Helpers for tests that need graded rounds (import them: `from grading import ...`).

  scorecard_body(api, round_, rating=3, rec="yes")  a complete scorecard for
                  the round's pinned rubric: every required criterion rated
                  with evidence, a recommendation and a summary
  submit_scorecard(team, who, round_, **kw)  saves that body as who's draft
                  and submits it (asserting both succeed); returns the
                  submitted scorecard
"""


def required_criteria(api, rubric):
    """The required criterion keys of a pinned rubric {"key", "version"}."""
    r = api.get(f"/v1/rubrics/{rubric['key']}/versions/{rubric['version']}")
    assert r.status_code == 200, r.text
    return [c["key"] for c in r.json()["criteria"] if c["required"]]


def scorecard_body(api, round_, rating=3, rec="yes"):
    keys = required_criteria(api, round_["rubric"])
    return {"ratings": [{"criterion": k, "rating": rating, "evidence": f"observed {k}"}
                        for k in keys],
            "recommendation": rec, "summary": "Clear reasoning throughout."}


def submit_scorecard(team, who, round_, rating=3, rec="yes"):
    api = team.api(who)
    path = f"/v1/rounds/{round_['id']}/scorecard"
    r = api.put(path, json=scorecard_body(api, round_, rating, rec))
    assert r.status_code == 200, r.text
    r = api.post(f"{path}/submit")
    assert r.status_code == 200, r.text
    return r.json()
