/* wsframe.c: server frame headers, for the events rendered once (hub.c) and the daemon's own
 * messages (ws.c, pump.c). */
#include "config.h"

#include <stdint.h>

#include <event2/buffer.h>

#include "wsframe.h"

size_t
wsframe_header(unsigned char *out, unsigned opcode, size_t len)
{
	out[0] = (unsigned char)(0x80 | opcode);
	if (len < 126) {
		out[1] = (unsigned char)len;
		return 2;
	}
	if (len < 65536) {
		out[1] = 126;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
		return 4;
	}
	out[1] = 127;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

void
wsframe_text(struct evbuffer *out, const char *payload, size_t len)
{
	unsigned char h[WSFRAME_HEADER_MAX];

	evbuffer_add(out, h, wsframe_header(h, WSFRAME_TEXT, len));
	evbuffer_add(out, payload, len);
}
