#include "jsonl_read_ahead.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <string_view>
#include <utility>

#include "usage_error.hpp"

namespace riverqueue::cli {

// Shared by the consumer and the reading thread, which holds it too: a thread
// left blocked on a stalled writer never touches freed memory.
struct jsonl_read_ahead::shared_state {
    explicit shared_state(int owned_fd) : fd(owned_fd) {}
    ~shared_state() { ::close(fd); }
    shared_state(const shared_state&) = delete;
    shared_state& operator=(const shared_state&) = delete;

    const int fd;
    std::mutex mutex;
    std::condition_variable changed;
    // Guarded by mutex:
    std::deque<std::vector<parsed_job>> ready;  // parsed chunks, in input order
    std::exception_ptr error;                   // the bad line or read error, after every chunk in `ready`
    bool finished = false;                      // the thread is done: nothing more will come
    bool in_read = false;                       // the thread is in (or about to enter) read()
    bool stop = false;                          // the consumer is gone
};

namespace {

using parsed_job = jsonl_read_ahead::parsed_job;
using shared_state = jsonl_read_ahead::shared_state;

// Large enough that a read returns hundreds of lines; a longer line grows it.
constexpr std::size_t read_block = 64 * 1024;

class reading {
public:
    explicit reading(shared_state& state) : state_(state) { buffer_.resize(read_block); }

    // Reads to the end of the input, or until the consumer is gone.
    void run() {
        std::exception_ptr error;
        try {
            if (!read_all()) return finish();
        } catch (...) {
            error = std::current_exception();
        }
        // Jobs before a bad line are handed out before its error.
        if (!chunk_.empty() && !publish()) return finish();
        finish(std::move(error));
    }

private:
    // False when the consumer is gone.
    bool read_all() {
        for (;;) {
            while (const void* newline = std::memchr(buffer_.data() + begin_, '\n', end_ - begin_)) {
                const auto line_end = static_cast<std::size_t>(static_cast<const char*>(newline) - buffer_.data());
                take_line(std::string_view(buffer_.data() + begin_, line_end - begin_), 1);
                begin_ = line_end + 1;
                if (chunk_.size() == jsonl_read_ahead::chunk_jobs && !publish()) return false;
            }
            // What was parsed goes to the consumer before a read that may block
            // (a pipe whose writer is slow): no job waits behind a stalled writer.
            if (!chunk_.empty() && !publish()) return false;
            if (begin_ > 0) {
                std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
                end_ -= begin_;
                begin_ = 0;
            }
            if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
            const auto got = read_some();
            if (!got) return false;
            if (*got == 0) break;
            end_ += *got;
        }
        // A last line without a newline.
        if (end_ > begin_) take_line(std::string_view(buffer_.data() + begin_, end_ - begin_), 0);
        return true;
    }

    // Bytes read (0 at the end of the input), or std::nullopt when the
    // consumer left while the read was under way.
    std::optional<std::size_t> read_some() {
        {
            std::lock_guard lock(state_.mutex);
            if (state_.stop) return std::nullopt;
            state_.in_read = true;
        }
        state_.changed.notify_all();
        ssize_t got = 0;
        int read_errno = 0;
        do {
            got = ::read(state_.fd, buffer_.data() + end_, buffer_.size() - end_);
        } while (got < 0 && errno == EINTR);
        if (got < 0) read_errno = errno;
        {
            std::lock_guard lock(state_.mutex);
            state_.in_read = false;
            if (state_.stop) return std::nullopt;
        }
        if (got < 0) {
            throw usage_error("input: read error after line " + std::to_string(line_) + ": " +
                              std::strerror(read_errno));
        }
        return static_cast<std::size_t>(got);
    }

    void take_line(std::string_view line, std::size_t newline) {
        ++line_;
        bytes_ += line.size() + newline;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) return;
        try {
            chunk_.push_back(parsed_job{parse_job_line(line), line_, bytes_});
        } catch (const usage_error& e) {
            throw usage_error("line " + std::to_string(line_) + ": " + e.what());
        }
    }

    // Waits for room, then hands the chunk over. False when the consumer is gone.
    bool publish() {
        {
            std::unique_lock lock(state_.mutex);
            state_.changed.wait(lock, [&] { return state_.stop || state_.ready.size() < jsonl_read_ahead::chunks_ahead; });
            if (state_.stop) return false;
            state_.ready.push_back(std::move(chunk_));
        }
        state_.changed.notify_all();
        chunk_ = {};
        chunk_.reserve(jsonl_read_ahead::chunk_jobs);
        return true;
    }

    void finish(std::exception_ptr error = nullptr) {
        {
            std::lock_guard lock(state_.mutex);
            state_.error = std::move(error);
            state_.finished = true;
        }
        state_.changed.notify_all();
    }

    shared_state& state_;
    std::string buffer_;
    std::size_t begin_ = 0, end_ = 0;  // the unparsed bytes in buffer_
    std::size_t line_ = 0;
    std::uint64_t bytes_ = 0;
    std::vector<parsed_job> chunk_;
};

}  // namespace

jsonl_read_ahead jsonl_read_ahead::open(const std::string& input) {
    if (input == "-") return from_descriptor(STDIN_FILENO);
    const int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw usage_error("file: cannot read \"" + input + "\": " + std::strerror(errno));
    return jsonl_read_ahead(fd);
}

jsonl_read_ahead jsonl_read_ahead::from_descriptor(int fd) {
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) throw usage_error(std::string("input: cannot read: ") + std::strerror(errno));
    return jsonl_read_ahead(copy);
}

jsonl_read_ahead::jsonl_read_ahead(int owned_fd) : state_(std::make_shared<shared_state>(owned_fd)) {}

jsonl_read_ahead::~jsonl_read_ahead() {
    if (!reader_.joinable()) return;
    bool finished = false;
    {
        std::unique_lock lock(state_->mutex);
        state_->stop = true;
        state_->changed.notify_all();
        // Parsing ends within one block; a read() may never return.
        state_->changed.wait(lock, [&] { return state_->finished || state_->in_read; });
        finished = state_->finished;
    }
    if (finished) reader_.join();
    else reader_.detach();
}

std::optional<insert_many_params> jsonl_read_ahead::next() {
    if (!reader_.joinable()) {
        reader_ = std::thread([state = state_] { reading(*state).run(); });
    }
    if (at_ == chunk_.size()) {
        {
            std::unique_lock lock(state_->mutex);
            state_->changed.wait(lock, [&] { return !state_->ready.empty() || state_->finished; });
            if (state_->ready.empty()) {
                if (state_->error) std::rethrow_exception(state_->error);
                return std::nullopt;
            }
            chunk_ = std::move(state_->ready.front());
            state_->ready.pop_front();
        }
        state_->changed.notify_all();
        at_ = 0;
    }
    parsed_job& job = chunk_[at_++];
    lines_.add(job.line);
    bytes_ = job.bytes_through;
    return std::move(job.params);
}

}  // namespace riverqueue::cli
