#include "drivers/libpq/prepared_statements.hpp"

#include "core/prepared_statement_names.hpp"

namespace riverqueue::libpq {

prepared_statements::use prepared_statements::lookup(std::string_view sql) {
    if (auto it = entries_.find(sql); it != entries_.end()) {
        return it->second.ready ? use{how::prepared, &it->second.name} : use{};
    }
    if (entries_.size() >= capacity_) return {};
    auto it = entries_.emplace(std::string(sql), entry{core::prepared_statement_name(sql), false}).first;
    return {how::prepare, &it->second.name};
}

void prepared_statements::prepared(std::string_view sql) noexcept {
    // Absent when the connection was closed while the prepare was on its way.
    if (auto it = entries_.find(sql); it != entries_.end()) it->second.ready = true;
}

void prepared_statements::forget(std::string_view sql) noexcept {
    if (auto it = entries_.find(sql); it != entries_.end()) entries_.erase(it);
}

}  // namespace riverqueue::libpq
