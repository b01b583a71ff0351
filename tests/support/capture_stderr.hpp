// What a piece of code writes to the process's stderr (file descriptor 2),
// for tests that the library prints nothing there.
#pragma once

#include <functional>
#include <string>

namespace riverqueue::testing {

// Runs `body` with stderr sent to a temporary file, and returns what it wrote.
std::string stderr_of(const std::function<void()>& body);

}  // namespace riverqueue::testing
