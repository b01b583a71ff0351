#include <riverqueue/version.hpp>

namespace riverqueue {

// Compiled into the library: the version of the library, whatever headers
// the caller was built with.
std::string_view version() noexcept { return RIVERQUEUE_VERSION_STRING; }

}  // namespace riverqueue
