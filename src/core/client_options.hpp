// Validation of client_options, shared by every client (sync, async) and driver.
#pragma once

#include <riverqueue/client_options.hpp>

namespace riverqueue::core {

// Returns the options unchanged when River would accept them; throws
// validation_error naming the option otherwise.
client_options validated(client_options options);

}  // namespace riverqueue::core
