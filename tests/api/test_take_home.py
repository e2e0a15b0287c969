"""Loop hygiene (issue 17): take-home rounds with a due time and a stated
effort; a rushed or unsized one is created with a warning citing the seed,
shown on the loop, in its decision packet and in the candidate experience
report; a decided loop shows its elapsed days and the report their median."""

import datetime as dt

from helpers import iso, utcnow
from surveys import SEED

DAY = dt.timedelta(days=1)
JUSTIFICATION = "Deciding early: the candidate withdrew from the process."


def take_home(team, loop_id, due_days, effort=4, start=None):
    start = start or team.slot()[0]
    fields = {"kind": "take_home", "due_at": iso(start + due_days * DAY)}
    if effort is not None:
        fields["expected_effort_hours"] = effort
    return team.round(loop_id, start=start, **fields)


def codes(round_or_loop):
    return [w["code"] for w in round_or_loop["warnings"]]


def test_the_warning_fires_at_six_days_and_not_at_seven(team):
    loop = team.loop()
    rushed = take_home(team, loop["id"], 6)
    assert codes(rushed) == ["take_home_deadline_short"]
    w = rushed["warnings"][0]
    assert w["round_id"] == rushed["id"] and w["source"]["document"] == SEED
    assert w["source"]["section"] == "Red Flags to Watch For > 2"
    fair = take_home(team, loop["id"], 7)
    assert codes(fair) == [] and fair["expected_effort_hours"] == 4
    assert fair["rubric"]["key"] == "take_home"
    unsized = take_home(team, loop["id"], 10, effort=None)
    assert codes(unsized) == ["take_home_effort_missing"]
    body = team.api().get(f"/v1/loops/{loop['id']}").json()
    assert [(w["round_id"], w["code"]) for w in body["warnings"]] == [
        (rushed["id"], "take_home_deadline_short"), (unsized["id"], "take_home_effort_missing")]
    packet = team.api(team.hm).get(f"/v1/loops/{loop['id']}/decision-packet").json()
    assert [w["code"] for w in packet["warnings"]] == codes(body)
    report = team.api().get("/v1/reports/candidate-experience").json()["loop_hygiene"]
    counted = {w["code"]: w["rounds"] for w in report["warnings"]}
    assert counted["take_home_deadline_short"] >= 1 and counted["take_home_effort_missing"] >= 1


def test_other_rounds_get_no_warning_and_bad_fields_are_refused(team):
    loop = team.loop()
    assert codes(team.round(loop["id"])) == []
    r = team.api().post(f"/v1/loops/{loop['id']}/rounds", json={
        "kind": "take_home", "due_at": "soon", "expected_effort_hours": 0})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"due_at", "expected_effort_hours"}


def test_a_decided_loop_shows_its_elapsed_days(team):
    loop = team.loop()
    team.round(loop["id"], start=utcnow() - 3 * DAY)
    assert team.api().get(f"/v1/loops/{loop['id']}").json()["elapsed_days"] is None
    r = team.api(team.hm).post(f"/v1/loops/{loop['id']}/decision", json={
        "outcome": "no_hire", "rationale": "Withdrew.", "override_justification": JUSTIFICATION})
    assert r.status_code == 201, r.text
    days = team.api().get(f"/v1/loops/{loop['id']}").json()["elapsed_days"]
    assert 2.9 <= days <= 3.1
    packet = team.api(team.hm).get(f"/v1/loops/{loop['id']}/decision-packet").json()
    assert packet["elapsed_days"] == days
    hygiene = team.api().get("/v1/reports/candidate-experience").json()["loop_hygiene"]
    assert hygiene["decided_loops"] >= 1 and hygiene["median_elapsed_days"] is not None


def test_patching_the_due_time_and_effort_clears_the_warnings(team):
    loop = team.loop()
    rd = take_home(team, loop["id"], 2, effort=None)
    assert codes(rd) == ["take_home_deadline_short", "take_home_effort_missing"]
    start = dt.datetime.fromisoformat(rd["starts_at"].replace("Z", "+00:00"))
    r = team.api().patch(f"/v1/rounds/{rd['id']}", headers={"If-Match": f'"{rd["version"]}"'},
                         json={"due_at": iso(start + 8 * DAY), "expected_effort_hours": 6})
    assert r.status_code == 200, r.text
    assert codes(r.json()) == [] and r.json()["expected_effort_hours"] == 6
