/* check_cache.c: the render cache (fcgi/cache.c): an entry serves its own version, and a version
 * that moved only in sets that may show late while the entry's data is recent enough. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

static const char body[] = "{\"items\":[]}";

/* put stores body under key with version, steady and made, and checks what cache_put says. */
static void
put(struct cache *c, const char *key, const char *ver, const char *steady, uint64_t made)
{
	struct cache_hit h;

	cache_put(c, key, ver, steady, made, body, strlen(body), NULL, &h);
	ck_assert_ptr_nonnull(h.etag);
	ck_assert_mem_eq(h.body, body, strlen(body));
}

START_TEST(test_exact_version)
{
	struct cache *c = cache_new(true, 30);
	struct cache_hit h;

	put(c, "k", "alerts=1,alert_intake=5", NULL, 1000);
	ck_assert(cache_get(c, "k", "alerts=1,alert_intake=5", NULL, 0, &h));
	ck_assert_uint_eq(h.len, strlen(body));
	ck_assert(!cache_get(c, "k", "alerts=1,alert_intake=6", NULL, 0, &h));
	ck_assert(!cache_get(c, "other", "alerts=1,alert_intake=5", NULL, 0, &h));
	ck_assert_msg(!cache_get(c, "k", NULL, NULL, 0, &h), "an unknown version never hits");
	cache_free(c);
}
END_TEST

START_TEST(test_late_sets)
{
	struct cache *c = cache_new(true, 30);
	struct cache_hit h;

	put(c, "k", "alerts=1,alert_intake=5", "alerts=1", 1000);
	ck_assert_msg(cache_get(c, "k", "alerts=1,alert_intake=9", "alerts=1", 1000, &h),
	    "a late set moved and the data was read at the limit: served");
	ck_assert_msg(cache_get(c, "k", "alerts=1,alert_intake=9", "alerts=1", 750, &h),
	    "and while it is more recent than the limit");
	ck_assert_msg(!cache_get(c, "k", "alerts=1,alert_intake=9", "alerts=1", 1001, &h),
	    "data read before the limit is not served for a newer version");
	ck_assert_msg(!cache_get(c, "k", "alerts=2,alert_intake=9", "alerts=2", 0, &h),
	    "a set that must show at once moved: never served");
	ck_assert_msg(!cache_get(c, "k", "alerts=1,alert_intake=9", NULL, 0, &h),
	    "without a steady version only the exact one serves");
	ck_assert_msg(cache_get(c, "k", "alerts=1,alert_intake=5", "alerts=1", 5000, &h),
	    "its own version serves it however old its data");
	cache_free(c);
}
END_TEST

START_TEST(test_entry_without_steady)
{
	struct cache *c = cache_new(true, 30);
	struct cache_hit h;

	put(c, "k", "clusters=3", NULL, 1000);
	ck_assert_msg(!cache_get(c, "k", "clusters=4", "clusters=4", 0, &h),
	    "an entry stored without a steady version serves only its own");
	ck_assert(cache_get(c, "k", "clusters=3", "clusters=3", 0, &h));
	cache_free(c);
}
END_TEST

START_TEST(test_disabled)
{
	struct cache *c = cache_new(false, 30);
	struct cache_hit h;

	cache_put(c, "k", "v=1", "v=1", 1, body, strlen(body), NULL, &h);
	ck_assert_ptr_null(h.etag);
	ck_assert(!cache_get(c, "k", "v=1", "v=1", 0, &h));
	cache_free(c);
}
END_TEST

START_TEST(test_clock)
{
	uint64_t a = cache_now_ms(), b = cache_now_ms();

	ck_assert(a > 0);
	ck_assert(b >= a);
}
END_TEST

static Suite *
cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, test_exact_version);
	tcase_add_test(core, test_late_sets);
	tcase_add_test(core, test_entry_without_steady);
	tcase_add_test(core, test_clock);
	tcase_add_test(limits, test_disabled);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
