"""Black-box tests of the caller's schedule and calendar feeds (issues 6
and 13):
GET /v1/me/rounds, GET /v1/me/calendar.ics (RFC 5545, parsed by Debian's
python3-icalendar and checked line by line: CRLF, folding at 75 octets
without splitting UTF-8 characters, text escaping), stable UIDs, SEQUENCE
growing on every change a calendar shows, STATUS:CANCELLED (also for an
interviewer taken off a round), ATTENDEE names, DTSTAMP/LAST-MODIFIED,
refresh hints and ETag/304, time zones, and the secret feed URL (works
without a bearer, stops working after rotation, stored hashed)."""

import datetime as dt
import hashlib
import re
import uuid

import icalendar

from helpers import H, iso, problem_of, scan_database, utcnow

UTC = dt.timezone.utc


def fetch(team, who):
    r = team.api(who).get("/v1/me/calendar.ics")
    assert r.status_code == 200, r.text
    return r


def check_rfc5545_text(raw):
    """The content-line rules of RFC 5545 section 3.1 on the raw bytes;
    returns the unfolded logical lines."""
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n"), raw[:60]
    assert raw.endswith(b"END:VCALENDAR\r\n"), raw[-60:]
    body = raw[:-2]
    physical = body.split(b"\r\n")
    for i, line in enumerate(physical):
        assert b"\n" not in line and b"\r" not in line, f"line {i} has a bare CR or LF: {line!r}"
        assert len(line) <= 75, f"line {i} is {len(line)} octets long (max 75): {line!r}"
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            raise AssertionError(f"line {i} splits a UTF-8 character: {line!r}") from None
        if i:
            assert line, f"line {i} is empty"
    logical = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            assert logical, "the first line is a continuation"
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [l.decode("utf-8") for l in logical]


def events(raw):
    cal = icalendar.Calendar.from_ical(raw)
    assert cal.get("VERSION") == "2.0"
    assert cal.get("PRODID")
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def uid(round_):
    return f"{round_['id']}@loopd"


def utc(d):
    assert d.tzinfo is not None and d.utcoffset() == dt.timedelta(0), f"not UTC: {d!r}"
    return d


def test_calendar_structure_and_time_zones(team):
    """A round entered at +05:30 is UTC in the API and in the feed."""
    iv = team.iv[0]
    c = team.candidate(name="Ada Lovelace")
    loop = team.loop(candidate_id=c["id"], position="Platform engineer")
    r = team.api().post(f"/v1/loops/{loop['id']}/rounds",
                        json={"kind": "system_design", "starts_at": "2033-01-01T10:00:00+05:30",
                              "ends_at": "2033-01-01T11:30:00+05:30", "location": "Room 1",
                              "interviewers": [{"user_id": iv.id, "role": "bar_raiser"}]})
    assert r.status_code == 201, r.text
    rd = r.json()
    assert rd["starts_at"] == "2033-01-01T04:30:00.000000Z" and rd["ends_at"] == "2033-01-01T06:00:00.000000Z"
    resp = fetch(team, iv)
    assert resp.headers["Content-Type"].split(";")[0].strip() == "text/calendar"
    assert "charset=utf-8" in resp.headers["Content-Type"].replace(" ", "").lower()
    lines = check_rfc5545_text(resp.content)
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines
    assert "DTSTART:20330101T043000Z" in lines and "DTEND:20330101T060000Z" in lines
    ev = events(resp.content)[uid(rd)]
    assert utc(ev.decoded("DTSTART")) == dt.datetime(2033, 1, 1, 4, 30, tzinfo=UTC)
    assert utc(ev.decoded("DTEND")) == dt.datetime(2033, 1, 1, 6, 0, tzinfo=UTC)
    stamp = utc(ev.decoded("DTSTAMP"))
    assert abs(stamp - utcnow()) < dt.timedelta(minutes=10)
    assert str(ev["SUMMARY"]) == "System design interview: Ada Lovelace"
    assert str(ev["LOCATION"]) == "Room 1"
    desc = str(ev["DESCRIPTION"])
    assert "Platform engineer" in desc and "bar_raiser" in desc
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert int(ev["SEQUENCE"]) == 0


def test_long_lines_are_folded_and_text_is_escaped(team):
    iv = team.iv[1]
    name = "Doe, Jane; \"JJ\" Ō'Brien-Østergård"
    c = team.candidate(name=name)
    loop = team.loop(candidate_id=c["id"], position="Staff engineer, platform; infra")
    location = ("Salle « Étoile », 3ᵉ étage; Bâtiment Nord, 12 rue de l’Université, 75007 Paris"
                " — visio: https://meet.example/abc?x=1,2;3 \\ 会議室 🚀\nsecond line")
    assert len(location.encode()) > 150
    rd = team.round(loop["id"], location=location, interviewers=[(iv, "lead")])
    raw = fetch(team, iv).content
    lines = check_rfc5545_text(raw)
    # long lines really were folded (and no physical line splits a character)
    assert any(len(l.encode()) > 75 for l in lines)
    assert b"\r\n " in raw
    loc_line = next(l for l in lines if l.startswith("LOCATION:"))
    assert "\\," in loc_line and "\\;" in loc_line and "\\\\" in loc_line and "\\n" in loc_line
    assert "\n" not in loc_line
    summary_line = next(l for l in lines if l.startswith("SUMMARY:") and "Jane" in l)
    assert "Doe\\, Jane\\; " in summary_line
    ev = events(raw)[uid(rd)]
    assert str(ev["LOCATION"]) == location
    assert str(ev["SUMMARY"]) == f"System design interview: {name}"
    assert "Staff engineer, platform; infra" in str(ev["DESCRIPTION"])


def test_uid_is_stable_and_sequence_grows(team):
    api = team.api()
    iv = team.iv[2]
    loop = team.loop()
    start, end = team.slot()
    rd = team.round(loop["id"], start=start, interviewers=[(iv, "lead")])
    ev = events(fetch(team, iv).content)[uid(rd)]
    assert int(ev["SEQUENCE"]) == 0
    # the same feed twice: the same UID and LAST-MODIFIED
    again = events(fetch(team, iv).content)[uid(rd)]
    assert again.decoded("LAST-MODIFIED") == ev.decoded("LAST-MODIFIED")
    # reschedule: SEQUENCE 1, new times, same UID
    r = api.patch(f"/v1/rounds/{rd['id']}", json={"starts_at": iso(start + 2 * H),
                                                  "ends_at": iso(end + 2 * H)},
                  headers={"If-Match": f'"{rd["version"]}"'})
    assert r.status_code == 200, r.text
    assert r.json()["sequence"] == 1
    ev = events(fetch(team, iv).content)[uid(rd)]
    assert int(ev["SEQUENCE"]) == 1
    assert ev.decoded("DTSTART") == start + 2 * H
    assert ev.decoded("DTSTAMP") >= again.decoded("DTSTAMP")
    # a location change is a change calendar apps must pick up too
    r = api.patch(f"/v1/rounds/{rd['id']}", json={"location": "Room 7"},
                  headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.text
    ev = events(fetch(team, iv).content)[uid(rd)]
    assert int(ev["SEQUENCE"]) == 2 and str(ev["LOCATION"]) == "Room 7"
    # cancelled: still in the feed, STATUS:CANCELLED, SEQUENCE grows again
    r = api.post(f"/v1/rounds/{rd['id']}/cancel", json={"reason": "candidate ill"})
    assert r.status_code == 200, r.text
    raw = fetch(team, iv).content
    ev = events(raw)[uid(rd)]
    assert str(ev["STATUS"]) == "CANCELLED"
    assert int(ev["SEQUENCE"]) == 3
    assert "STATUS:CANCELLED" in check_rfc5545_text(raw)
    # but not in the JSON schedule
    mine = team.api(iv).get("/v1/me/rounds", params={"from": iso(start - H)}).json()["data"]
    assert rd["id"] not in [m["round"]["id"] for m in mine]


def seconds(t):
    return t.replace(microsecond=0)


def name_of(user):
    """The name tests' users get (the local part of their email)."""
    return user.email.split("@")[0]


def test_feed_stamps_refresh_hints_and_etag(team):
    iv = team.iv[2]
    rd = team.round(team.loop()["id"], interviewers=[(iv, "lead")])
    before = seconds(utcnow())
    resp = fetch(team, iv)
    lines = check_rfc5545_text(resp.content)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines and "X-PUBLISHED-TTL:PT1H" in lines
    ev = events(resp.content)[uid(rd)]
    assert before <= utc(ev.decoded("DTSTAMP")) <= utcnow(), "DTSTAMP is when the feed was made"
    changed = dt.datetime.fromisoformat(rd["updated_at"].replace("Z", "+00:00"))
    assert utc(ev.decoded("LAST-MODIFIED")) == seconds(changed)
    etag = resp.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    r = team.api(iv).get("/v1/me/calendar.ics", headers={"If-None-Match": etag})
    assert r.status_code == 304 and not r.content
    token = team.api(iv).post("/v1/me/calendar-token").json()["token"]
    feed = team.api(None).get(f"/v1/calendar-feeds/{token}", headers={"If-None-Match": etag})
    assert feed.status_code == 304, "the feed URL has the same ETag"
    r = team.api().patch(f"/v1/rounds/{rd['id']}", json={"location": "Room 9"},
                         headers={"If-Match": f'"{rd["version"]}"'})
    assert r.status_code == 200, r.text
    r = team.api(iv).get("/v1/me/calendar.ics", headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] != etag
    assert str(events(r.content)[uid(rd)]["LOCATION"]) == "Room 9"


def test_attendees_are_named_never_by_email(team):
    lead, shadow = team.iv[0], team.iv[1]
    c = team.candidate(name="Grace Hopper")
    rd = team.round(team.loop(candidate_id=c["id"])["id"],
                    interviewers=[(lead, "lead"), (shadow, "shadow")])
    raw = fetch(team, shadow).content
    attendees = events(raw)[uid(rd)].get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    names = sorted(str(a.params["CN"]) for a in attendees)
    assert names == sorted([name_of(lead), name_of(shadow)])
    roles = {str(a.params["CN"]): str(a.params["ROLE"]) for a in attendees}
    assert roles == {name_of(lead): "CHAIR", name_of(shadow): "OPT-PARTICIPANT"}
    assert all(str(a).startswith("urn:uuid:") for a in attendees)
    assert b"mailto:" not in raw and c["email"].encode() not in raw
    assert lead.email.encode() not in raw and shadow.email.encode() not in raw


def test_a_removed_interviewer_sees_the_round_cancelled(team, db):
    api = team.api()
    stays, goes = team.iv[0], team.iv[3]
    rd = team.round(team.loop()["id"], interviewers=[(stays, "lead"), (goes, "shadow")])
    seq = int(events(fetch(team, goes).content)[uid(rd)]["SEQUENCE"])
    assert api.delete(f"/v1/rounds/{rd['id']}/interviewers/{goes.id}").status_code == 204
    ev = events(fetch(team, goes).content)[uid(rd)]
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == seq + 1
    assert ev.get("ATTENDEE") is None
    kept = events(fetch(team, stays).content)[uid(rd)]
    assert str(kept["STATUS"]) == "CONFIRMED" and int(kept["SEQUENCE"]) == seq + 1
    assert str(kept["ATTENDEE"].params["CN"]) == name_of(stays), "the attendee list lost them"
    # booked again: confirmed again
    r = api.put(f"/v1/rounds/{rd['id']}/interviewers/{goes.id}", json={"role": "shadow"})
    assert r.status_code == 200, r.text
    ev = events(fetch(team, goes).content)[uid(rd)]
    assert str(ev["STATUS"]) == "CONFIRMED" and int(ev["SEQUENCE"]) == seq + 2
    # removed for good: it drops out after 30 days
    assert api.delete(f"/v1/rounds/{rd['id']}/interviewers/{goes.id}").status_code == 204
    with db.cursor() as cur:
        cur.execute("UPDATE round_removals SET removed_at = now() - interval '31 days'"
                    " WHERE round_id = %s AND user_id = %s", (rd["id"], goes.id))
        assert cur.rowcount == 1
    assert uid(rd) not in events(fetch(team, goes).content)


def test_sequence_grows_once_per_change_a_calendar_shows(team):
    api = team.api()
    iv, other = team.iv[1], team.iv[2]
    c = team.candidate()
    loop = team.loop(candidate_id=c["id"])
    rd = team.round(loop["id"], interviewers=[(iv, "lead")])

    def seq():
        return int(events(fetch(team, iv).content)[uid(rd)]["SEQUENCE"])

    def change(method, path, **kw):
        r = getattr(api, method)(path, **kw)
        assert r.status_code in (200, 204), r.text
        return seq()

    assert seq() == 0
    assert change("patch", f"/v1/candidates/{c['id']}", json={"name": "New Name"},
                  headers={"If-Match": f'"{c["version"]}"'}) == 1
    etag = api.get(f"/v1/loops/{loop['id']}").headers["ETag"]
    assert change("patch", f"/v1/loops/{loop['id']}", json={"position": "Staff engineer"},
                  headers={"If-Match": etag}) == 2
    booking = f"/v1/rounds/{rd['id']}/interviewers/"
    assert change("put", booking + other.id, json={"role": "shadow"}) == 3
    assert change("put", booking + other.id, json={"role": "shadow"}) == 3, "no change, same SEQUENCE"
    assert change("put", booking + other.id, json={"role": "bar_raiser"}) == 4
    assert change("delete", booking + other.id) == 5
    etag = api.get(f"/v1/candidates/{c['id']}").headers["ETag"]
    assert change("patch", f"/v1/candidates/{c['id']}", json={"source": "referral"},
                  headers={"If-Match": etag}) == 5, "the calendar shows no source"
    ev = events(fetch(team, iv).content)[uid(rd)]
    assert "New Name" in str(ev["SUMMARY"]) and "Staff engineer" in str(ev["DESCRIPTION"])


def test_a_cancelled_loop_cancels_its_events(team):
    iv = team.iv[2]
    loop = team.loop()
    rd = team.round(loop["id"], interviewers=[(iv, "shadow")])
    r = team.api().post(f"/v1/loops/{loop['id']}/cancel", json={"reason": "filled"})
    assert r.status_code == 200, r.text
    ev = events(fetch(team, iv).content)[uid(rd)]
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 1


def test_calendar_holds_only_the_callers_booked_rounds(team):
    a, b = team.iv[0], team.iv[3]
    loop = team.loop()
    mine = team.round(loop["id"], interviewers=[(a, "lead")])
    theirs = team.round(loop["id"], kind="behavioral", interviewers=[(b, "lead")])
    unscheduled = team.round(loop["id"], kind="coding_deep_dive", unscheduled=True,
                             interviewers=[(a, "shadow")])
    old = team.round(loop["id"], kind="behavioral", start=utcnow() - dt.timedelta(days=100),
                     interviewers=[(a, "lead")])
    recent = team.round(loop["id"], kind="behavioral", start=utcnow() - dt.timedelta(days=10),
                        interviewers=[(a, "lead")])
    ev = events(fetch(team, a).content)
    assert uid(mine) in ev and uid(recent) in ev
    assert uid(theirs) not in ev
    assert uid(unscheduled) not in ev, "an unscheduled round has no time to show"
    assert uid(old) not in ev, "the feed goes back 90 days"
    assert uid(theirs) in events(fetch(team, b).content)
    # the recruiter (booked nowhere) has an empty calendar
    raw = fetch(team, team.recruiter).content
    check_rfc5545_text(raw)
    assert events(raw) == {}


def test_my_rounds_window(team):
    api = team.api(team.iv[1])
    loop = team.loop()
    s, e = team.slot()
    rd = team.round(loop["id"], start=s, interviewers=[(team.iv[1], "shadow")])
    past = team.round(loop["id"], kind="behavioral", start=utcnow() - dt.timedelta(days=3),
                      interviewers=[(team.iv[1], "lead")])

    def got(**params):
        r = api.get("/v1/me/rounds", params=params)
        assert r.status_code == 200, r.text
        assert r.json()["next_cursor"] is None
        return [m["round"]["id"] for m in r.json()["data"]]

    assert rd["id"] in got() and past["id"] not in got(), "from defaults to one day ago"
    assert past["id"] in got(**{"from": iso(utcnow() - dt.timedelta(days=4))})
    assert got(**{"from": iso(s - H), "to": iso(e + H)}) == [rd["id"]]
    assert got(**{"from": iso(e), "to": iso(e + H)}) == [], "a round ending at `from` is outside"
    assert got(**{"from": iso(s - H), "to": iso(s)}) == [], "a round starting at `to` is outside"
    # the same window in another offset
    local = s.astimezone(dt.timezone(dt.timedelta(hours=-7))).isoformat()
    assert got(**{"from": local, "to": iso(e)}) == [rd["id"]]
    row = api.get("/v1/me/rounds", params={"from": iso(s - H), "to": iso(e)}).json()["data"][0]
    assert row["role"] == "shadow" and row["position"] == loop["position"]
    assert row["candidate"]["id"] == loop["candidate_id"]
    for bad in ["yesterday", "2033-13-01T00:00:00Z", "2033-01-01"]:
        problem_of(api.get("/v1/me/rounds", params={"from": bad}), 400, "invalid_query")
        problem_of(api.get("/v1/me/rounds", params={"to": bad}), 400, "invalid_query")


# -- the secret feed URL -----------------------------------------------------------


def same_feed(a, b):
    """Two feeds hold the same events: equal once DTSTAMP (the time each was
    generated, so it differs across a second boundary) is left out."""
    drop = re.compile(rb"^DTSTAMP:[^\r\n]*\r\n", re.M)
    return drop.sub(b"", a) == drop.sub(b"", b)



def test_feed_url_works_without_a_bearer_and_rotates(team, db):
    iv = team.iv[0]
    team.round(team.loop()["id"], interviewers=[(iv, "lead")])
    r = team.api(iv).post("/v1/me/calendar-token")
    assert r.status_code == 201, r.text
    body = r.json()
    token = body["token"]
    assert len(token) >= 43, "the token is not 256 bits"
    path = f"/v1/calendar-feeds/{token}"
    assert body["url"].endswith(path)
    anon = team.server.api()
    feed = anon.get(path)
    assert feed.status_code == 200, feed.text
    assert feed.headers["Content-Type"].startswith("text/calendar")
    assert same_feed(feed.content, fetch(team, iv).content)
    check_rfc5545_text(feed.content)
    # only the hash is stored
    with db.cursor() as cur:
        cur.execute("SELECT calendar_token_hash FROM users WHERE id = %s", (iv.id,))
        assert cur.fetchone()[0] == hashlib.sha256(token.encode()).hexdigest()
    # rotation: the old URL stops working at once, the new one works
    r = team.api(iv).post("/v1/me/calendar-token")
    assert r.status_code == 201
    new = r.json()["token"]
    assert new != token
    problem_of(anon.get(path), 404, "not_found")
    assert same_feed(anon.get(f"/v1/calendar-feeds/{new}").content, fetch(team, iv).content)
    # each user's URL shows their own calendar
    other = team.api(team.iv[3]).post("/v1/me/calendar-token").json()["token"]
    assert same_feed(anon.get(f"/v1/calendar-feeds/{other}").content,
                     fetch(team, team.iv[3]).content)
    for bad in ["nope", new[:-1], new + "x", "x" * 300, token]:
        problem_of(anon.get(f"/v1/calendar-feeds/{bad}"), 404, "not_found")
    # a bearer header on the public URL changes nothing
    r = anon.get(f"/v1/calendar-feeds/{new}", headers={"Authorization": "Bearer garbage"})
    assert r.status_code == 200


def test_feed_token_is_stored_nowhere_in_clear(team, db):
    tok = team.api(team.iv[2]).post("/v1/me/calendar-token").json()["token"]
    assert scan_database(db, [tok]) == []


def test_feed_token_is_not_stored_in_clear_by_an_idempotency_key(team, db):
    """The token is "stored hashed" (issue 6); retrying the rotation with an
    Idempotency-Key must not leave the secret in clear in the stored reply."""
    api = team.api(team.iv[2])
    r = api.post("/v1/me/calendar-token", headers={"Idempotency-Key": f"cal-{uuid.uuid4()}"})
    assert r.status_code == 201, r.text
    found = scan_database(db, [r.json()["token"]])
    assert found == [], f"the calendar feed secret is stored in clear: {found}"


def test_rotation_replayed_by_idempotency_key(team, audited):
    """A retried rotation (same Idempotency-Key) rotates once: the replay
    does not show the secret again (it is not stored), and the first
    answer's URL keeps working."""
    iv = team.iv[3]
    api = team.api(iv)
    k = f"cal-{uuid.uuid4()}"
    with audited(team.admin, "user.calendar_token_rotated", count=1) as w:
        w.response = first = api.post("/v1/me/calendar-token", headers={"Idempotency-Key": k})
        assert first.status_code == 201, first.text
        again = api.post("/v1/me/calendar-token", headers={"Idempotency-Key": k})
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == {"token": None, "url": None}
    tok = first.json()["token"]
    assert team.server.api().get(f"/v1/calendar-feeds/{tok}").status_code == 200


def test_feed_of_a_disabled_user_stops(team):
    iv = team.admin.make_user(roles=("interviewer",))
    tok = iv.api.post("/v1/me/calendar-token").json()["token"]
    anon = team.server.api()
    assert anon.get(f"/v1/calendar-feeds/{tok}").status_code == 200
    admin = team.api(team.admin)
    u = admin.get(f"/v1/users/{iv.id}")
    r = admin.patch(f"/v1/users/{iv.id}", json={"disabled": True},
                    headers={"If-Match": u.headers["ETag"]})
    assert r.status_code == 200, r.text
    problem_of(anon.get(f"/v1/calendar-feeds/{tok}"), 404, "not_found")


def test_api_clients_have_no_calendar(team):
    admin = team.api(team.admin)
    r = admin.post("/v1/clients", json={"name": f"ats-{uuid.uuid4().hex[:6]}",
                                        "grants": ["client_credentials"],
                                        "scopes": ["loops:read", "candidates:read"]})
    assert r.status_code == 201, r.text
    client = r.json()
    r = team.server.api().post("/oauth/token", data={"grant_type": "client_credentials",
                                                     "client_id": client["id"],
                                                     "client_secret": client["client_secret"]})
    assert r.status_code == 200, r.text
    api = team.server.api(token=r.json()["access_token"])
    problem_of(api.get("/v1/me/calendar.ics"), 403, "forbidden")
    problem_of(api.post("/v1/me/calendar-token"), 403, "forbidden")
    r = api.get("/v1/me/rounds")
    assert r.status_code == 200 and r.json() == {"data": [], "next_cursor": None}
    # a client with loops:read reaches every loop of the organisation
    loop = team.loop()
    assert api.get(f"/v1/loops/{loop['id']}").status_code == 200


def test_calendar_needs_a_token(team):
    problem_of(team.server.api().get("/v1/me/calendar.ics"), 401, "unauthenticated")
    problem_of(team.server.api().post("/v1/me/calendar-token"), 401, "unauthenticated")
    problem_of(team.server.api().get("/v1/me/rounds"), 401, "unauthenticated")
