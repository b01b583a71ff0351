// A thread-safe pool of at most `max_size` items (connections), shared by the
// drivers that keep connections of their own.
//
// Items are opened on demand up to the limit; a caller beyond it waits. An
// item comes back only when `reusable` says so (healthy, no open
// transaction); anything else is dropped, so a broken connection is never
// handed out again.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace riverqueue::core {

template <typename Item>
class bounded_pool {
public:
    bounded_pool(std::function<Item()> open, std::function<bool(Item&)> reusable, std::size_t max_size)
        : open_(std::move(open)), reusable_(std::move(reusable)), max_size_(max_size) {}

    Item acquire() {
        std::unique_lock lock(mutex_);
        available_.wait(lock, [&] { return !idle_.empty() || open_count_ < max_size_; });
        if (!idle_.empty()) {
            Item item = std::move(idle_.back());
            idle_.pop_back();
            return item;
        }
        ++open_count_;
        lock.unlock();
        try {
            return open_();
        } catch (...) {
            lock.lock();
            --open_count_;
            available_.notify_one();
            throw;
        }
    }

    void release(Item item) noexcept {
        const bool keep = reusable_(item);
        {
            std::lock_guard lock(mutex_);
            if (keep) idle_.push_back(std::move(item));
            else --open_count_;
        }
        available_.notify_one();
        // An item not kept is destroyed here, outside the lock.
    }

private:
    std::function<Item()> open_;
    std::function<bool(Item&)> reusable_;
    std::size_t max_size_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<Item> idle_;
    std::size_t open_count_ = 0;
};

}  // namespace riverqueue::core
