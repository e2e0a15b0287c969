"""Regression tests of a hostile review of scorecards and decisions: each
test reproduces one finding from outside (HTTP only) and fails on the code
before its fix.

Uses the module's `team` (helpers.Team); rounds that must be gradeable are
placed in the past, each in a slot of its own (past_slot) so bookings never
overlap.
"""

import datetime as dt
import itertools

import pytest

from grading import scorecard_body, submit_scorecard
from helpers import problem_of, utcnow

_BACK = itertools.count(1)


def past_slot():
    """The start of a one-hour slot in the past that no other test here uses."""
    return utcnow().replace(microsecond=0) - dt.timedelta(hours=3 * next(_BACK) + 2)


def past_round(team, loop_id, interviewers, **fields):
    return team.round(loop_id, start=past_slot(), interviewers=interviewers, **fields)


def save_draft(team, who, round_, **changes):
    api = team.api(who)
    body = scorecard_body(api, round_)
    body.update(changes)
    r = api.put(f"/v1/rounds/{round_['id']}/scorecard", json=body)
    assert r.status_code == 200, r.text
    return r.json()


# -- independence --------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["cancel", "no_show"])
def test_seat_only_on_a_dead_round_does_not_unlock_colleagues_cards(team, outcome):
    """An interviewer whose only seat in the loop is on a cancelled (or
    no-show) round has submitted nothing; before the fix the rule "submitted
    for every live round" held vacuously and they read every colleague's
    submitted scorecard (and could then be booked into a new round)."""
    lead, bar, late = team.iv[0], team.iv[1], team.iv[2]
    loop = team.loop()
    graded = past_round(team, loop["id"], [(lead, "lead"), (bar, "bar_raiser")])
    theirs = past_round(team, loop["id"], [(late, "lead")], kind="behavioral")
    submit_scorecard(team, lead, graded)
    save_draft(team, late, theirs, summary="my own draft")
    if outcome == "cancel":
        r = team.api().post(f"/v1/rounds/{theirs['id']}/cancel", json={"reason": "moved"})
    else:
        etag = team.api().get(f"/v1/rounds/{theirs['id']}").headers["ETag"]
        r = team.api().patch(f"/v1/rounds/{theirs['id']}", json={"status": "no_show"},
                             headers={"If-Match": etag})
    assert r.status_code == 200, r.text

    r = team.api(late).get(f"/v1/loops/{loop['id']}/scorecards")
    assert r.status_code == 200, r.text
    authors = {c["author"]["id"] for c in r.json()["data"]}
    assert authors == {late.id}, "a colleague's card was shown to someone who submitted nothing"
    # the recruiter still reads the submitted card
    r = team.api().get(f"/v1/loops/{loop['id']}/scorecards")
    assert {c["author"]["id"] for c in r.json()["data"]} == {lead.id}


def test_colleagues_cards_show_once_own_card_is_submitted(team):
    """The fix keeps the rule's intended side: having submitted for every
    live seat (a cancelled seat aside), the interviewer reads the others'."""
    lead, bar = team.iv[0], team.iv[1]
    loop = team.loop()
    graded = past_round(team, loop["id"], [(lead, "lead"), (bar, "bar_raiser")])
    dead = past_round(team, loop["id"], [(bar, "lead")], kind="behavioral")
    submit_scorecard(team, lead, graded)
    assert team.api().post(f"/v1/rounds/{dead['id']}/cancel", json={}).status_code == 200
    r = team.api(bar).get(f"/v1/loops/{loop['id']}/scorecards")
    assert [c["author"]["id"] for c in r.json()["data"]] == []
    submit_scorecard(team, bar, graded)
    r = team.api(bar).get(f"/v1/loops/{loop['id']}/scorecards")
    assert {c["author"]["id"] for c in r.json()["data"]} == {lead.id, bar.id}


# -- erasure -------------------------------------------------------------------


def test_no_scorecard_text_after_the_candidates_erasure(team):
    """Erasure clears the scorecards' free text and marks them erased; before
    the fix a draft save or an amendment afterwards wrote new evidence (which
    may name the candidate) into a card still shown as `erased: true`, and
    the decision packet served it again."""
    lead, bar = team.iv[0], team.iv[1]
    cand = team.candidate(name="Erin Erasable")
    loop = team.loop(candidate_id=cand["id"])
    rd = past_round(team, loop["id"], [(lead, "lead"), (bar, "bar_raiser")])
    submit_scorecard(team, lead, rd)
    save_draft(team, bar, rd)
    assert team.api().delete(f"/v1/candidates/{cand['id']}").status_code == 204

    body = scorecard_body(team.api(bar), rd)
    body["summary"] = "Erin Erasable said she would relocate"
    path = f"/v1/rounds/{rd['id']}/scorecard"
    problem_of(team.api(bar).put(path, json=body), 409, "invalid_state")
    problem_of(team.api(lead).post(f"{path}/amend", json={**body, "reason": "Erin asked"}),
               409, "invalid_state")
    r = team.api(team.hm).get(f"/v1/loops/{loop['id']}/decision-packet")
    assert r.status_code == 200, r.text
    assert "Erin" not in r.text
    for who in (lead, bar):
        r = team.api(who).get(path)
        assert r.status_code == 200 and "Erin" not in r.text and r.json()["erased"] is True


def test_decision_after_the_erasure_keeps_no_free_text(team):
    """A decision recorded after the candidate's erasure stored its rationale
    and justification with `erased: false`, as if the erasure had never
    happened. It is still recorded (the loop must be closable), without the
    free text, as an erasure afterwards would leave it."""
    lead = team.iv[0]
    cand = team.candidate(name="Dana Decidable")
    loop = team.loop(candidate_id=cand["id"])
    rd = past_round(team, loop["id"], [(lead, "lead")], kind="behavioral")
    submit_scorecard(team, lead, rd)
    assert team.api().delete(f"/v1/candidates/{cand['id']}").status_code == 204
    r = team.api(team.hm).post(f"/v1/loops/{loop['id']}/decision", json={
        "outcome": "no_hire", "rationale": "Dana Decidable withdrew",
        "override_justification": "Dana Decidable asked us to erase her data"})
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["erased"] is True and d["rationale"] is None
    assert d["override_justification"] is None
    r = team.api().get(f"/v1/loops/{loop['id']}/decision")
    assert r.status_code == 200 and "Dana" not in r.text and r.json()["erased"] is True
