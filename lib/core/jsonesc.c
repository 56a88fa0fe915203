/* jsonesc.c: writes untrusted bytes as JSON strings that cannot break out of their quotes. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "jsonesc.h"
#include "utf8.h"

/* plain_mask returns, for 8 bytes read as a word, a word whose high bit is set in some byte when
 * one of the 8 is not plain: < 0x20, '"', '\\', 0x7F, or >= 0x80 (the usual "has a zero byte"
 * subtraction, once per kind; it never misses one). */
static uint64_t
plain_mask(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t bad = (x - ones * 0x20) | ((x ^ (ones * '"')) - ones) | ((x ^ (ones * '\\')) - ones) |
	    ((x ^ (ones * 0x7F)) - ones);

	return ((bad & ~x) | x) & highs;
}

/* plain_run returns how many bytes from s (n in all) stand for themselves in a JSON string:
 * printable ASCII other than '"' and '\\', tested eight at a time. */
static size_t
plain_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint64_t x;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		if (plain_mask(x) != 0)
			goto bytes;
	}
	if (i == n)
		return n;
	/* The last 1 to 7 bytes, padded with plain ones. */
	x = 0x6161616161616161ULL;
	memcpy(&x, s + i, n - i);
	if (plain_mask(x) == 0)
		return n;
bytes:
	while (i < n && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' && s[i] < 0x7F)
		i++;
	return i;
}

void
jsonesc_stringn(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = plain_run(p, n), start = 0, k;

	if (i == n) {
		/* Nothing to escape, as for nearly every string: one copy. */
		char *o = buf_extend(b, n + 2);

		o[0] = '"';
		memcpy(o + 1, s, n);
		o[n + 1] = '"';
		return;
	}
	buf_addc(b, '"');
	while (i < n) {
		unsigned c;

		i += plain_run(p + i, n - i);
		if (i == n)
			break;
		c = p[i];
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
