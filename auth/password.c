#include <argon2.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "auth/password.h"
#include "base/crypto.h"
#include "base/text.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define SALT_B64_MIN 22			/* base64 characters of 16 bytes */
#define HASH_B64_MIN 43			/* base64 characters of 32 bytes */
#define MAX_M_KIB (1u << 20)		/* 1 GiB: above this a hash is refused */
#define MAX_T_P 64u
#define MAX_PASSWORD_BYTES (4 * AUTH_PASSWORD_MAX_CHARS)
#define DUMMY_LEN 160

static pthread_mutex_t params_lock = PTHREAD_MUTEX_INITIALIZER;
static struct auth_argon_params params = {AUTH_ARGON_MIN_M_KIB, AUTH_ARGON_MIN_T,
					  AUTH_ARGON_MIN_P};

static pthread_once_t slots_once = PTHREAD_ONCE_INIT;
static sem_t slots;
static unsigned slots_wanted;	/* 0: one per online core */
static _Thread_local unsigned slots_held;	/* slots this thread holds */

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[DUMMY_LEN];

/* Raises p to the floor and caps it at the ceiling verify accepts. */
static struct auth_argon_params
clamp(struct auth_argon_params p)
{
	if (p.m_kib < AUTH_ARGON_MIN_M_KIB)
		p.m_kib = AUTH_ARGON_MIN_M_KIB;
	if (p.m_kib > MAX_M_KIB)
		p.m_kib = MAX_M_KIB;
	if (p.t < AUTH_ARGON_MIN_T)
		p.t = AUTH_ARGON_MIN_T;
	if (p.t > MAX_T_P)
		p.t = MAX_T_P;
	if (p.p < AUTH_ARGON_MIN_P)
		p.p = AUTH_ARGON_MIN_P;
	if (p.p > MAX_T_P)
		p.p = MAX_T_P;
	return p;
}

/* Creates the semaphore: auth_password_slots()' count, else one slot per
 * online core. */
static void
slots_create(void)
{
	long n = slots_wanted ? (long)slots_wanted : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > 1024)
		n = 1024;
	sem_init(&slots, 0, (unsigned)n);
}

/* Sets the configured parameters (the semaphore is made at first use). */
void
auth_password_init(const struct auth_argon_params *p)
{
	pthread_mutex_lock(&params_lock);
	params = clamp(p ? *p : AUTH_ARGON_DEFAULTS);
	pthread_mutex_unlock(&params_lock);
}

/* Sizes the semaphore (before the first hash; later calls change nothing). */
void
auth_password_slots(unsigned n)
{
	slots_wanted = n;
	pthread_once(&slots_once, slots_create);
}

/* The configured parameters, by value. */
struct auth_argon_params
auth_password_params(void)
{
	pthread_mutex_lock(&params_lock);
	struct auth_argon_params p = params;
	pthread_mutex_unlock(&params_lock);
	return p;
}

/* Takes a slot within wait_ms; false when saturated. */
bool
auth_password_slot_acquire(int wait_ms)
{
	int r;

	pthread_once(&slots_once, slots_create);
	if (wait_ms <= 0) {
		while ((r = sem_trywait(&slots)) == -1 && errno == EINTR)
			;
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while ((r = sem_timedwait(&slots, &ts)) == -1 && errno == EINTR)
			;
	}
	if (r == 0)
		slots_held++;
	return r == 0;
}

/* Gives back a slot this thread holds (a stray call is ignored). */
void
auth_password_slot_release(void)
{
	if (slots_held == 0)
		return;
	slots_held--;
	sem_post(&slots);
}

/* Takes a slot for one hash unless this thread already holds one; returns
 * whether it took one (to hand to slot_leave). */
static bool
slot_enter(void)
{
	if (slots_held > 0)
		return false;
	pthread_once(&slots_once, slots_create);
	while (sem_wait(&slots) == -1 && errno == EINTR)
		;
	slots_held++;
	return true;
}

/* Releases the slot slot_enter took, if any. */
static void
slot_leave(bool took)
{
	if (took)
		auth_password_slot_release();
}

/* Hashes password with argon2id; encoded hash in a, NULL if argon2 fails. */
char *
auth_password_hash(struct arena *a, const char *password, const struct auth_argon_params *p)
{
	unsigned char salt[SALT_LEN];

	if (!password || strlen(password) > MAX_PASSWORD_BYTES)
		return NULL;
	struct auth_argon_params q = clamp(p ? *p : auth_password_params());
	size_t len = argon2_encodedlen(q.t, q.m_kib, q.p, SALT_LEN, HASH_LEN, Argon2_id);
	char *out = arena_alloc(a, len + 1);
	crypto_random(salt, sizeof salt);
	bool took = slot_enter();
	int rc = argon2id_hash_encoded(q.t, q.m_kib, q.p, password, strlen(password), salt,
				       SALT_LEN, HASH_LEN, out, len + 1);
	slot_leave(took);
	return rc == ARGON2_OK ? out : NULL;
}

/* Reads decimal digits at *s (no sign, no leading zero) into *v; advances *s. */
static bool
parse_u32(const char **s, uint32_t *v)
{
	const char *p = *s;
	uint64_t n = 0;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > UINT32_MAX)
			return false;
	}
	*v = (uint32_t)n;
	*s = p;
	return true;
}

/* Skips the literal lit at *s; false when *s does not start with it. */
static bool
skip(const char **s, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*s, lit, n) != 0)
		return false;
	*s += n;
	return true;
}

/* Counts unpadded base64 characters at *s, advancing past them. */
static size_t
skip_b64(const char **s)
{
	size_t n = 0;
	for (; (**s >= 'A' && **s <= 'Z') || (**s >= 'a' && **s <= 'z') ||
	       (**s >= '0' && **s <= '9') || **s == '+' || **s == '/'; (*s)++)
		n++;
	return n;
}

/* Parses "$argon2id$v=19$m=M,t=T,p=P$salt$hash" and returns its parameters;
 * false for anything else or a salt or hash shorter than we make them. */
static bool
parse_encoded(const char *s, struct auth_argon_params *out)
{
	if (!s || !skip(&s, "$argon2id$v=19$m=") || !parse_u32(&s, &out->m_kib) ||
	    !skip(&s, ",t=") || !parse_u32(&s, &out->t) || !skip(&s, ",p=") ||
	    !parse_u32(&s, &out->p) || !skip(&s, "$") || skip_b64(&s) < SALT_B64_MIN ||
	    !skip(&s, "$") || skip_b64(&s) < HASH_B64_MIN)
		return false;
	return *s == '\0';
}

/* True when the parameters are ones we are willing to spend memory on. */
static bool
sane(const struct auth_argon_params *p)
{
	return p->m_kib >= 8 * p->p && p->m_kib <= MAX_M_KIB && p->t >= 1 && p->t <= MAX_T_P &&
	       p->p >= 1 && p->p <= MAX_T_P;
}

/* True when password matches encoded. */
bool
auth_password_verify(const char *encoded, const char *password)
{
	struct auth_argon_params p;

	if (!password || strlen(password) > MAX_PASSWORD_BYTES ||
	    !parse_encoded(encoded, &p) || !sane(&p))
		return false;
	bool took = slot_enter();
	int rc = argon2id_verify(encoded, password, strlen(password));
	slot_leave(took);
	return rc == ARGON2_OK;
}

/* True when encoded is malformed or weaker than configured. */
bool
auth_password_needs_rehash(const char *encoded, const struct auth_argon_params *configured)
{
	struct auth_argon_params have;
	struct auth_argon_params want = clamp(configured ? *configured : auth_password_params());

	if (!parse_encoded(encoded, &have) || !sane(&have))
		return true;
	return have.m_kib < want.m_kib || have.t < want.t || have.p < want.p;
}

/* Makes the dummy hash of a random password nobody knows (pthread_once). */
static void
dummy_create(void)
{
	unsigned char pw[32], salt[SALT_LEN];
	struct auth_argon_params q = clamp(auth_password_params());

	crypto_random(pw, sizeof pw);
	crypto_random(salt, sizeof salt);
	if (argon2id_hash_encoded(q.t, q.m_kib, q.p, pw, sizeof pw, salt, SALT_LEN, HASH_LEN,
				  dummy_hash, sizeof dummy_hash) != ARGON2_OK)
		dummy_hash[0] = '\0';
}

/* Spends one argon2id verification on the dummy hash; the result is discarded. */
void
auth_password_dummy_verify(const char *password)
{
	bool took = slot_enter();
	pthread_once(&dummy_once, dummy_create);
	if (password && strlen(password) <= MAX_PASSWORD_BYTES && dummy_hash[0])
		(void)argon2id_verify(dummy_hash, password, strlen(password));
	slot_leave(took);
}

/* True when pw is valid UTF-8 of 12..1024 code points; else *why says why. */
bool
auth_password_acceptable(const char *pw, const char **why)
{
	const char *reason = NULL;
	size_t n = pw ? strlen(pw) : 0;

	if (!pw)
		reason = "password is required";
	else if (n > MAX_PASSWORD_BYTES)
		reason = "password must be at most 1024 characters";
	else if (!text_is_utf8(pw, n))
		reason = "password must be valid UTF-8";
	else if (text_utf8_length(pw) < AUTH_PASSWORD_MIN_CHARS)
		reason = "password must be at least 12 characters";
	else if (text_utf8_length(pw) > AUTH_PASSWORD_MAX_CHARS)
		reason = "password must be at most 1024 characters";
	if (reason && why)
		*why = reason;
	return reason == NULL;
}
