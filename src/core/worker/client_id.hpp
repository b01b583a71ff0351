// River's default client ID: the host name ('.' as '_', at most 60
// characters), '_', and the start time in UTC as YYYY_MM_DDTHH_MM_SS_ffffff.
#pragma once

#include <string>
#include <string_view>

#include <riverqueue/insert_opts.hpp>

namespace riverqueue::core {

std::string default_client_id(std::string_view host_name, time_point started);

}  // namespace riverqueue::core
