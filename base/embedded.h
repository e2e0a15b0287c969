#ifndef BASE_EMBEDDED_H
#define BASE_EMBEDDED_H
#include <stddef.h>

/* A file compiled into the binary (see cmake/embed.cmake). */
struct embedded_file {
	const char *path;	/* relative to the source root, e.g. "db/migrations/0001_init.sql" */
	const char *data;	/* NUL-terminated */
	size_t len;
};

/* Ends with an entry whose path is NULL. */
extern const struct embedded_file embedded_files[];

/* The embedded file at path, or NULL. */
const struct embedded_file *embedded_find(const char *path);

#endif
