#include "drivers/libpq/prepared_statements.hpp"

#include <vector>

#include <riverqueue/driver.hpp>

#include "core/prepared_statement_names.hpp"
#include "drivers/libpq/timed_wait.hpp"

namespace riverqueue::libpq {

result_ptr prepared_statements::exec(PGconn* conn, std::string_view sql, std::span<const text_param> params,
                                     result_format format, bool may_have_committed,
                                     std::chrono::milliseconds timeout) {
    auto it = names_.find(sql);
    if (it == names_.end()) {
        std::string name = core::prepared_statement_name(sql);
        std::string text(sql);
        await_result(conn, PQsendPrepare(conn, name.c_str(), text.c_str(), static_cast<int>(params.size()), nullptr) == 1,
                     timeout, false);
        it = names_.emplace(std::move(text), std::move(name)).first;
    }
    const std::vector<const char*> values = driver::param_c_strings(params);
    const bool sent = PQsendQueryPrepared(conn, it->second.c_str(), static_cast<int>(values.size()), values.data(),
                                          nullptr, nullptr, libpq_result_format(format)) == 1;
    return await_result(conn, sent, timeout, may_have_committed);
}

}  // namespace riverqueue::libpq
