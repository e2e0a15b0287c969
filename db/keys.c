/* Token signing keys and named server secrets. */
#include "base/crypto.h"
#include "db/internal.h"
#include "db/keys.h"

static struct db_stmt keys_load = {"keys_load",
	"SELECT kid, encode(secret, 'hex'), retired_at IS NULL FROM signing_keys"
	" WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)"
	" ORDER BY retired_at IS NULL DESC, created_at DESC"};

enum db_status
db_keys_load(struct db *db, struct arena *a, int verify_seconds, struct db_key **out, int *n)
{
	const char *p[] = {arena_printf(a, "%d", verify_seconds)};
	PGresult *r = db_run(db, &keys_load, 1, p);
	if (!r)
		return db->status;
	*n = PQntuples(r);
	*out = arena_alloc(a, sizeof **out * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++) {
		struct db_key *k = &(*out)[i];
		k->kid = db_str(a, r, i, 0);
		k->secret = db_hex(a, r, i, 1, &k->len);
		k->signing = db_bool(r, i, 2);
	}
	PQclear(r);
	return DB_OK;
}

static struct db_stmt keys_lock = {"keys_lock",
	"SELECT pg_advisory_xact_lock(8127316403), (SELECT count(*) FROM signing_keys"
	" WHERE retired_at IS NULL)"};
static struct db_stmt keys_retire = {"keys_retire",
	"UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL"};
static struct db_stmt keys_insert = {"keys_insert",
	"INSERT INTO signing_keys (kid, secret) VALUES ($1, decode($2, 'hex'))"};

struct keys_args {
	struct arena *a;
	bool only_if_none;
	char **kid;
};

/* Transaction body of db_keys_add, under an advisory lock. */
static enum db_status
keys_add_tx(struct db *db, void *p)
{
	struct keys_args *k = p;
	PGresult *r;
	enum db_status st = db_run_status(db, &keys_lock, 0, NULL, &r);
	if (st != DB_OK)
		return st;
	bool have = db_int(r, 0, 1) > 0;
	PQclear(r);
	*k->kid = NULL;
	if (have && k->only_if_none)
		return DB_OK;
	if ((st = db_run_any(db, &keys_retire, 0, NULL)) != DB_OK)
		return st;
	unsigned char secret[32];
	crypto_random(secret, sizeof secret);
	*k->kid = crypto_token(k->a, 9);
	const char *params[] = {*k->kid, crypto_hex(k->a, secret, sizeof secret)};
	return db_run_status(db, &keys_insert, 2, params, NULL);
}

enum db_status
db_keys_add(struct db *db, struct arena *a, bool only_if_none, char **kid)
{
	struct keys_args k = {a, only_if_none, kid};
	return db_tx(db, keys_add_tx, &k);
}

static struct db_stmt secret_insert = {"secret_insert",
	"INSERT INTO server_secrets (name, secret) VALUES ($1, decode($2, 'hex'))"
	" ON CONFLICT (name) DO NOTHING"};
static struct db_stmt secret_get = {"secret_get",
	"SELECT encode(secret, 'hex') FROM server_secrets WHERE name = $1"};

enum db_status
db_server_secret(struct db *db, struct arena *a, const char *name, unsigned char **secret,
		 size_t *len)
{
	unsigned char fresh[32];
	crypto_random(fresh, sizeof fresh);
	const char *p[] = {name, crypto_hex(a, fresh, sizeof fresh)};
	enum db_status st = db_run_any(db, &secret_insert, 2, p);
	if (st != DB_OK)
		return st;
	PGresult *r;
	if ((st = db_run_status(db, &secret_get, 1, p, &r)) != DB_OK)
		return st;
	*secret = db_hex(a, r, 0, 0, len);
	PQclear(r);
	return DB_OK;
}
