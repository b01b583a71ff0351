// Uses the installed headers and library without any libpq header in sight.
#include <iostream>

#include <riverqueue/riverqueue.hpp>

#ifdef LIBPQ_FE_H
#error "a public riverqueue header included libpq-fe.h"
#endif

int main() {
    const auto key = riverqueue::compute_unique_key(
        riverqueue::unique_key_input{"consumer", R"({"id":1})", "default", std::nullopt, {}},
        riverqueue::unique_opts{.by_args = riverqueue::unique_by_args_all{}});
    std::cout << key.key_string << " " << key.hex() << "\n";
    return key.key_string == R"(&kind=consumer&args={"id":1})" ? 0 : 1;
}
