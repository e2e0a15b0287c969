#include <jansson.h>
#include <jwt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "auth/token.h"
#include "base/crypto.h"
#include "base/text.h"

#define HS256_LEN 32

static const char *const status_texts[] = {
#define AUTH_TOKEN_TEXT(name, text) text,
	AUTH_TOKEN_STATUSES(AUTH_TOKEN_TEXT)
#undef AUTH_TOKEN_TEXT
};

/* A short static description of st, for logs; never NULL. */
const char *
auth_token_status_text(enum auth_token_status st)
{
	if ((unsigned)st >= sizeof status_texts / sizeof *status_texts)
		return "unknown status";
	return status_texts[st];
}

/* True when key can sign and verify: a kid and a 32..1024-byte secret. */
static bool
key_usable(const struct auth_key *key)
{
	return key && key->kid && key->kid[0] && key->secret &&
	       key->secret_len >= AUTH_KEY_MIN_SECRET &&
	       key->secret_len <= AUTH_KEY_MAX_SECRET;
}

/* Sets o[k] to the string v; false when v is NULL or not UTF-8. */
static bool
set_string(json_t *o, const char *k, const char *v)
{
	return v && json_object_set_new(o, k, json_string(v)) == 0;
}

/* Builds the claims object of c (jti filled by the caller); caller owns it. */
static json_t *
claims_json(const struct auth_claims *c, const char *jti)
{
	json_t *o = json_object();
	json_t *roles = json_array();
	bool ok = json_object_set_new(o, "roles", roles) == 0;

	for (size_t i = 0; ok && i < c->n_roles; i++)
		ok = c->roles[i] && json_array_append_new(roles, json_string(c->roles[i])) == 0;
	ok = ok && set_string(o, "iss", c->iss) && set_string(o, "aud", c->aud) &&
	     set_string(o, "sub", c->sub) && set_string(o, "org", c->org) &&
	     set_string(o, "scope", c->scope) && set_string(o, "jti", jti) &&
	     set_string(o, "tt", AUTH_TOKEN_TYPE_ACCESS) &&
	     json_object_set_new(o, "iat", json_integer(c->iat)) == 0 &&
	     json_object_set_new(o, "nbf", json_integer(c->nbf)) == 0 &&
	     json_object_set_new(o, "exp", json_integer(c->exp)) == 0;
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Signs an access token for c with key; token in a, NULL on unusable input. */
char *
auth_token_issue(struct arena *a, const struct auth_key *key, const struct auth_claims *c)
{
	char *token = NULL, *grants = NULL, *encoded = NULL;
	jwt_t *jwt = NULL;

	if (!key_usable(key) || !c || !c->iss || !c->iss[0] || !c->aud || !c->aud[0] ||
	    !text_is_uuid(c->sub) || !text_is_uuid(c->org) || !c->scope ||
	    (c->n_roles && !c->roles) || (c->jti && !c->jti[0]))
		return NULL;

	json_t *claims = claims_json(c, c->jti ? c->jti : crypto_token(a, 16));
	if (!claims)
		return NULL;
	grants = json_dumps(claims, JSON_COMPACT);
	if (!grants)
		goto out_free_claims;
	if (jwt_new(&jwt) != 0)
		goto out_free_grants;
	if (jwt_set_alg(jwt, JWT_ALG_HS256, key->secret, (int)key->secret_len) != 0 ||
	    jwt_add_header(jwt, "kid", key->kid) != 0 ||
	    jwt_add_grants_json(jwt, grants) != 0)
		goto out_free_jwt;
	encoded = jwt_encode_str(jwt);
	if (encoded && strlen(encoded) < AUTH_TOKEN_MAX_LEN)
		token = arena_strdup(a, encoded);
	free(encoded);
out_free_jwt:
	jwt_free(jwt);
out_free_grants:
	free(grants);
out_free_claims:
	json_decref(claims);
	return token;
}

/* The three decoded segments of a compact JWS and where they sit in the token. */
struct jws {
	unsigned char *header, *payload, *sig;
	size_t header_n, payload_n, sig_n;
	size_t signed_len;		/* bytes of "header.payload" */
};

/* Decodes the base64url segment of n bytes at s into a; false if empty or invalid. */
static bool
decode_segment(struct arena *a, const char *s, size_t n, unsigned char **out, size_t *out_n)
{
	if (n == 0)
		return false;
	*out = crypto_b64url_decode(a, arena_strndup(a, s, n), out_n);
	return *out != NULL;
}

/* Splits token (len bytes) into exactly three non-empty base64url segments. */
static bool
split_jws(struct arena *a, const char *token, size_t len, struct jws *j)
{
	const char *d1 = memchr(token, '.', len);
	if (!d1)
		return false;
	const char *d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token));
	if (!d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
		return false;
	j->signed_len = (size_t)(d2 - token);
	return decode_segment(a, token, (size_t)(d1 - token), &j->header, &j->header_n) &&
	       decode_segment(a, d1 + 1, (size_t)(d2 - d1 - 1), &j->payload, &j->payload_n) &&
	       decode_segment(a, d2 + 1, len - (size_t)(d2 + 1 - token), &j->sig, &j->sig_n);
}

/* Parses n bytes of JSON that must be one object with no duplicate keys;
 * the caller owns the result (json_decref), NULL when it is anything else. */
static json_t *
parse_object(const unsigned char *p, size_t n)
{
	json_error_t err;
	json_t *o = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &err);
	if (o && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* True when v is a JSON string equal to s (byte for byte, whole length). */
static bool
string_is(const json_t *v, const char *s)
{
	return v && s && json_is_string(v) && json_string_length(v) == strlen(s) &&
	       memcmp(json_string_value(v), s, strlen(s)) == 0;
}

/* The usable key whose kid is v, or NULL. */
static const struct auth_key *
find_key(const struct auth_keyring *keys, const json_t *v)
{
	if (!keys || !json_is_string(v))
		return NULL;
	for (size_t i = 0; i < keys->n; i++)
		if (keys->keys[i].kid && string_is(v, keys->keys[i].kid))
			return key_usable(&keys->keys[i]) ? &keys->keys[i] : NULL;
	return NULL;
}

/* Checks the header: alg exactly HS256, typ JWT if present, no crit, known kid. */
static enum auth_token_status
check_header(const json_t *h, const struct auth_keyring *keys, const struct auth_key **key)
{
	if (!string_is(json_object_get(h, "alg"), "HS256"))
		return AUTH_TOKEN_BAD_ALG;
	const json_t *typ = json_object_get(h, "typ");
	if ((typ && !string_is(typ, "JWT")) || json_object_get(h, "crit"))
		return AUTH_TOKEN_MALFORMED;
	*key = find_key(keys, json_object_get(h, "kid"));
	return *key ? AUTH_TOKEN_OK : AUTH_TOKEN_UNKNOWN_KID;
}

/* Verifies the HS256 signature twice: our own HMAC in constant time, then libjwt. */
static enum auth_token_status
check_signature(const char *token, const struct jws *j, const struct auth_key *key)
{
	unsigned char mac[HS256_LEN];
	jwt_t *jwt = NULL;

	crypto_hmac_sha256(key->secret, key->secret_len, token, j->signed_len, mac);
	if (j->sig_n != HS256_LEN || !crypto_equal(mac, j->sig, HS256_LEN))
		return AUTH_TOKEN_BAD_SIGNATURE;
	/* key is non-empty here (key_usable): libjwt verifies nothing without one. */
	if (jwt_decode(&jwt, token, key->secret, (int)key->secret_len) != 0 || !jwt)
		return AUTH_TOKEN_BAD_SIGNATURE;
	bool hs256 = jwt_get_alg(jwt) == JWT_ALG_HS256;
	jwt_free(jwt);
	return hs256 ? AUTH_TOKEN_OK : AUTH_TOKEN_BAD_SIGNATURE;
}

/* Reads the required integer claim k (a JSON integer, not a string or real). */
static bool
int_claim(const json_t *o, const char *k, int64_t *v)
{
	const json_t *j = json_object_get(o, k);
	if (!json_is_integer(j))
		return false;
	*v = (int64_t)json_integer_value(j);
	return true;
}

/* True when aud is exactly our audience string (we issue no other form). */
static bool
audience_matches(const json_t *v, const char *ours)
{
	return json_is_string(v) && string_is(v, ours);
}

/* Copies the string claim k into a when it is a non-empty string; else NULL. */
static const char *
copy_string(struct arena *a, const json_t *o, const char *k)
{
	const json_t *j = json_object_get(o, k);
	if (!json_is_string(j) || json_string_length(j) == 0)
		return NULL;
	return arena_strndup(a, json_string_value(j), json_string_length(j));
}

/* Copies the roles array (strings only) into out; false when it is anything else. */
static bool
copy_roles(struct arena *a, const json_t *v, struct auth_claims *out)
{
	size_t i;
	const json_t *e;

	if (!json_is_array(v))
		return false;
	out->n_roles = json_array_size(v);
	out->roles = arena_alloc(a, (out->n_roles + 1) * sizeof *out->roles);
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return false;
		out->roles[i] = arena_strndup(a, json_string_value(e), json_string_length(e));
	}
	return true;
}

/* Validates the claims and copies them into out (strings in a). */
static enum auth_token_status
check_claims(struct arena *a, const json_t *p, const char *iss, const char *aud,
	     int64_t now, struct auth_claims *out)
{
	if (!int_claim(p, "exp", &out->exp) || !int_claim(p, "nbf", &out->nbf) ||
	    !int_claim(p, "iat", &out->iat))
		return AUTH_TOKEN_BAD_CLAIMS;
	/* exp < now - leeway and nbf > now + leeway, without overflow. */
	if (now >= INT64_MIN + AUTH_TOKEN_LEEWAY && out->exp < now - AUTH_TOKEN_LEEWAY)
		return AUTH_TOKEN_EXPIRED;
	if (now <= INT64_MAX - AUTH_TOKEN_LEEWAY && out->nbf > now + AUTH_TOKEN_LEEWAY)
		return AUTH_TOKEN_NOT_YET_VALID;
	/* Issued in the future, or living longer than we ever issue: forged. */
	if (now <= INT64_MAX - AUTH_TOKEN_LEEWAY && out->iat > now + AUTH_TOKEN_LEEWAY)
		return AUTH_TOKEN_NOT_YET_VALID;
	if ((out->iat <= INT64_MAX - AUTH_TOKEN_MAX_LIFETIME &&
	     out->exp > out->iat + AUTH_TOKEN_MAX_LIFETIME) ||
	    (now <= INT64_MAX - AUTH_TOKEN_MAX_LIFETIME - AUTH_TOKEN_LEEWAY &&
	     out->exp > now + AUTH_TOKEN_MAX_LIFETIME + AUTH_TOKEN_LEEWAY))
		return AUTH_TOKEN_BAD_CLAIMS;
	if (!iss || !iss[0] || !string_is(json_object_get(p, "iss"), iss))
		return AUTH_TOKEN_BAD_ISSUER;
	if (!aud || !aud[0] || !audience_matches(json_object_get(p, "aud"), aud))
		return AUTH_TOKEN_BAD_AUDIENCE;
	if (!string_is(json_object_get(p, "tt"), AUTH_TOKEN_TYPE_ACCESS))
		return AUTH_TOKEN_WRONG_TYPE;
	out->iss = arena_strdup(a, iss);
	out->aud = arena_strdup(a, aud);
	out->sub = copy_string(a, p, "sub");
	out->org = copy_string(a, p, "org");
	out->scope = arena_strdup(a, "");
	const json_t *scope = json_object_get(p, "scope");
	if (json_is_string(scope))
		out->scope = arena_strndup(a, json_string_value(scope), json_string_length(scope));
	out->jti = copy_string(a, p, "jti");
	if (!text_is_uuid(out->sub) || !text_is_uuid(out->org) || !json_is_string(scope) ||
	    !out->jti || !copy_roles(a, json_object_get(p, "roles"), out))
		return AUTH_TOKEN_BAD_CLAIMS;
	return AUTH_TOKEN_OK;
}

/* Verifies an access token; on success out holds copies in a, else zeroes. */
enum auth_token_status
auth_token_verify(struct arena *a, const char *token, const struct auth_keyring *keys,
		  const char *iss, const char *aud, int64_t now, struct auth_claims *out)
{
	enum auth_token_status st;
	struct jws j;
	const struct auth_key *key = NULL;
	json_t *header = NULL, *payload = NULL;

	memset(out, 0, sizeof *out);
	if (!token)
		return AUTH_TOKEN_MALFORMED;
	size_t len = strnlen(token, AUTH_TOKEN_MAX_LEN);
	if (len >= AUTH_TOKEN_MAX_LEN)
		return AUTH_TOKEN_TOO_LONG;
	if (!split_jws(a, token, len, &j))
		return AUTH_TOKEN_MALFORMED;
	header = parse_object(j.header, j.header_n);
	if (!header)
		return AUTH_TOKEN_MALFORMED;
	st = check_header(header, keys, &key);
	if (st != AUTH_TOKEN_OK)
		goto out_free_header;
	st = check_signature(token, &j, key);
	if (st != AUTH_TOKEN_OK)
		goto out_free_header;
	payload = parse_object(j.payload, j.payload_n);
	st = payload ? check_claims(a, payload, iss, aud, now, out) : AUTH_TOKEN_MALFORMED;
	json_decref(payload);
	out->kid = arena_strdup(a, key->kid);
out_free_header:
	json_decref(header);
	if (st != AUTH_TOKEN_OK)
		memset(out, 0, sizeof *out);
	return st;
}
