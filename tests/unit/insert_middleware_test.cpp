// The insert middleware chain in the core (core/insert_middleware_run.hpp):
// the order scopes begin, see jobs and end in; that what a middleware changes
// is what validation and the unique key see; and what an error does.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include <riverqueue/errors.hpp>
#include <riverqueue/unique_key.hpp>

#include "core/client_options.hpp"
#include "core/insert_middleware_run.hpp"
#include "support/recording_middleware.hpp"

namespace riverqueue::testing {
namespace {

using entries = std::vector<std::string>;

const core::insert_defaults defaults{};
const time_point at = time_point(std::chrono::seconds(1'700'000'000));

std::vector<insert_many_params> three_jobs() {
    std::vector<insert_many_params> jobs;
    for (int i = 0; i < 3; ++i) jobs.push_back({dynamic_args{"email", R"({"n":)" + std::to_string(i) + "}"}, {}});
    return jobs;
}

struct chain {
    std::shared_ptr<middleware_log> log = std::make_shared<middleware_log>();
    std::shared_ptr<recording_middleware> a = std::make_shared<recording_middleware>("a", log);
    std::shared_ptr<recording_middleware> b = std::make_shared<recording_middleware>("b", log);
    std::vector<std::shared_ptr<job_insert_middleware>> list() const { return {a, b}; }
};

TEST(insert_middleware, ScopesBeginInOrderSeeEachJobInOrderAndEndInReverse) {
    chain c;
    const auto list = c.list();
    const auto jobs = three_jobs();
    const auto resolved = core::with_insert_middleware(list, insert_call{jobs.size(), false}, [&](core::middleware_run& run) {
        return core::resolve_insert_many(run, jobs, defaults, at, core::args_text::borrow);
    });
    EXPECT_EQ(resolved.size(), 3U);
    EXPECT_EQ(c.log->entries(), (entries{"begin a jobs=3", "begin b jobs=3", "job a 0", "job b 0", "job a 1", "job b 1",
                                         "job a 2", "job b 2", "done b jobs=3", "done a jobs=3"}));
}

TEST(insert_middleware, TheLaterMiddlewareSeesWhatTheEarlierOneLeft) {
    chain c;
    c.a->stamp = "first";
    c.b->rewrite = [](insert_many_params& job) {
        // b runs after a: a's stamp is already there.
        EXPECT_EQ(job.opts.metadata.value_or(""), R"({"a":"first"})");
    };
    c.b->stamp = "second";
    const auto list = c.list();
    core::middleware_run run(list, insert_call{1, false});
    const auto job = core::resolve_insert(run, dynamic_args{"email", "{}"}, insert_opts{}, defaults, at,
                                          core::args_text::borrow);
    run.finish(nullptr);
    EXPECT_EQ(job.metadata, R"({"b":"second","a":"first"})");
}

TEST(insert_middleware, ChangedArgsAndQueueAreWhatTheUniqueKeyIsComputedFrom) {
    chain c;
    c.a->rewrite = [](insert_many_params& job) {
        job.args.json = R"({"account":42})";
        job.opts.queue = "accounts";
    };
    unique_opts unique;
    unique.by_args = unique_by_args_all{};
    unique.by_queue = true;
    insert_opts opts;
    opts.unique = unique;
    const auto list = c.list();
    core::middleware_run run(list, insert_call{1, false});
    const auto job = core::resolve_insert(run, dynamic_args{"sync", R"({"account":1})"}, opts, defaults, at,
                                          core::args_text::borrow);
    run.finish(nullptr);

    const unique_key changed = compute_unique_key(unique_key_input{"sync", R"({"account":42})", "accounts", {}, at}, unique);
    const unique_key original = compute_unique_key(unique_key_input{"sync", R"({"account":1})", "default", {}, at}, unique);
    ASSERT_TRUE(job.unique_key.has_value());
    EXPECT_EQ(*job.unique_key, changed.digest);
    EXPECT_NE(*job.unique_key, original.digest);
    EXPECT_EQ(job.args.view(), R"({"account":42})");
    EXPECT_EQ(job.queue, "accounts");
}

TEST(insert_middleware, UniqueOptionsAddedByAMiddlewareMakeTheJobUnique) {
    chain c;
    c.a->rewrite = [](insert_many_params& job) {
        unique_opts unique;
        unique.by_args = unique_by_args_all{};
        job.opts.unique = unique;
    };
    const auto list = c.list();
    core::middleware_run run(list, insert_call{1, false});
    const auto job = core::resolve_insert(run, dynamic_args{"email", R"({"to":"x"})"}, insert_opts{}, defaults, at,
                                          core::args_text::borrow);
    run.finish(nullptr);
    EXPECT_TRUE(job.unique_key.has_value());
    EXPECT_NE(job.unique_states, 0);
}

TEST(insert_middleware, WhatAMiddlewareLeavesIsValidated) {
    chain c;
    c.b->tag = "not a valid tag";
    const auto list = c.list();
    const auto jobs = three_jobs();
    try {
        core::with_insert_middleware(list, insert_call{jobs.size(), false}, [&](core::middleware_run& run) {
            return core::resolve_insert_many(run, jobs, defaults, at, core::args_text::borrow);
        });
        FAIL() << "expected a validation_error";
    } catch (const validation_error& e) {
        EXPECT_EQ(e.field(), "jobs[0].tags");
    }
    // Every job went through the chain before any was validated.
    const auto log = c.log->entries();
    EXPECT_EQ(log.size(), 10U);
    EXPECT_EQ(log.back().rfind("done a jobs=3 error=", 0), 0U) << log.back();
}

TEST(insert_middleware, AThrowMidBatchStopsTheChainAndEveryBegunScopeIsTold) {
    chain c;
    c.b->fail_at = 1;
    const auto list = c.list();
    const auto jobs = three_jobs();
    EXPECT_THROW(core::with_insert_middleware(list, insert_call{jobs.size(), false},
                                              [&](core::middleware_run& run) {
                                                  return core::resolve_insert_many(run, jobs, defaults, at,
                                                                                   core::args_text::borrow);
                                              }),
                 middleware_refused);
    EXPECT_EQ(c.log->entries(),
              (entries{"begin a jobs=3", "begin b jobs=3", "job a 0", "job b 0", "job a 1", "job b 1",
                       "done b jobs=2 error=b refused job 1", "done a jobs=2 error=b refused job 1"}));
}

TEST(insert_middleware, AThrowFromBeginEndsOnlyTheScopesBegunBeforeIt) {
    chain c;
    c.b->fail_to_begin = true;
    const auto list = c.list();
    EXPECT_THROW(core::middleware_run(list, insert_call{std::nullopt, true}), middleware_refused);
    EXPECT_EQ(c.log->entries(),
              (entries{"begin a jobs=? tx", "begin b jobs=? tx", "done a jobs=0 error=b refused to begin"}));
}

TEST(insert_middleware, AStreamedBatchIsAppliedJobByJobAsItIsTaken) {
    chain c;
    c.a->stamp = "s";
    const auto list = c.list();
    auto jobs = three_jobs();
    const job_generator source = generate_from(jobs);
    core::middleware_run run(list, insert_call{std::nullopt, false});
    const job_generator applied = run.applied(source);
    const auto first = applied();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->opts.metadata.value_or(""), R"({"a":"s"})");
    // Only the job taken so far has been through the chain.
    EXPECT_EQ(c.log->entries().size(), 4U);
    EXPECT_TRUE(applied().has_value());
    EXPECT_TRUE(applied().has_value());
    EXPECT_FALSE(applied().has_value());
    run.finish(nullptr);
    EXPECT_EQ(c.log->entries().back(), "done a jobs=3");
}

TEST(insert_middleware, AScopeDroppedUnfinishedIsToldTheInsertWasAbandoned) {
    chain c;
    const auto list = c.list();
    { core::middleware_run run(list, insert_call{1, false}); }
    EXPECT_EQ(c.log->entries().back(), "done a jobs=0 error=the insert was abandoned before it completed");
}

TEST(insert_middleware, WithoutMiddlewareTheCallersArgsAreBorrowedNotCopied) {
    core::middleware_run run({}, insert_call{1, false});
    EXPECT_TRUE(run.empty());
    const dynamic_args args{"email", R"({"to":"x"})"};
    const auto job = core::resolve_insert(run, args, insert_opts{}, defaults, at, core::args_text::borrow);
    EXPECT_TRUE(job.args.borrowed());
    run.finish(nullptr);
}

TEST(insert_middleware, ANullMiddlewareIsRefusedWithTheOptions) {
    client_options options;
    options.insert_middleware.push_back(nullptr);
    try {
        core::validated(options);
        FAIL() << "expected a validation_error";
    } catch (const validation_error& e) {
        EXPECT_EQ(e.field(), "insert_middleware[0]");
    }
}

}  // namespace
}  // namespace riverqueue::testing
