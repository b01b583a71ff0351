#include "drivers/libpq/connection_pool.hpp"

#include <libpq-fe.h>

namespace riverqueue::libpq {

connection_pool::connection_pool(std::string conninfo, std::size_t max_size)
    : conninfo_(std::move(conninfo)), max_size_(max_size) {}

connection_pool::lease::~lease() {
    if (pool_ != nullptr && item_.conn.native_handle() != nullptr) pool_->release(std::move(item_));
}

connection_pool::lease connection_pool::acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty() || open_count_ < max_size_; });
    if (!idle_.empty()) {
        pooled item = std::move(idle_.back());
        idle_.pop_back();
        return lease(*this, std::move(item));
    }
    ++open_count_;
    lock.unlock();
    try {
        return lease(*this, pooled{connection::open(conninfo_), {}});
    } catch (...) {
        lock.lock();
        --open_count_;
        available_.notify_one();
        throw;
    }
}

void connection_pool::release(pooled item) noexcept {
    const bool reusable = item.conn.healthy() && PQtransactionStatus(item.conn.native_handle()) == PQTRANS_IDLE;
    {
        std::lock_guard lock(mutex_);
        if (reusable) {
            idle_.push_back(std::move(item));
        } else {
            --open_count_;
        }
    }
    available_.notify_one();
    // An unusable connection is closed here, outside the lock, by its destructor.
}

}  // namespace riverqueue::libpq
