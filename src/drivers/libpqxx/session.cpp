// The libpqxx driver's session: the core's statements on a pqxx transaction,
// libpqxx's exceptions mapped onto the library's.
#include <riverqueue/pqxx.hpp>

#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/prepared_statement>
#include <pqxx/result>

#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "drivers/libpqxx/errors.hpp"

namespace riverqueue::libpqxx {
namespace {

class result_rows final : public driver::rows {
public:
    explicit result_rows(::pqxx::result result) : result_(std::move(result)) {}
    std::size_t row_count() const override { return result_.size(); }
    std::size_t column_count() const override { return static_cast<std::size_t>(result_.columns()); }
    std::optional<std::string_view> cell(std::size_t row, std::size_t column) const override {
        const auto field = result_[static_cast<::pqxx::result::size_type>(row)]
                                  [static_cast<::pqxx::row::size_type>(column)];
        if (field.is_null()) return std::nullopt;
        return std::string_view(field.c_str(), field.size());
    }

private:
    ::pqxx::result result_;
};

}  // namespace

int session::server_version() { return tx_.conn().server_version(); }

bool session::in_transaction() { return dynamic_cast<::pqxx::nontransaction*>(&tx_) == nullptr; }

std::unique_ptr<driver::rows> session::query(const driver::statement& stmt) {
    const std::vector<const char*> values = driver::param_c_strings(stmt.params);
    return rethrown_as_riverqueue_errors(stmt.commits_itself, [&] {
        return std::make_unique<result_rows>(
            tx_.exec_params(std::string(stmt.sql), ::pqxx::prepare::make_dynamic_params(values)));
    });
}

void session::execute(std::string_view sql) {
    rethrown_as_riverqueue_errors(false, [&] { return tx_.exec(std::string(sql)); });
}

}  // namespace riverqueue::libpqxx
