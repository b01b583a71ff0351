#include "core/insert_batch.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/insert_sql.hpp"
#include "core/jsonb_text.hpp"

namespace riverqueue::core {

batch_plan plan_batch(std::span<const resolved_job> jobs) {
    batch_plan plan;
    plan.to_send.reserve(jobs.size());
    plan.answered_by.reserve(jobs.size());
    plan.duplicate_in_batch.reserve(jobs.size());
    std::map<std::array<std::uint8_t, 32>, std::size_t> first_with_key;
    for (const auto& job : jobs) {
        if (job.unique_key) {
            const auto [it, inserted] = first_with_key.emplace(*job.unique_key, plan.to_send.size());
            if (!inserted) {
                plan.answered_by.push_back(it->second);
                plan.duplicate_in_batch.push_back(true);
                continue;
            }
        }
        plan.answered_by.push_back(plan.to_send.size());
        plan.duplicate_in_batch.push_back(false);
        plan.to_send.push_back(&job);
    }
    return plan;
}

std::vector<insert_result> assemble_results(const batch_plan& plan, std::vector<insert_result> returned) {
    if (returned.size() != plan.to_send.size()) {
        throw error("PostgreSQL returned " + std::to_string(returned.size()) + " rows for " +
                    std::to_string(plan.to_send.size()) + " jobs");
    }
    for (std::size_t i = 0; i < returned.size(); ++i) {
        const resolved_job& sent = *plan.to_send[i];
        const job_row& row = returned[i].job;
        // A duplicate may carry another kind (exclude_kind) but always the key.
        const bool matches = sent.unique_key ? row.unique_key == sent.unique_key
                                             : (row.kind == sent.kind && row.queue == sent.queue &&
                                                !returned[i].unique_skipped_as_duplicated);
        if (!matches) throw error("rows returned by PostgreSQL do not match the jobs sent, in order");
        if (row.args.empty() && elides_returned_args(plan.to_send)) {
            // Left out by the server, its text having the digest of the
            // client's rendering of the args sent (core/insert_sql.hpp).
            std::optional<std::string> rendered = jsonb_text(sent.args);
            if (!rendered) throw error("PostgreSQL left out args the client cannot render");
            returned[i].job.args = std::move(*rendered);
        }
    }
    // No two jobs of the batch share a key: the rows answer the input one for
    // one, as returned (a second vector of a large batch's rows would cost
    // as much as decoding them).
    if (plan.answered_by.size() == returned.size()) return returned;
    // Jobs of the batch sharing a unique key share a row: each row is copied
    // for all but the last job it answers, and moved into that one (a row's
    // args may be very large).
    std::vector<std::size_t> last_answered(returned.size(), 0);
    for (std::size_t i = 0; i < plan.answered_by.size(); ++i) last_answered[plan.answered_by[i]] = i;
    std::vector<insert_result> results;
    results.reserve(plan.answered_by.size());
    for (std::size_t i = 0; i < plan.answered_by.size(); ++i) {
        insert_result& row = returned[plan.answered_by[i]];
        insert_result result = last_answered[plan.answered_by[i]] == i ? std::move(row) : row;
        if (plan.duplicate_in_batch[i]) result.unique_skipped_as_duplicated = true;
        results.push_back(std::move(result));
    }
    return results;
}

}  // namespace riverqueue::core
