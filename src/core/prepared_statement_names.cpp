#include "core/prepared_statement_names.hpp"

#include <span>

#include "core/hex.hpp"
#include "core/sha256.hpp"

namespace riverqueue::core {

std::string prepared_statement_name(std::string_view sql) {
    const auto digest = sha256(sql);
    // 128 bits: no two statement texts share a name in practice.
    return "riverqueue_" + to_hex(std::span(digest).first(16));
}

std::string_view prepared_statement_advice(std::string_view sqlstate) noexcept {
    if (sqlstate != "26000" && sqlstate != "42P05") return {};
    return "the connection's prepared statements were lost or shared: a pooler in transaction mode (such as "
           "PgBouncer with pool_mode=transaction) is likely in front of PostgreSQL; set "
           "client_options::prepared_statements = false (see docs/deployment.md)";
}

bool prepared_plan_stale(std::string_view sqlstate, std::string_view message) noexcept {
    return (sqlstate == "XX000" && message.find("cache lookup failed") != std::string_view::npos) ||
           (sqlstate == "0A000" && message.find("cached plan must not change result type") != std::string_view::npos);
}

}  // namespace riverqueue::core
