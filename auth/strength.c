/* Password strength: cracklib's checks (dictionary words and their
 * mangled forms, too few different characters, systematic runs) and no
 * password of only whitespace. */
#include <stddef.h>
#include <crack.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "auth/password.h"

/* cracklib keeps static state: one check at a time. */
static pthread_mutex_t crack_lock = PTHREAD_MUTEX_INITIALIZER;

/* Whether s holds nothing but ASCII or Unicode white space. */
static bool
only_space(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
			p++;
		else if (p[0] == 0xC2 && p[1] == 0xA0)	/* no-break space */
			p += 2;
		else if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] <= 0x8B || p[2] == 0xAF))
			p += 3;				/* U+2000..U+200B, U+202F */
		else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
			p += 3;				/* ideographic space */
		else
			return false;
	}
	return true;
}

/* How many different bytes s has. */
static int
distinct_bytes(const char *s)
{
	bool seen[256] = {false};
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!seen[*p]) {
			seen[*p] = true;
			n++;
		}
	return n;
}

const char *
auth_password_weakness(const char *pw)
{
	if (only_space(pw))
		return "password must not be only white space";
	if (distinct_bytes(pw) < 5)
		return "it does not contain enough different characters";
	/* cracklib's "systematic" rule flags long random strings (e.g. 32 hex
	 * digits): past 20 bytes a password is long enough on its own. */
	if (strlen(pw) >= 20)
		return NULL;
	const char *dict = GetDefaultCracklibDict();
	char probe[4096];
	snprintf(probe, sizeof probe, "%s.pwd", dict);
	if (access(probe, R_OK) != 0)
		return NULL;	/* no dictionary installed: the length rule alone */
	pthread_mutex_lock(&crack_lock);
	const char *r = FascistCheckUser(pw, dict, NULL, NULL);
	pthread_mutex_unlock(&crack_lock);
	return r;	/* static strings, e.g. "it is based on a dictionary word" */
}
