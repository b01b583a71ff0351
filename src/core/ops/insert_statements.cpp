#include "core/ops/insert_statements.hpp"

#include "core/insert_batch.hpp"
#include "core/insert_sql.hpp"
#include "core/row_decoder.hpp"

namespace riverqueue::core::ops {

op<std::vector<insert_result>> insert_jobs(session_facts facts, std::string_view schema,
                                           std::span<const resolved_job> jobs, std::vector<std::string> notify_queues,
                                           bool commits_itself) {
    const batch_plan plan = plan_batch(jobs);
    const sql_statement statement =
        build_insert(schema, plan.to_send, notify_queues, duplicate_detection_for_server(facts.server_version),
                     facts.format, facts.binary_params ? param_encoding::binary : param_encoding::text);
    const auto rows = co_await query({statement.sql, statement.params, true, commits_itself});
    const args_cell args = elides_returned_args(plan.to_send) ? args_cell::may_be_elided : args_cell::required;
    co_return assemble_results(plan, decode_insert_rows(*rows, facts.format, args));
}

op<void> send_notifications(std::string_view schema, std::vector<std::string> queues, bool after_commit) {
    if (queues.empty()) co_return;
    const sql_statement statement = build_notify(schema, queues);
    co_await query({statement.sql, statement.params, false, after_commit});
}

}  // namespace riverqueue::core::ops
