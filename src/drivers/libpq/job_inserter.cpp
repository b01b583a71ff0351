#include "drivers/libpq/job_inserter.hpp"

#include <riverqueue/errors.hpp>

#include "core/insert_batch.hpp"
#include "core/insert_sql.hpp"
#include "core/row_decoder.hpp"
#include "drivers/libpq/pg_result.hpp"

namespace riverqueue::libpq {
namespace {

std::vector<insert_result> decode_results(const PGresult* result) {
    const int rows = PQntuples(result);
    if (PQnfields(result) != core::job_column_count + 1) {
        throw error("unexpected column count in insert result");
    }
    std::vector<insert_result> out;
    out.reserve(static_cast<std::size_t>(rows));
    std::vector<core::binary_cell> cells(core::job_column_count + 1);
    for (int row = 0; row < rows; ++row) {
        for (int column = 0; column <= core::job_column_count; ++column) {
            cells[static_cast<std::size_t>(column)] =
                is_null(result, row, column) ? core::binary_cell{} : core::binary_cell{cell(result, row, column)};
        }
        insert_result item;
        item.job = core::decode_job_row(cells);
        item.unique_skipped_as_duplicated = core::decode_bool(*cells[core::job_column_count]);
        out.push_back(std::move(item));
    }
    return out;
}

}  // namespace

std::vector<insert_result> insert_jobs(PGconn* conn, std::string_view schema, std::span<const core::resolved_job> jobs,
                                       const std::vector<std::string>& notify_queues, bool in_caller_transaction,
                                       prepared_statements* statements) {
    const core::batch_plan plan = core::plan_batch(jobs);
    std::vector<std::string> payloads;
    payloads.reserve(notify_queues.size());
    for (const auto& queue : notify_queues) payloads.push_back(core::insert_notification_payload(queue));
    const core::insert_statement statement = core::build_insert(
        schema, plan.to_send, payloads, core::duplicate_detection_for_server(PQserverVersion(conn)));
    const bool may_have_committed = !in_caller_transaction;
    const result_ptr result =
        statements != nullptr
            ? statements->exec(conn, statement.sql, statement.params, result_format::binary, may_have_committed)
            : exec_params(conn, statement.sql, statement.params, result_format::binary, may_have_committed);
    return core::assemble_results(plan, decode_results(result.get()));
}

}  // namespace riverqueue::libpq
