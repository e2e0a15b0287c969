#include <string.h>
#include "auth/scope.h"

/* Scope names, bit i at index i: the canonical order. */
static const char *const scope_names[] = {
	"candidates:read",
	"candidates:write",
	"loops:read",
	"loops:write",
	"scorecards:write",
	"decisions:read",
	"decisions:write",
	"rubrics:write",
	"audit:read",
	"users:admin",
	"webhooks:admin",
};
_Static_assert(sizeof scope_names / sizeof *scope_names == 11, "one name per scope bit");
_Static_assert(AUTH_SCOPE_WEBHOOKS_ADMIN == 1u << 10, "scope bits match scope_names");

/* Role names, bit i at index i. */
static const char *const role_names[] = {
	"admin",
	"recruiter",
	"interviewer",
	"hiring_manager",
};
_Static_assert(sizeof role_names / sizeof *role_names == 4, "one name per role bit");
_Static_assert(AUTH_ROLE_HIRING_MANAGER == 1u << 3, "role bits match role_names");

/* The policy: what each role may be granted (documented in scope.h). */
static const struct {
	unsigned role;
	unsigned scopes;
} role_scopes[] = {
	{AUTH_ROLE_ADMIN, AUTH_SCOPE_ALL},
	{AUTH_ROLE_RECRUITER,
	 AUTH_SCOPE_CANDIDATES_READ | AUTH_SCOPE_CANDIDATES_WRITE |
	 AUTH_SCOPE_LOOPS_READ | AUTH_SCOPE_LOOPS_WRITE |
	 AUTH_SCOPE_DECISIONS_READ},
	{AUTH_ROLE_INTERVIEWER,
	 AUTH_SCOPE_CANDIDATES_READ | AUTH_SCOPE_LOOPS_READ |
	 AUTH_SCOPE_SCORECARDS_WRITE},
	{AUTH_ROLE_HIRING_MANAGER,
	 AUTH_SCOPE_CANDIDATES_READ | AUTH_SCOPE_LOOPS_READ |
	 AUTH_SCOPE_DECISIONS_READ | AUTH_SCOPE_DECISIONS_WRITE},
};

/* The bit whose name in names[0..n) is the s_len bytes at s; 0 if none. */
static unsigned
lookup(const char *const *names, unsigned n, const char *s, size_t s_len)
{
	for (unsigned i = 0; i < n; i++)
		if (strlen(names[i]) == s_len && memcmp(names[i], s, s_len) == 0)
			return 1u << i;
	return 0;
}

/* The name of bit in names[0..n), or NULL unless bit is exactly one of them. */
static const char *
name_of(const char *const *names, unsigned n, unsigned bit)
{
	for (unsigned i = 0; i < n; i++)
		if (bit == 1u << i)
			return names[i];
	return NULL;
}

/* Parses space-separated names into a mask; the bad token goes to *bad in a. */
static bool
parse_list(const char *const *names, unsigned n, struct arena *a, const char *s,
	   unsigned *out, char **bad)
{
	*out = 0;
	if (bad)
		*bad = NULL;
	while (s && *s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		size_t len = strcspn(s, " ");
		unsigned bit = lookup(names, n, s, len);
		if (!bit) {
			if (bad)
				*bad = arena_strndup(a, s, len);
			*out = 0;
			return false;
		}
		*out |= bit;
		s += len;
	}
	return true;
}

/* Joins the names of the bits of mask with single spaces, in a. */
static char *
format_list(const char *const *names, unsigned n, struct arena *a, unsigned mask)
{
	struct abuf b;
	abuf_init(&b, a);
	for (unsigned i = 0; i < n; i++) {
		if (!(mask & 1u << i))
			continue;
		if (b.len)
			abuf_puts(&b, " ");
		abuf_puts(&b, names[i]);
	}
	return b.data;
}

#define SCOPES scope_names, sizeof scope_names / sizeof *scope_names
#define ROLES role_names, sizeof role_names / sizeof *role_names

/* The bit of scope name, 0 if unknown. */
unsigned
auth_scope_from_name(const char *name)
{
	return name ? lookup(SCOPES, name, strlen(name)) : 0;
}

/* Static name of one scope bit, or NULL. */
const char *
auth_scope_name(unsigned scope)
{
	return name_of(SCOPES, scope);
}

/* Parses a space-separated scope list; *bad (in a) names an unknown scope. */
bool
auth_scope_parse(struct arena *a, const char *s, unsigned *out, char **bad)
{
	return parse_list(SCOPES, a, s, out, bad);
}

/* Canonical space-separated scope list of mask, in a. */
char *
auth_scope_format(struct arena *a, unsigned mask)
{
	return format_list(SCOPES, a, mask);
}

/* The scopes in both x and y. */
unsigned
auth_scope_intersect(unsigned x, unsigned y)
{
	return x & y & AUTH_SCOPE_ALL;
}

/* The bit of role name, 0 if unknown. */
unsigned
auth_role_from_name(const char *name)
{
	return name ? lookup(ROLES, name, strlen(name)) : 0;
}

/* Static name of one role bit, or NULL. */
const char *
auth_role_name(unsigned role)
{
	return name_of(ROLES, role);
}

/* Parses a space-separated role list; *bad (in a) names an unknown role. */
bool
auth_roles_parse(struct arena *a, const char *s, unsigned *out, char **bad)
{
	return parse_list(ROLES, a, s, out, bad);
}

/* Canonical space-separated role list of mask, in a. */
char *
auth_roles_format(struct arena *a, unsigned mask)
{
	return format_list(ROLES, a, mask);
}

/* Union of the scopes the roles in mask allow. */
unsigned
auth_scopes_for_roles(unsigned roles)
{
	unsigned scopes = 0;
	for (size_t i = 0; i < sizeof role_scopes / sizeof *role_scopes; i++)
		if (roles & role_scopes[i].role)
			scopes |= role_scopes[i].scopes;
	return scopes;
}

/* Requested (or, if empty, all) scopes limited to allowed; false if none remain. */
bool
auth_scope_grant(unsigned requested, unsigned allowed, unsigned *granted)
{
	allowed &= AUTH_SCOPE_ALL;
	*granted = requested ? requested & allowed : allowed;
	return *granted != 0;
}
