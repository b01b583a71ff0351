// What the driver interface gives drivers: parameters as libpq takes them, and the
// defaults of the COPY functions (a driver without COPY refuses it loudly; the
// core never calls these when supports_copy() is false).
#include <riverqueue/driver.hpp>

#include <algorithm>
#include <limits>

#include <riverqueue/errors.hpp>

namespace riverqueue::driver {

std::vector<const char*> param_c_strings(std::span<const param> params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const param& p : params) values.push_back(p.c_str());
    return values;
}

param_arrays libpq_param_arrays(std::span<const param> params) {
    param_arrays out;
    out.values = param_c_strings(params);
    const bool any_binary = std::any_of(params.begin(), params.end(), [](const param& p) { return p.is_binary(); });
    if (!any_binary) return out;
    out.lengths.reserve(params.size());
    out.formats.reserve(params.size());
    for (const param& p : params) {
        if (p.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
            throw error("a statement parameter is larger than libpq can send (2 GiB)");
        }
        out.lengths.push_back(static_cast<int>(p.size()));
        out.formats.push_back(p.is_binary() ? 1 : 0);
    }
    return out;
}

void session::execute(std::string_view sql) { query(statement{sql, {}, false, false}); }

void session::copy_begin(std::string_view) { throw error("this driver does not support COPY"); }
void session::copy_write(std::string_view) { throw error("this driver does not support COPY"); }
std::uint64_t session::copy_end() { throw error("this driver does not support COPY"); }

}  // namespace riverqueue::driver
