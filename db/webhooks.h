#ifndef DB_WEBHOOKS_H
#define DB_WEBHOOKS_H
#include <jansson.h>
#include <stdbool.h>
#include "db/audit.h"
#include "db/db.h"

/* Webhook subscriptions, the outbox of events and their deliveries. Every
 * change of a subscription writes its audit event in the same transaction.
 * Strings returned live in the caller's arena. */

struct db_webhook {
	char *id, *url;
	char *events;		/* space-separated event types, or "*" */
	char *description;	/* NULL when none */
	bool enabled;
	int failures;		/* consecutive failed attempts */
	char *failing_since;	/* NULL while deliveries succeed */
	char *disabled_reason;	/* NULL, or why loopd disabled it */
	char *secret;		/* whsec_...: only the writer of a new one reads it */
	int version;
	char *created_at, *updated_at;
};

/* What a PATCH changes: the fields whose has_ flag is set. */
struct db_webhook_patch {
	bool has_url, has_events, has_description, has_enabled;
	const char *url, *events, *description;
	bool enabled;
};

/* Subscriptions an organisation may hold: each event is one delivery per
 * subscription, so more would make one request many outbound POSTs. */
#define DB_WEBHOOKS_MAX 50

/* DB_STATE when the org holds DB_WEBHOOKS_MAX subscriptions already. */
enum db_status db_webhook_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				 const struct db_webhook *in, struct db_webhook *out);
enum db_status db_webhook_get(struct db *db, struct arena *a, const char *org_id, const char *id,
			      struct db_webhook *out);
enum db_status db_webhook_list(struct db *db, struct arena *a, const char *org_id,
			       const struct db_page *page, struct db_webhook **out, int *n);
/* DB_STALE when if_version (0: any) is not the current version. */
enum db_status db_webhook_update(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				 const char *id, int if_version, const struct db_webhook_patch *in,
				 struct db_webhook *out);
enum db_status db_webhook_delete(struct db *db, const struct audit_ctx *ctx, const char *id);
/* A new secret; the old one keeps signing for keep_s seconds. */
enum db_status db_webhook_rotate(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				 const char *id, const char *secret, long keep_s,
				 struct db_webhook *out);
/* Queues a ping event to this subscription alone; *event_id in a. */
enum db_status db_webhook_ping(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			       const char *id, char **event_id);

/* The outbox: inside the caller's transaction, next to its audit event,
 * writes event type with data (stolen; ids, statuses, times and changed
 * field names only, never candidate PII or scorecard text) and one pending
 * delivery per enabled subscription of the org that asks for the type. */
enum db_status db_webhook_emit(struct db *db, const char *org_id, const char *type, json_t *data);

/* One delivery as GET /v1/webhooks/{id}/deliveries lists it. */
struct db_webhook_delivery {
	char *id, *event_id, *event_type, *status;	/* pending, delivered, dead */
	int attempts;
	int status_code;	/* of the last attempt; 0 when none answered */
	int latency_ms;		/* of the last attempt; -1 before the first */
	char *error;		/* the last attempt's failure, or NULL */
	char *last_attempt_at, *next_attempt_at;	/* NULL when none */
	char *created_at;
};

/* DB_NONE when the subscription is not in the org. */
enum db_status db_webhook_deliveries(struct db *db, struct arena *a, const char *org_id,
				     const char *webhook_id, const struct db_page *page,
				     struct db_webhook_delivery **out, int *n);
/* Makes a delivery pending again, due now, with a fresh schedule. */
enum db_status db_webhook_redeliver(struct db *db, const struct audit_ctx *ctx,
				    const char *webhook_id, const char *delivery_id);

/* The delivery workers' side. A job is a due delivery with what its
 * request needs. */
struct db_webhook_job {
	char *org_id, *delivery_id, *webhook_id, *event_id, *type, *created_at, *data;
	char *url, *secret;
	char *previous_secret;	/* NULL unless still signing after a rotation */
	int attempts;		/* made before this one */
};

/* Opens a transaction on db and locks the oldest due pending delivery of
 * an enabled subscription (FOR UPDATE SKIP LOCKED: other workers and
 * instances take others). DB_OK leaves the transaction open for
 * db_webhook_finish; DB_NONE (nothing due) and errors close it. A worker
 * that dies holding it lets PostgreSQL roll back: the delivery stays due. */
enum db_status db_webhook_claim(struct db *db, struct arena *a, struct db_webhook_job *job);

struct db_webhook_outcome {
	bool delivered;
	int status_code;	/* 0 when nothing answered */
	int latency_ms;
	const char *error;	/* short, static, no values */
	long retry_in_s;	/* when not delivered: seconds to the next attempt, -1: dead */
	long disable_after_s;	/* failing this long disables the subscription */
};

/* Records the attempt, updates the subscription's failure count (and
 * disables it, audited, after disable_after_s of failure) and commits. */
enum db_status db_webhook_finish(struct db *db, const struct db_webhook_job *job,
				 const struct db_webhook_outcome *out);

/* Pending deliveries of every org and the age of the oldest, in seconds. */
enum db_status db_webhook_queue(struct db *db, long *pending, double *oldest_s);

#endif
