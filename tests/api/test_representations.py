"""Representations are built in C from rows (issue 18): the SQL functions
that rendered them are gone, the SQL helpers that stay are re-applied at
every start-up, and the served forms did not change (member order, and
times: whole seconds without a fraction, others with microseconds)."""
import datetime as dt

from conftest import iso

RENDERERS = ["ts", "candidate_json", "round_json", "loop_json", "loop_effective_status"]

LOOP_MEMBERS = ["id", "candidate_id", "candidate", "position", "recruiter_id",
                "hiring_manager_id", "status", "cancel_reason", "template", "version",
                "created_at", "updated_at", "rounds", "warnings", "elapsed_days"]
ROUND_MEMBERS = ["id", "loop_id", "kind", "rubric", "required", "starts_at", "ends_at",
                 "location", "status", "sequence", "interviewers", "version", "created_at",
                 "updated_at", "due_at", "expected_effort_hours", "warnings"]


def functions(conn, names):
    with conn.cursor() as c:
        c.execute("SELECT proname FROM pg_proc WHERE proname = ANY(%s) ORDER BY 1", (names,))
        return [r[0] for r in c.fetchall()]


def test_render_functions_are_gone_and_helpers_stay(db):
    assert functions(db, RENDERERS) == []
    assert functions(db, ["loop_sync_status", "loop_visible"]) == ["loop_sync_status",
                                                                   "loop_visible"]


def test_helper_functions_are_reapplied_at_start(fresh_loopd):
    server = fresh_loopd()
    conn = server.db()
    with conn.cursor() as c:
        c.execute("CREATE OR REPLACE FUNCTION loop_visible(p_org uuid, p_loop uuid, p_hm uuid,"
                  " viewer uuid, reach int) RETURNS boolean LANGUAGE sql STABLE AS 'SELECT false'")
    conn.close()
    server.stop()
    server.start()
    conn = server.db()
    with conn.cursor() as c:
        c.execute("SELECT prosrc FROM pg_proc WHERE proname = 'loop_visible'")
        assert "round_interviewers" in c.fetchone()[0], "db/functions.sql was not re-applied"
    conn.close()


def test_members_keep_their_order(team):
    loop = team.loop(template="backend_engineer")
    rd = loop["rounds"][0]
    api = team.api()
    api.put(f"/v1/rounds/{rd['id']}/interviewers/{team.iv[0].id}", json={"role": "lead"})
    got = api.get(f"/v1/loops/{loop['id']}").json()
    assert list(got) == LOOP_MEMBERS
    assert list(got["candidate"]) == ["id", "name"]
    assert [list(r) for r in got["rounds"]] == [ROUND_MEMBERS] * len(got["rounds"])
    assert list(got["rounds"][0]["rubric"]) == ["key", "version"]
    assert list(got["rounds"][0]["interviewers"][0]) == ["user_id", "name", "role"]
    listed = api.get(f"/v1/loops?candidate_id={loop['candidate_id']}").json()["data"]
    assert [list(x) for x in listed] == [LOOP_MEMBERS] and listed[0]["rounds"] is None


def test_times_always_carry_six_fraction_digits(team, db):
    loop = team.loop()
    with db.cursor() as c:
        c.execute("UPDATE loops SET created_at = date_trunc('second', created_at),"
                  " updated_at = date_trunc('second', updated_at) + interval '1.5 s'"
                  " WHERE id = %s RETURNING created_at, updated_at", (loop["id"],))
        created, updated = c.fetchone()
    got = team.api().get(f"/v1/loops/{loop['id']}").json()
    assert got["created_at"] == iso(created) and got["created_at"].endswith(".000000Z")
    assert got["updated_at"] == iso(updated) and got["updated_at"].endswith(".500000Z")
    start = dt.datetime(2031, 3, 4, 9, 30, tzinfo=dt.timezone.utc)
    rd = team.round(loop["id"], start=start)
    assert (rd["starts_at"], rd["ends_at"]) == ("2031-03-04T09:30:00.000000Z", "2031-03-04T10:30:00.000000Z")
