"""Seeding and the data scenarios of scripts/bench.py (4 5 6 7): a template
loop, round and scorecard made through the API in an org, then cloned with
set-based SQL (INSERT ... SELECT generate_series) straight into the tables:
users, candidates, loops, rounds, round_interviewers (each interviewer's
rounds one hour apart, so the exclusion constraint holds; leads only, so at
most one bar raiser per loop), scorecards and their revision and rating
rows (revision 1 when submitted, 0 for a draft)."""
import concurrent.futures, difflib, os, subprocess, time

STATUSES = "ARRAY['scheduled','in_progress','awaiting_decision']"


class Org:
    """An org with a hiring manager, an interviewer (both with passwords) and
    a template loop whose one past round has the interviewer's scorecard,
    submitted or left as a draft."""

    def __init__(self, b, srv, k, state):
        listen, t = srv["listen"], srv["tokens"][k]
        self.b, self.srv, self.k, self.state = b, srv, k, state
        me = b.call(listen, "GET", "/v1/me", t)
        self.org = me["org_id"]
        tag = "%d-%d" % (k, time.monotonic_ns())

        def user(email, roles):
            return b.call(listen, "POST", "/v1/users", t, {
                "email": email, "name": email.split("@")[0], "roles": roles,
                "password": "bench-user-password"})["id"]
        self.hm_email = "hm-%s@bench.test" % tag
        self.hm = user(self.hm_email, ["hiring_manager"])
        iv_email = "tiv-%s@bench.test" % tag
        self.iv = user(iv_email, ["interviewer"])
        cand = b.call(listen, "POST", "/v1/candidates", t, {
            "name": "Template", "email": "t-%s@bench.test" % tag})["id"]
        self.loop = b.call(listen, "POST", "/v1/loops", t, {
            "candidate_id": cand, "position": "Backend engineer", "recruiter_id": me["id"],
            "hiring_manager_id": self.hm})["id"]
        start = time.time() - 30 * 86400
        iso = lambda s: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s))
        rnd = b.call(listen, "POST", "/v1/loops/%s/rounds" % self.loop, t, {
            "kind": "system_design", "starts_at": iso(start), "ends_at": iso(start + 1800),
            "interviewers": [{"user_id": self.iv, "role": "lead"}]})
        self.round = rnd["id"]
        rub = b.call(listen, "GET", "/v1/rubrics/%s/versions/%d" % (
            rnd["rubric"]["key"], rnd["rubric"]["version"]), t)
        crit = [c["key"] for c in rub["criteria"] if c["required"]]
        ivt = b.login(listen, srv["clients"][k], iv_email, "bench-user-password")
        b.call(listen, "PUT", "/v1/rounds/%s/scorecard" % self.round, ivt, {
            "ratings": [{"criterion": c, "rating": 3, "evidence": "said X about " + c}
                        for c in crit], "red_flags": [], "recommendation": "yes",
            "summary": "Solid design, clear trade-offs."})
        if state == "submitted":
            b.call(listen, "POST", "/v1/rounds/%s/scorecard/submit" % self.round, ivt, {})
        self.card = b.psql(srv, "SELECT id FROM scorecards WHERE org_id = '%s' AND round_id"
                           " = '%s'" % (self.org, self.round)).strip()
        self.rev = 1 if state == "submitted" else 0

    def hm_token(self):
        return self.b.login(self.srv["listen"], self.srv["clients"][self.k], self.hm_email,
                            "bench-user-password")

    def clone(self, loops, per, ivs, tag, status=None):
        """loops loops of per rounds each, one lead scorecard per round, over
        ivs new interviewers; returns the new loops' ids in creation order."""
        return clone(self.b, self.srv, [self], loops, per, ivs, tag, status)

    def drafts(self, loops, per, ivs, tag):
        """Seeded drafts: [(round id, author email)] in creation order."""
        self.clone(loops, per, ivs, tag)
        rows = self.b.psql(self.srv, """
SELECT r.round_id, u.email FROM round_interviewers r JOIN users u
    ON u.org_id = r.org_id AND u.id = r.user_id
 WHERE r.org_id = '%s' AND u.email LIKE '%%-%s@bench.test' ORDER BY r.during""" % (
            self.org, tag))
        return [tuple(l.split("|")) for l in rows.splitlines() if l]


def clone(b, srv, tpls, loops, per, ivs, tag, status=None):
    """For each template Org of tpls (same cluster): loops loops (or loops[k]
    for the k-th) of per rounds
    each, one lead scorecard per round, over ivs new interviewers, all orgs in
    one statement a table; returns the new loops' ids in creation order."""
    st = STATUSES if not status else "ARRAY['%s']" % status
    counts = loops if isinstance(loops, list) else [loops] * len(tpls)
    rows = ",\n".join("(%d, '%s'::uuid, '%s'::uuid, '%s'::uuid, '%s'::uuid, '%s'::uuid, %d, %s, %d)"
                       % (k, o.org, o.loop, o.round, o.card, o.iv, o.rev,
                          "true" if o.state == "submitted" else "false", counts[k])
                       for k, o in enumerate(tpls))
    v = dict(rows=rows, per=per, ivs=ivs, tag=tag, st=st)
    sql = """
SET temp_buffers = '512MB';
SET work_mem = '256MB';
SET maintenance_work_mem = '1GB';
BEGIN;
CREATE TEMP TABLE tpl ON COMMIT DROP AS SELECT * FROM (VALUES {rows})
  t(k, org, loop, round, card, iv, rev, submitted, loops);
CREATE TEMP TABLE iv ON COMMIT DROP AS
  SELECT t.k, g AS n, gen_random_uuid() AS id FROM tpl t, generate_series(0, {ivs} - 1) g;
INSERT INTO users (org_id, id, email, name, roles, password_hash)
  SELECT u.org_id, iv.id, 'iv' || iv.n || '-' || iv.k || '-{tag}@bench.test', 'iv ' || iv.n,
         u.roles, u.password_hash
    FROM iv JOIN tpl t ON t.k = iv.k JOIN users u ON u.org_id = t.org AND u.id = t.iv;
CREATE TEMP TABLE lp ON COMMIT DROP AS
  SELECT t.k, t.org, g AS n, gen_random_uuid() AS id, gen_random_uuid() AS cand,
         CASE WHEN t.submitted THEN ({st})[1 + g % cardinality({st})] ELSE 'in_progress' END
           AS status
    FROM tpl t, generate_series(0, t.loops - 1) g;
INSERT INTO candidates (org_id, id, name, email)
  SELECT org, cand, 'Cand ' || n, 'c' || n || '-' || k || '-{tag}@bench.test' FROM lp;
INSERT INTO loops (org_id, id, candidate_id, position, recruiter_id, hiring_manager_id,
                   status, created_at)
  SELECT l.org_id, lp.id, lp.cand, l.position, l.recruiter_id, l.hiring_manager_id, lp.status,
         now() - interval '1 day' + lp.n * interval '1 ms'
    FROM lp JOIN tpl t ON t.k = lp.k JOIN loops l ON l.org_id = t.org AND l.id = t.loop;
CREATE TEMP TABLE rd ON COMMIT DROP AS
  SELECT x.k, x.org, x.loop_id, x.g, gen_random_uuid() AS id, gen_random_uuid() AS card,
         iv.id AS iv, date_trunc('hour', now()) - interval '3 hours'
                      - (x.g / {ivs}) * interval '1 hour' AS s
    FROM (SELECT lp.k, lp.org, lp.id AS loop_id, lp.n * {per} + j AS g
            FROM lp, generate_series(0, {per} - 1) j) x
    JOIN iv ON iv.k = x.k AND iv.n = x.g % {ivs};
INSERT INTO rounds (org_id, id, loop_id, kind, rubric_id, rubric_key, rubric_version, required,
                    starts_at, ends_at, status)
  SELECT r.org_id, rd.id, rd.loop_id, r.kind, r.rubric_id, r.rubric_key, r.rubric_version,
         r.required, rd.s, rd.s + interval '30 minutes', r.status
    FROM rd JOIN tpl t ON t.k = rd.k JOIN rounds r ON r.org_id = t.org AND r.id = t.round
   ORDER BY rd.k, rd.g;
INSERT INTO round_interviewers (org_id, round_id, user_id, loop_id, role, during)
  SELECT rd.org, rd.id, rd.iv, rd.loop_id, 'lead', tstzrange(rd.s, rd.s + interval '30 minutes')
    FROM rd ORDER BY rd.k, rd.iv, rd.s;
INSERT INTO scorecards (org_id, id, round_id, loop_id, author_id, status, revision, version,
                        first_submitted_at, submitted_at)
  SELECT rd.org, rd.card, rd.id, rd.loop_id, rd.iv, s.status, s.revision, s.version,
         s.first_submitted_at, s.submitted_at
    FROM rd JOIN tpl t ON t.k = rd.k JOIN scorecards s ON s.org_id = t.org AND s.id = t.card;
INSERT INTO scorecard_revisions (org_id, scorecard_id, revision, role, recommendation, summary,
                                 submitted_by, submitted_at)
  SELECT rd.org, rd.card, v.revision, v.role, v.recommendation, v.summary,
         CASE WHEN v.submitted_by IS NOT NULL THEN rd.iv END, v.submitted_at
    FROM rd JOIN tpl t ON t.k = rd.k JOIN scorecard_revisions v
      ON v.org_id = t.org AND v.scorecard_id = t.card AND v.revision = t.rev;
INSERT INTO scorecard_ratings (org_id, scorecard_id, revision, position, criterion, rating,
                               evidence)
  SELECT rd.org, rd.card, x.revision, x.position, x.criterion, x.rating, x.evidence
    FROM rd JOIN tpl t ON t.k = rd.k JOIN scorecard_ratings x
      ON x.org_id = t.org AND x.scorecard_id = t.card AND x.revision = t.rev;
SELECT id FROM lp ORDER BY k, n;
COMMIT;
""".format(**v)
    return b.psql(srv, sql).split()


# The tables a large seed fills (100 000 to 7 000 000 rows): inserting into
# them with their indexes, exclusion and foreign keys checked row by row took
# most of the seed; built once over the loaded rows they cost a sort each
# (the GiST exclusion index of round_interviewers, built by insertion: btree_gist
# has no sorted build in PostgreSQL 15, is the longest). bulk_load records
# every index and constraint on them but NOT NULL and CHECK, and every
# foreign key to them, as the DDL that makes it again (pg_get_indexdef,
# pg_get_constraintdef), drops them, loads the rows in two sessions, then
# makes them again: the exclusion index in one session beside the other
# tables' indexes in another, then round_interviewers' own and the foreign
# keys (validated). seed_size compares pg_dump --schema-only before and after.
BULK_TABLES = ("candidates", "loops", "rounds", "round_interviewers", "scorecards",
               "scorecard_revisions", "scorecard_ratings")
BULK_DDL = """
WITH t AS (SELECT array_agg(n::regclass) AS t FROM unnest(ARRAY['%s']) n)
SELECT concat_ws(chr(31), c.contype, c.conrelid::regclass,
         CASE WHEN c.contype = 'f' THEN c.confrelid::regclass::text ELSE '-' END,
         format('ALTER TABLE %%s DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname),
         format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
                pg_get_constraintdef(c.oid)))
  FROM pg_constraint c, t
 WHERE (c.contype IN ('p', 'u', 'x') AND c.conrelid = ANY (t.t))
    OR (c.contype = 'f' AND (c.conrelid = ANY (t.t) OR c.confrelid = ANY (t.t)))
UNION ALL
SELECT concat_ws(chr(31), 'i', i.indrelid::regclass, '-',
                 format('DROP INDEX %%s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid))
  FROM pg_index i, t
 WHERE i.indrelid = ANY (t.t) AND NOT EXISTS (SELECT 1 FROM pg_constraint c
       WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
""" % "', '".join(BULK_TABLES)
BULK_SESSION = "SET maintenance_work_mem = '1GB'; SET work_mem = '256MB'; "


def bulk_load(b, srv, loads):
    """Runs the functions of loads (each its own session), two at a time,
    with the large tables' indexes and constraints dropped (BULK_DDL)."""
    ddl = [l.split(chr(31)) for l in b.psql(srv, BULK_DDL).splitlines() if l]
    b.psql(srv, "BEGIN; %s; COMMIT;" % "; ".join(
        d[3] for d in sorted(ddl, key=lambda d: d[0] != "f")))

    def both(*groups):
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            for f in [pool.submit(g) for g in groups]:
                f.result()
    started = time.monotonic()
    both(*loads)
    loaded = time.monotonic()
    run = lambda group: lambda: b.psql(srv, BULK_SESSION + "; ".join(d[4] for d in group))
    # the exclusion index beside the other tables' indexes, then the foreign keys
    ex = [d for d in ddl if d[0] == "x"]
    rest = [d for d in ddl if d[0] not in "xf" and d[1] not in {e[1] for e in ex}]
    both(run(ex), run(rest))
    built = time.monotonic()
    run(sorted([d for d in ddl if d not in ex and d not in rest], key=lambda d: d[0] == "f"))()
    b.log("  bulk load: rows in %.1f s, %d indexes and constraints made again in %.1f s"
          " (%.1f s of them after the exclusion index)" % (loaded - started, len(ddl),
                                                   time.monotonic() - loaded,
                                                   time.monotonic() - built))


# -- scenarios ----------------------------------------------------------------

def run_packet(b, srv, loop3):
    """5: the decision packet of a loop with 6 submitted scorecards, read by
    its hiring manager, vs scenario 3's GET /v1/loops/{id}, interleaved."""
    o = Org(b, srv, 0, "submitted")
    loop = o.clone(1, 6, 6, "p5")[0]
    hm = b.tokens_file(srv, [o.hm_token()])
    b.call(srv["listen"], "GET", "/v1/loops/%s/decision-packet" % loop, o.hm_token())
    t1 = b.tokens_file(srv, srv["tokens"][:1])
    base, r = b.interleave(lambda: b.wrk(srv["listen"], "/v1/loops/" + loop3, t1),
                           lambda: b.wrk(srv["listen"], "/v1/loops/%s/decision-packet" % loop,
                                         hm))
    b.figure("5 GET decision packet (6 submitted cards; audited: a write per read)"
             " / 3 GET /v1/loops/{id}", r, base, 0.50, ">=",
             note="every packet read appends a decision_packet audit event (an insert and"
                  " the org's chain-head update per request), on a cluster without fsync")


SUBMIT_SLICE = 8000


def run_submit(b):
    """7: POST .../scorecard/submit of seeded drafts (each request its own
    round and draft; Idempotency-Key set) on a loopd started WITHOUT
    LOOP_EMBEDDED_NOSYNC (fsync, synchronous_commit on) vs pgbench -M
    prepared running the same inserts in one transaction."""
    srv = b.start_loopd(b.PORT + 2, sync=True)
    log = b.log
    log("  (scenario 7 cluster: fsync=%s, synchronous_commit=%s)" % (
        b.psql(srv, "SHOW fsync").strip(), b.psql(srv, "SHOW synchronous_commit").strip()))
    o = Org(b, srv, 0, "draft")
    started = time.monotonic()
    pool = o.drafts(SUBMIT_SLICE * (b.ROUNDS + 1) // 10, 10, 20, "d7")
    log("  seeded %d drafts in %.1f s" % (len(pool), time.monotonic() - started))
    tok = {}
    for _, email in pool:
        if email not in tok:
            tok[email] = b.login(srv["listen"], srv["clients"][0], email, "bench-user-password")
    path = b.tokens_file(srv, ["%s %s" % (r, tok[e]) for r, e in pool])
    runs = [0]

    def submits():
        runs[0] += 1
        return b.wrk(srv["listen"], "/", path, "submit.lua",
                     env={"BENCH_OFFSET": str(runs[0] * SUBMIT_SLICE)})
    b.psql(srv, "CREATE SEQUENCE IF NOT EXISTS bench_rev START 1000")
    ratings = b.psql(srv, "SELECT position, criterion, rating, evidence FROM scorecard_ratings"
                     " WHERE org_id = '%s' AND scorecard_id = '%s' AND revision = 0"
                     " ORDER BY position" % (o.org, o.card))
    rows = []
    for line in ratings.splitlines():
        pos, crit, rating, ev = line.split("|")
        rows.append("(:org, :card, :rev, %s, '%s', %s, '%s')" % (pos, crit, rating, ev))
    script = """\\set dummy 1
BEGIN;
SELECT nextval('bench_rev') AS rev \\gset
INSERT INTO scorecard_revisions (org_id, scorecard_id, revision, role, recommendation, summary,
  submitted_by, submitted_at) VALUES (:org, :card, :rev, 'lead', 'yes',
  'Solid design, clear trade-offs.', :iv, now());
INSERT INTO scorecard_ratings (org_id, scorecard_id, revision, position, criterion, rating,
  evidence) VALUES %s;
UPDATE audit_heads SET seq = seq + 1, hash = md5(:rev::text) WHERE org_id = :org RETURNING seq \\gset
INSERT INTO audit_events (org_id, seq, occurred_at, actor_type, actor_id, action, entity_type,
  entity_id, request_id, source, changes, prev_hash, hash) VALUES (:org, :seq, now(), 'user', :iv,
  'scorecard.submitted', 'scorecard', :card, 'bench', '127.0.0.1',
  '{"recommendation":"yes","revision":1}', md5(:seq::text), md5(:rev::text));
INSERT INTO idempotency_keys (org_id, caller_id, key, request_hash, status, content_type,
  headers, body) VALUES (:org, :iv, 'pgb-' || :rev::text, md5(:rev::text), 200,
  'application/json', '{}', '{"id":"x","status":"submitted"}');
COMMIT;
""" % ",\n  ".join(rows)
    script = script.replace("\n  ", " ").replace(",\n", ", ")
    base, r = b.interleave(lambda: b.pgbench(srv, script, {"org": o.org, "card": o.card,
                                                           "iv": o.iv}), submits)
    b.figure("7 scorecard submit (fsync on) / pgbench of its inserts in one transaction", r,
             base, 0.70, ">=",
             note="each request submits its own seeded draft (one round each, 10 rounds a"
                  " loop, 20 authors), Idempotency-Key set; loopd started without"
                  " LOOP_EMBEDDED_NOSYNC")
    b.stop(srv)


LARGE_LOOPS = int(os.environ.get("BENCH_LARGE_LOOPS", "100000"))
LARGE_CARDS = int(os.environ.get("BENCH_LARGE_CARDS", "1000000"))
LARGE_IVS = 2000

GENERIC = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF)"
# db/scorecards_overdue.c's OVERDUE_FROM and OVERDUE_PAGE, columns shortened
OVERDUE = (
    "SELECT r.id, ri.user_id, d.due_at, s.first_submitted_at FROM round_interviewers ri"
    " JOIN rounds r ON r.org_id = ri.org_id AND r.id = ri.round_id JOIN loops l"
    " ON l.org_id = r.org_id AND l.id = r.loop_id JOIN users u ON u.org_id = ri.org_id"
    " AND u.id = ri.user_id LEFT JOIN scorecards s ON s.org_id = ri.org_id"
    " AND s.round_id = ri.round_id AND s.author_id = ri.user_id CROSS JOIN LATERAL"
    " (SELECT r.ends_at + make_interval(hours => $1::int) AS due_at) d"
    " WHERE ri.role IN ('lead', 'bar_raiser') AND r.status IN ('scheduled', 'completed')"
    " AND r.ends_at IS NOT NULL AND l.status <> 'cancelled'"
    " AND ((s.first_submitted_at IS NULL AND d.due_at < now()) OR s.first_submitted_at > d.due_at)"
    " AND ri.org_id = $2 AND r.org_id = $2")
OVERDUE_PAGE = (
    " AND r.ends_at < now() + interval '1 hour' - make_interval(hours => $1::int)"
    " AND (r.ends_at, r.id) >= ($4::timestamptz - make_interval(hours => $1::int), $5::uuid)"
    " AND (r.ends_at, r.id, ri.user_id) > ($4::timestamptz - make_interval(hours => $1::int),"
    " $5::uuid, $6::uuid) ORDER BY r.ends_at, r.id, ri.user_id LIMIT $7")

EXPLAIN = [
    # db/loops.c's loop_list_status as an admin runs it (the page picked from
    # loops alone with its status, keyset and sync bounds, then joined with
    # the candidates; generic plan), the selected columns shortened
    ("loop list (GET /v1/loops?status=awaiting_decision&limit=50, an admin; generic plan)",
     "SET plan_cache_mode = force_generic_plan; PREPARE ll(uuid, uuid, int, text, uuid, uuid,"
     " uuid, timestamptz, uuid, int, timestamptz, timestamptz) AS SELECT l.id, l.status, c.name"
     " FROM (SELECT l.* FROM loops l WHERE l.org_id = $1 AND $3::int & 1 = 1"
     " AND ($2::uuid IS NULL OR true) AND l.status = $4::text AND ($5::uuid IS NULL OR true)"
     " AND ($6::uuid IS NULL OR true) AND ($7::uuid IS NULL OR true)"
     " AND (l.created_at, l.id) > ($8::timestamptz, $9::uuid)"
     " AND l.updated_at > $11::timestamptz AND l.created_at > $12::timestamptz"
     " ORDER BY l.created_at, l.id LIMIT $10) l JOIN candidates c ON c.org_id = l.org_id"
     " AND c.id = l.candidate_id ORDER BY l.created_at, l.id; " + GENERIC +
     " EXECUTE ll('{org}', NULL, 1, 'awaiting_decision', NULL, NULL, NULL,"
     " '-infinity', '00000000-0000-0000-0000-000000000000', 51, '-infinity', '-infinity')"),
    # db/scorecards_overdue.c's page, as an admin (the org's) and as an
    # interviewer (their own) run it, and db/schedule.c's schedule_booked
    ("overdue scorecards (GET /v1/scorecards/overdue?limit=50, an admin; generic plan)",
     "SET plan_cache_mode = force_generic_plan; PREPARE od(int, uuid, uuid, timestamptz, uuid,"
     " uuid, int) AS " + OVERDUE + " AND ($3::uuid IS NULL OR true)" + OVERDUE_PAGE + "; "
     + GENERIC + " EXECUTE od(24, '{org}', NULL, '-infinity', '00000000-0000-0000-0000-000000000000',"
     " '00000000-0000-0000-0000-000000000000', 51)"),
    ("overdue scorecards (the same, an interviewer's own; generic plan)",
     "SET plan_cache_mode = force_generic_plan; PREPARE od(int, uuid, uuid, timestamptz, uuid,"
     " uuid, int) AS " + OVERDUE + " AND ri.user_id = $3::uuid" + OVERDUE_PAGE + "; "
     + GENERIC + " EXECUTE od(24, '{org}', '{iv}', '-infinity',"
     " '00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000', 51)"),
    ("rounds of an interviewer (GET /v1/rounds?interviewer=&limit=50, an admin; generic plan)",
     "SET plan_cache_mode = force_generic_plan; PREPARE rb(uuid, uuid, int, timestamptz,"
     " timestamptz, text, uuid, timestamptz, uuid, int) AS WITH page AS (SELECT p.id FROM"
     " rounds p WHERE p.org_id = $1 AND ($2::uuid IS NULL OR true) AND ($3::int IS NULL OR true)"
     " AND p.id = ANY (ARRAY(SELECT x.round_id FROM round_interviewers x WHERE x.org_id = $1"
     " AND x.user_id = $7 AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM rounds s"
     " WHERE s.org_id = $1 AND s.id = x.round_id AND s.status = $6))))"
     " AND p.starts_at IS NOT NULL AND p.starts_at >= $4::timestamptz"
     " AND p.starts_at < $5::timestamptz AND (p.starts_at, p.id) > ($8::timestamptz, $9::uuid)"
     " ORDER BY p.starts_at, p.id LIMIT $10) SELECT r.id, r.kind, iv.user_id, u.name FROM page g"
     " JOIN rounds r ON r.org_id = $1 AND r.id = g.id LEFT JOIN round_interviewers iv"
     " ON iv.org_id = r.org_id AND iv.round_id = r.id LEFT JOIN users u ON u.org_id = iv.org_id"
     " AND u.id = iv.user_id ORDER BY r.starts_at, r.id, iv.created_at, iv.user_id; " + GENERIC
     + " EXECUTE rb('{org}', NULL, 1, '-infinity', 'infinity', NULL, '{iv}', '-infinity',"
     " '00000000-0000-0000-0000-000000000000', 51)"),
    ("packet: loop with the org's policy", "SELECT l.status, l.hiring_manager_id, p.version"
     " FROM loops l LEFT JOIN LATERAL (SELECT * FROM decision_policies dp WHERE dp.org_id ="
     " l.org_id ORDER BY dp.version DESC LIMIT 1) p ON true"
     " WHERE l.org_id = '{org}' AND l.id = '{loop}'"),
    ("packet: rounds with their rubric versions' order", "SELECT id, kind, status, required,"
     " ordinal, rubric_id, dense_rank() OVER (ORDER BY rubric_key, rubric_version, rubric_id)"
     " FROM rounds WHERE org_id = '{org}' AND loop_id = '{loop}' ORDER BY ordinal, id"),
    ("packet: interviewer stats", "SELECT s.user_id, s.n - coalesce(c.n, 0) FROM"
     " interviewer_stats s LEFT JOIN interviewer_contributions c ON c.org_id = s.org_id AND"
     " c.loop_id = '{loop}' AND c.user_id = s.user_id WHERE s.org_id = '{org}' AND s.user_id ="
     " ANY (ARRAY(SELECT DISTINCT user_id FROM round_interviewers WHERE org_id = '{org}' AND"
     " loop_id = '{loop}')) ORDER BY s.user_id"),
    ("packet: submitted scorecards", "SELECT s.id, v.recommendation, x.criterion, x.rating"
     " FROM scorecards s JOIN rounds r ON r.org_id = s.org_id AND r.id = s.round_id"
     " JOIN scorecard_revisions v ON v.org_id = s.org_id AND v.scorecard_id = s.id"
     " AND v.revision = s.revision LEFT JOIN scorecard_ratings x ON x.org_id = s.org_id"
     " AND x.scorecard_id = s.id AND x.revision = s.revision WHERE s.org_id = '{org}'"
     " AND s.loop_id = '{loop}' AND s.status = 'submitted' ORDER BY r.starts_at, x.position"),
]


def seed_size(b, srv, orgs, loops, per, ivs, name, status=None, bulk=False):
    """orgs orgs, loops loops (per scorecards each) and ivs interviewers in
    all, the clones set-based (bulk: two sessions, see bulk_load; the schema
    is compared before and after); org 0 also gets the packet loop (6 submitted
    scorecards). Returns (org 0, its packet loop, its hiring manager's
    token, the counts)."""
    started = time.monotonic()
    schema = dump_schema(b, srv) if bulk else None
    tpls = [Org(b, srv, k, "submitted") for k in range(orgs)]
    # the template loop counts, and org 0's packet loop
    n = [loops // orgs - 1 - (k == 0) for k in range(orgs)]
    per_org = max(1, ivs // orgs)
    if not bulk:
        clone(b, srv, tpls, n, per, per_org, name, status)
    else:	# half the orgs in each of two sessions
        half = (orgs + 1) // 2
        bulk_load(b, srv, [
            lambda: clone(b, srv, tpls[:half], n[:half], per, per_org, name + "a", status),
            lambda: clone(b, srv, tpls[half:], n[half:], per, per_org, name + "b", status)])
    if schema is not None and dump_schema(b, srv) != schema:
        raise RuntimeError("the bulk seed left a schema unlike the migrations':\n" + "".join(
            difflib.unified_diff(schema.splitlines(True),
                                               dump_schema(b, srv).splitlines(True))))
    loop = tpls[0].clone(1, 6, 6, name + "p")[0]
    b.psql(srv, "VACUUM ANALYZE")
    counts = b.psql(srv, "SELECT (SELECT count(*) FROM loops), (SELECT count(*) FROM scorecards),"
                    " (SELECT count(*) FROM users WHERE 'interviewer' = ANY (roles)),"
                    " (SELECT count(*) FROM orgs)").strip()
    b.log("  %s: loops|scorecards|interviewers|orgs = %s, seeded in %.1f s%s" % (
        name, counts, time.monotonic() - started,
        " (schema after the bulk load identical to before)" if bulk else ""))
    return tpls[0].org, loop, tpls[0].hm_token(), counts


def dump_schema(b, srv):
    return subprocess.run(
        ["pg_dump", "--schema-only", "--restrict-key=bench", "-h", srv["dir"] + "/run", "-U", "loopd_owner", "loopd"],
        capture_output=True, text=True, check=True).stdout


def run_sizes(b, want):
    """4 and 6: the loop list and the decision packet on a small data set (one
    org, 20 loops, about 100 scorecards) vs a large one (LARGE_LOOPS loops,
    LARGE_CARDS scorecards, 2000 interviewers over 20 orgs), each on its own
    loopd and cluster, interleaved; p50 large / p50 small."""
    small = b.start_loopd(b.PORT + 3)
    large = b.start_loopd(b.PORT + 4)
    # the small clones all await a decision, so its page is as full as it can be
    s_org, s_loop, s_hm, _ = seed_size(b, small, 1, 20, 5, 10, "small", "awaiting_decision")
    per = max(1, LARGE_CARDS // LARGE_LOOPS)
    l_org, l_loop, l_hm, counts = seed_size(b, large, 20, LARGE_LOOPS, per, LARGE_IVS, "large",
                                            bulk=True)
    l_iv = b.psql(large, "SELECT user_id FROM round_interviewers WHERE org_id = '%s'"
                  " GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1" % l_org).strip()
    for title, sql in EXPLAIN:
        b.log("EXPLAIN (ANALYZE) at the large size, %s:" % title)
        if not sql.startswith("SET"):
            sql = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql
        b.log(b.psql(large, sql.format(org=l_org, loop=l_loop, iv=l_iv)))
    lst = "/v1/loops?status=awaiting_decision&limit=50"
    st = b.tokens_file(small, small["tokens"][:1])
    lt = b.tokens_file(large, large["tokens"][:1])
    size = "%s loops|scorecards|interviewers|orgs" % counts
    if "list" in want:
        s, l = b.interleave(lambda: b.wrk(small["listen"], lst, st),
                            lambda: b.wrk(large["listen"], lst, lt))
        rows = int(b.psql(small, "SELECT count(*) FROM loops WHERE status = 'awaiting_decision'"))
        b.figure("4 GET /v1/loops?status=&limit=50 p50, large (50 rows) / small (%d rows)" % rows,
                 l, s, 1.3, "p50<=", note="large: " + size)
        lst = lst.replace("limit=50", "limit=%d" % rows)
        s, l = b.interleave(lambda: b.wrk(small["listen"], lst, st),
                            lambda: b.wrk(large["listen"], lst, lt))
        b.figure("4b the same with limit=%d (both pages full, like for like)" % rows, l, s, 1.3,
                 "p50<=", note="large: " + size)
    if "packet-size" in want:
        sp, lp = b.tokens_file(small, [s_hm]), b.tokens_file(large, [l_hm])
        s, l = b.interleave(
            lambda: b.wrk(small["listen"], "/v1/loops/%s/decision-packet" % s_loop, sp),
            lambda: b.wrk(large["listen"], "/v1/loops/%s/decision-packet" % l_loop, lp))
        b.figure("6 GET decision packet p50, large / small", l, s, 1.2, "p50<=",
                 note="large: " + size)
    b.stop(small)
    b.stop(large)
