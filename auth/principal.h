#ifndef AUTH_PRINCIPAL_H
#define AUTH_PRINCIPAL_H
#include <stdbool.h>

/* Who is calling: a user or an API client of one org, with the roles and
 * scopes of its access token. */
enum auth_kind { AUTH_USER = 1, AUTH_CLIENT };

struct auth_principal {
	enum auth_kind kind;
	const char *org_id;
	const char *sub;	/* user id or client id */
	unsigned roles;		/* role bitmask (auth/scope.h); 0 for clients */
	unsigned scopes;	/* scope bitmask granted to this token */
	const char *jti;
	long long exp;
};

#endif
