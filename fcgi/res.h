/* res.h: every handler, one file per resource (res_<resource>.c), named in the route table. */
#ifndef AIOPS_RES_H
#define AIOPS_RES_H

struct req;

/* res_ops.c: health, readiness, metrics. */
int res_ops_health(struct req *r);
int res_ops_ready(struct req *r);
int res_ops_metrics(struct req *r);

/* res_alerts.c: alerts. */
int res_alerts_webhook(struct req *r);
int res_alerts_list(struct req *r);
int res_alerts_get(struct req *r);
int res_alerts_page(struct req *r);
int res_alerts_show(struct req *r);
int res_alerts_ack(struct req *r);
int res_alerts_export(struct req *r);

/* res_silences.c: silences, in each cluster's Alertmanager. */
int res_silences_create(struct req *r);
int res_silences_list(struct req *r);
int res_silences_expire(struct req *r);
int res_alerts_silence_form(struct req *r);
int res_amapi_silences(struct req *r);
int res_amapi_silence_add(struct req *r);

/* res_amapi.c: the fleet as one Alertmanager (API v2) for amtool and the like. */
int res_amapi_alerts(struct req *r);
int res_amapi_groups(struct req *r);
int res_amapi_status(struct req *r);
int res_alerts_unack(struct req *r);
int res_alerts_ack_form(struct req *r);
int res_alerts_unack_form(struct req *r);

/* res_metrics.c: the federated metrics as our JSON, each cluster's outcome accounted for. */
int res_metrics_query(struct req *r);
int res_metrics_query_range(struct req *r);
int res_metrics_labels(struct req *r);
int res_metrics_label_values(struct req *r);
int res_metrics_series(struct req *r);

/* res_prom.c: the fleet as one Prometheus (HTTP API v1) for Grafana, promtool and the like. */
int res_prom_query(struct req *r);
int res_prom_query_range(struct req *r);
int res_prom_labels(struct req *r);
int res_prom_label_values(struct req *r);
int res_prom_series(struct req *r);
int res_prom_buildinfo(struct req *r);

/* res_ingest.c: clusters' ingest tokens. */
int res_ingest_token_create(struct req *r);

/* res_apidoc.c: the API reference page, from the OpenAPI document. */
int res_apidoc_page(struct req *r);

/* res_home.c: the fleet dashboard. */
int res_home(struct req *r);

/* res_clusters.c: the cluster register as JSON. */
int res_clusters_list(struct req *r);
int res_clusters_get(struct req *r);
int res_clusters_create(struct req *r);
int res_clusters_replace(struct req *r);
int res_clusters_patch(struct req *r);
int res_clusters_delete(struct req *r);
int res_clusters_health(struct req *r);

/* res_clusters_page.c: the list and a cluster's page. */
int res_clusters_page(struct req *r);
int res_clusters_show(struct req *r);

/* res_clusters_form.c: adding, editing and deleting through forms. */
int res_clusters_new(struct req *r);
int res_clusters_edit(struct req *r);
int res_clusters_create_form(struct req *r);
int res_clusters_update_form(struct req *r);
int res_clusters_delete_form(struct req *r);

/* res_clusters_cred.c: a cluster's credentials. */
int res_clusters_credentials_get(struct req *r);
int res_clusters_credentials_put(struct req *r);
int res_clusters_credentials_form(struct req *r);

/* res_fleet.c: the fleet summary. */
int res_fleet_summary(struct req *r);

/* res_auth.c: logging in and out, who am I, and nginx's auth_request. res_auth_session_ended is
 * the dispatcher's answer to a form sent without a live session: the login page, saying why and
 * keeping what can be kept (/login/resume offers to send it again after the login). */
int res_auth_session_ended(struct req *r);
int res_auth_login_page(struct req *r);
int res_auth_login(struct req *r);
int res_auth_resume(struct req *r);
int res_auth_logout_page(struct req *r);
int res_auth_logout(struct req *r);
int res_auth_check(struct req *r);
int res_auth_me(struct req *r);

/* res_settings.c: one's own settings page and password. res_settings_render renders the page
 * with status (for the token forms of res_tokens.c too); res_settings_form_target answers a GET
 * of an address its forms post to with the page. */
int res_settings_page(struct req *r);
int res_settings_render(struct req *r, int status);
int res_settings_password(struct req *r);
int res_settings_form_target(struct req *r);

/* res_tokens.c: API tokens: the settings page's forms and /api/v1/tokens. A new token's secret
 * reaches the settings page in the session's stash under RES_TOKENS_STASH. */
#define RES_TOKENS_STASH "token"
int res_tokens_create_form(struct req *r);
int res_tokens_revoke_form(struct req *r);
int res_tokens_list(struct req *r);
int res_tokens_create(struct req *r);
int res_tokens_revoke(struct req *r);

/* res_users.c: user accounts, for admins, as a page and JSON. */
int res_users_page(struct req *r);
int res_users_create_form(struct req *r);
int res_users_update_form(struct req *r);
int res_users_form_target(struct req *r);
int res_users_list(struct req *r);
int res_users_create(struct req *r);
int res_users_patch(struct req *r);

/* res_audit.c: the audit log, for admins, as a page and JSON. */
int res_audit_page(struct req *r);
int res_audit_list(struct req *r);

/* res_explore.c: the metrics explorer page, and the charts of a cluster's page:
 * res_explore_cluster_charts sets the template rows Charts (key, title, query, unit, explore,
 * no_prometheus) and ChartsExplore for cluster c. */
struct cluster;
int res_explore_page(struct req *r);
void res_explore_cluster_charts(struct req *r, const struct cluster *c);

#endif
