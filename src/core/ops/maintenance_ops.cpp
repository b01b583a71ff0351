#include "core/ops/maintenance_ops.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/row_decoder.hpp"
#include "core/worker/maintenance_sql.hpp"

namespace riverqueue::core::ops {
namespace {

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

}  // namespace riverqueue::core::ops
