#include "core/missing_schema.hpp"

namespace riverqueue::core {

bool river_schema_missing(const database_error& e) noexcept {
    const std::string& state = e.sqlstate();
    // undefined_table, invalid_schema_name, undefined_object (the state enum).
    if (state != "42P01" && state != "3F000" && state != "42704") return false;
    if (state == "3F000") return true;
    return e.message().find("river_") != std::string::npos;
}

std::exception_ptr naming_missing_schema(std::string_view schema, std::exception_ptr error) {
    if (!error) return error;
    try {
        std::rethrow_exception(error);
    } catch (const schema_error&) {
        return error;
    } catch (const database_error& e) {
        if (river_schema_missing(e)) return std::make_exception_ptr(schema_error(e, std::string(schema)));
        return error;
    } catch (...) {
        return error;
    }
}

}  // namespace riverqueue::core
