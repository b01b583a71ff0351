// What the driver interface gives drivers: parameters as C strings, and the
// defaults of the COPY functions (a driver without COPY refuses it loudly; the
// core never calls these when supports_copy() is false).
#include <riverqueue/driver.hpp>

#include <riverqueue/errors.hpp>

namespace riverqueue::driver {

std::vector<const char*> param_c_strings(std::span<const param> params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const param& p : params) values.push_back(p.c_str());
    return values;
}

void session::execute(std::string_view sql) { query(statement{sql, {}, false, false}); }

void session::copy_begin(std::string_view) { throw error("this driver does not support COPY"); }
void session::copy_write(std::string_view) { throw error("this driver does not support COPY"); }
std::uint64_t session::copy_end() { throw error("this driver does not support COPY"); }

}  // namespace riverqueue::driver
