/* utf8.h: the one check of UTF-8 well-formedness, for every parser of outside text. */
#ifndef AIOPS_UTF8_H
#define AIOPS_UTF8_H

#include <stddef.h>

/* utf8_seq returns the length (1 to 4) of the well-formed UTF-8 sequence that starts at s, n bytes
 * being readable there (n >= 1), or 0 when none starts there: overlong forms, surrogates, code
 * points past U+10FFFF and stray continuation bytes all give 0. */
size_t utf8_seq(const unsigned char *s, size_t n);

/* utf8_valid says whether the n bytes at s are well-formed UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t n);

#endif
