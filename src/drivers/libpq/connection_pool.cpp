#include "drivers/libpq/connection_pool.hpp"

#include <libpq-fe.h>

#include "drivers/libpq/own_connections.hpp"

namespace riverqueue::libpq {

connection_pool::connection_pool(std::string conninfo, std::size_t max_size)
    : items_(
          [conninfo = std::move(conninfo)] {
              pooled item{connection::open(conninfo), {}};
              silence_notices(item.conn.native_handle());
              return item;
          },
          [](pooled& item) {
              return !item.retired && item.conn.healthy() &&
                     PQtransactionStatus(item.conn.native_handle()) == PQTRANS_IDLE;
          },
          max_size) {}

connection_pool::lease connection_pool::acquire() {
    for (;;) {
        pooled item = items_.acquire();
        if (idle_connection_alive(item.conn.native_handle())) return lease(*this, std::move(item));
        item.retired = true;
        items_.release(std::move(item));  // dropped: its place opens a new one
    }
}

connection_pool::lease::~lease() {
    if (pool_ != nullptr && item_.conn.native_handle() != nullptr) pool_->items_.release(std::move(item_));
}

}  // namespace riverqueue::libpq
