#include "core/prepared_statement_names.hpp"

#include "core/sha256.hpp"

namespace riverqueue::core {

std::string prepared_statement_name(std::string_view sql) {
    static constexpr char digits[] = "0123456789abcdef";
    const auto digest = sha256(sql);
    std::string name = "riverqueue_";
    // 128 bits: no two statement texts share a name in practice.
    for (std::size_t i = 0; i < 16; ++i) {
        name.push_back(digits[digest[i] >> 4]);
        name.push_back(digits[digest[i] & 0xF]);
    }
    return name;
}

std::string_view prepared_statement_advice(std::string_view sqlstate) noexcept {
    if (sqlstate != "26000" && sqlstate != "42P05") return {};
    return "the connection's prepared statements were lost or shared: a pooler in transaction mode (such as "
           "PgBouncer with pool_mode=transaction) is likely in front of PostgreSQL; set "
           "client_options::prepared_statements = false (see docs/deployment.md)";
}

}  // namespace riverqueue::core
