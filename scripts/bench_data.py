"""Seeding and the data scenarios of scripts/bench.py (4 5 6 7): a template
loop, round and scorecard made through the API in an org, then cloned with
set-based SQL (INSERT ... SELECT generate_series) straight into the tables:
users, candidates, loops, rounds, round_interviewers (each interviewer's
rounds one hour apart, so the exclusion constraint holds; leads only, so at
most one bar raiser per loop), scorecards and their revision and rating
rows (revision 1 when submitted, 0 for a draft)."""
import time

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
        v = dict(org=self.org, loop=self.loop, round=self.round, card=self.card, iv=self.iv,
                 rev=self.rev, loops=loops, per=per, ivs=ivs, tag=tag, st=STATUSES,
                 submitted="true" if self.state == "submitted" else "false")
        if status:
            v["st"] = "ARRAY['%s']" % status
        sql = """
BEGIN;
CREATE TEMP TABLE iv ON COMMIT DROP AS
  SELECT g AS n, gen_random_uuid() AS id FROM generate_series(0, {ivs} - 1) g;
INSERT INTO users (org_id, id, email, name, roles, password_hash)
  SELECT u.org_id, iv.id, 'iv' || iv.n || '-{tag}@bench.test', 'iv ' || iv.n, u.roles,
         u.password_hash FROM iv, users u WHERE u.org_id = '{org}' AND u.id = '{iv}';
CREATE TEMP TABLE lp ON COMMIT DROP AS
  SELECT g AS n, gen_random_uuid() AS id, gen_random_uuid() AS cand
    FROM generate_series(0, {loops} - 1) g;
INSERT INTO candidates (org_id, id, name, email)
  SELECT '{org}', cand, 'Cand ' || n, 'c' || n || '-{tag}@bench.test' FROM lp;
INSERT INTO loops (org_id, id, candidate_id, position, recruiter_id, hiring_manager_id,
                   status, created_at)
  SELECT l.org_id, lp.id, lp.cand, l.position, l.recruiter_id, l.hiring_manager_id,
         CASE WHEN {submitted} THEN ({st})[1 + lp.n % cardinality({st})] ELSE 'in_progress' END,
         now() - interval '1 day' + lp.n * interval '1 ms'
    FROM lp, loops l WHERE l.org_id = '{org}' AND l.id = '{loop}';
CREATE TEMP TABLE rd ON COMMIT DROP AS
  SELECT lp.id AS loop_id, lp.n * {per} + k AS g, gen_random_uuid() AS id,
         gen_random_uuid() AS card FROM lp, generate_series(0, {per} - 1) k;
ALTER TABLE rd ADD COLUMN iv uuid, ADD COLUMN s timestamptz;
UPDATE rd SET iv = iv.id, s = date_trunc('hour', now()) - interval '3 hours'
                           - (rd.g / {ivs}) * interval '1 hour'
  FROM iv WHERE iv.n = rd.g % {ivs};
INSERT INTO rounds (org_id, id, loop_id, kind, rubric_id, rubric_key, rubric_version, required,
                    starts_at, ends_at, status)
  SELECT r.org_id, rd.id, rd.loop_id, r.kind, r.rubric_id, r.rubric_key, r.rubric_version,
         r.required, rd.s, rd.s + interval '30 minutes', r.status
    FROM rd, rounds r WHERE r.org_id = '{org}' AND r.id = '{round}' ORDER BY rd.g;
INSERT INTO round_interviewers (org_id, round_id, user_id, loop_id, role, during)
  SELECT '{org}', rd.id, rd.iv, rd.loop_id, 'lead', tstzrange(rd.s, rd.s + interval '30 minutes')
    FROM rd;
INSERT INTO scorecards (org_id, id, round_id, loop_id, author_id, status, revision, version,
                        first_submitted_at, submitted_at)
  SELECT '{org}', rd.card, rd.id, rd.loop_id, rd.iv, s.status, s.revision, s.version,
         s.first_submitted_at, s.submitted_at
    FROM rd, scorecards s WHERE s.org_id = '{org}' AND s.id = '{card}';
INSERT INTO scorecard_revisions (org_id, scorecard_id, revision, role, recommendation, summary,
                                 submitted_by, submitted_at)
  SELECT '{org}', rd.card, v.revision, v.role, v.recommendation, v.summary,
         CASE WHEN v.submitted_by IS NOT NULL THEN rd.iv END, v.submitted_at
    FROM rd, scorecard_revisions v
   WHERE v.org_id = '{org}' AND v.scorecard_id = '{card}' AND v.revision = {rev};
INSERT INTO scorecard_ratings (org_id, scorecard_id, revision, position, criterion, rating,
                               evidence)
  SELECT '{org}', rd.card, x.revision, x.position, x.criterion, x.rating, x.evidence
    FROM rd, scorecard_ratings x
   WHERE x.org_id = '{org}' AND x.scorecard_id = '{card}' AND x.revision = {rev};
SELECT id FROM lp ORDER BY n;
COMMIT;
""".format(**v)
        out = self.b.psql(self.srv, sql).split()
        return out

    def drafts(self, loops, per, ivs, tag):
        """Seeded drafts: [(round id, author email)] in creation order."""
        self.clone(loops, per, ivs, tag)
        rows = self.b.psql(self.srv, """
SELECT r.round_id, u.email FROM round_interviewers r JOIN users u
    ON u.org_id = r.org_id AND u.id = r.user_id
 WHERE r.org_id = '%s' AND u.email LIKE '%%-%s@bench.test' ORDER BY r.during""" % (
            self.org, tag))
        return [tuple(l.split("|")) for l in rows.splitlines() if l]


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


LARGE_LOOPS = int(__import__("os").environ.get("BENCH_LARGE_LOOPS", "10000"))
LARGE_CARDS = int(__import__("os").environ.get("BENCH_LARGE_CARDS", "100000"))
LARGE_IVS = 2000

EXPLAIN = [
    # db/loops.c's loop_list_stored as an admin runs it (the page picked from
    # loops alone with its filters, keyset and sync bounds, then joined with
    # the candidates; generic plan), the selected columns shortened
    ("loop list (GET /v1/loops?status=awaiting_decision&limit=50, an admin; generic plan)",
     "SET plan_cache_mode = force_generic_plan; PREPARE ll(uuid, uuid, int, text, uuid, uuid,"
     " uuid, timestamptz, uuid, int, timestamptz, timestamptz) AS SELECT l.id, l.status, c.name"
     " FROM (SELECT l.* FROM loops l WHERE l.org_id = $1 AND $3::int & 1 = 1 AND ($2::uuid IS NULL OR true)"
     " AND l.status = $4::text AND ($5::uuid IS NULL OR l.candidate_id = $5)"
     " AND ($6::uuid IS NULL OR l.hiring_manager_id = $6) AND ($7::uuid IS NULL OR"
     " l.recruiter_id = $7) AND (l.created_at, l.id) > ($8::timestamptz, $9::uuid)"
     " AND l.updated_at > $11::timestamptz AND l.created_at > $12::timestamptz"
     " ORDER BY l.created_at, l.id LIMIT $10) l JOIN candidates c ON c.org_id = l.org_id"
     " AND c.id = l.candidate_id ORDER BY l.created_at, l.id; EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF,"
     " SUMMARY OFF) EXECUTE ll('{org}', NULL, 1, 'awaiting_decision', NULL, NULL, NULL,"
     " '-infinity', '00000000-0000-0000-0000-000000000000', 51, '-infinity', '-infinity')"),
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


def seed_size(b, srv, orgs, loops, per, ivs, name, status=None):
    """orgs orgs, loops loops (per scorecards each) and ivs interviewers in
    all; org 0 also gets the packet loop (6 submitted scorecards). Returns
    (org 0, its packet loop, its hiring manager's token)."""
    started = time.monotonic()
    first = None
    for k in range(orgs):
        o = Org(b, srv, k, "submitted")
        n = loops // orgs - 1 - (k == 0)	# the template loop counts, and the packet loop
        o.clone(n, per, max(1, ivs // orgs), "%s%d" % (name, k), status)
        if k == 0:
            first = o, o.clone(1, 6, 6, name + "p")[0]
    b.psql(srv, "VACUUM ANALYZE")
    counts = b.psql(srv, "SELECT (SELECT count(*) FROM loops), (SELECT count(*) FROM scorecards),"
                    " (SELECT count(*) FROM users WHERE 'interviewer' = ANY (roles)),"
                    " (SELECT count(*) FROM orgs)").strip()
    b.log("  %s: loops|scorecards|interviewers|orgs = %s, seeded in %.1f s" % (
        name, counts, time.monotonic() - started))
    o, loop = first
    return o.org, loop, o.hm_token(), counts


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
    l_org, l_loop, l_hm, counts = seed_size(b, large, 20, LARGE_LOOPS, per, LARGE_IVS, "large")
    for title, sql in EXPLAIN:
        b.log("EXPLAIN (ANALYZE) at the large size, %s:" % title)
        if not sql.startswith("SET"):
            sql = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql
        b.log(b.psql(large, sql.format(org=l_org, loop=l_loop)))
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
