#include "core/worker/client_id.hpp"

#include <algorithm>

#include "core/time_format.hpp"

namespace riverqueue::core {

std::string default_client_id(std::string_view host_name, time_point started) {
    std::string host(host_name.substr(0, std::min<std::size_t>(host_name.size(), 60)));
    std::replace(host.begin(), host.end(), '.', '_');
    // "2026-11-09T12:00:00.123456Z" -> "2026_11_09T12_00_00_123456"
    std::string when = format_rfc3339_micros(started);
    when.pop_back();
    std::replace(when.begin(), when.end(), '-', '_');
    std::replace(when.begin(), when.end(), ':', '_');
    std::replace(when.begin(), when.end(), '.', '_');
    return host + "_" + when;
}

}  // namespace riverqueue::core
