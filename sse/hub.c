/* hub.c: stream entries rendered once per protocol, and the shared queue clients walk along. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "buf.h"
#include "hub.h"
#include "jw.h"
#include "wsframe.h"

/* Longest type, cluster id and owner an entry may carry. */
#define EV_NAME_MAX 256

int
sid_parse(const char *s, size_t n, struct sid *out)
{
	uint64_t part[2] = { 0, 0 };
	size_t i = 0;

	for (int k = 0; k < 2; k++) {
		size_t start = i;

		while (i < n && s[i] >= '0' && s[i] <= '9') {
			unsigned d = (unsigned)(s[i] - '0');

			if (part[k] > (UINT64_MAX - d) / 10)
				return -1;
			part[k] = part[k] * 10 + d;
			i++;
		}
		if (i == start)
			return -1;
		if (k == 0) {
			if (i >= n || s[i] != '-')
				return -1;
			i++;
		}
	}
	if (i != n)
		return -1;
	out->ms = part[0];
	out->seq = part[1];
	return 0;
}

void
sid_format(const struct sid *id, char out[SID_MAX])
{
	snprintf(out, SID_MAX, "%llu-%llu", (unsigned long long)id->ms, (unsigned long long)id->seq);
}

int
sid_cmp(const struct sid *a, const struct sid *b)
{
	if (a->ms != b->ms)
		return a->ms < b->ms ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

/* type_ok admits what can follow "event: " on one line and names a type: letters, digits, _.:- */
static bool
type_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
			(s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '.' || s[n] == ':' ||
			s[n] == '-'))
			return false;
	return n > 0 && n <= 64;
}

/* The bytes of an event live right after the struct, in the same allocation. */
static char *
put(char **p, const char *s, size_t n)
{
	char *at = *p;

	memcpy(at, s, n);
	at[n] = '\0';
	*p += n + 1;
	return at;
}

struct ev *
ev_make(const char *id, size_t id_len, const char *type, const char *cluster, const char *owner,
    const char *json, size_t json_len, const char **why)
{
	struct sid sid;
	json_error_t jerr;
	json_t *root = NULL;
	char idtext[SID_MAX], *data = NULL, *p;
	unsigned char hdr[WSFRAME_HEADER_MAX];
	struct buf sse = { 0 }, ws = { 0 };
	struct jw w;
	struct ev *e = NULL;
	size_t tl, cl, ol, hl, size;

	if (sid_parse(id, id_len, &sid) != 0) {
		*why = "the entry id is not <ms>-<seq>";
		goto cleanup;
	}
	sid_format(&sid, idtext);
	if (json == NULL || (root = json_loadb(json, json_len, JSON_DECODE_ANY, &jerr)) == NULL) {
		*why = "the entry's event field is not valid JSON (UTF-8, no NUL)";
		goto cleanup;
	}
	if (!json_is_object(root)) {
		*why = "the entry's event field is JSON but not an object";
		goto cleanup;
	}
	if (type == NULL || *type == '\0')
		type = json_string_value(json_object_get(root, "type"));
	if (!type_ok(type)) {
		*why = "the entry has no type, or one that is not letters, digits and _.:-";
		goto cleanup;
	}
	cluster = cluster != NULL ? cluster : "";
	owner = owner != NULL ? owner : "";
	if ((cl = strlen(cluster)) > EV_NAME_MAX || (ol = strlen(owner)) > EV_NAME_MAX) {
		*why = "the entry's cluster_id or owner is too long";
		goto cleanup;
	}
	tl = strlen(type);
	/* Dumped again compactly: one line for "data:", and valid JSON whatever the writer sent. */
	if ((data = json_dumps(root, JSON_COMPACT)) == NULL)
		die_oom();
	buf_printf(&sse, "id: %s\nevent: %s\ndata: %s\n\n", idtext, type, data);
	jw_init(&w, &ws);
	jw_object(&w);
	jw_key(&w, "id");
	jw_string(&w, idtext);
	jw_key(&w, "event");
	jw_string(&w, type);
	jw_key(&w, "data");
	jw_raw(&w, data);
	jw_end_object(&w);
	hl = wsframe_header(hdr, WSFRAME_TEXT, ws.len);

	size = sizeof(*e) + tl + 1 + cl + 1 + ol + 1 + sse.len + 1 + hl + ws.len + 1;
	e = xcalloc(1, size);
	p = (char *)(e + 1);
	e->refs = 1;
	e->id = sid;
	e->type = put(&p, type, tl);
	e->cluster = put(&p, cluster, cl);
	e->owner = put(&p, owner, ol);
	e->sse_len = sse.len;
	e->sse = put(&p, sse.p, sse.len);
	memcpy(p, hdr, hl);
	memcpy(p + hl, ws.p, ws.len);
	p[hl + ws.len] = '\0';
	e->ws = p;
	e->ws_len = hl + ws.len;

cleanup:
	free(data);
	buf_free(&sse);
	buf_free(&ws);
	if (root != NULL)
		json_decref(root);
	return e;
}

void
ev_ref(struct ev *e)
{
	e->refs++;
}

void
ev_unref(struct ev *e)
{
	if (e != NULL && --e->refs == 0)
		free(e);
}

void
hub_init(struct hub *h)
{
	memset(h, 0, sizeof(*h));
	h->head = h->tail = xcalloc(1, sizeof(struct ev));
	h->head->refs = 1;
	h->head->type = h->head->cluster = h->head->owner = "";
}

void
hub_append(struct hub *h, struct ev *e)
{
	e->end = h->tail->end + e->sse_len;
	e->next = NULL;
	h->tail->next = e;
	h->tail = e;
}

void
hub_trim(struct hub *h)
{
	while (h->head != h->tail && h->head->parked == 0) {
		struct ev *e = h->head;

		h->head = e->next;
		e->next = NULL;
		ev_unref(e);
	}
}

void
hub_park(struct ev **cursor, struct ev *e)
{
	if (*cursor != NULL)
		(*cursor)->parked--;
	e->parked++;
	*cursor = e;
}

uint64_t
hub_lag(const struct hub *h, const struct ev *e)
{
	return h->tail->end - e->end;
}

void
hub_free(struct hub *h)
{
	struct ev *e = h->head, *next;

	for (; e != NULL; e = next) {
		next = e->next;
		e->next = NULL;
		ev_unref(e);
	}
	h->head = h->tail = NULL;
}
