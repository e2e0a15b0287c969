"""The rubric versions behind a decision packet, parsed once per process
(api/rubric_cache.c, by rubric id): a round pinned to a newer version is
graded by that version, also on an instance that had the older one cached,
and an org's own version of a key is never served to another org that
published its own under the same number."""
import copy

from conftest import Team
from grading import SD, packet, past_round, submit_scorecard


def publish(team, title):
    """The org's own next version of system_design, its first criterion
    retitled; returns the version."""
    admin = team.admin.api
    served = admin.get(f"/v1/rubrics/{SD}").json()
    doc = copy.deepcopy(served)
    for k in ("id", "scope", "published_at"):
        doc.pop(k, None)
    doc["version"] = served["version"] + 1
    doc["criteria"][0]["title"] = title
    r = admin.post(f"/v1/rubrics/{SD}/versions", json=doc)
    assert r.status_code == 201, r.text
    return doc["version"], doc["criteria"][0]["key"]


def round_titles(p, round_id):
    [rnd] = [r for r in p["rounds"] if r["id"] == round_id]
    return rnd["rubric"]["version"], {c["key"]: c["title"] for c in rnd["criteria"]}


def test_a_newer_version_grades_its_round_on_an_instance_with_the_old_cached(
        external_pg, fresh_loopd):
    a = fresh_loopd(env={"LOOP_DATABASE_URL": external_pg.url})
    b = fresh_loopd(env={"LOOP_DATABASE_URL": external_pg.url})
    t = Team(a, interviewers=2)
    loop = t.loop()
    old = past_round(t, loop, [(t.iv[0], "lead")])
    submit_scorecard(t, t.iv[0], old, 3, "yes")
    on_b = b.api(t.hm.token)
    first = on_b.get(f"/v1/loops/{loop['id']}/decision-packet")
    assert first.status_code == 200, first.text
    old_version, old_titles = round_titles(first.json(), old["id"])

    version, key = publish(t, "Requirements, as revised")
    new = past_round(t, loop, [(t.iv[1], "lead")])
    assert new["rubric"]["version"] == version
    submit_scorecard(t, t.iv[1], new, 4, "strong_yes")
    for _ in range(2):   # the second time from each instance's cache
        for p in (on_b.get(f"/v1/loops/{loop['id']}/decision-packet").json(),
                  packet(t, loop["id"])):
            assert round_titles(p, old["id"]) == (old_version, old_titles)
            got_version, titles = round_titles(p, new["id"])
            assert got_version == version and titles[key] == "Requirements, as revised"
            assert {k: v for k, v in titles.items() if k != key} == \
                {k: v for k, v in old_titles.items() if k != key}


def test_orgs_publishing_the_same_version_number_keep_their_own(loopd):
    one, two = Team(loopd, interviewers=1), Team(loopd, interviewers=1)
    seen = {}
    for team, title in ((one, "Requirements for one"), (two, "Requirements for two")):
        version, key = publish(team, title)
        loop = team.loop()
        rnd = past_round(team, loop, [(team.iv[0], "lead")])
        submit_scorecard(team, team.iv[0], rnd, 3, "yes")
        seen[title] = (team, loop, rnd, version, key)
    assert len({v[3] for v in seen.values()}) == 1, "both published the same number"
    for _ in range(2):   # the second time from the cache
        for title, (team, loop, rnd, version, key) in seen.items():
            got_version, titles = round_titles(packet(team, loop["id"]), rnd["id"])
            assert got_version == version and titles[key] == title
