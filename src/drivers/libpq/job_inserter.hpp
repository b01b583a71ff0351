// Sends resolved jobs over one libpq connection and reads back the rows.
#pragma once

#include <libpq-fe.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/job_row.hpp>

#include "core/insert_params.hpp"
#include "drivers/libpq/prepared_statements.hpp"

namespace riverqueue::libpq {

// Inserts `jobs` (all or nothing: one statement) and sends `notify_queues`'
// notifications in the same statement. Returns one result per job, in order.
// `in_caller_transaction` tells whether a lost connection may have committed
// the insert (it may, outside a transaction). With `statements`, the insert
// runs as a statement prepared on the connection.
std::vector<insert_result> insert_jobs(PGconn* conn, std::string_view schema, std::span<const core::resolved_job> jobs,
                                       const std::vector<std::string>& notify_queues, bool in_caller_transaction,
                                       prepared_statements* statements = nullptr);

}  // namespace riverqueue::libpq
