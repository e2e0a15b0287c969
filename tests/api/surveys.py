"""Helpers of the candidate experience tests (test_candidate_survey.py).

issue(team, loop_id, who=None) -> the 201 body of POST /v1/loops/{id}/candidate-survey
answers(team_api, token)       -> the questions of GET /v1/surveys/{token}
answer_body(questions, flag=(), rating=4, comment=None) -> a JSON answer saying
                                  "yes" (no red flag) except for the keys in flag
expire(db, link_id)             the test-only clock: moves a link's expiry into the past
backdate(db, loop_id, months=1) the report's test-only clock: moves a loop's links and
                                  answers into a month that has ended
form_fields(html)               the hidden csrf_token and the radio names of a survey page
"""

import re

SEED = "003_d95efa6b9180d125.txt"
SECTION = "Red Flags to Watch For"


def issue(team, loop_id, who=None):
    r = team.api(who).post(f"/v1/loops/{loop_id}/candidate-survey")
    assert r.status_code == 201, f"issuing a survey link failed: {r.status_code} {r.text}"
    return r.json()


def questions(api, token):
    r = api.get(f"/v1/surveys/{token}", token="")
    assert r.status_code == 200, r.text
    return r.json()["questions"]


def answer_body(qs, flag=(), rating=4, comment=None):
    body = {"answers": {q["key"]: ("no" if q["key"] in flag else "yes") for q in qs},
            "overall_rating": rating}
    if comment is not None:
        body["comment"] = comment
    return body


def expire(db, link_id):
    """Expiry without waiting 14 days: the tests' clock is the row itself."""
    with db.cursor() as cur:
        cur.execute("UPDATE survey_links SET expires_at = now() - interval '1 second'"
                    " WHERE id = %s", (link_id,))


def backdate(db, loop_id, months=1):
    """A closed month without waiting for one: the report counts only answers
    (and links) from calendar months (UTC) that have ended, so the tests move
    a loop's links and answers to 5 days before the start of the month
    `months` - 1 before this one (months=1: late last month). The tests'
    clock is the rows themselves, as with expire(); the service has none."""
    when = ("(date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
            " - make_interval(months => %s) - interval '5 days')")
    with db.cursor() as cur:
        cur.execute(f"UPDATE survey_links SET created_at = {when} - interval '1 hour',"
                    f" answered_at = CASE WHEN answered_at IS NOT NULL THEN {when} END"
                    " WHERE loop_id = %s", (months - 1, months - 1, loop_id))
        cur.execute(f"UPDATE survey_answers SET submitted_at = {when} WHERE loop_id = %s",
                    (months - 1, loop_id))


def form_fields(html):
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    radios = sorted(set(re.findall(r'type="radio" name="([a-z_]+)"', html)))
    return (csrf.group(1) if csrf else None), radios
