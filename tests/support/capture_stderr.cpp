#include "support/capture_stderr.hpp"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace riverqueue::testing {

std::string stderr_of(const std::function<void()>& body) {
    std::FILE* captured = std::tmpfile();
    if (captured == nullptr) throw std::runtime_error("no temporary file for stderr");
    std::fflush(stderr);
    const int saved = ::dup(2);
    ::dup2(::fileno(captured), 2);
    // stderr comes back even when `body` throws.
    struct restore {
        int saved;
        ~restore() {
            std::fflush(stderr);
            ::dup2(saved, 2);
            ::close(saved);
        }
    };
    {
        const restore back{saved};
        body();
    }
    std::rewind(captured);
    std::string printed;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, captured) != nullptr) printed += buffer;
    std::fclose(captured);
    return printed;
}

}  // namespace riverqueue::testing
