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

    def clone(self, loops, per, ivs, tag):
        """loops loops of per rounds each, one lead scorecard per round, over
        ivs new interviewers; returns the new loops' ids in creation order."""
        v = dict(org=self.org, loop=self.loop, round=self.round, card=self.card, iv=self.iv,
                 rev=self.rev, loops=loops, per=per, ivs=ivs, tag=tag, st=STATUSES,
                 submitted="true" if self.state == "submitted" else "false")
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
         CASE WHEN {submitted} THEN ({st})[1 + lp.n % 3] ELSE 'in_progress' END,
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
