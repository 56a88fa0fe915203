/* cluster_valid.c: what a valid cluster is: names, URLs, regions and labels, checked through the
 * field table for every way in (the API, the forms, aiopsctl). */
#include "config.h"

#include <string.h>

#include "cluster.h"
#include "cluster_db.h"

const char *
cluster_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return CLUSTER_NAME_WHY;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return CLUSTER_NAME_WHY;
	return NULL;
}

const char *
cluster_url_ok(const char *s)
{
	return field_url_ok(s);
}

/* dns_subdomain_ok checks a label-key prefix: dot-separated DNS labels, at most 253 bytes. */
static int
dns_subdomain_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || n > 253)
		return 0;
	while (i < n) {
		size_t start = i;

		while (i < n && s[i] != '.') {
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
				return 0;
			i++;
		}
		if (i == start || i - start > 63 || s[start] == '-' || s[i - 1] == '-')
			return 0;
		i++;
	}
	return s[n - 1] != '.';
}

/* name_part_ok checks a label name or value: alphanumerics with '-', '_', '.' inside, at most 63. */
static int
name_part_ok(const char *s, size_t n)
{
	if (n > 63)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && ((c != '-' && c != '_' && c != '.') || i == 0 || i == n - 1))
			return 0;
	}
	return 1;
}

const char *
cluster_region_ok(const char *s)
{
	return name_part_ok(s, strlen(s)) ? NULL : "at most 63 letters, digits, '-', '_' or '.'";
}

const char *
cluster_label_key_ok(const char *s)
{
	const char *slash = strchr(s, '/');
	const char *name = slash != NULL ? slash + 1 : s;

	if ((slash != NULL && !dns_subdomain_ok(s, (size_t)(slash - s))) || *name == '\0' ||
	    !name_part_ok(name, strlen(name)))
		return "a label key is an optional DNS prefix and '/', then up to 63 letters, digits, "
		       "'-', '_' or '.', starting and ending with a letter or digit";
	return NULL;
}

const char *
cluster_label_value_ok(const char *s)
{
	if (!name_part_ok(s, strlen(s)))
		return "a label value is up to 63 letters, digits, '-', '_' or '.', starting and ending "
		       "with a letter or digit";
	return NULL;
}

enum err
cluster_validate(const struct cluster_in *in, json_t *errors)
{
	return field_validate(cluster_fields, in, errors);
}
