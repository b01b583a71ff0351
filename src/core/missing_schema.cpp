#include "core/missing_schema.hpp"

namespace riverqueue::core {

bool river_schema_missing(const database_error& e) noexcept {
    const std::string& state = e.sqlstate();
    // undefined_table, invalid_schema_name, undefined_object (the state enum).
    if (state != "42P01" && state != "3F000" && state != "42704") return false;
    if (state == "3F000") return true;
    return e.message().find("river_") != std::string::npos;
}

}  // namespace riverqueue::core
