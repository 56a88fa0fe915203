/* check_http.c: the outbound policy: which cluster URLs may be fetched, and how a transfer that
 * cannot happen reports itself. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http.h"

START_TEST(test_url_policy_table)
{
	static const struct {
		const char *url;
		const char *want; /* NULL: allowed; else a fragment of the reason */
	} cases[] = {
		{ "https://api.ocp.example.com:6443", NULL },
		{ "http://127.0.0.1:6443/c/x", NULL },
		{ "http://10.0.0.1", NULL },
		{ "https://[2001:db8::1]:6443", NULL },
		{ "http://169.254.169.254/latest/meta-data/", "link-local" },
		{ "http://169.254.0.1", "link-local" },
		{ "http://[fe80::1]/", "link-local" },
		{ "http://[::ffff:169.254.169.254]/", "link-local" },
		{ "http://[fd00:ec2::254]/", "metadata" },
		{ "http://100.100.100.200/", "metadata" },
		{ "http://metadata.google.internal/computeMetadata/v1/", "metadata" },
		{ "http://0.0.0.0/", "0.0.0.0/8" },
		{ "ftp://files.example.com/", "only http and https" },
		{ "file:///etc/passwd", "only http and https" },
		{ "gopher://x.example/", "only http and https" },
		{ "http://user:pw@api.example.com/", "credentials" },
		{ "not a url", "not a URL" },
		{ "http://api.example.com:0/", "the port must be 1 to 65535" },
		{ "http://[fe80::1%25eth0]:6443/", "link-local" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = http_url_refused(cases[i].url);

		if (cases[i].want == NULL)
			ck_assert_msg(why == NULL, "%s refused: %s", cases[i].url, why);
		else
			ck_assert_msg(why != NULL && strstr(why, cases[i].want) != NULL,
			    "%s: got %s, want ...%s...", cases[i].url, why != NULL ? why : "(allowed)",
			    cases[i].want);
	}
}
END_TEST

/* The runner refuses a link-local address when the connection is made, whatever the URL said. */
START_TEST(test_resolved_address_refused)
{
	struct http_req h = { 0 }, *all[1] = { &h };

	/* A literal the policy check refuses, passed straight to the runner, which must refuse it too
	 * (the check made when the socket would be opened, after any name resolution). */
	h.url = "http://169.254.1.1:9/";
	h.timeout_ms = 2000;
	http_run(all, 1, 1);
	ck_assert(h.failed);
	ck_assert_msg(strstr(h.error, "refused to connect") != NULL, "error: %s", h.error);
	http_release(&h);
}
END_TEST

START_TEST(test_connection_refused_reported)
{
	struct http_req h = { 0 }, *all[1] = { &h };

	h.url = "http://127.0.0.1:1/";
	h.timeout_ms = 2000;
	http_run(all, 1, 4);
	ck_assert(h.failed);
	ck_assert_int_eq(h.status, 0);
	ck_assert_msg(strstr(h.error, "connection refused") != NULL, "error: %s", h.error);
	http_release(&h);
}
END_TEST

START_TEST(test_many_at_once)
{
	enum { N = 40 };
	struct http_req hs[N], *all[N];

	memset(hs, 0, sizeof(hs));
	for (int i = 0; i < N; i++) {
		hs[i].url = i % 2 ? "http://127.0.0.1:1/" : "ftp://127.0.0.1/";
		hs[i].timeout_ms = 2000;
		all[i] = &hs[i];
	}
	http_run(all, N, 8);
	for (int i = 0; i < N; i++) {
		ck_assert_msg(hs[i].failed, "request %d did not fail", i);
		ck_assert_msg(hs[i].error[0] != '\0', "request %d has no reason", i);
		http_release(&hs[i]);
	}
}
END_TEST

static int done_calls[4];

static void
count_done(struct http_req *h, void *arg)
{
	done_calls[(intptr_t)arg]++;
	ck_assert(h->easy == NULL); /* finished: its handle is gone */
}

/* Each request's completion callback runs once; failures are told in our words, and libcurl's
 * own words are kept apart in detail. */
START_TEST(test_done_and_our_words)
{
	struct http_req hs[2], *all[2] = { &hs[0], &hs[1] };

	memset(hs, 0, sizeof(hs));
	memset(done_calls, 0, sizeof(done_calls));
	hs[0].url = "ftp://127.0.0.1/";
	hs[1].url = "http://127.0.0.1:1/";
	for (int i = 0; i < 2; i++) {
		hs[i].timeout_ms = 2000;
		hs[i].done = count_done;
		hs[i].done_arg = (void *)(intptr_t)i;
	}
	http_run(all, 2, 1);
	ck_assert_int_eq(done_calls[0], 1);
	ck_assert_int_eq(done_calls[1], 1);
	ck_assert_msg(strcmp(hs[0].error, "the URL cannot be fetched: only http and https URLs are") == 0,
	    "error: %s", hs[0].error);
	ck_assert_msg(hs[0].detail[0] != '\0', "libcurl's words are kept in detail");
	ck_assert_msg(strstr(hs[0].error, hs[0].detail) == NULL, "error repeats libcurl: %s", hs[0].error);
	ck_assert_msg(strcmp(hs[1].error, "connection refused") == 0, "error: %s", hs[1].error);
	ck_assert_msg(hs[1].detail[0] != '\0', "detail of a refused connection is empty");
	for (int i = 0; i < 2; i++)
		http_release(&hs[i]);
}
END_TEST

/* serve_once accepts one connection on fd, copies the request head to out, answers 200. */
static void
serve_once(int fd, int out)
{
	char req[4096];
	ssize_t n, got = 0;
	int c = accept(fd, NULL, NULL);

	while (c >= 0 && got < (ssize_t)sizeof(req) - 1 &&
	    (n = read(c, req + got, sizeof(req) - 1 - (size_t)got)) > 0) {
		got += n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	if (got > 0 && write(out, req, (size_t)got) != got)
		_exit(1);
	if (c >= 0 && write(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 40) != 40)
		_exit(1);
	_exit(0);
}

/* Basic auth goes out as the header we build (so that its copies are ours to wipe). */
START_TEST(test_basic_auth_header)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct http_req h = { 0 }, *all[1] = { &h };
	int fd = socket(AF_INET, SOCK_STREAM, 0), p[2];
	char url[64], head[4096] = { 0 };
	pid_t child;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	ck_assert_int_eq(pipe(p), 0);
	if ((child = fork()) == 0)
		serve_once(fd, p[1]);
	close(p[1]);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/-/ready", ntohs(sa.sin_port));
	h.url = url;
	h.basic = "ops:hunter2";
	h.timeout_ms = 5000;
	http_run(all, 1, 1);
	ck_assert_msg(!h.failed, "%s", h.error);
	ck_assert_int_eq(h.status, 200);
	ck_assert_int_ge(read(p[0], head, sizeof(head) - 1), 1);
	ck_assert_msg(
	    strstr(head, "\r\nAuthorization: Basic b3BzOmh1bnRlcjI=\r\n") != NULL, "request: %s", head);
	close(p[0]);
	waitpid(child, NULL, 0);
	http_release(&h);
}
END_TEST

/* The overall deadline bounds the whole run: a server that accepts and never answers holds the first
 * request only until then, and the requests waiting their turn are not made; all are timeouts. */
START_TEST(test_deadline)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct http_req hs[3], *all[3] = { &hs[0], &hs[1], &hs[2] };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char url[64];
	double t0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 8), 0); /* the kernel completes connections; nobody answers */
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/query", ntohs(sa.sin_port));
	memset(hs, 0, sizeof(hs));
	memset(done_calls, 0, sizeof(done_calls));
	for (int i = 0; i < 3; i++) {
		hs[i].url = url;
		hs[i].timeout_ms = 5000;
		hs[i].done = count_done;
		hs[i].done_arg = (void *)(intptr_t)i;
	}
	t0 = http_now();
	http_run_until(all, 3, 1, t0 + 0.3);
	ck_assert_msg(http_now() - t0 < 1.5, "took %.2f s", http_now() - t0);
	for (int i = 0; i < 3; i++) {
		ck_assert_msg(
		    hs[i].failed && hs[i].failure == HTTP_FAIL_TIMEOUT, "request %d: %s", i, hs[i].error);
		ck_assert_int_eq(done_calls[i], 1);
		http_release(&hs[i]);
	}
	ck_assert_msg(strstr(hs[2].error, "not asked") != NULL, "error: %s", hs[2].error);
	close(fd);
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *core = tcase_create("core"), *errors = tcase_create("errors");

	tcase_add_test(core, test_url_policy_table);
	tcase_add_test(errors, test_resolved_address_refused);
	tcase_add_test(errors, test_connection_refused_reported);
	tcase_add_test(errors, test_many_at_once);
	tcase_add_test(errors, test_done_and_our_words);
	tcase_add_test(core, test_basic_auth_header);
	tcase_add_test(errors, test_deadline);
	tcase_set_timeout(errors, 20);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	http_shutdown();
	curl_global_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
