/* path.h: the route table's path patterns: "/api/v1/clusters/{id}", a {name} matching one segment. */
#ifndef AIOPS_PATH_H
#define AIOPS_PATH_H

#include <stdbool.h>
#include <stddef.h>

struct req;
struct route;

/* path_seg_end returns the end of the segment starting at s (the next '/' or the end). */
const char *path_seg_end(const char *s);

/* path_match says whether path matches pattern; with r not NULL the parameters are stored in
 * r->params (arena memory). */
int path_match(const char *pattern, const char *path, struct req *r);

/* path_is_form_target says whether path is where one of the n rows of t that take an HTML form
 * from a signed-in person posts to, and holds no control character. */
bool path_is_form_target(const struct route *t, size_t n, const char *path);

#endif
