// Bad input to the command-line tool: reported on one line, exit status 2.
#pragma once

#include <stdexcept>
#include <string>

namespace riverqueue::cli {

class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace riverqueue::cli
