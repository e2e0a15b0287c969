"""Helpers for tests that grade rounds and decide loops through the real
endpoints (import them: `from grading import ...`).

Rubrics
  SD, REQUIRED_SD       the system_design rubric key and its required criteria
  required_criteria(api, rubric)  the required criterion keys of a pinned
                  rubric {"key", "version"} (GET /v1/rubrics/{key}/versions/{n})
Rounds
  past_round(team, loop, interviewers, kind=None, minutes=10, ended=None, **kw)
                  a round that already took place: by default in the team's
                  next free past slot (each ending at least two hours ago,
                  each earlier than the last, so one interviewer's past rounds
                  never overlap); ended=timedelta makes it end exactly that
                  long ago (the caller keeps such rounds apart)
  loop_status(team, loop_id)      the loop's status as the recruiter reads it
Scorecards
  complete(rating=3, rec="yes", text="said X", criteria=REQUIRED_SD, red_flags=())
                  a complete scorecard body: every criterion rated `rating`
                  with evidence "<text> about <criterion>", red_flags
                  [(key, evidence)], a recommendation and a summary
  scorecard_body(api, round_, rating=3, rec="yes", **kw)  the same for the
                  round's pinned rubric
  save_draft(team, who, round_id, body, **kw)  PUT .../scorecard (the response)
  submit(team, who, round_id, body=None, **kw)  saves body first (asserting
                  200) when given, then POST .../scorecard/submit (the response)
  submit_scorecard(team, who, round_, rating=3, rec="yes", **kw)  saves a
                  complete body for the round's rubric as who's draft and
                  submits it, asserting both succeed; returns the scorecard
Decisions
  JUSTIFICATION   an override justification long enough to be accepted
  graded_loop(team, panel, kind=None)  a loop with one past round whose panel
                  [(user, role, rating, recommendation)] has submitted through
                  the endpoints; returns (loop, round)
  packet(team, loop_id, who=None)  GET .../decision-packet (the hiring
                  manager's by default), asserting 200; returns the body
  decide(team, loop_id, outcome, rationale="r")  the hiring manager's
                  decision (with JUSTIFICATION, so it may override); returns it
  set_policy(team, **members)     the admin PUTs this decision policy (members
                  left out take their default); returns the new version
"""

from helpers import H, M, utcnow

SD = "system_design"
REQUIRED_SD = ["requirements_scoping", "capacity_estimation", "high_level_architecture",
               "component_deep_dive", "tradeoff_reasoning", "failure_handling",
               "operations_and_observability"]
JUSTIFICATION = "The debrief resolved the split: the no was about an unrelated topic."

_required = {}


def required_criteria(api, rubric):
    """The required criterion keys of a pinned rubric {"key", "version"}."""
    key = (rubric["key"], rubric["version"])
    if key not in _required:
        r = api.get(f"/v1/rubrics/{key[0]}/versions/{key[1]}")
        assert r.status_code == 200, r.text
        _required[key] = [c["key"] for c in r.json()["criteria"] if c["required"]]
    return _required[key]


# -- rounds -------------------------------------------------------------------


def past_round(team, loop, interviewers, kind=None, minutes=10, ended=None, **kw):
    if ended is None:
        # the team's past slots go back from two hours before its first one
        end = getattr(team, "_past_before", None) or utcnow().replace(microsecond=0) - 2 * H
        team._past_before = end - (minutes + 1) * M
    else:
        end = utcnow().replace(microsecond=0) - ended
    return team.round(loop["id"], start=end - minutes * M, minutes=minutes,
                      interviewers=interviewers, kind=kind or SD, **kw)


def loop_status(team, loop_id):
    return team.api().get(f"/v1/loops/{loop_id}").json()["status"]


# -- scorecards ---------------------------------------------------------------


def complete(rating=3, rec="yes", text="said X", criteria=REQUIRED_SD, red_flags=()):
    return {"ratings": [{"criterion": c, "rating": rating, "evidence": f"{text} about {c}"}
                        for c in criteria],
            "red_flags": [{"key": k, "evidence": e} for k, e in red_flags],
            "recommendation": rec, "summary": "Solid design, clear trade-offs."}


def scorecard_body(api, round_, rating=3, rec="yes", **kw):
    return complete(rating, rec, criteria=required_criteria(api, round_["rubric"]), **kw)


def save_draft(team, who, round_id, body, **kw):
    return team.api(who).put(f"/v1/rounds/{round_id}/scorecard", json=body, **kw)


def submit(team, who, round_id, body=None, **kw):
    if body is not None:
        r = save_draft(team, who, round_id, body)
        assert r.status_code == 200, r.text
    return team.api(who).post(f"/v1/rounds/{round_id}/scorecard/submit", **kw)


def submit_scorecard(team, who, round_, rating=3, rec="yes", **kw):
    body = scorecard_body(team.api(who), round_, rating, rec, **kw)
    r = submit(team, who, round_["id"], body)
    assert r.status_code == 200, r.text
    return r.json()


# -- decisions ----------------------------------------------------------------


def graded_loop(team, panel, kind=None):
    loop = team.loop()
    rnd = past_round(team, loop, [(p[0], p[1]) for p in panel], kind=kind)
    for user, _, rating, rec in panel:
        submit_scorecard(team, user, rnd, rating, rec, text=f"evidence by {user.email}")
    return loop, rnd


def packet(team, loop_id, who=None):
    r = team.api(who or team.hm).get(f"/v1/loops/{loop_id}/decision-packet")
    assert r.status_code == 200, r.text
    return r.json()


def decide(team, loop_id, outcome, rationale="r"):
    r = team.api(team.hm).post(f"/v1/loops/{loop_id}/decision", json={
        "outcome": outcome, "rationale": rationale, "override_justification": JUSTIFICATION})
    assert r.status_code == 201, r.text
    return r.json()


def set_policy(team, **members):
    api = team.api(team.admin)
    v = api.get("/v1/decision-policy").json()["version"]
    r = api.put("/v1/decision-policy", json=members, headers={"If-Match": f'"{v}"'})
    assert r.status_code == 200, r.text
    return r.json()["version"]

