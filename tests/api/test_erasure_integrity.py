"""Black-box tests of erasure's integrity (issue 13): erasing a candidate
must not let a retry quietly bring them back, and the rows erasure changes
get new versions, an audit event and a new calendar SEQUENCE."""

import uuid

from grading import past_round, scorecard_body, submit
from helpers import count, problem_of, scan_database


def key():
    return f"k-{uuid.uuid4()}"


def test_a_retried_create_after_erasure_is_gone_not_a_new_person(team, db):
    api = team.api()
    tag = uuid.uuid4().hex[:8]
    body = {"name": f"Erasable {tag}", "email": f"erasable{tag}@example.test"}
    k = f"create-{body['email']}"   # clients do put such things in keys
    first = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
    assert first.status_code == 201, first.text
    assert api.delete(f"/v1/candidates/{first.json()['id']}").status_code == 204
    again = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
    problem_of(again, 410, "idempotent_reply_erased")
    assert body["name"] not in again.text and body["email"] not in again.text
    assert count(db, "SELECT count(*) FROM candidates WHERE email = %s", body["email"]) == 0
    assert not scan_database(db, [body["name"], body["email"]]), "the tombstone quotes them"
    # the same key with another body is still a reused key, not a create
    other = dict(body, name="Someone else")
    problem_of(api.post("/v1/candidates", json=other, headers={"Idempotency-Key": k}),
               422, "idempotency_key_reused")
    # a new key is a new request
    r = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": key()})
    assert r.status_code == 201 and r.json()["id"] != first.json()["id"]


def test_a_retried_scorecard_submit_after_erasure_is_gone(team, db):
    loop = team.loop()
    rnd = past_round(team, loop, [(team.iv[0], "lead")])
    body = scorecard_body(team.api(team.iv[0]), rnd, text="Evidence naming Zebulon")
    k = key()
    first = submit(team, team.iv[0], rnd["id"], body, headers={"Idempotency-Key": k})
    assert first.status_code == 200, first.text
    assert team.api().delete(f"/v1/candidates/{loop['candidate']['id']}").status_code == 204
    again = submit(team, team.iv[0], rnd["id"], headers={"Idempotency-Key": k})
    problem_of(again, 410, "idempotent_reply_erased")
    assert "Zebulon" not in again.text
    assert not scan_database(db, ["Evidence naming Zebulon"])


def test_erasure_gives_the_rows_it_changes_new_versions_and_events(team, audited):
    """A round whose location erasure cleared and a loop whose cancel reason
    it rewrote are changed rows: a new version (an If-Match from before
    fails), an audit event naming the field (never the value), and a new
    iCalendar SEQUENCE for the round (the feed's SUMMARY and LOCATION
    change)."""
    import icalendar
    api = team.api()
    c = team.candidate(name=f"Wilhelmina {uuid.uuid4().hex[:6]}")
    loop = team.loop(candidate_id=c["id"])
    rnd = team.round(loop["id"], interviewers=[(team.iv[1], "lead")],
                     location=f"Call {c['name']}")
    other = team.loop(candidate_id=c["id"])
    r = api.post(f"/v1/loops/{other['id']}/cancel", json={"reason": f"{c['name']} withdrew"})
    assert r.status_code == 200, r.text
    cancelled = r.json()
    before = {rnd["id"]: rnd["version"]}
    loop_v = api.get(f"/v1/loops/{loop['id']}").json()["version"]
    feed = icalendar.Calendar.from_ical(team.api(team.iv[1]).get("/v1/me/calendar.ics").content)
    seq = {str(e["UID"]): int(e["SEQUENCE"]) for e in feed.walk("VEVENT")}[f"{rnd['id']}@loopd"]
    with audited(team.admin, "candidate.erased", entity_type="candidate", entity_id=c["id"],
                 ignore=("round.redacted", "loop.redacted")) as w:
        w.response = r = api.delete(f"/v1/candidates/{c['id']}")
        assert r.status_code == 204, r.text
    events = team.api(team.admin).get("/v1/audit-events", params={"entity_id": rnd["id"]}).json()
    wiped = [e for e in events["data"] if e["action"] == "round.redacted"]
    assert len(wiped) == 1 and wiped[0]["changes"] == {"location": "[redacted]"}, events
    events = team.api(team.admin).get("/v1/audit-events",
                                      params={"entity_id": other["id"]}).json()
    wiped = [e for e in events["data"] if e["action"] == "loop.redacted"]
    assert len(wiped) == 1 and wiped[0]["changes"] == {"cancel_reason": "[redacted]"}, events
    assert c["name"] not in str(events)
    # new versions: the ETags taken before the erasure are stale
    got = api.get(f"/v1/rounds/{rnd['id']}")
    assert got.json()["version"] > before[rnd["id"]] and got.json()["location"] is None
    assert got.headers["ETag"] != f'"{before[rnd["id"]]}"'
    problem_of(api.patch(f"/v1/rounds/{rnd['id']}", json={"location": "Room 1"},
                         headers={"If-Match": f'"{before[rnd["id"]]}"'}), 412,
               "precondition_failed")
    assert api.get(f"/v1/loops/{other['id']}").json()["version"] > cancelled["version"]
    assert api.get(f"/v1/loops/{loop['id']}").json()["version"] > loop_v
    # the calendar event is re-sent: a greater SEQUENCE, no name
    raw = team.api(team.iv[1]).get("/v1/me/calendar.ics").content
    ev = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(raw).walk("VEVENT")}
    assert int(ev[f"{rnd['id']}@loopd"]["SEQUENCE"]) > seq
    assert c["name"].encode() not in raw


def test_a_key_reused_after_its_tombstone_expired_can_be_erased_again(team, db):
    """A tombstone lives 24 hours like any key; the same key may then make a
    new candidate, and erasing that one tombstones the key again."""
    api = team.api()
    k = key()
    tag = uuid.uuid4().hex[:8]
    body = {"name": f"Twice {tag}", "email": f"twice{tag}@example.test"}
    first = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
    assert api.delete(f"/v1/candidates/{first.json()['id']}").status_code == 204
    with db.cursor() as cur:
        cur.execute("UPDATE idempotency_keys SET created_at = created_at - interval '25 hours'"
                    " WHERE erased_at IS NOT NULL AND org_id = %s", (team.org_id,))
    second = api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k})
    assert second.status_code == 201 and second.json()["id"] != first.json()["id"], second.text
    r = api.delete(f"/v1/candidates/{second.json()['id']}")
    assert r.status_code == 204, r.text
    problem_of(api.post("/v1/candidates", json=body, headers={"Idempotency-Key": k}), 410,
               "idempotent_reply_erased")
