// The worker runtime's I/O-free parts: River's default backoff, the errors[]
// element, the outcome rules of River Go's job executor, the client ID and
// the statements' parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <ctime>

#include "core/json.hpp"
#include "core/time_format.hpp"
#include "core/worker/attempt_error.hpp"
#include "core/worker/client_id.hpp"
#include "core/worker/job_outcome.hpp"
#include "core/worker/notifications.hpp"
#include "core/worker/rescue.hpp"
#include "core/worker/retry_policy.hpp"
#include "core/worker/worker_sql.hpp"

namespace riverqueue::core {
namespace {

using namespace std::chrono_literals;

time_point at(const char* text) { return *parse_rfc3339(text); }

TEST(RetryPolicy, WaitsTheFailureCountToTheFourthSecondsGiveOrTakeATenth) {
    const time_point now = at("2026-12-01T00:00:00Z");
    const double expected[] = {1, 16, 81, 256, 625, 1296};
    for (std::size_t n = 1; n <= 6; ++n) {
        SCOPED_TRACE(n);
        EXPECT_EQ(default_retry_seconds(n), expected[n - 1]);
        const auto low = default_next_retry(now, n, -0.1) - now;
        const auto high = default_next_retry(now, n, 0.0999999) - now;
        EXPECT_NEAR(std::chrono::duration<double>(low).count(), expected[n - 1] * 0.9, 1e-6);
        EXPECT_NEAR(std::chrono::duration<double>(high).count(), expected[n - 1] * 1.1, 1e-3);
    }
    EXPECT_EQ(default_retry_seconds(24), 331'776.0);
}

TEST(RetryPolicy, CapsAtGosLargestDurationWithoutJitter) {
    const double cap = 9223372036.854775807;
    EXPECT_NEAR(default_retry_seconds(310), cap, 1e-3);
    EXPECT_NEAR(default_retry_seconds(100'000), cap, 1e-3);
    const time_point now = at("2026-12-01T00:00:00Z");
    // No jitter once capped: both ends give the same time (about 292 years on).
    EXPECT_EQ(default_next_retry(now, 400, -0.1), default_next_retry(now, 400, 0.09));
    // About 292 years on (Go's largest time.Duration), as Go's time.Now().Add
    // gives it: within what time_point holds, so no clamp.
    const auto until = default_next_retry(now, 400, 0.0);
    EXPECT_NEAR(std::chrono::duration<double>(until - now).count(), cap, 1e-3);
    EXPECT_EQ(std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(until)}.year(), std::chrono::year{2319});
    // From near the end of time_point's range, the clock's end.
    EXPECT_EQ(default_next_retry(time_point::max() - std::chrono::hours{1}, 400, 0.0), time_point::max());
}

TEST(AttemptError, LocalTimeCarriesItsOffsetAsGoWritesIt) {
    const char* saved = std::getenv("TZ");
    const std::string previous = saved != nullptr ? saved : "";
    setenv("TZ", "America/New_York", 1);
    tzset();
    const std::string winter = format_rfc3339_nano_local_like_go(go_time{at("2026-12-03T17:30:34Z")} + 478630880ns);
    const std::string summer = format_rfc3339_nano_local_like_go(at("2026-07-03T17:30:34Z"));
    setenv("TZ", "UTC", 1);
    tzset();
    const std::string utc = format_rfc3339_nano_local_like_go(at("2026-12-03T17:30:34.5Z"));
    if (saved != nullptr) setenv("TZ", previous.c_str(), 1);
    else unsetenv("TZ");
    tzset();
    EXPECT_EQ(winter, "2026-12-03T12:30:34.47863088-05:00");
    EXPECT_EQ(summer, "2026-07-03T13:30:34-04:00");
    EXPECT_EQ(utc, "2026-12-03T17:30:34.5Z");
}

TEST(AttemptError, IsRiversAttemptErrorAsGoEncodesIt) {
    // A clock reading, in nanoseconds as Go's.
    const go_time started = go_time{at("2026-12-03T16:10:50Z")} + 123456700ns;
    EXPECT_EQ(attempt_error_json(started, 3, "boom <&>", ""),
              R"({"at":"2026-12-03T16:10:50.1234567Z","attempt":3,"error":"boom \u003c\u0026\u003e","trace":""})");
    EXPECT_EQ(attempt_error_json(at("2026-12-03T16:10:50Z"), 1, "x", "t"),
              R"({"at":"2026-12-03T16:10:50Z","attempt":1,"error":"x","trace":"t"})");
    // Invalid UTF-8 becomes U+FFFD, as Go writes it; the result is valid JSON.
    const std::string odd = attempt_error_json(started, 1, "a\xff" "b", "");
    EXPECT_NE(odd.find("a\xEF\xBF\xBD" "b"), std::string::npos);
    EXPECT_NO_THROW(json::parse(odd));
}

job_row fetched(int attempt, int max_attempts = 25, std::size_t errors = 0) {
    job_row row;
    row.id = 42;
    row.attempt = attempt;
    row.max_attempts = max_attempts;
    row.errors.resize(errors);
    row.metadata = "{}";
    return row;
}

job_result outcome(job_result::kind what, std::string error = {}) {
    job_result result;
    result.what = what;
    result.error = std::move(error);
    return result;
}

const time_point started = at("2026-12-03T10:00:00Z");
const time_point now = at("2026-12-03T10:00:01Z");

TEST(JobOutcome, CompletedIsFinalizedNow) {
    const auto change = decide_state_change(fetched(1), job_result{}, started, now, 0);
    EXPECT_EQ(change.state, job_state::completed);
    EXPECT_EQ(change.finalized_at, now);
    EXPECT_FALSE(change.attempt || change.error || change.scheduled_at || change.metadata_patch);
}

TEST(JobOutcome, AFailureIsRetriedWithRiversBackoffAvailableWhenDueWithinTheSchedulerInterval) {
    job_result failed = outcome(job_result::kind::failed, "boom");
    // First failure: about 1 s, within 5 s: available at once, scheduled_at in the future.
    auto change = decide_state_change(fetched(1), failed, started, now, 0);
    EXPECT_EQ(change.state, job_state::available);
    EXPECT_EQ(change.scheduled_at, now + 1s);
    ASSERT_TRUE(change.error);
    EXPECT_EQ(*change.error, R"({"at":"2026-12-03T10:00:00Z","attempt":1,"error":"boom","trace":""})");
    EXPECT_FALSE(change.finalized_at);
    // Second failure (one error already): 16 s, retryable.
    change = decide_state_change(fetched(2, 25, 1), failed, started, now, 0);
    EXPECT_EQ(change.state, job_state::retryable);
    EXPECT_EQ(change.scheduled_at, now + 16s);
    // Snoozes do not count: backoff follows errors, not attempt.
    change = decide_state_change(fetched(9, 25, 1), failed, started, now, 0);
    EXPECT_EQ(change.scheduled_at, now + 16s);
}

TEST(JobOutcome, TheWorkersNextRetryWinsUnlessItIsPast) {
    job_result failed = outcome(job_result::kind::failed, "boom");
    failed.next_retry = now + 1h;
    EXPECT_EQ(decide_state_change(fetched(1), failed, started, now, 0).scheduled_at, now + 1h);
    failed.next_retry = now - 1s;
    EXPECT_EQ(decide_state_change(fetched(1), failed, started, now, 0).scheduled_at, now + 1s);
}

TEST(JobOutcome, TheLastAttemptIsDiscarded) {
    const auto change = decide_state_change(fetched(3, 3), outcome(job_result::kind::failed, "boom"), started, now, 0);
    EXPECT_EQ(change.state, job_state::discarded);
    EXPECT_EQ(change.finalized_at, now);
    EXPECT_TRUE(change.error);
    EXPECT_FALSE(change.scheduled_at);
}

TEST(JobOutcome, CancelIsFinalWithTheErrorRecordedEvenBeforeTheLastAttempt) {
    const auto change =
        decide_state_change(fetched(1), outcome(job_result::kind::cancelled, "JobCancelError: no"), started, now, 0);
    EXPECT_EQ(change.state, job_state::cancelled);
    EXPECT_EQ(change.finalized_at, now);
    EXPECT_NE(change.error->find(R"("error":"JobCancelError: no")"), std::string::npos);
}

TEST(JobOutcome, SnoozeGivesTheAttemptBackAndCountsSnoozes) {
    job_result snoozed = outcome(job_result::kind::snoozed);
    snoozed.snooze = 30s;
    job_row row = fetched(4);
    row.metadata = R"({"snoozes": 2, "a": 1})";
    auto change = decide_state_change(row, snoozed, started, now, 0);
    EXPECT_EQ(change.state, job_state::scheduled);
    EXPECT_EQ(change.attempt, 3);
    EXPECT_EQ(change.scheduled_at, now + 30s);
    EXPECT_EQ(change.metadata_patch, R"({"snoozes":3})");
    EXPECT_FALSE(change.error || change.finalized_at);
    snoozed.snooze = 5s;  // within the scheduler interval: available at once
    EXPECT_EQ(decide_state_change(fetched(1), snoozed, started, now, 0).state, job_state::available);
    EXPECT_EQ(decide_state_change(fetched(1), snoozed, started, now, 0).metadata_patch, R"({"snoozes":1})");
}

TEST(JobOutcome, StopInterruptedIsAvailableNowWithTheAttemptGivenBackAndNoError) {
    const auto change = decide_state_change(fetched(1), outcome(job_result::kind::interrupted), started, now, 0);
    EXPECT_EQ(change.state, job_state::available);
    EXPECT_EQ(change.attempt, 0);
    EXPECT_EQ(change.scheduled_at, now);
    EXPECT_FALSE(change.error || change.finalized_at);
}

TEST(JobOutcome, MetadataUpdatesAreMergedWhateverTheOutcome) {
    job_result done;
    done.metadata_updates = R"({"output":1})";
    EXPECT_EQ(decide_state_change(fetched(1), done, started, now, 0).metadata_patch, R"({"output":1})");
    job_result snoozed = outcome(job_result::kind::snoozed);
    snoozed.metadata_updates = R"({"output":1})";
    EXPECT_EQ(decide_state_change(fetched(1), snoozed, started, now, 0).metadata_patch, R"({"output":1,"snoozes":1})");
}

TEST(JobOutcome, SnoozeCountReadsAsGjsonDoes) {
    EXPECT_EQ(next_snooze_count("{}"), 1);
    EXPECT_EQ(next_snooze_count(R"({"snoozes":7})"), 8);
    EXPECT_EQ(next_snooze_count(R"({"snoozes":2.9})"), 3);
    EXPECT_EQ(next_snooze_count(R"({"snoozes":"x"})"), 1);
    EXPECT_EQ(next_snooze_count("not json"), 1);
}

TEST(ClientId, IsRiversDefaultShape) {
    EXPECT_EQ(default_client_id("web.1.example", at("2026-11-09T12:00:00.123456Z")),
              "web_1_example_2026_11_09T12_00_00_123456");
    const std::string long_host(80, 'h');
    EXPECT_EQ(default_client_id(long_host, at("2026-11-09T12:00:00Z")).size(), 60u + 27u);
}

TEST(WorkerSql, FetchTakesRiversParameters) {
    const sql_statement fetch = fetch_jobs_statement("s", "default", 7, "me", std::nullopt, driver::result_format::binary);
    ASSERT_EQ(fetch.params.size(), 5u);
    EXPECT_EQ(fetch.params[0], "default");
    EXPECT_EQ(fetch.params[1], std::nullopt);  // every kind
    EXPECT_EQ(fetch.params[2], "7");
    EXPECT_EQ(fetch.params[3], "100");
    EXPECT_EQ(fetch.params[4], "me");
    EXPECT_NE(fetch.sql.find("FOR UPDATE SKIP LOCKED"), std::string::npos);
    EXPECT_NE(fetch.sql.find("ORDER BY priority ASC, scheduled_at ASC, id ASC"), std::string::npos);
    const sql_statement known =
        fetch_jobs_statement("", "q", 1, "me", std::vector<std::string>{"a", "b"}, driver::result_format::binary);
    EXPECT_EQ(known.params[1], R"({"a","b"})");
}

TEST(WorkerSql, CompletionSendsOneArrayElementPerJob) {
    std::vector<job_state_change> changes(2);
    changes[0].id = 1;
    changes[0].state = job_state::completed;
    changes[0].finalized_at = now;
    changes[1].id = 2;
    changes[1].state = job_state::retryable;
    changes[1].error = R"({"at":"x"})";
    changes[1].scheduled_at = now;
    changes[1].attempt = 3;
    const sql_statement s = complete_jobs_statement("s", changes, driver::result_format::binary);
    ASSERT_EQ(s.params.size(), 12u);
    EXPECT_EQ(s.params[0], R"({"1","2"})");
    EXPECT_EQ(s.params[1], R"({"f","t"})");
    EXPECT_EQ(s.params[2], R"({"0","3"})");
    EXPECT_EQ(s.params[4], R"({NULL,"{\"at\":\"x\"}"})");
    EXPECT_EQ(s.params[6], "{\"2026-12-03T10:00:01.000000Z\",NULL}");
    EXPECT_EQ(s.params[8], R"({"{}","{}"})");
    EXPECT_EQ(s.params[11], R"({"completed","retryable"})");
    EXPECT_NE(s.sql.find("river_job.metadata ? 'cancel_attempted_at'"), std::string::npos);
}

TEST(Rescue, FollowsRiversRescuerRules) {
    job_row job = fetched(1, 3, 1);
    job.attempted_at = now - 2h;
    job.kind = "k";
    // A cancel requested: cancelled, whatever the rest.
    job.metadata = R"({"cancel_attempted_at":"2026-01-01T00:00:00Z"})";
    EXPECT_EQ(decide_rescue(job, true, 1min, std::nullopt, now, 0).what, rescue_decision::kind::cancel);
    job.metadata = "{}";
    // A kind the leader has no worker for: discarded.
    EXPECT_EQ(decide_rescue(job, false, 1min, std::nullopt, now, 0).what, rescue_decision::kind::discard);
    // No timeout, or one not yet elapsed: left alone.
    EXPECT_EQ(decide_rescue(job, true, -1ms, std::nullopt, now, 0).what, rescue_decision::kind::leave);
    EXPECT_EQ(decide_rescue(job, true, 3h, std::nullopt, now, 0).what, rescue_decision::kind::leave);
    // Otherwise retried by the policy (errors so far + 1), or discarded on the last attempt.
    const auto retry = decide_rescue(job, true, 1min, std::nullopt, now, 0);
    EXPECT_EQ(retry.what, rescue_decision::kind::retry);
    EXPECT_EQ(retry.retry_at, now + 16s);
    EXPECT_EQ(retry.error, R"({"at":"2026-12-03T10:00:01Z","attempt":1,"error":"Stuck job rescued by JobRescuer","trace":""})");
    EXPECT_EQ(decide_rescue(job, true, 1min, now + 1h, now, 0).retry_at, now + 1h);
    job.attempt = 3;
    EXPECT_EQ(decide_rescue(job, true, 1min, std::nullopt, now, 0).what, rescue_decision::kind::discard);
}

TEST(Notifications, ParsesRiversPayloadsAsJson) {
    const auto insert = parse_notification("river_insert", R"({"queue": "emails"})");
    ASSERT_TRUE(insert);
    EXPECT_EQ(insert->what, river_notification::kind::insert);
    EXPECT_EQ(insert->queue, "emails");
    const auto cancel = parse_notification("river_control", R"({"action" : "cancel", "job_id" : 123, "queue" : "q"})");
    ASSERT_TRUE(cancel);
    EXPECT_EQ(cancel->what, river_notification::kind::cancel);
    EXPECT_EQ(cancel->job_id, 123);
    const auto pause = parse_notification("river_control", R"({"queue":"*","action":"pause"})");
    ASSERT_TRUE(pause);
    EXPECT_EQ(pause->what, river_notification::kind::pause);
    EXPECT_EQ(pause->queue, "*");
    EXPECT_FALSE(parse_notification("river_control", R"({"action":"cancel","job_id":1,"queue":"*"})"));
    EXPECT_FALSE(parse_notification("river_control", R"({"action":"metadata_changed","queue":"q"})"));
    EXPECT_FALSE(parse_notification("river_control", "not json"));
    EXPECT_FALSE(parse_notification("river_insert", R"({"q":"x"})"));
    EXPECT_EQ(notification_channel("public", insert_topic), "public.river_insert");
}

}  // namespace
}  // namespace riverqueue::core
