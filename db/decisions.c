/* Decision policies and a loop's packet inputs (rows for the engine). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db/decision_internal.h"

double
db_float(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtod(PQgetvalue(r, row, col), NULL);
}

static struct db_stmt policy_current = {"policy_current",
	"SELECT " DB_POLICY_COLUMNS " FROM (SELECT $1::uuid AS org_id) l" DB_POLICY_JOIN};
static struct db_stmt policy_weights = {"policy_weights",
	"SELECT kind, weight FROM decision_policy_round_weights"
	" WHERE org_id = $1 AND version = $2 ORDER BY kind"};

enum db_status
db_policy_row(struct db *db, struct arena *a, const char *org_id, const PGresult *r, int col,
	      struct db_policy *out)
{
	memset(out, 0, sizeof *out);
	out->version = 1;
	if (PQgetisnull(r, 0, col))
		return DB_OK;	/* never stored: the defaults, version 1 */
	out->stored = true;
	out->version = (int)db_int(r, 0, col);
	out->hire_threshold = db_float(r, 0, col + 1);
	out->max_split = (int)db_int(r, 0, col + 2);
	out->shrinkage_k = db_float(r, 0, col + 3);
	out->count_shadows = db_bool(r, 0, col + 4);
	out->critical_flag_blocks = db_bool(r, 0, col + 5);
	out->bar_raiser_no_blocks = db_bool(r, 0, col + 6);
	out->updated_at = db_str(a, r, 0, col + 7);
	const char *pw[] = {org_id, arena_printf(a, "%d", out->version)};
	PGresult *w = db_run(db, &policy_weights, 2, pw);
	if (!w)
		return db->status;
	out->n_round_weights = PQntuples(w);
	out->round_weights = arena_alloc(a, sizeof *out->round_weights * (size_t)(out->n_round_weights + 1));
	for (int i = 0; i < out->n_round_weights; i++) {
		out->round_weights[i].kind = db_str(a, w, i, 0);
		out->round_weights[i].weight = db_float(w, i, 1);
	}
	PQclear(w);
	return DB_OK;
}

enum db_status
db_policy_get(struct db *db, struct arena *a, const char *org_id, struct db_policy *out)
{
	const char *p[] = {org_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &policy_current, 1, p, &r);
	if (st != DB_OK)
		return st;
	st = db_policy_row(db, a, org_id, r, 0, out);
	PQclear(r);
	return st;
}

static struct db_stmt policy_insert = {"policy_insert",
	"INSERT INTO decision_policies (org_id, version, hire_threshold, max_split, shrinkage_k,"
	" count_shadows, critical_flag_blocks, bar_raiser_no_blocks)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"};
static struct db_stmt policy_weight_insert = {"policy_weight_insert",
	"INSERT INTO decision_policy_round_weights (org_id, version, kind, weight)"
	" SELECT $1, $2, k, w FROM unnest($3::text[], $4::float8[]) AS t(k, w)"};

struct policy_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	int if_version;
	const struct db_policy *in;
	struct db_policy *out;
};

/* The round weights as two PostgreSQL array literals (kinds are keys:
 * [a-z0-9_] only, so they need no quoting). */
static void
weight_arrays(struct arena *a, const struct db_policy *in, char **kinds, char **weights)
{
	struct abuf k, w;
	abuf_init(&k, a);
	abuf_init(&w, a);
	abuf_puts(&k, "{");
	abuf_puts(&w, "{");
	for (int i = 0; i < in->n_round_weights; i++) {
		abuf_printf(&k, "%s%s", i ? "," : "", in->round_weights[i].kind);
		abuf_printf(&w, "%s%.17g", i ? "," : "", in->round_weights[i].weight);
	}
	abuf_puts(&k, "}");
	abuf_puts(&w, "}");
	*kinds = k.data;
	*weights = w.data;
}

/* The audit event's changes: every member of the new version. */
static json_t *
policy_changes(const struct db_policy *in, int version)
{
	json_t *w = json_object();
	for (int i = 0; i < in->n_round_weights; i++)
		json_object_set_new(w, in->round_weights[i].kind, json_real(in->round_weights[i].weight));
	return json_pack("{s:i, s:f, s:i, s:f, s:b, s:b, s:b, s:o}", "version", version,
			 "hire_threshold", in->hire_threshold, "max_split", in->max_split,
			 "shrinkage_k", in->shrinkage_k, "count_shadows", in->count_shadows,
			 "critical_flag_blocks", in->critical_flag_blocks, "bar_raiser_no_blocks",
			 in->bar_raiser_no_blocks, "round_weights", w);
}

static enum db_status
policy_put_tx(struct db *db, void *p)
{
	struct policy_args *pa = p;
	struct db_policy cur;
	enum db_status st = db_policy_get(db, pa->a, pa->ctx->org_id, &cur);
	if (st != DB_OK)
		return st;
	if (cur.version != pa->if_version)
		return DB_STALE;
	const struct db_policy *in = pa->in;
	char *version = arena_printf(pa->a, "%d", cur.version + 1);
	const char *params[] = {pa->ctx->org_id, version, arena_printf(pa->a, "%.2f", in->hire_threshold),
				arena_printf(pa->a, "%d", in->max_split),
				arena_printf(pa->a, "%.17g", in->shrinkage_k),
				in->count_shadows ? "true" : "false",
				in->critical_flag_blocks ? "true" : "false",
				in->bar_raiser_no_blocks ? "true" : "false"};
	if ((st = db_run_status(db, &policy_insert, 8, params, NULL)) != DB_OK)
		return st == DB_CONFLICT ? DB_STALE : st;
	char *kinds, *weights;
	weight_arrays(pa->a, in, &kinds, &weights);
	const char *pw[] = {pa->ctx->org_id, version, kinds, weights};
	if ((st = db_run_any(db, &policy_weight_insert, 4, pw)) != DB_OK ||
	    (st = db_policy_get(db, pa->a, pa->ctx->org_id, pa->out)) != DB_OK)
		return st;
	json_t *ch = policy_changes(in, cur.version + 1);
	st = db_audit_append(db, pa->ctx, "decision_policy.updated", "decision_policy",
			     pa->ctx->org_id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_policy_put(struct db *db, struct arena *a, const struct audit_ctx *ctx, int if_version,
	      const struct db_policy *in, struct db_policy *out)
{
	struct policy_args pa = {a, ctx, if_version, in, out};
	return db_tx(db, policy_put_tx, &pa);
}

/* The loop's rounds with each pinned rubric version's place in (key,
 * version) order (the engine's order, as the database collates keys) and a
 * take-home's hygiene warnings: rounds, rubrics and warnings in one trip. */
static struct db_stmt packet_rounds = {"packet_rounds",
	"SELECT r.id, r.kind, r.status, r.required, r.ordinal, r.rubric_id, r.rubric_key,"
	" r.rubric_version, dense_rank() OVER (ORDER BY r.rubric_key, r.rubric_version, r.rubric_id),"
	" " DB_TAKE_HOME_WARNINGS("r") " FROM rounds r"
	" WHERE r.org_id = $1 AND r.loop_id = $2 ORDER BY r.ordinal, r.id"};
/* The documents of the rubric versions $2 that org $1 sees. */
static struct db_stmt packet_rubric_documents = {"packet_rubric_documents",
	"SELECT id, org_id, document FROM rubrics"
	" WHERE (org_id IS NULL OR org_id = $1) AND id = ANY ($2::uuid[])"};
/* Only the loop's interviewers' rows: a packet never scans the org. A
 * decided loop's own contribution is taken out again, so its packet reads
 * the same before and after the decision. */
static struct db_stmt packet_stats = {"packet_stats",
	"SELECT s.user_id, s.n - coalesce(c.n, 0), s.sum_deviation - coalesce(c.deviation, 0)"
	" FROM interviewer_stats s LEFT JOIN interviewer_contributions c"
	"  ON c.org_id = s.org_id AND c.loop_id = $2 AND c.user_id = s.user_id"
	" WHERE s.org_id = $1 AND s.user_id = ANY (ARRAY(SELECT DISTINCT user_id"
	"  FROM round_interviewers WHERE org_id = $1 AND loop_id = $2)) ORDER BY s.user_id"};

/* Row i's rubric version into in->rubrics at its place in key order. */
static void
note_rubric(struct arena *a, const PGresult *r, int i, struct db_packet_inputs *in)
{
	int place = (int)db_int(r, i, 8);
	if (place < 1 || place > PQntuples(r))
		return;
	struct db_packet_rubric *x = &in->rubrics[place - 1];
	if (!x->id)
		*x = (struct db_packet_rubric){.id = db_str(a, r, i, 5), .key = db_str(a, r, i, 6),
					       .version = (int)db_int(r, i, 7)};
	if (place > in->n_rubrics)
		in->n_rubrics = place;
}

static enum db_status
load_rounds(struct db *db, struct arena *a, const char *const *p, struct db_packet_inputs *in)
{
	PGresult *r = db_run(db, &packet_rounds, 2, p);
	if (!r)
		return db->status;
	int n = in->n_rounds = PQntuples(r);
	in->rounds = arena_alloc(a, sizeof *in->rounds * (size_t)(n + 1));
	in->rubrics = arena_alloc(a, sizeof *in->rubrics * (size_t)(n + 1));
	in->hygiene.rounds = arena_alloc(a, sizeof *in->hygiene.rounds * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		struct db_packet_round *x = &in->rounds[i];
		x->id = db_str(a, r, i, 0);
		x->kind = db_str(a, r, i, 1);
		x->status = db_str(a, r, i, 2);
		x->required = db_bool(r, i, 3);
		x->ordinal = db_int(r, i, 4);
		x->rubric_id = db_str(a, r, i, 5);
		note_rubric(a, r, i, in);
		if (strcmp(x->kind, "take_home") == 0)
			in->hygiene.rounds[in->hygiene.n_rounds++] =
				(struct db_round_warnings){x->id, db_str(a, r, i, 9)};
	}
	PQclear(r);
	return DB_OK;
}

enum db_status
db_packet_rubric_documents(struct db *db, struct arena *a, const char *org_id,
			   struct db_packet_rubric *rubrics, int n)
{
	struct abuf ids;
	abuf_init(&ids, a);
	abuf_puts(&ids, "{");
	for (int i = 0; i < n; i++)	/* uuids read from the database: no quoting needed */
		abuf_printf(&ids, "%s%s", i ? "," : "", rubrics[i].id);
	abuf_puts(&ids, "}");
	const char *p[] = {org_id, ids.data};
	PGresult *r = db_run(db, &packet_rubric_documents, 2, p);
	if (!r)
		return db->status;
	for (int row = 0; row < PQntuples(r); row++)
		for (int i = 0; i < n; i++)
			if (strcmp(rubrics[i].id, PQgetvalue(r, row, 0)) == 0) {
				rubrics[i].org_id = db_str(a, r, row, 1);
				rubrics[i].document = db_str(a, r, row, 2);
			}
	PQclear(r);
	return DB_OK;
}

static enum db_status
load_stats(struct db *db, struct arena *a, const char *const *p, struct db_packet_inputs *in)
{
	PGresult *r = db_run(db, &packet_stats, 2, p);
	if (!r)
		return db->status;
	in->n_stats = PQntuples(r);
	in->stats = arena_alloc(a, sizeof *in->stats * (size_t)(in->n_stats + 1));
	for (int i = 0; i < in->n_stats; i++) {
		in->stats[i].user_id = db_str(a, r, i, 0);
		in->stats[i].n = db_int(r, i, 1);
		in->stats[i].sum_deviation = db_float(r, i, 2);
	}
	PQclear(r);
	return DB_OK;
}

enum db_status
db_packet_load(struct db *db, struct arena *a, const char *org_id, const char *loop_id,
	       struct db_packet_inputs *in)
{
	const char *p[] = {org_id, loop_id};
	enum db_status st;
	if ((st = load_rounds(db, a, p, in)) != DB_OK || (st = load_stats(db, a, p, in)) != DB_OK)
		return st;
	return db_packet_load_scorecards(db, a, org_id, loop_id, in);
}

enum db_status
db_packet_load_scorecards(struct db *db, struct arena *a, const char *org_id, const char *loop_id,
			  struct db_packet_inputs *in)
{
	return db_loop_scorecards_submitted(db, a, org_id, loop_id, &in->scorecards,
					    &in->n_scorecards);
}
