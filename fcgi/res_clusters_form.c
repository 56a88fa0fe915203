/* res_clusters_form.c: adding, editing and deleting a cluster through the pages' forms, each field
 * read, checked and shown again through the cluster's field table. */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "cluster.h"
#include "json.h"
#include "req.h"
#include "res.h"
#include "res_clusters.h"
#include "tpl.h"

/* form_page renders the form for cluster id (NULL: a new one). The values come from in, or, when
 * sent is true, as the request posted them; errors (NULL: none) go beside their fields. */
static int
form_page(struct req *r, int status, const char *id, const struct cluster_in *in, bool sent, json_t *errors)
{
	struct tpl *t = r->w->tpl;
	struct tpl_row *form = tpl_rows(t, r->a, "Form");
	bool set[CREDENTIAL__MAX];
	enum err e;

	if (sent)
		field_write_form_sent(cluster_fields, req_form_field, r, form);
	else
		field_write_form(cluster_fields, in, form, r->a);
	tpl_row_set(form, "action", id == NULL ? "/clusters" : arena_printf(r->a, "/clusters/%s", id));
	tpl_row_set(form, "id", id);
	if (errors != NULL) {
		struct tpl_row *rows = tpl_rows(t, r->a, "Errors");
		int n = field_write_errors(cluster_fields, errors, rows);
		const char *other = json_string_value(json_object_get(errors, "form"));

		if (other != NULL)
			tpl_row_set(rows, "form", other);
		tpl_row_set(rows, "count", arena_printf(r->a, "%d", n + (other != NULL)));
	}
	field_write_choices(cluster_fields, tpl_rows(t, r->a, "Options"));
	if (id == NULL)
		res_clusters_cred_rows(r, NULL);
	else {
		if ((e = credential_which(r->w->db, r->a, id, set)) != ERR_OK)
			return req_fail_err(r, e, "list credentials");
		res_clusters_cred_rows(r, set);
	}
	return req_page(r, status, "clusters_form",
	    id == NULL ? "Add a cluster"
		: sent ? "Edit cluster"
		       : arena_printf(r->a, "Edit %s", in->name));
}

int
res_clusters_new(struct req *r)
{
	struct cluster_in in;

	cluster_in_init(&in);
	in.environment = "production";
	in.type = "openshift";
	in.has_gpu = 0;
	return form_page(r, 200, NULL, &in, false, NULL);
}

int
res_clusters_edit(struct req *r)
{
	struct cluster_in in;
	struct cluster *c;
	int st;

	if ((st = res_clusters_load(r, &c)) != 0)
		return st;
	cluster_in_from_cluster(&in, c, r->a);
	return form_page(r, 200, c->id, &in, false, NULL);
}

/* form_save validates the posted form and creates or updates, with the credentials a new cluster
 * was given; a fault re-renders the form with 422 (409 for a name taken) and the reasons next to
 * the fields, keeping what was typed. */
static int
form_save(struct req *r, const char *id)
{
	json_t *errors = json_own(r->a, json_object());
	struct cluster_in in;
	struct cred_change creds;
	struct cluster *c;
	const char *kind, *why;
	enum err e;
	int status = 422;

	cluster_in_init(&in);
	field_from_form(cluster_fields, &in, req_form_field, r, r->a, errors);
	if (id == NULL) {
		res_clusters_cred_from_form(r, &creds);
		if ((kind = res_clusters_cred_check(&creds, &why)) != NULL)
			field_error(errors, "form", arena_printf(r->a, "%s: %s", kind, why));
	}
	if (cluster_validate(&in, errors) == ERR_OK) {
		e = res_clusters_save(r, id, &in, id == NULL ? &creds : NULL, &c);
		if (e == ERR_OK) {
			req_flash(r,
			    arena_printf(r->a, id == NULL ? "Cluster %s was added." : "Cluster %s was saved.",
				c->name));
			return req_redirect(r, arena_printf(r->a, "/clusters/%s", c->id));
		}
		if (e == ERR_CONFLICT) {
			field_error(errors, "name", "another cluster already has this name");
			status = 409;
		} else if (e == ERR_NOTFOUND)
			return req_fail(r, 404, "no cluster has this id; it may have been deleted");
		else if (e == ERR_INPUT)
			field_error(errors, "form", "PostgreSQL refused a value; check the fields");
		else if (e == ERR_IO)
			return req_fail(r, 503,
			    "the cluster was not added: its credentials cannot be stored, the key file could "
			    "not be read (see the log)");
		else
			return req_fail_err(r, e, "save cluster");
	}
	return form_page(r, status, id, &in, true, errors);
}

int
res_clusters_create_form(struct req *r)
{
	return form_save(r, NULL);
}

int
res_clusters_update_form(struct req *r)
{
	return form_save(r, kv_get(&r->params, "id"));
}

int
res_clusters_delete_form(struct req *r)
{
	struct cluster *c;
	enum err e;
	int st;

	if ((st = res_clusters_load(r, &c)) != 0)
		return st;
	if ((e = res_clusters_remove(r, c)) == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this id; it may have been deleted already");
	if (e != ERR_OK)
		return req_fail_err(r, e, "delete cluster");
	req_flash(r, arena_printf(r->a, "Cluster %s was deleted.", c->name));
	return req_redirect(r, "/clusters");
}
