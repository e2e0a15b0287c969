#ifndef RUBRICS_CATALOG_H
#define RUBRICS_CATALOG_H
#include <stdbool.h>
#include <stddef.h>
#include "base/arena.h"
#include "base/embedded.h"
#include "rubrics/rubric.h"

/*
 * The rubric catalogue compiled into loopd: every .json file directly in
 * rubrics/catalog/ (one rubric version per file, named <key>.v<version>.json)
 * and in rubrics/catalog/templates/ (one loop template per file, named
 * <key>.json), parsed and validated. No I/O: the files are embedded.
 * Everything returned lives in the caller's arena.
 */

#define CATALOG_DIR "rubrics/catalog/"
#define CATALOG_TEMPLATE_DIR "rubrics/catalog/templates/"
#define CATALOG_MAX_ROUNDS 20

struct catalog_rubric {
	const char *file;	/* e.g. "rubrics/catalog/system_design.v1.json" */
	struct rubric rubric;
	char *document;		/* canonical JSON of the file's document (base/canon.h) */
	char *digest;		/* rubric_digest of the document */
};

struct catalog_round {
	const char *kind;
	const char *rubric_key;
	bool required;
};

struct catalog_template {
	const char *file;	/* e.g. "rubrics/catalog/templates/backend_engineer.json" */
	const char *key, *title;
	struct catalog_round *rounds;	/* in loop order */
	size_t n_rounds;
	char *document;		/* canonical JSON of the file's document */
	char *digest;		/* its SHA-256, 64 hex digits */
};

struct catalog {
	struct catalog_rubric *rubrics;	/* in embedding order */
	size_t n_rubrics;
	struct catalog_template *templates;
	size_t n_templates;
};

/* Parses and validates the catalogue files among files (a table ended by a
 * NULL path; files outside rubrics/catalog/ are skipped). On the first bad
 * file returns false with *why (in a): one line naming the file and every
 * error path found in it. */
bool catalog_parse(struct arena *a, const struct embedded_file *files, struct catalog *out,
		   char **why);

/* catalog_parse over the files compiled into this binary. */
bool catalog_load(struct arena *a, struct catalog *out, char **why);

/* The catalogue's rubric key at version (0 = its highest version), or NULL;
 * points into c. */
const struct catalog_rubric *catalog_rubric(const struct catalog *c, const char *key, int version);

#endif
