#include "core/ops/maintenance_ops.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/row_decoder.hpp"
#include "core/worker/maintenance_sql.hpp"

namespace riverqueue::core::ops {
namespace {

// River's maintenance batch size.
constexpr int maintenance_batch = 10'000;

op<std::size_t> delete_in_batches(std::function<sql_statement()> make) {
    std::size_t deleted = 0;
    while (true) {
        const sql_statement statement = make();
        const auto rows = co_await query({statement.sql, statement.params, false, true});
        deleted += rows->row_count();
        if (rows->row_count() < static_cast<std::size_t>(maintenance_batch)) co_return deleted;
    }
}

driver::statement view(const sql_statement& statement) { return {statement.sql, statement.params, false, false}; }

}  // namespace

op<std::optional<time_point>> elect_leader(session_facts facts, std::string_view schema,
                                           std::string_view leader_id) {
    const sql_statement expired = leader_delete_expired_statement(schema);
    co_await query(view(expired));
    const sql_statement bid = leader_elect_statement(schema, leader_id, facts.format);
    const auto rows = co_await query(view(bid));
    if (rows->row_count() == 0) co_return std::nullopt;
    co_return decode_time_cell(rows->cell(0, 0), facts.format);
}

op<bool> reelect_leader(session_facts, std::string_view schema, std::string_view leader_id, time_point elected_at) {
    const sql_statement extend = leader_reelect_statement(schema, leader_id, elected_at);
    const auto rows = co_await query(view(extend));
    co_return rows->row_count() == 1;
}

op<void> resign_leader(session_facts, std::string_view schema, std::string_view leader_id, time_point elected_at) {
    const sql_statement resign = leader_resign_statement(schema, leader_id, elected_at);
    co_await query(view(resign));
}

op<std::size_t> schedule_jobs(session_facts facts, std::string_view schema, time_point now,
                              std::chrono::milliseconds look_ahead, int max, notify_filter due) {
    const sql_statement schedule = schedule_jobs_statement(schema, now + look_ahead, max, facts.format);
    const auto rows = co_await query(view(schedule));
    // River notifies the queues of jobs due now (within 5 ms), not of those
    // the look-ahead moved early.
    const time_point notify_by = now + std::chrono::milliseconds(5);
    std::vector<std::string> queues;
    for (std::size_t row = 0; row < rows->row_count(); ++row) {
        const auto queue = rows->cell(row, 0);
        if (!queue || decode_time_cell(rows->cell(row, 1), facts.format) > notify_by) continue;
        if (std::find(queues.begin(), queues.end(), *queue) == queues.end()) queues.emplace_back(*queue);
    }
    const std::size_t moved = rows->row_count();
    if (!queues.empty()) co_await send_notifications(schema, due(queues));
    co_return moved;
}

op<std::size_t> rescue_stuck_jobs(session_facts facts, std::string_view schema, time_point horizon,
                                  rescue_decider decide) {
    std::size_t rescued = 0;
    std::int64_t after_id = 0;
    while (true) {
        const sql_statement page = stuck_jobs_statement(schema, after_id, horizon, maintenance_batch, facts.format);
        const auto rows = co_await query(view(page));
        const std::vector<job_row> stuck = decode_job_rows(*rows, facts.format);
        std::vector<job_rescue> rescues;
        for (const job_row& job : stuck) {
            if (auto rescue = decide(job)) rescues.push_back(std::move(*rescue));
        }
        if (!stuck.empty()) after_id = stuck.back().id;
        if (!rescues.empty()) {
            const sql_statement apply = rescue_jobs_statement(schema, rescues, horizon);
            co_await query({apply.sql, apply.params, false, true});
            rescued += rescues.size();
        }
        if (stuck.size() < static_cast<std::size_t>(maintenance_batch)) co_return rescued;
    }
}

op<std::size_t> clean_finalized_jobs(session_facts, std::string_view schema, time_point now) {
    co_return co_await delete_in_batches([schema, now] {
        return delete_finalized_jobs_statement(schema, now - std::chrono::hours(24), now - std::chrono::hours(24 * 7),
                                               maintenance_batch);
    });
}

op<std::size_t> clean_stale_queues(session_facts, std::string_view schema, time_point now) {
    co_return co_await delete_in_batches(
        [schema, now] { return delete_stale_queues_statement(schema, now - std::chrono::hours(24), maintenance_batch); });
}

}  // namespace riverqueue::core::ops
