"""Black-box tests of the audit log's hash chain (issue 3): verification
through GET /v1/audit-events/verify and `loopd audit verify` of an intact
chain and of edited, deleted and swapped events, a chain that goes on
after a break, organisations' chains independent of each other, the
application role's privileges and the append-only triggers, and an
independent re-verification of the chain exactly as README documents it
(also of a long chain built outside loopd).

Tamper tests each take a fresh organisation (`chain`), as a broken chain
stays broken."""

import hashlib
import json
import uuid

import psycopg2
import psycopg2.errors
import pytest

from helpers import GENESIS, all_events, audit_head, audit_rows, verdict

pytestmark = pytest.mark.usefixtures("no_throttle_spill")


HASHED = ("action", "actor_id", "actor_type", "changes", "entity_id", "entity_type",
          "occurred_at", "org_id", "request_id", "source")


def canonical(event, org_id):
    """The canonical bytes of an event, exactly as README documents them."""
    e = dict(event, org_id=org_id)
    return json.dumps({k: e[k] for k in HASHED}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def tamper(server, *statements):
    """Runs statements as the owner with the audit table's user triggers
    disabled, in one transaction (the triggers are enabled again before it
    commits, so no other session ever sees them off)."""
    conn = server.db()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute("ALTER TABLE audit_events DISABLE TRIGGER USER")
            for sql, params in statements:
                cur.execute(sql, params)
            cur.execute("ALTER TABLE audit_events ENABLE TRIGGER USER")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


@pytest.fixture
def chain(loopd, new_org):
    """A fresh org with six events: org.created, user.created, client.created
    (bootstrap), login.succeeded, user.created x2. The admin's token is
    taken first."""
    admin = new_org()
    admin.token  # noqa: B018
    admin.make_user(roles=["recruiter"])
    admin.make_user(roles=["interviewer"])
    conn = loopd.db()
    try:
        assert [e["action"] for e in audit_rows(conn, admin)] == [
            "org.created", "user.created", "client.created", "login.succeeded",
            "user.created", "user.created"]
    finally:
        conn.close()
    return admin


# -- the chain and tampering -------------------------------------------------


def test_untouched_chain_verifies(loopd, chain, db):
    v = verdict(chain)
    seq, head_hash = audit_head(db, chain)
    assert v == {"ok": True, "events_checked": seq, "head": {"seq": seq, "hash": head_hash},
                 "first_break": None}
    events = audit_rows(db, chain)
    for prev, e in zip([None] + events, events):
        assert e["prev_hash"] == (prev["hash"] if prev else GENESIS)
    out = loopd.run("audit", "verify", "--org", chain.org_id)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == v
    assert out.stdout.endswith("}\n") and out.stdout.count("\n") == 1, repr(out.stdout)


def test_edited_event_is_reported(loopd, chain):
    tamper(loopd, ("UPDATE audit_events SET changes = %s WHERE org_id = %s AND seq = 5",
                   ('{"disabled":false,"email":"mallory@example.test","name":"M",'
                    '"roles":"admin"}', chain.org_id)))
    v = verdict(chain)
    assert v["ok"] is False and v["first_break"] == {"seq": 5, "reason": "edited"}, v
    assert v["events_checked"] == 4


@pytest.mark.parametrize("column,value", [
    ("changes", '{"name": "not canonical"}'),
    ("action", "user.deleted"),
    ("actor_id", None),
    ("entity_id", "00000000-0000-0000-0000-000000000000"),
    ("occurred_at", "2001-01-01T00:00:00Z"),
    ("source", "10.0.0.1"),
])
def test_any_edited_field_is_reported(loopd, chain, column, value):
    tamper(loopd, (f"UPDATE audit_events SET {column} = %s WHERE org_id = %s AND seq = 4",
                   (value, chain.org_id)))
    assert verdict(chain)["first_break"] == {"seq": 4, "reason": "edited"}


def test_deleted_middle_event_is_reported(loopd, chain):
    tamper(loopd, ("DELETE FROM audit_events WHERE org_id = %s AND seq = 3", (chain.org_id,)))
    v = verdict(chain)
    assert v["ok"] is False and v["first_break"] == {"seq": 3, "reason": "missing"}, v
    assert v["events_checked"] == 2


def test_deleted_last_event_is_reported(loopd, chain):
    tamper(loopd, ("DELETE FROM audit_events WHERE org_id = %s AND seq = 6", (chain.org_id,)))
    v = verdict(chain)
    assert v["first_break"] == {"seq": 6, "reason": "missing"}, v
    assert v["head"]["seq"] == 6


def test_swapped_events_are_reported(loopd, chain):
    org = chain.org_id
    tamper(loopd,
           ("UPDATE audit_events SET seq = -1 WHERE org_id = %s AND seq = 3", (org,)),
           ("UPDATE audit_events SET seq = 3 WHERE org_id = %s AND seq = 4", (org,)),
           ("UPDATE audit_events SET seq = 4 WHERE org_id = %s AND seq = -1", (org,)))
    v = verdict(chain)
    assert v["ok"] is False and v["first_break"] == {"seq": 3, "reason": "reordered"}, v
    assert v["events_checked"] == 2


def test_cli_verify_exits_non_zero_on_a_break(loopd, chain):
    tamper(loopd, ("DELETE FROM audit_events WHERE org_id = %s AND seq = 4", (chain.org_id,)))
    v = verdict(chain)
    out = loopd.run("audit", "verify", "--org", chain.org_id)
    assert out.returncode != 0
    assert json.loads(out.stdout.strip().splitlines()[-1]) == v
    assert out.stdout.endswith("}\n"), repr(out.stdout)
    assert v["first_break"] == {"seq": 4, "reason": "missing"}


def test_cli_verify_usage(loopd):
    assert loopd.run("audit", "verify").returncode == 2
    assert loopd.run("audit", "verify", "--org", "not-a-uuid").returncode == 2


def test_chain_continues_after_a_break(loopd, chain):
    """Later events still append (the log keeps recording); verify keeps
    naming the first break."""
    tamper(loopd, ("UPDATE audit_events SET source = 'x' WHERE org_id = %s AND seq = 2",
                   (chain.org_id,)))
    chain.make_user()
    v = verdict(chain)
    assert v["first_break"] == {"seq": 2, "reason": "edited"} and v["head"]["seq"] == 7


def test_other_orgs_chains_are_independent(loopd, chain, org_admin):
    tamper(loopd, ("DELETE FROM audit_events WHERE org_id = %s AND seq = 2", (chain.org_id,)))
    assert verdict(chain)["ok"] is False
    assert verdict(org_admin)["ok"] is True


# -- privileges --------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET changes = changes WHERE org_id = %s AND seq = 1",
    "DELETE FROM audit_events WHERE org_id = %s AND seq = 1",
    "TRUNCATE audit_events",
])
def test_app_role_cannot_change_the_log(loopd, org_admin, statement):
    """As loopd_app (the role request connections use), UPDATE, DELETE and
    TRUNCATE on audit_events fail with a permission error (and are rolled
    back in any case)."""
    conn = loopd.db()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute("SET ROLE loopd_app")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement, (org_admin.org_id,) if "%s" in statement else None)
    finally:
        conn.rollback()
        conn.close()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_heads SET seq = seq + 1 WHERE org_id = %s",
    "UPDATE audit_heads SET hash = repeat('0', 64) WHERE org_id = %s",
    "DELETE FROM audit_heads WHERE org_id = %s",
    "INSERT INTO audit_heads (org_id, seq, hash) SELECT %s, 0, repeat('0', 64)"
    " ON CONFLICT (org_id) DO UPDATE SET seq = 0",
    "TRUNCATE audit_heads",
])
def test_app_role_cannot_move_the_head(loopd, org_admin, statement):
    """As loopd_app the chain's head is read-only: only audit_advance()
    (SECURITY DEFINER, owned by the migrating role) moves it, so UPDATE,
    DELETE, INSERT and TRUNCATE on audit_heads are permission errors."""
    org_admin.token  # noqa: B018 (the org has a head)
    conn = loopd.db()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute("SET ROLE loopd_app")
            cur.execute("SELECT seq FROM audit_heads WHERE org_id = %s", (org_admin.org_id,))
            assert cur.fetchone() is not None        # it may read the head
            with pytest.raises(psycopg2.errors.InsufficientPrivilege) as e:
                cur.execute(statement, (org_admin.org_id,) if "%s" in statement else None)
            assert "permission denied" in str(e.value)
    finally:
        conn.rollback()
        conn.close()


def test_app_role_moves_the_head_only_to_a_continuing_event(loopd, org_admin, db):
    """audit_advance() as loopd_app refuses a head that skips or rewinds (it
    returns false and the head stays where it was)."""
    org_admin.token  # noqa: B018 (the org has a head)

    def stored_head():
        with db.cursor() as cur:
            cur.execute("SELECT seq, hash FROM audit_heads WHERE org_id = %s", (org_admin.org_id,))
            return cur.fetchone()
    seq, head = stored_head()
    conn = loopd.db()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute("SET ROLE loopd_app")
            for to_seq, to_hash in ((seq + 5, "f" * 64), (seq, head), (max(seq - 1, 0), "0" * 64)):
                cur.execute("SELECT audit_advance(%s, %s, %s)", (org_admin.org_id, to_seq, to_hash))
                assert cur.fetchone() == (False,), (to_seq, to_hash)
    finally:
        conn.rollback()
        conn.close()
    assert stored_head() == (seq, head)


def test_app_role_can_read_and_append(loopd):
    conn = loopd.db()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT has_table_privilege('loopd_app', 'audit_events', 'SELECT'),"
                        " has_table_privilege('loopd_app', 'audit_events', 'INSERT'),"
                        " has_table_privilege('loopd_app', 'audit_events', 'UPDATE'),"
                        " has_table_privilege('loopd_app', 'audit_events', 'DELETE'),"
                        " has_table_privilege('loopd_app', 'audit_events', 'TRUNCATE')")
            assert cur.fetchone() == (True, True, False, False, False)
    finally:
        conn.close()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET changes = changes WHERE org_id = %s AND seq = 1",
    "DELETE FROM audit_events WHERE org_id = %s AND seq = 1",
    "TRUNCATE audit_events",
])
def test_triggers_refuse_any_role_but_the_owner(loopd, org_admin, statement):
    """Even a role granted UPDATE/DELETE/TRUNCATE is refused by the triggers."""
    role = f"auditor_{uuid.uuid4().hex[:8]}"
    admin_conn = loopd.db()
    with admin_conn.cursor() as cur:
        cur.execute(f"CREATE ROLE {role} NOLOGIN")
        cur.execute(f"GRANT SELECT, UPDATE, DELETE, TRUNCATE ON audit_events TO {role}")
    conn = loopd.db()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute(f"SET ROLE {role}")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege) as e:
                cur.execute(statement, (org_admin.org_id,) if "%s" in statement else None)
            assert "append-only" in str(e.value)
    finally:
        conn.rollback()
        conn.close()
        with admin_conn.cursor() as cur:
            cur.execute(f"REVOKE ALL ON audit_events FROM {role}")
            cur.execute(f"DROP ROLE {role}")
        admin_conn.close()


# -- independent re-verification ---------------------------------------------


def test_independent_chain_verification(loopd, new_org):
    """Re-verifies the chain from GET /v1/audit-events alone, as README
    documents it: canonical = json.dumps of the hashed fields (org_id
    added), sorted keys, no whitespace, UTF-8; hash = sha256(prev + canonical)."""
    admin = new_org()
    admin.make_user(roles=["recruiter"], name='Zoë "Q" \\ 😀 \u2028 naïve')
    p = admin.make_user(roles=["interviewer"], name="Ünïcödé ユーザー")
    r = admin.api.patch(f"/v1/users/{p.user_id}", json={"name": "tab\there\nnewline\u0001"},
                        headers={"If-Match": '"1"'})
    assert r.status_code in (200, 422), r.text
    admin.api.post("/v1/clients", json={"name": "ç", "grants": ["client_credentials"],
                                        "scopes": ["audit:read"]})
    events = all_events(admin.api)
    assert len(events) >= 7
    prev = GENESIS
    for e in events:
        assert e["prev_hash"] == prev, f"event {e['seq']}: prev_hash does not link"
        text = canonical(e, admin.org_id)
        mine = hashlib.sha256((prev + text).encode("utf-8")).hexdigest()
        assert mine == e["hash"], (
            f"event {e['seq']} ({e['action']}): sha256(prev_hash + canonical) is {mine}, "
            f"loopd stored {e['hash']}; canonical text was {text!r}")
        prev = e["hash"]
    v = verdict(admin)
    assert v["ok"] and v["head"] == {"seq": events[-1]["seq"], "hash": prev}


def test_events_hashed_in_sql_verify_with_the_c_verifier(loopd, new_org, db):
    """audit_append() (db/functions.sql) hashes in SQL what loopd's C code
    used to hash: events it appends, through the API and called directly as
    loopd_app with non-ASCII changes, carry the documented hash and pass the
    C verifier (GET /verify and `loopd audit verify`)."""
    admin = new_org()
    admin.make_user(roles=["recruiter"], name="Grüße ユーザー 😀 \u2028 \"q\" \\")
    seq, prev = audit_head(db, admin)
    e = {"action": "test.sql_append", "actor_id": None, "actor_type": "system",
         "changes": {"note": "naïve 李 😀 \u2028 tab\t \"quoted\" \\", "n": 1},
         "entity_id": "é1", "entity_type": "test", "occurred_at": "2030-01-02T03:04:05.060708Z",
         "org_id": admin.org_id, "request_id": "req-ü", "source": "192.0.2.1"}
    text = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    conn = loopd.db()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute("SET ROLE loopd_app")
            cur.execute("SELECT audit_append(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        (admin.org_id, e["occurred_at"], e["actor_type"], None, e["action"],
                         e["entity_type"], e["entity_id"], e["request_id"], e["source"],
                         json.dumps(e["changes"], sort_keys=True, separators=(",", ":"),
                                    ensure_ascii=False), text))
            assert cur.fetchone() == (seq + 1,)
        conn.commit()
    finally:
        conn.close()
    admin.make_user(roles=["interviewer"], name="Ñandú ø")
    rows = audit_rows(db, admin, after_seq=seq)
    assert [r["action"] for r in rows] == ["test.sql_append", "user.created"]
    assert rows[0]["prev_hash"] == prev
    assert rows[0]["hash"] == hashlib.sha256((prev + text).encode()).hexdigest()
    events = all_events(admin.api)
    for before, event in zip([None] + events, events):
        want = hashlib.sha256(((before["hash"] if before else GENESIS)
                               + canonical(event, admin.org_id)).encode()).hexdigest()
        assert event["hash"] == want, event
    v = verdict(admin)
    assert v == {"ok": True, "events_checked": seq + 2,
                 "head": {"seq": seq + 2, "hash": rows[1]["hash"]}, "first_break": None}, v
    out = loopd.run("audit", "verify", "--org", admin.org_id)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == v


def test_long_chain_built_outside_loopd_verifies(loopd, new_org, db):
    """1200 events chained in Python by the documented encoding (past
    verify's 1000-event batches) are accepted by loopd's verifier, listed
    page by page, and a break deep in them is found at its exact seq."""
    admin = new_org()
    admin.token  # noqa: B018
    seq, prev = audit_head(db, admin)
    rows = []
    for i in range(1, 1201):
        e = {"action": "test.synthetic", "actor_id": None, "actor_type": "system",
             "changes": {"i": i, "note": "grüße \"quoted\" \\ \u2028"},
             "entity_id": str(i), "entity_type": "test",
             "occurred_at": f"2030-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}Z",
             "org_id": admin.org_id, "request_id": f"req-{i}", "source": "192.0.2.1"}
        text = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        h = hashlib.sha256((prev + text).encode()).hexdigest()
        rows.append((admin.org_id, seq + i, e["occurred_at"], e["actor_type"], e["action"],
                     e["entity_type"], e["entity_id"], e["request_id"], e["source"],
                     json.dumps(e["changes"], sort_keys=True, separators=(",", ":"),
                                ensure_ascii=False), prev, h))
        prev = h
    with db.cursor() as cur:
        cur.executemany(
            "INSERT INTO audit_events (org_id, seq, occurred_at, actor_type, action, entity_type,"
            " entity_id, request_id, source, changes, prev_hash, hash)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
        cur.execute("UPDATE audit_heads SET seq = %s, hash = %s WHERE org_id = %s",
                    (seq + 1200, prev, admin.org_id))
    v = verdict(admin)
    assert v == {"ok": True, "events_checked": seq + 1200,
                 "head": {"seq": seq + 1200, "hash": prev}, "first_break": None}, v
    events = all_events(admin.api)
    assert [e["seq"] for e in events] == list(range(1, seq + 1201))
    # loopd keeps appending on top of them
    admin.make_user()
    assert verdict(admin)["ok"] is True
    target = seq + 1100
    tamper(loopd, ("UPDATE audit_events SET entity_id = 'x' WHERE org_id = %s AND seq = %s",
                   (admin.org_id, target)))
    v = verdict(admin)
    assert v["first_break"] == {"seq": target, "reason": "edited"}
    assert v["events_checked"] == target - 1
