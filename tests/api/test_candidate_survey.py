"""Candidate experience (issue 17): single-use survey links, the candidate's
form without script, the JSON face for ATS integrations, the report that
withholds small groups and counts only closed months, and erasure of the free
text. The report's tests move answers into a month that has ended with
surveys.backdate (their clock: the rows themselves)."""

import datetime as dt
import hashlib
import re
import secrets

import pytest
import requests

import contract
from helpers import Team, count, problem_of, scan_database
from surveys import SECTION, SEED, answer_body, backdate, expire, form_fields, issue, questions


@pytest.fixture(scope="module")
def other(loopd):
    """A second organisation: its report starts empty, and its loops are
    another org's to the team."""
    return Team(loopd, interviewers=2)


def test_questions_cite_each_red_flag_of_the_seed(team, loopd):
    link = issue(team, team.loop()["id"])
    qs = questions(loopd.api(), link["token"])
    sections = [q["source"]["section"] for q in qs]
    assert len(qs) == 6 and all(q["source"]["document"] == SEED for q in qs)
    assert sections == [f"{SECTION} > {i}" for i in range(1, 7)]
    assert link["questions_version"] == 1
    assert link["url"].endswith(f"/survey/{link['token']}")


def test_a_link_takes_one_answer(team, loopd):
    link = issue(team, team.loop()["id"])
    pub = loopd.api()
    body = answer_body(questions(pub, link["token"]))
    r = pub.post(f"/v1/surveys/{link['token']}", json=body, token="")
    assert r.status_code == 200 and r.json()["received"] is True
    problem_of(pub.post(f"/v1/surveys/{link['token']}", json=body, token=""), 409,
               "survey_answered")
    problem_of(pub.get(f"/v1/surveys/{link['token']}", token=""), 409, "survey_answered")


def test_an_expired_link_answers_410(team, loopd, db):
    link = issue(team, team.loop()["id"])
    pub = loopd.api()
    body = answer_body(questions(pub, link["token"]))
    expire(db, link["id"])
    problem_of(pub.get(f"/v1/surveys/{link['token']}", token=""), 410, "survey_expired")
    problem_of(pub.post(f"/v1/surveys/{link['token']}", json=body, token=""), 410,
               "survey_expired")
    assert pub.get(f"/survey/{link['token']}", token="").status_code == 410


def test_revoking_and_reissuing_stop_the_old_link(team, loopd, audited):
    loop = team.loop()
    api, pub = team.api(), loopd.api()
    with audited(team.org_id, "candidate_survey.issued", entity_type="survey_link",
                 actor_id=team.recruiter.id) as w:
        w.response = r = api.post(f"/v1/loops/{loop['id']}/candidate-survey")
        assert r.status_code == 201
        w.entity_id = r.json()["id"]
    first = r.json()
    assert w.event["changes"]["loop_id"] == loop["id"]
    assert first["token"] not in str(w.event["changes"])
    second = issue(team, loop["id"])
    problem_of(pub.get(f"/v1/surveys/{first['token']}", token=""), 404, "survey_not_found")
    with audited(team.org_id, "candidate_survey.revoked", entity_type="survey_link",
                 entity_id=second["id"]) as w:
        w.response = r = api.delete(f"/v1/loops/{loop['id']}/candidate-survey")
        assert r.status_code == 204
    problem_of(pub.get(f"/v1/surveys/{second['token']}", token=""), 404, "survey_not_found")
    assert pub.get(f"/survey/{second['token']}", token="").status_code == 404
    problem_of(api.delete(f"/v1/loops/{loop['id']}/candidate-survey"), 404, "survey_not_found")


def test_a_wrong_token_is_404_and_tokens_are_stored_hashed(team, loopd, db):
    link = issue(team, team.loop()["id"])
    pub = loopd.api()
    for wrong in (secrets.token_urlsafe(32), link["token"][:-1] + "A"
                  if not link["token"].endswith("A") else link["token"][:-1] + "B", "x" * 300):
        problem_of(pub.get(f"/v1/surveys/{wrong}", token=""), 404, "survey_not_found")
    digest = hashlib.sha256(link["token"].encode()).hexdigest()
    assert count(db, "SELECT count(*) FROM survey_links WHERE token_hash = %s", digest) == 1
    assert scan_database(db, [link["token"]]) == []


def _page(loopd, token, session=None):
    s = session or requests.Session()
    r = s.get(f"{loopd.url}/survey/{token}", timeout=30)
    contract.check(r)
    return s, r


def test_the_form_works_without_script(team, loopd):
    link = issue(team, team.loop()["id"])
    s, r = _page(loopd, link["token"])
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "form-action 'self'" in csp and "<script" not in r.text
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    csrf, radios = form_fields(r.text)
    keys = [q["key"] for q in questions(loopd.api(), link["token"])]
    assert csrf and radios == sorted(keys + ["overall_rating"])
    # a browser without script posts the form's fields and its cookie
    form = {k: "yes" for k in keys} | {"overall_rating": "5", "comment": "Kind & clear",
                                       "csrf_token": csrf}
    r = s.post(f"{loopd.url}/survey/{link['token']}", data=form, timeout=30)
    contract.check(r)
    assert r.status_code == 200 and "Thank you" in r.text
    r = s.post(f"{loopd.url}/survey/{link['token']}", data=form, timeout=30)
    contract.check(r)
    assert r.status_code == 409


def test_the_form_refuses_a_missing_or_wrong_csrf_token(team, loopd):
    link = issue(team, team.loop()["id"])
    s, r = _page(loopd, link["token"])
    csrf, _ = form_fields(r.text)
    keys = [q["key"] for q in questions(loopd.api(), link["token"])]
    form = {k: "no" for k in keys} | {"overall_rating": "1"}
    url = f"{loopd.url}/survey/{link['token']}"
    for data, session in ((form, s), (form | {"csrf_token": csrf[::-1]}, s),
                          (form | {"csrf_token": csrf}, requests.Session())):
        r = session.post(url, data=data, timeout=30)
        contract.check(r)
        assert r.status_code == 403
    # nothing was recorded: the link still takes its answer
    assert loopd.api().get(f"/v1/surveys/{link['token']}", token="").status_code == 200
    r = s.post(url, data={"csrf_token": csrf, keys[0]: "maybe"}, timeout=30)
    contract.check(r)
    assert r.status_code == 422 and f"answers.{keys[1]}" in r.text and "overall_rating" in r.text


def test_every_bad_field_of_an_answer_in_one_422(team, loopd):
    link = issue(team, team.loop()["id"])
    pub = loopd.api()
    qs = questions(pub, link["token"])
    body = answer_body(qs[1:], rating=6, comment="x" * 2001)
    body["answers"]["no_such_question"] = "yes"
    body["answers"][qs[1]["key"]] = "maybe"
    err = problem_of(pub.post(f"/v1/surveys/{link['token']}", json=body, token=""), 422,
                     "validation_failed")
    fields = {e["field"] for e in err["errors"]}
    assert {f"answers.{qs[0]['key']}", f"answers.{qs[1]['key']}", "answers.no_such_question",
            "overall_rating", "comment"} <= fields


def test_only_recruiters_issue_links_and_read_the_report(team, other):
    loop = team.loop()
    iv = team.api(team.iv[0])
    assert iv.post(f"/v1/loops/{loop['id']}/candidate-survey").status_code == 403
    assert iv.get("/v1/reports/candidate-experience").status_code == 403
    assert team.api(team.hm).post(f"/v1/loops/{loop['id']}/candidate-survey").status_code == 403
    problem_of(other.api().post(f"/v1/loops/{loop['id']}/candidate-survey"), 404, "not_found")
    problem_of(other.api().delete(f"/v1/loops/{loop['id']}/candidate-survey"), 404, "not_found")
    assert team.api(team.admin).get("/v1/reports/candidate-experience").status_code == 200


def _answered_loop(org, loopd, interviewers, flag=(), rating=4, comment=None):
    loop = org.loop()
    org.round(loop["id"], interviewers=[(u, "lead") for u in interviewers])
    link = issue(org, loop["id"])
    pub = loopd.api()
    body = answer_body(questions(pub, link["token"]), flag=flag, rating=rating, comment=comment)
    assert pub.post(f"/v1/surveys/{link['token']}", json=body, token="").status_code == 200
    return loop


def _report(org):
    r = org.api().get("/v1/reports/candidate-experience")
    assert r.status_code == 200, r.text
    return r.json()


WITHHELD = {"enough_answers": False, "note": "not enough answers"}


def _this_month():
    """The start of the current UTC month as the report writes a timestamp,
    and the month before it (YYYY-MM)."""
    start = dt.datetime.now(dt.timezone.utc).replace(day=1, hour=0, minute=0, second=0,
                                                     microsecond=0)
    return (start.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
            (start - dt.timedelta(days=1)).strftime("%Y-%m"))


def test_the_report_withholds_groups_under_three(other, loopd, db):
    a, b = other.iv
    backdate(db, _answered_loop(other, loopd, [a, b], flag=("outage_discussed",), rating=2)["id"])
    backdate(db, _answered_loop(other, loopd, [a], rating=4)["id"])
    rep = _report(other)
    assert rep["overall"] == WITHHELD
    assert all(not q["enough_answers"] for q in rep["questions"])
    assert rep["months"] == [{"month": rep["period"]["last_month"]} | WITHHELD]
    backdate(db, _answered_loop(other, loopd, [a], rating=5)["id"])
    rep = _report(other)
    assert rep["overall"]["enough_answers"] and rep["overall"]["answers"] == 3
    assert rep["overall"]["mean_rating"] == pytest.approx(3.67)
    outage = next(q for q in rep["questions"] if q["key"] == "outage_discussed")
    assert outage["red_flag_share"] == pytest.approx(0.3333)
    people = {p["user_id"]: p for p in rep["interviewers"]}
    assert people[a.id]["answers"] == 3 and people[a.id]["questions"]
    assert people[b.id] == {"user_id": b.id, "name": people[b.id]["name"]} | WITHHELD
    assert rep["links"] == {"issued": 3, "answered": 3, "response_rate": 1.0}
    assert [(m["month"], m["answers"]) for m in rep["months"]] == [
        (rep["period"]["last_month"], 3)]


def test_a_second_read_shows_nothing_of_an_answer_this_month(loopd, db):
    """The differencing attack: read the report at 3 answers, let one more
    candidate answer, read it again. The new answer (a 1 with a red flag)
    must not show until its month has closed, nor the link it came by."""
    org = Team(loopd, interviewers=1)
    (a,) = org.iv
    for rating in (5, 5, 4):
        backdate(db, _answered_loop(org, loopd, [a], rating=rating)["id"])
    before = _report(org)
    through, last_month = _this_month()
    assert before["period"]["through"] == through
    assert before["period"]["last_month"] == last_month
    assert before["period"]["updates_at"] > through
    assert before["overall"]["answers"] == 3
    assert before["overall"]["mean_rating"] == pytest.approx(4.67)
    assert before["overall"]["red_flag_share"] == 0
    assert before["links"] == {"issued": 3, "answered": 3, "response_rate": 1.0}
    fourth = _answered_loop(org, loopd, [a], flag=("outage_discussed",), rating=1)
    after = _report(org)
    assert after == before          # the whole body: no figure, no count, no link
    # once the 4th answer's month has closed, it counts like the others
    backdate(db, fourth["id"])
    closed = _report(org)
    assert closed["overall"]["answers"] == 4
    assert closed["overall"]["mean_rating"] == pytest.approx(3.75)
    assert closed["overall"]["red_flag_share"] == pytest.approx(0.25)
    assert closed["links"] == {"issued": 4, "answered": 4, "response_rate": 1.0}
    assert [(m["month"], m["answers"]) for m in closed["months"]] == [(last_month, 4)]
    assert {p["user_id"]: p["answers"] for p in closed["interviewers"]} == {a.id: 4}


def test_a_closed_month_of_under_three_answers_is_withheld(loopd, db):
    """A month's group needs 3 answers as every group does; the months it
    does not hide still add up in the overall figures."""
    org = Team(loopd, interviewers=1)
    (a,) = org.iv
    backdate(db, _answered_loop(org, loopd, [a], rating=2)["id"], months=2)
    for rating in (4, 4, 5):
        backdate(db, _answered_loop(org, loopd, [a], rating=rating)["id"])
    issue(org, org.loop()["id"])     # issued this month: not in links yet
    rep = _report(org)
    assert [m["month"] for m in rep["months"]][1] == rep["period"]["last_month"]
    assert rep["months"][0] == {"month": rep["months"][0]["month"]} | WITHHELD
    assert rep["months"][1]["answers"] == 3
    assert rep["overall"]["answers"] == 4
    assert rep["links"] == {"issued": 4, "answered": 4, "response_rate": 1.0}


def test_erasure_clears_the_free_text_and_keeps_the_aggregates(team, loopd, db):
    note = f"Interviewer was late {secrets.token_hex(4)}"
    loop = _answered_loop(team, loopd, [team.iv[1]], comment=note)
    assert count(db, "SELECT count(*) FROM survey_answers WHERE comment = %s", note) == 1
    r = team.api().delete(f"/v1/candidates/{loop['candidate_id']}")
    assert r.status_code in (200, 204), r.text
    assert scan_database(db, [note]) == []
    assert count(db, "SELECT count(*) FROM survey_answers WHERE loop_id = %s"
                 " AND overall_rating = 4", loop["id"]) == 1


def test_no_answer_reaches_an_interviewer_by_candidate(team, loopd):
    loop = _answered_loop(team, loopd, [team.iv[2]], comment="private words")
    iv = team.api(team.iv[2])
    for path in (f"/v1/loops/{loop['id']}", f"/v1/loops/{loop['id']}/rounds"):
        r = iv.get(path)
        assert r.status_code == 200 and "private words" not in r.text
    assert re.search("overall_rating", iv.get(f"/v1/loops/{loop['id']}").text) is None
