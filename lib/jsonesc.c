/* jsonesc.c: writes untrusted bytes as JSON strings that cannot break out of their quotes. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "jsonesc.h"

/* utf8_seq returns the length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if ((k = utf8_seq(p + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

void
jsonesc_stringn(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, k;

	buf_addc(b, '"');
	while (i < n) {
		unsigned c = p[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7F) {
			i++;
			continue;
		}
		if (c >= 0x80 && (k = utf8_seq(p + i, n - i)) > 0) {
			i += k;
			continue;
		}
		buf_add(b, s + start, i - start);
		switch (c) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		default: buf_printf(b, "\\u%04x", c); break;
		}
		start = ++i;
	}
	buf_add(b, s + start, n - start);
	buf_addc(b, '"');
}

void
jsonesc_string(struct buf *b, const char *s)
{
	jsonesc_stringn(b, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}
