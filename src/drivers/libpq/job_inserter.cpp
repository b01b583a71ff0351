#include "drivers/libpq/job_inserter.hpp"

#include "core/row_decoder.hpp"
#include "drivers/libpq/session.hpp"

namespace riverqueue::libpq {

std::vector<insert_result> decode_insert_rows(const PGresult* result) {
    return core::decode_insert_rows(result_rows(result), driver::result_format::binary);
}

}  // namespace riverqueue::libpq
