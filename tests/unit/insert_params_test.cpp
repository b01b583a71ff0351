// Resolving an insert as River Go v0.51.2 does: call options over the args
// type's over the client's defaults (first non-zero), tags replaced by any
// list given at the call, metadata and pending taken from the call only.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>
#include <riverqueue/unique_key.hpp>

#include "core/insert_params.hpp"
#include "core/time_format.hpp"

namespace riverqueue::core {
namespace {

using namespace std::chrono_literals;

const time_point now = *parse_rfc3339("2026-03-04T05:06:07.891011Z");
const time_point type_time = *parse_rfc3339("2026-05-01T00:00:00Z");
const time_point call_time = *parse_rfc3339("2026-06-01T12:30:00Z");

dynamic_args args_with_defaults(insert_opts defaults) {
    return dynamic_args{"typed_kind", R"({"id":1})", std::move(defaults)};
}

resolved_job resolve(const dynamic_args& args, const insert_opts& call = {}, insert_defaults defaults = {}) {
    return resolve_insert(args, call, defaults, now, args_text::copy);
}

std::string rejected_field(const dynamic_args& args, const insert_opts& call = {}) {
    try {
        resolve(args, call);
    } catch (const validation_error& e) {
        return e.field();
    }
    return "accepted";
}

// A large args value is not copied on the way: a synchronous insert borrows
// the caller's text, a moved-in dynamic_args gives its text to the job, and
// only the asynchronous client's inserts (which outlive the call) copy it.
TEST(InsertParams, ArgsAreBorrowedMovedOrCopiedAsAsked) {
    const dynamic_args callers{"k", R"({"blob":")" + std::string(4096, 'x') + R"("})", {}};

    const resolved_job borrowed = resolve_insert(callers, {}, {}, now, args_text::borrow);
    EXPECT_TRUE(borrowed.args.borrowed());
    EXPECT_EQ(borrowed.args.view().data(), callers.json.data()) << "the caller's bytes, not a copy";

    const resolved_job copied = resolve_insert(callers, {}, {}, now, args_text::copy);
    EXPECT_FALSE(copied.args.borrowed());
    EXPECT_NE(copied.args.view().data(), callers.json.data());
    EXPECT_EQ(copied.args, callers.json);

    dynamic_args given = callers;
    const char* given_bytes = given.json.data();
    const resolved_job moved = resolve_insert(std::move(given), {}, {}, now);
    EXPECT_FALSE(moved.args.borrowed());
    EXPECT_EQ(moved.args.view().data(), given_bytes) << "the moved-in string's own buffer";
    EXPECT_EQ(moved.args, callers.json);

    // A copy of a job that borrows still refers to the caller's text.
    const resolved_job borrowed_copy = borrowed;  // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_EQ(borrowed_copy.args.view().data(), callers.json.data());
}

TEST(InsertParams, ABatchBorrowsEachJobsArgsAndNamesABadOnesIndex) {
    const std::vector<insert_many_params> jobs = {{dynamic_args{"k", R"({"a":1})", {}}, {}},
                                                  {dynamic_args{"k", R"({"b":2})", {}}, {}}};
    const std::vector<resolved_job> resolved = resolve_insert_many(jobs, {}, now, args_text::borrow);
    ASSERT_EQ(resolved.size(), 2u);
    EXPECT_EQ(resolved[1].args.view().data(), jobs[1].args.json.data());

    insert_many_params bad{dynamic_args{"k", "[1]", {}}, {}};
    try {
        resolve_insert_at(std::move(bad), 7, {}, now);
        FAIL() << "args that are not an object were accepted";
    } catch (const validation_error& e) {
        EXPECT_EQ(e.field(), "jobs[7].args");
    }
}

TEST(InsertParams, DefaultsWhenNothingIsGiven) {
    const resolved_job job = resolve(dynamic_args{"k", "{}", {}});
    EXPECT_EQ(job.kind, "k");
    EXPECT_EQ(job.args, "{}");
    EXPECT_EQ(job.max_attempts, 25);
    EXPECT_EQ(job.priority, 1);
    EXPECT_EQ(job.queue, "default");
    EXPECT_TRUE(job.tags.empty());
    EXPECT_EQ(job.metadata, "{}");
    EXPECT_EQ(job.created_at, now);
    EXPECT_EQ(job.scheduled_at, now);
    EXPECT_EQ(job.state, job_state::available);
    EXPECT_FALSE(job.unique_key);
    EXPECT_EQ(job.unique_states, 0);
}

TEST(InsertParams, ClientDefaultMaxAttempts) {
    EXPECT_EQ(resolve(dynamic_args{"k", "{}", {}}, {}, insert_defaults{.max_attempts = 3}).max_attempts, 3);
}

TEST(InsertParams, CallOverArgsTypeOverDefaults) {
    const auto args = args_with_defaults({.max_attempts = 7, .priority = 3, .queue = "type_queue"});
    const resolved_job from_type = resolve(args);
    EXPECT_EQ(from_type.max_attempts, 7);
    EXPECT_EQ(from_type.priority, 3);
    EXPECT_EQ(from_type.queue, "type_queue");

    const resolved_job from_call = resolve(args, {.max_attempts = 9, .priority = 2, .queue = "call_queue"});
    EXPECT_EQ(from_call.max_attempts, 9);
    EXPECT_EQ(from_call.priority, 2);
    EXPECT_EQ(from_call.queue, "call_queue");
}

TEST(InsertParams, ZeroValuesFallThroughLikeGo) {
    // River takes the first non-zero value (cmp.Or), so 0 or "" at the call
    // does not override the type's value.
    const auto args = args_with_defaults({.max_attempts = 7, .priority = 3, .queue = "type_queue"});
    const resolved_job job = resolve(args, {.max_attempts = 0, .priority = 0, .queue = ""});
    EXPECT_EQ(job.max_attempts, 7);
    EXPECT_EQ(job.priority, 3);
    EXPECT_EQ(job.queue, "type_queue");
    EXPECT_EQ(resolve(args_with_defaults({.max_attempts = 0, .queue = ""})).queue, "default");
    EXPECT_EQ(resolve(args_with_defaults({.max_attempts = 0})).max_attempts, 25);
}

TEST(InsertParams, CallTagsReplaceTypeTagsEvenWhenEmpty) {
    const auto args = args_with_defaults({.tags = std::vector<std::string>{"type-tag", "other"}});
    EXPECT_EQ(resolve(args).tags, (std::vector<std::string>{"type-tag", "other"}));
    EXPECT_EQ(resolve(args, {.tags = std::vector<std::string>{"call-tag"}}).tags, std::vector<std::string>{"call-tag"});
    EXPECT_TRUE(resolve(args, {.tags = std::vector<std::string>{}}).tags.empty());
}

TEST(InsertParams, MetadataComesOnlyFromTheCall) {
    const auto args = args_with_defaults({.metadata = R"({"from":"type"})"});
    EXPECT_EQ(resolve(args).metadata, "{}");
    EXPECT_EQ(resolve(args, {.metadata = R"({"from":"call"})"}).metadata, R"({"from":"call"})");
    EXPECT_EQ(resolve(args, {.metadata = ""}).metadata, "{}");
}

TEST(InsertParams, PendingComesOnlyFromTheCall) {
    EXPECT_EQ(resolve(args_with_defaults({.pending = true})).state, job_state::available);
    EXPECT_EQ(resolve(args_with_defaults({}), {.pending = true}).state, job_state::pending);
}

TEST(InsertParams, ScheduledAtSetsStateScheduled) {
    const resolved_job from_type = resolve(args_with_defaults({.scheduled_at = type_time}));
    EXPECT_EQ(from_type.scheduled_at, type_time);
    EXPECT_EQ(from_type.state, job_state::scheduled);
    EXPECT_EQ(from_type.created_at, now);

    const resolved_job from_call = resolve(args_with_defaults({.scheduled_at = type_time}), {.scheduled_at = call_time});
    EXPECT_EQ(from_call.scheduled_at, call_time);
    EXPECT_EQ(from_call.state, job_state::scheduled);

    // A scheduled_at in the past still makes the job `scheduled`, as in River.
    EXPECT_EQ(resolve(args_with_defaults({}), {.scheduled_at = now - 1h}).state, job_state::scheduled);
}

TEST(InsertParams, ScheduledAtOverRiversWholeRangeAndAValidationErrorBeyond) {
    const auto year = [](int y) { return time_point{std::chrono::sys_days{std::chrono::year{y} / 1 / 1}}; };
    for (const time_point t : {year(1), year(1500), year(2300), year(10000) - std::chrono::microseconds{1}}) {
        EXPECT_EQ(resolve(args_with_defaults({}), {.scheduled_at = t}).scheduled_at, t);
    }
    for (const time_point t : {year(1) - std::chrono::microseconds{1}, year(10000), year(-50)}) {
        try {
            resolve(args_with_defaults({}), {.scheduled_at = t});
            ADD_FAILURE() << "no validation_error";
        } catch (const validation_error& e) {
            EXPECT_EQ(e.field(), "scheduled_at");
        }
    }
}

TEST(InsertParams, PendingWinsOverScheduled) {
    const resolved_job job = resolve(args_with_defaults({.scheduled_at = type_time}), {.pending = true});
    EXPECT_EQ(job.state, job_state::pending);
    EXPECT_EQ(job.scheduled_at, type_time);
}

TEST(InsertParams, UniqueFromCallOverType) {
    const unique_opts type_unique{.by_queue = true};
    const unique_opts call_unique{.by_args = unique_by_args_all{}, .by_state = std::vector<job_state>{
        job_state::available, job_state::pending, job_state::running, job_state::scheduled}};
    const auto args = args_with_defaults({.queue = "q", .unique = type_unique});

    const resolved_job from_type = resolve(args);
    EXPECT_EQ(from_type.unique_key,
              compute_unique_key(unique_key_input{"typed_kind", R"({"id":1})", "q", std::nullopt, now}, type_unique)
                  .digest);
    EXPECT_EQ(from_type.unique_states, 0xF5);

    const resolved_job from_call = resolve(args, {.unique = call_unique});
    EXPECT_EQ(from_call.unique_key,
              compute_unique_key(unique_key_input{"typed_kind", R"({"id":1})", "q", std::nullopt, now}, call_unique)
                  .digest);
    EXPECT_EQ(from_call.unique_states, 0xD1);

    // Empty options at the call do not switch the type's uniqueness off.
    EXPECT_EQ(resolve(args, {.unique = unique_opts{}}).unique_key, from_type.unique_key);
}

TEST(InsertParams, UniquePeriodCountsFromScheduledAt) {
    const unique_opts hourly{.by_period = 1h};
    const resolved_job job = resolve(args_with_defaults({.scheduled_at = type_time}), {.unique = hourly});
    const unique_key expected =
        compute_unique_key(unique_key_input{"typed_kind", R"({"id":1})", "default", type_time, now}, hourly);
    EXPECT_EQ(expected.key_string, "&kind=typed_kind&period=2026-05-01T00:00:00Z");
    EXPECT_EQ(job.unique_key, expected.digest);
    // Without scheduled_at, the period counts from now.
    EXPECT_EQ(resolve(args_with_defaults({}), {.unique = hourly}).unique_key,
              compute_unique_key(unique_key_input{"typed_kind", "{}", "default", std::nullopt, now}, hourly).digest);
}

TEST(InsertParams, InvalidValuesNameTheirField) {
    const auto args = args_with_defaults({});
    EXPECT_EQ(rejected_field(args, {.max_attempts = -1}), "max_attempts");
    EXPECT_EQ(rejected_field(args, {.max_attempts = 32768}), "max_attempts");
    EXPECT_EQ(rejected_field(args, {.max_attempts = 32767}), "accepted");
    EXPECT_EQ(rejected_field(args, {.priority = 5}), "priority");
    EXPECT_EQ(rejected_field(args, {.priority = -1}), "priority");
    EXPECT_EQ(rejected_field(args, {.queue = "Bad Queue"}), "queue");
    EXPECT_EQ(rejected_field(args, {.tags = std::vector<std::string>{"ok-tag", "x"}}), "tags");
    EXPECT_EQ(rejected_field(args, {.metadata = "[]"}), "metadata");
    EXPECT_EQ(rejected_field(args, {.unique = unique_opts{.by_period = 10ms}}), "unique_opts.by_period");
    EXPECT_EQ(rejected_field(args_with_defaults({.queue = "-bad"})), "queue");
    EXPECT_EQ(rejected_field(dynamic_args{"", "{}", {}}), "kind");
    EXPECT_EQ(rejected_field(dynamic_args{"k", "[1]", {}}), "args");
    EXPECT_EQ(rejected_field(dynamic_args{"k", R"({"a":"\u0000"})", {}}), "args");
}

TEST(InsertParams, ManyNamesTheFailingJob) {
    std::vector<insert_many_params> jobs = {
        {dynamic_args{"k", "{}", {}}, {}},
        {dynamic_args{"k", "{}", {}}, {.queue = "BAD"}},
    };
    try {
        resolve_insert_many(jobs, {}, now, args_text::borrow);
        FAIL() << "accepted";
    } catch (const validation_error& e) {
        EXPECT_EQ(e.field(), "jobs[1].queue");
    }
    jobs.pop_back();
    EXPECT_EQ(resolve_insert_many(jobs, {}, now, args_text::borrow).size(), 1u);
    EXPECT_THROW(resolve_insert_many({}, {}, now, args_text::borrow), validation_error);
}

}  // namespace
}  // namespace riverqueue::core
