// Defaults of the driver interface: a driver without COPY refuses it loudly
// (the core never calls these when supports_copy() is false).
#include <riverqueue/driver.hpp>

#include <riverqueue/errors.hpp>

namespace riverqueue::driver {

void session::copy_begin(std::string_view) { throw error("this driver does not support COPY"); }
void session::copy_write(std::string_view) { throw error("this driver does not support COPY"); }
std::uint64_t session::copy_end() { throw error("this driver does not support COPY"); }

}  // namespace riverqueue::driver
