#include "drivers/libpq/prepared_statements.hpp"

#include <vector>

#include <riverqueue/driver.hpp>

namespace riverqueue::libpq {

result_ptr prepared_statements::exec(PGconn* conn, std::string_view sql, std::span<const text_param> params,
                                     result_format format, bool may_have_committed) {
    auto it = names_.find(sql);
    if (it == names_.end()) {
        std::string name = "riverqueue_" + std::to_string(names_.size());
        std::string text(sql);
        check(conn, result_ptr(PQprepare(conn, name.c_str(), text.c_str(), static_cast<int>(params.size()), nullptr)));
        it = names_.emplace(std::move(text), std::move(name)).first;
    }
    const std::vector<const char*> values = driver::param_c_strings(params);
    return check(conn,
                 result_ptr(PQexecPrepared(conn, it->second.c_str(), static_cast<int>(values.size()), values.data(),
                                           nullptr, nullptr, static_cast<int>(format))),
                 may_have_committed);
}

}  // namespace riverqueue::libpq
