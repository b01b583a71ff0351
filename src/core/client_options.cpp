#include "core/client_options.hpp"

#include <cstdint>
#include <limits>
#include <string>

#include <riverqueue/errors.hpp>

#include "core/identifiers.hpp"

namespace riverqueue::core {

client_options validated(client_options options) {
    validate_schema_name(options.schema);
    if (options.default_max_attempts < 1 || options.default_max_attempts > std::numeric_limits<std::int16_t>::max()) {
        throw validation_error("default_max_attempts", "must be between 1 and 32767");
    }
    if (options.advisory_lock_prefix < std::numeric_limits<std::int32_t>::min() ||
        options.advisory_lock_prefix > static_cast<std::int64_t>(std::numeric_limits<std::uint32_t>::max())) {
        throw validation_error("advisory_lock_prefix", "must fit in 32 bits");
    }
    if (options.pool_size < 1) throw validation_error("pool_size", "must be at least 1");
    if (options.notify_cooldown.count() < 0) throw validation_error("notify_cooldown", "cannot be negative");
    if (options.statement_timeout.count() < 0) throw validation_error("statement_timeout", "cannot be negative");
    for (std::size_t i = 0; i < options.insert_middleware.size(); ++i) {
        if (!options.insert_middleware[i]) {
            throw validation_error("insert_middleware[" + std::to_string(i) + "]", "must not be null");
        }
    }
    return options;
}

}  // namespace riverqueue::core
