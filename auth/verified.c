/* The memory of verified access tokens (auth/verified.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "auth/verified.h"
#include "base/text.h"

#define STRIPES 16

/* One remembered token and the claims it verified to (all owned here). */
struct entry {
	char *token;
	size_t len;
	struct auth_claims claims;
};

static struct entry slots[AUTH_VERIFIED_SLOTS];
static pthread_mutex_t stripes[STRIPES] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER};

/* FNV-1a over the token's last 64 bytes, its signature in a token we
 * issued: only spreads slots (a collision only evicts or misses). */
static size_t
slot_of(const char *token, size_t len)
{
	uint64_t h = 14695981039346656037u;
	for (size_t i = len > 64 ? len - 64 : 0; i < len; i++)
		h = (h ^ (unsigned char)token[i]) * 1099511628211u;
	return (size_t)(h % AUTH_VERIFIED_SLOTS);
}

static void
entry_free(struct entry *e)
{
	struct auth_claims *c = &e->claims;
	for (size_t i = 0; i < c->n_roles; i++)
		free((char *)c->roles[i]);
	free((void *)c->roles);
	free((char *)c->iss), free((char *)c->aud), free((char *)c->sub), free((char *)c->org);
	free((char *)c->scope), free((char *)c->jti), free((char *)c->kid);
	free(e->token);
	*e = (struct entry){0};
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A copy of c owned by the entry; false when memory ran out (what was
 * copied is still the entry's, for entry_free). */
static bool
claims_copy(struct auth_claims *to, const struct auth_claims *c)
{
	*to = (struct auth_claims){.iat = c->iat, .nbf = c->nbf, .exp = c->exp,
				   .iss = dup_or_null(c->iss), .aud = dup_or_null(c->aud),
				   .sub = dup_or_null(c->sub), .org = dup_or_null(c->org),
				   .scope = dup_or_null(c->scope), .jti = dup_or_null(c->jti),
				   .kid = dup_or_null(c->kid)};
	if (!to->iss || !to->aud || !to->sub || !to->org || !to->scope || !to->jti || !to->kid ||
	    !(to->roles = calloc(c->n_roles + 1, sizeof *to->roles)))
		return false;
	for (; to->n_roles < c->n_roles; to->n_roles++)
		if (!(to->roles[to->n_roles] = strdup(c->roles[to->n_roles])))
			return false;
	return true;
}

/* The claims of c copied into a. */
static void
claims_to_arena(struct arena *a, const struct auth_claims *c, struct auth_claims *out)
{
	*out = *c;
	out->iss = arena_strdup(a, c->iss), out->aud = arena_strdup(a, c->aud);
	out->sub = arena_strdup(a, c->sub), out->org = arena_strdup(a, c->org);
	out->scope = arena_strdup(a, c->scope), out->jti = arena_strdup(a, c->jti);
	out->kid = arena_strdup(a, c->kid);
	const char **roles = arena_alloc(a, (c->n_roles + 1) * sizeof *roles);
	for (size_t i = 0; i < c->n_roles; i++)
		roles[i] = arena_strdup(a, c->roles[i]);
	out->roles = roles;
}

static bool
ring_has(const struct auth_keyring *ring, const char *kid)
{
	for (size_t i = 0; ring && i < ring->n; i++)
		if (ring->keys[i].kid && strcmp(ring->keys[i].kid, kid) == 0)
			return true;
	return false;
}

/* What auth_token_verify checked against now, the issuer, the audience and
 * the ring, checked again: the rest depends on the token's bytes alone. */
static bool
still_holds(const struct auth_claims *c, const struct auth_keyring *ring, const char *iss,
	    const char *aud, int64_t now)
{
	return iss && aud && strcmp(c->iss, iss) == 0 && strcmp(c->aud, aud) == 0 &&
	       now >= INT64_MIN + AUTH_TOKEN_LEEWAY && c->exp >= now - AUTH_TOKEN_LEEWAY &&
	       now <= INT64_MAX - AUTH_TOKEN_MAX_LIFETIME - AUTH_TOKEN_LEEWAY &&
	       c->nbf <= now + AUTH_TOKEN_LEEWAY && c->iat <= now + AUTH_TOKEN_LEEWAY &&
	       c->exp <= now + AUTH_TOKEN_MAX_LIFETIME + AUTH_TOKEN_LEEWAY && ring_has(ring, c->kid);
}

bool
auth_verified_find(struct arena *a, const char *token, const struct auth_keyring *ring,
		   const char *iss, const char *aud, int64_t now, struct auth_claims *out)
{
	if (!token)
		return false;
	size_t len = strnlen(token, AUTH_TOKEN_MAX_LEN);
	size_t i = slot_of(token, len);
	pthread_mutex_t *lock = &stripes[i % STRIPES];
	pthread_mutex_lock(lock);
	struct entry *e = &slots[i];
	bool found = e->token && e->len == len && memcmp(e->token, token, len) == 0 &&
		     still_holds(&e->claims, ring, iss, aud, now);
	if (found)
		claims_to_arena(a, &e->claims, out);
	pthread_mutex_unlock(lock);
	return found;
}

void
auth_verified_keep(const char *token, const struct auth_claims *c)
{
	size_t len = strnlen(token, AUTH_TOKEN_MAX_LEN);
	if (len >= AUTH_TOKEN_MAX_LEN || !c->kid)
		return;
	struct entry fresh = {.token = strndup(token, len), .len = len};
	if (!fresh.token || !claims_copy(&fresh.claims, c)) {
		entry_free(&fresh);	/* out of memory: the token is only not remembered */
		return;
	}
	size_t i = slot_of(token, len);
	pthread_mutex_lock(&stripes[i % STRIPES]);
	struct entry old = slots[i];
	slots[i] = fresh;
	pthread_mutex_unlock(&stripes[i % STRIPES]);
	entry_free(&old);
}

void
auth_verified_clear(void)
{
	for (size_t i = 0; i < AUTH_VERIFIED_SLOTS; i++) {
		pthread_mutex_lock(&stripes[i % STRIPES]);
		struct entry old = slots[i];
		slots[i] = (struct entry){0};
		pthread_mutex_unlock(&stripes[i % STRIPES]);
		entry_free(&old);
	}
}
