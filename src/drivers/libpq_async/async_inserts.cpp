// How the asynchronous client's inserts reach a connection: gathered into one
// statement with others (River's current schema), or as one of the core's
// operations (core/ops/client_inserts.hpp), step by step, which is what
// makes old schemas and streamed batches work here exactly as they do on the
// blocking client.
#include <chrono>

#include "core/ops/legacy_inserts.hpp"
#include "core/ops/savepoint.hpp"
#include "drivers/libpq_async/async_client_impl.hpp"

namespace riverqueue::detail {
namespace {

using core::ops::op;
using core::ops::session_facts;

using client_ptr = std::shared_ptr<async_client_impl>;
using state_ptr = std::shared_ptr<insert_state>;

// Gathered with the other inserts waiting on `conn` (River's current schema).
void gather(pipeline_connection& conn, std::vector<core::resolved_job> jobs, completion<insert_result> one,
            completion<std::vector<insert_result>> many, std::chrono::milliseconds timeout, bool may_commit) {
    auto op = std::make_shared<operation>();
    op->what = many ? operation::type::insert_many : operation::type::insert;
    op->jobs = std::move(jobs);
    op->timeout = timeout;
    op->may_commit = may_commit;
    op->one = std::move(one);
    op->many = std::move(many);
    conn.submit(std::move(op));
}

// The operations, reading the schema version first where it is not known
// (only on a transaction's connection, whose operations run in order).
op<insert_result> one_job(client_ptr client, state_ptr state, session_facts facts, bool caller_transaction,
                          bool commits_itself) {
    state->context = client->context(co_await client->version_within(facts));
    core::ops::check_storable(state->context, state->jobs, false);
    co_return co_await core::ops::insert_one(facts, state->context, state->jobs.front(), caller_transaction,
                                             commits_itself);
}

op<std::vector<insert_result>> batch(client_ptr client, state_ptr state, session_facts facts) {
    state->context = client->context(co_await client->version_within(facts));
    core::ops::check_storable(state->context, state->jobs, true);
    co_return co_await core::ops::insert_batch(facts, state->context, state->jobs, false);
}

op<insert_many_summary> streamed(client_ptr client, state_ptr state, session_facts facts) {
    state->context = client->context(co_await client->version_within(facts));
    const auto defaults = defaults_of(client->config->options);
    co_return co_await core::ops::insert_streamed(
        facts, state->context, core::ops::resolving(state->next, defaults, riverqueue::now()),
        state->on_result);
}

state_ptr state_of(std::vector<core::resolved_job> jobs, job_generator next = {}, insert_result_handler on_result = {}) {
    auto state = std::make_shared<insert_state>();
    state->jobs = std::move(jobs);
    state->next = std::move(next);
    state->on_result = std::move(on_result);
    return state;
}

}  // namespace

void async_client_impl::insert_one(core::resolved_job job, completion<insert_result> done,
                                   const call_options& call) {
    const core::ops::insert_context known = context(known_version());
    if (!core::ops::legacy_schema(known.schema_version)) {
        std::vector<core::resolved_job> jobs;
        jobs.push_back(std::move(job));
        gather(pick(), std::move(jobs), std::move(done), {}, call.timeout, true);
        return;
    }
    // The legacy advisory path takes a lock that needs a transaction; the
    // others are one statement that commits on its own.
    const bool transaction = core::ops::single_insert_needs_transaction(known, job);
    std::vector<core::resolved_job> jobs;
    jobs.push_back(std::move(job));
    auto make = [client = shared_from_this(), state = state_of(std::move(jobs)), transaction](
                    const session_facts& facts) { return one_job(client, state, facts, false, !transaction); };
    if (transaction) converse_in_own_transaction<insert_result>(std::move(make), std::move(done), call.timeout);
    else converse<insert_result>(pick(), std::move(make), std::move(done), call.timeout);
}

void async_client_impl::insert_batch(std::vector<core::resolved_job> jobs,
                                     completion<std::vector<insert_result>> done, const call_options& call) {
    if (!core::ops::legacy_schema(known_version())) {
        gather(pick(), std::move(jobs), {}, std::move(done), call.timeout, true);
        return;
    }
    // Several statements: all or nothing in a transaction.
    converse_in_own_transaction<std::vector<insert_result>>(
        [client = shared_from_this(), state = state_of(std::move(jobs))](const session_facts& facts) {
            return batch(client, state, facts);
        },
        std::move(done), call.timeout);
}

void async_client_impl::insert_streamed(job_generator next, insert_result_handler on_result,
                                        completion<insert_many_summary> done, const call_options& call) {
    converse_in_own_transaction<insert_many_summary>(
        [client = shared_from_this(), state = state_of({}, std::move(next), std::move(on_result))](
            const session_facts& facts) { return streamed(client, state, facts); },
        std::move(done), call.timeout);
}

void async_client_impl::insert_one_in(pipeline_connection& tx, core::resolved_job job,
                                      completion<insert_result> done, const call_options& call) {
    std::vector<core::resolved_job> jobs;
    jobs.push_back(std::move(job));
    if (known_version() != version_unknown && !core::ops::legacy_schema(known_version())) {
        gather(tx, std::move(jobs), std::move(done), {}, call.timeout, false);
        return;
    }
    converse<insert_result>(
        tx,
        [client = shared_from_this(), state = state_of(std::move(jobs))](const session_facts& facts) {
            return one_job(client, state, facts, true, false);
        },
        std::move(done), call.timeout);
}

void async_client_impl::insert_batch_in(pipeline_connection& tx, std::vector<core::resolved_job> jobs,
                                        completion<std::vector<insert_result>> done) {
    if (known_version() != version_unknown && !core::ops::legacy_schema(known_version())) {
        gather(tx, std::move(jobs), {}, std::move(done), {}, false);
        return;
    }
    converse<std::vector<insert_result>>(
        tx,
        [client = shared_from_this(), state = state_of(std::move(jobs))](const session_facts& facts) {
            return batch(client, state, facts);
        },
        std::move(done));
}

void async_client_impl::insert_streamed_in(pipeline_connection& tx, job_generator next,
                                           insert_result_handler on_result, completion<insert_many_summary> done) {
    // In a savepoint, as the blocking client's: a bad job midway leaves the
    // caller's transaction usable.
    converse<insert_many_summary>(
        tx,
        [client = shared_from_this(), state = state_of({}, std::move(next), std::move(on_result))](
            const session_facts& facts) {
            return core::ops::in_savepoint("riverqueue_batch", streamed(client, state, facts));
        },
        std::move(done));
}

}  // namespace riverqueue::detail
