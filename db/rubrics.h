#ifndef DB_RUBRICS_H
#define DB_RUBRICS_H
#include <stdbool.h>
#include "db/audit.h"
#include "db/db.h"

/*
 * Rubric versions and loop templates. A rubric row with no org is the
 * shared catalogue's (loaded at start-up from the compiled-in files); an
 * org's own versions are visible only to that org, and on the same version
 * number the org's own wins. Published versions are immutable. Strings
 * returned live in the caller's arena.
 */

struct db_rubric_ref { char *id, *key, *kind; int version; int duration_minutes; };

/* The newest version of rubric key visible to org (its own or the catalogue's; the org's own wins on the same version number), or exactly version n when n > 0. DB_NONE when absent. */
enum db_status db_rubric_resolve(struct db *db, struct arena *a, const char *org_id, const char *key, int version, struct db_rubric_ref *out);

/* The newest rubric visible to org that grades round kind (of the latest version of each key, the one published last). */
enum db_status db_rubric_for_kind(struct db *db, struct arena *a, const char *org_id, const char *kind, struct db_rubric_ref *out);

struct db_template_round { char *kind, *rubric_key; bool required; };

/* The rounds of loop template key, in order; DB_NONE when unknown. */
enum db_status db_template_get(struct db *db, struct arena *a, const char *key, struct db_template_round **rounds, int *n);

/* --- for the API --- */

/* One stored rubric version. */
struct db_rubric {
	char *id;
	char *org_id;		/* NULL for the catalogue's */
	char *key, *kind, *title;
	int version;
	int duration_minutes;
	char *document;		/* canonical JSON of the validated document */
	char *digest;
	char *published_at;	/* RFC 3339 UTC */
};

/* Up to limit rubrics, the latest version of each key visible to org, in
 * key order after after_key (NULL: from the start), of one kind (NULL: all). */
enum db_status db_rubric_list(struct db *db, struct arena *a, const char *org_id,
			      const char *kind, const char *after_key, int limit,
			      struct db_rubric **out, int *n);

/* Rubric key visible to org at version (0: its latest, as db_rubric_resolve). */
enum db_status db_rubric_get(struct db *db, struct arena *a, const char *org_id, const char *key,
			     int version, struct db_rubric *out);

/* A version an org publishes (org and publisher come from ctx). */
struct db_rubric_new {
	const char *key, *kind, *title;
	int version;
	int duration_minutes;
	const char *document, *digest;
};

/* Why a publication was refused: the newest version of the key visible to
 * the org (0 when there is none) and the kind it grades. */
struct db_rubric_latest { int version; char *kind; };

/* Publishes in into ctx's org and audits rubric.published, in one
 * transaction. DB_STATE when in->version is not above every version of the
 * key the org sees (also the same version again), DB_INVALID when the key
 * grades another kind; *latest says why. */
enum db_status db_rubric_publish(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				 const struct db_rubric_new *in, struct db_rubric *out,
				 struct db_rubric_latest *latest);

/* One loop template (document: its canonical JSON). */
struct db_template { char *key, *document; };

/* Every loop template, in key order. */
enum db_status db_template_list(struct db *db, struct arena *a, struct db_template **out, int *n);

/* --- catalogue load (start-up) --- */

/* Stores catalogue rubric in (source_file: the file it came from) unless
 * that key and version is stored already; *stored_digest gets the digest
 * stored for them either way (safe when several instances start at once). */
enum db_status db_catalog_publish(struct db *db, struct arena *a, const struct db_rubric_new *in,
				  const char *source_file, char **stored_digest);

/* Inserts or replaces loop template key (templates are not versioned). */
enum db_status db_template_put(struct db *db, const char *key, const char *document,
			       const char *digest);

#endif
