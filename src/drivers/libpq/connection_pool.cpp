#include "drivers/libpq/connection_pool.hpp"

#include <libpq-fe.h>

namespace riverqueue::libpq {

connection_pool::connection_pool(std::string conninfo, std::size_t max_size)
    : items_([conninfo = std::move(conninfo)] { return pooled{connection::open(conninfo), {}}; },
             [](pooled& item) {
                 return !item.retired && item.conn.healthy() &&
                        PQtransactionStatus(item.conn.native_handle()) == PQTRANS_IDLE;
             },
             max_size) {}

connection_pool::lease::~lease() {
    if (pool_ != nullptr && item_.conn.native_handle() != nullptr) pool_->items_.release(std::move(item_));
}

}  // namespace riverqueue::libpq
