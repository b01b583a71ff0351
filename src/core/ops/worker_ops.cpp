#include "core/ops/worker_ops.hpp"

#include <riverqueue/errors.hpp>

#include "core/row_decoder.hpp"
#include "core/worker/worker_sql.hpp"

namespace riverqueue::core::ops {
namespace {

op<bool> one_flag(session_facts facts, sql_statement statement, bool commits_itself) {
    const auto rows = co_await query({statement.sql, statement.params, true, commits_itself});
    if (rows->row_count() == 0) co_return false;
    co_return decode_bool_cell(rows->cell(0, 0), facts.format);
}

}  // namespace

op<std::vector<job_row>> fetch_jobs(session_facts facts, std::string_view schema, std::string_view queue, int limit,
                                    std::string_view client_id, std::optional<std::vector<std::string>> kinds) {
    if (limit <= 0) co_return std::vector<job_row>{};
    const sql_statement statement = fetch_jobs_statement(schema, queue, limit, client_id, kinds, facts.format);
    const auto rows = co_await query({statement.sql, statement.params, true, true});
    co_return decode_job_rows(*rows, facts.format);
}

op<std::vector<job_row>> complete_jobs(session_facts facts, std::string_view schema,
                                       std::span<const job_state_change> changes) {
    if (changes.empty()) co_return std::vector<job_row>{};
    const sql_statement statement = complete_jobs_statement(schema, changes, facts.format);
    const auto rows = co_await query({statement.sql, statement.params, true, true});
    co_return decode_job_rows(*rows, facts.format);
}

op<std::vector<std::int64_t>> cancel_requested(session_facts facts, std::string_view schema,
                                               std::vector<std::int64_t> ids) {
    std::vector<std::int64_t> requested;
    if (ids.empty()) co_return requested;
    const sql_statement statement = cancel_requested_statement(schema, ids);
    const auto rows = co_await query({statement.sql, statement.params, true, false});
    for (std::size_t row = 0; row < rows->row_count(); ++row) {
        if (const auto id = decode_integer_cell(rows->cell(row, 0), facts.format)) requested.push_back(*id);
    }
    co_return requested;
}

op<bool> upsert_queue(session_facts facts, std::string_view schema, std::string_view queue) {
    co_return co_await one_flag(facts, upsert_queue_statement(schema, queue), true);
}

op<bool> queue_paused(session_facts facts, std::string_view schema, std::string_view queue) {
    co_return co_await one_flag(facts, queue_paused_statement(schema, queue), false);
}

}  // namespace riverqueue::core::ops
