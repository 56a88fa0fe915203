/* cmd_cluster.c: aiopsctl cluster add, list and rm: the cluster register from the command line,
 * each change audited in its own transaction and announced as the API announces it. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "cluster.h"
#include "ctl.h"
#include "dataver.h"
#include "db.h"
#include "events.h"
#include "ingest.h"

int
cmd_cluster_store(struct ctl *c, struct cluster_in *in, int quiet_if_exists)
{
	json_t *errors = json_object();
	struct cluster *cl;
	enum err e;

	if (cluster_validate(in, errors) != ERR_OK) {
		ctl_print_errors(errors);
		json_decref(errors);
		return 1;
	}
	json_decref(errors);
	if (ctl_begin(c) != 0)
		return 1;
	e = cluster_create(c->db, c->a, in, &cl);
	if (e != ERR_OK)
		db_tx_rollback(c->db);
	if (e == ERR_CONFLICT) {
		if (quiet_if_exists)
			return 0;
		fprintf(stderr, "aiopsctl: a cluster named %s already exists\n", in->name);
		return 1;
	}
	if (e != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot add %s: %s\n", in->name, db_error(c->db));
		return 1;
	}
	if (ctl_commit(c, "cluster.create", arena_printf(c->a, "cluster:%s", cl->name),
		json_pack("{s:s}", "id", cl->id)) != 0)
		return 1;
	dataver_bump(c->rds, DATAVER_CLUSTERS);
	(void)cluster_emit(c->rds, c->a, EVENT_CLUSTER_REGISTERED, cl);
	printf("%s\t%s\n", cl->id, cl->name);
	return 0;
}

int
cmd_cluster_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "api-url", required_argument, NULL, 'a' },
		{ "env", required_argument, NULL, 'e' },
		{ "type", required_argument, NULL, 't' },
		{ "display-name", required_argument, NULL, 'd' },
		{ "prometheus-url", required_argument, NULL, 'p' },
		{ "alertmanager-url", required_argument, NULL, 'm' },
		{ "loki-url", required_argument, NULL, 'l' },
		{ "region", required_argument, NULL, 'r' },
		{ "label", required_argument, NULL, 'L' },
		{ "gpu", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	struct cluster_in in;
	json_t *labels = json_object();
	int ch, rc;

	cluster_in_init(&in);
	in.labels = labels;
	in.has_gpu = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *eq;

		switch (ch) {
		case 'a': in.api_url = optarg; break;
		case 'e': in.environment = optarg; break;
		case 't': in.type = optarg; break;
		case 'd': in.display_name = optarg; break;
		case 'p': in.prometheus_url = optarg; break;
		case 'm': in.alertmanager_url = optarg; break;
		case 'l': in.loki_url = optarg; break;
		case 'r': in.region = optarg; break;
		case 'g': in.has_gpu = 1; break;
		case 'L':
			if ((eq = strchr(optarg, '=')) == NULL) {
				fprintf(stderr, "aiopsctl: --label takes KEY=VALUE\n");
				json_decref(labels);
				return 2;
			}
			*eq = '\0';
			json_object_set_new(labels, optarg, json_string(eq + 1));
			break;
		default:
			json_decref(labels);
			ctl_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "aiopsctl: cluster add takes one NAME\n");
		json_decref(labels);
		return 2;
	}
	in.name = argv[optind];
	rc = cmd_cluster_store(c, &in, 0);
	json_decref(labels);
	return rc;
}

int
cmd_cluster_list(struct ctl *c, int argc, char **argv)
{
	struct cluster_filter f = { 0 };
	struct cluster_page page;
	int as_json = argc > 1 && strcmp(argv[1], "--json") == 0;
	json_t *all = json_array();

	f.has_gpu = -1;
	f.limit = CLUSTER_LIST_MAX;
	do {
		if (cluster_list(c->db, c->a, &f, &page) != ERR_OK) {
			fprintf(stderr, "aiopsctl: %s\n", db_error(c->db));
			json_decref(all);
			return 1;
		}
		for (int i = 0; i < page.n; i++) {
			const struct cluster *cl = &page.items[i];

			if (as_json)
				json_array_append_new(all, cluster_to_json(cl));
			else
				printf("%s\t%-24s %-12s %-11s %-12s %s\n", cl->id, cl->name, cl->environment,
				    cl->type, cl->status, cl->api_url);
		}
		f.cursor = page.next_cursor;
	} while (f.cursor != NULL);
	if (as_json) {
		char *s = json_dumps(all, JSON_INDENT(2));

		printf("%s\n", s);
		free(s);
	}
	json_decref(all);
	return 0;
}

int
cmd_cluster_rm(struct ctl *c, int argc, char **argv)
{
	struct cluster *cl;
	enum err e;

	if (argc != 2) {
		fprintf(stderr, "aiopsctl: cluster rm takes one NAME or ID\n");
		return 2;
	}
	e = cluster_get_by_name(c->db, c->a, argv[1], &cl);
	if (e == ERR_NOTFOUND)
		e = cluster_get(c->db, c->a, argv[1], &cl);
	if (e == ERR_OK && (e = db_tx_begin(c->db)) == ERR_OK &&
	    (e = cluster_delete(c->db, c->a, cl->id)) != ERR_OK)
		db_tx_rollback(c->db);
	if (e == ERR_NOTFOUND) {
		fprintf(stderr, "aiopsctl: no cluster is called %s\n", argv[1]);
		return 1;
	}
	if (e != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s\n", db_error(c->db));
		return 1;
	}
	if (ctl_commit(c, "cluster.delete", arena_printf(c->a, "cluster:%s", cl->name),
		json_pack("{s:s}", "id", cl->id)) != 0)
		return 1;
	dataver_bump(c->rds, DATAVER_CLUSTERS);
	(void)cluster_emit(c->rds, c->a, EVENT_CLUSTER_DELETED, cl);
	printf("removed %s\n", cl->name);
	return 0;
}

int
cmd_cluster_ingest_token(struct ctl *c, int argc, char **argv)
{
	struct cluster *cl;
	char *token = NULL;
	enum err e;

	if (argc != 2) {
		fprintf(stderr, "aiopsctl: cluster ingest-token takes one NAME or ID\n");
		return 2;
	}
	e = cluster_get_by_name(c->db, c->a, argv[1], &cl);
	if (e == ERR_NOTFOUND)
		e = cluster_get(c->db, c->a, argv[1], &cl);
	if (e == ERR_NOTFOUND) {
		fprintf(stderr, "aiopsctl: no cluster is called %s\n", argv[1]);
		return 1;
	}
	if (e != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s\n", ctl_failure(c, e));
		return 1;
	}
	if (ctl_begin(c) != 0)
		return 1;
	if ((e = ingest_token_new(c->db, c->a, cl->id, "aiopsctl", &token)) != ERR_OK) {
		db_tx_rollback(c->db);
		fprintf(stderr, "aiopsctl: %s\n", ctl_failure(c, e));
		return 1;
	}
	if (ctl_commit(c, "cluster.ingest_token", arena_printf(c->a, "cluster:%s", cl->name), NULL) != 0)
		return 1;
	printf("a new ingest token for %s; the old one no longer works. Give it to the cluster's\n"
	       "Alertmanager (webhook_configs: url .../api/v1/alerts/webhook/%s, http_config:\n"
	       "authorization: credentials). It is not shown again:\n%s\n",
	    cl->name, cl->name, token);
	return 0;
}
