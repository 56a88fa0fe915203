/* url.c: percent-encoding, both ways. */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "url.h"
#include "utf8.h"

/* hexval is the value of a hex digit, or -1 (also for the NUL that ends a string). */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
url_decode_inplace(char *s, int plus_space)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (*s == '+' && plus_space) {
			*w++ = ' ';
		} else if (*s == '%') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

			if (lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*w++ = (char)(hi * 16 + lo);
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return 0;
}

char *
url_decode(struct arena *a, const char *s, size_t n, int plus_space)
{
	char *out;

	if (memchr(s, '\0', n) != NULL)
		return NULL;
	out = arena_strndup(a, s, n);
	if (url_decode_inplace(out, plus_space) != 0 || !utf8_valid(out, strlen(out)))
		return NULL;
	return out;
}

char *
url_encode(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = arena_alloc(a, strlen(s) * 3 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~')
			*o++ = (char)*p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}
