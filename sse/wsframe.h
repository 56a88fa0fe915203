/* wsframe.h: the frames the daemon itself sends to WebSocket clients (RFC 6455 §5.2): unmasked,
 * final, written straight to an output buffer. */
#ifndef AIOPS_SSE_WSFRAME_H
#define AIOPS_SSE_WSFRAME_H

#include <stddef.h>

struct evbuffer;

#define WSFRAME_TEXT 0x1
#define WSFRAME_HEADER_MAX 10

/* wsframe_header writes the header of an unmasked server frame (FIN set) with opcode for a payload
 * of len bytes into out (WSFRAME_HEADER_MAX bytes at least); returns its length. */
size_t wsframe_header(unsigned char *out, unsigned opcode, size_t len);

/* wsframe_text appends one text frame holding the len bytes of payload to out. */
void wsframe_text(struct evbuffer *out, const char *payload, size_t len);

#endif
