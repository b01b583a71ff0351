// What the fuzz targets share: checks that stop the run, splitting an input
// into fields, a deterministic random source drawn from the input, deep
// comparison of JSON trees, and running a body on a thread of a chosen stack
// size (the library promises that no depth of JSON exhausts a small stack).
#pragma once

#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace riverqueue::fuzz {

namespace json = core::json;

// A check that failed: printed, then abort(), which libFuzzer records as a
// crash (with the input kept) and the corpus replay as a failed test.
[[noreturn]] inline void check_failed(const char* file, int line, const char* condition, const std::string& detail) {
    std::fprintf(stderr, "%s:%d: check failed: %s\n  %s\n", file, line, condition, detail.c_str());
    std::fflush(stderr);
    std::abort();
}

#define FUZZ_CHECK(condition, detail)                                                       \
    do {                                                                                    \
        if (!(condition)) ::riverqueue::fuzz::check_failed(__FILE__, __LINE__, #condition, (detail)); \
    } while (false)

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// `text` printable in a message: non-ASCII and control bytes as \xNN, cut at 300 bytes.
inline std::string printable(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < 300; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7F) {
            out.push_back(static_cast<char>(c));
        } else {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
            out += escaped;
        }
    }
    if (text.size() > 300) out += "...";
    return out;
}

// `input` split on `separator`; the last field runs to the end.
inline std::vector<std::string_view> split(std::string_view input, char separator) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = input.find(separator, start);
        if (end == std::string_view::npos) {
            fields.push_back(input.substr(start));
            return fields;
        }
        fields.push_back(input.substr(start, end - start));
        start = end + 1;
    }
}

// Reads fixed-width numbers from a field, zeros once it runs out.
class byte_source {
public:
    explicit byte_source(std::string_view bytes) : bytes_(bytes) {}

    std::uint64_t take(std::size_t width) {
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < width; ++i) {
            const std::uint64_t byte = pos_ < bytes_.size() ? static_cast<unsigned char>(bytes_[pos_]) : 0;
            ++pos_;
            value = (value << 8) | byte;
        }
        return value;
    }
    std::int64_t take_int64() { return static_cast<std::int64_t>(take(8)); }

private:
    std::string_view bytes_;
    std::size_t pos_ = 0;
};

// splitmix64, seeded from the input: the same input always makes the same choices.
class random_source {
public:
    explicit random_source(std::string_view seed_text) {
        state_ = 0xcbf29ce484222325ULL;
        for (char c : seed_text) state_ = (state_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    }
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // 0 .. bound-1 (bound > 0).
    std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }
    bool chance(unsigned in) { return below(in) == 0; }

private:
    std::uint64_t state_;
};

// How many arrays and objects `text` opens at most, counting every bracket
// byte (strings included): a cheap upper bound of its nesting depth.
inline std::size_t bracket_bound(std::string_view text) {
    std::size_t count = 0;
    for (char c : text) count += (c == '[' || c == '{') ? 1 : 0;
    return count;
}

// A thread of a chosen stack size, started once and kept, that runs bodies
// handed to it one at a time while the caller waits. Starting a thread per
// input cost more than most checks (and AddressSanitizer clears a thread's
// stack shadow when it ends, 64 MiB of it for the large stack), so each stack
// size has one such thread for the whole run. An exception that leaves a body
// terminates the process at the throw (the call is noexcept), so that
// libFuzzer reports where it came from.
class stack_thread {
public:
    explicit stack_thread(std::size_t stack_bytes) {
        pthread_attr_t attributes;
        if (pthread_attr_init(&attributes) != 0 || pthread_attr_setstacksize(&attributes, stack_bytes) != 0) {
            std::abort();
        }
        void* (*start)(void*) noexcept = [](void* self) noexcept -> void* {
            static_cast<stack_thread*>(self)->serve();
            return nullptr;
        };
        if (pthread_create(&thread_, &attributes, start, this) != 0) std::abort();
        pthread_attr_destroy(&attributes);
    }
    // Kept until the process exits: libFuzzer ends the run with exit(), and a
    // thread joined from a static destructor there could still be running a body.
    stack_thread(const stack_thread&) = delete;
    stack_thread& operator=(const stack_thread&) = delete;

    void run(const std::function<void()>& body) {
        std::unique_lock lock(mutex_);
        body_ = &body;
        changed_.notify_all();
        changed_.wait(lock, [&] { return body_ == nullptr; });
    }

private:
    void serve() noexcept {
        std::unique_lock lock(mutex_);
        for (;;) {
            changed_.wait(lock, [&] { return body_ != nullptr; });
            (*body_)();
            body_ = nullptr;
            changed_.notify_all();
        }
    }

    pthread_t thread_{};
    std::mutex mutex_;
    std::condition_variable changed_;
    const std::function<void()>* body_ = nullptr;
};

// Runs `body` on the run's thread of `stack_bytes` (made on first use).
template <std::size_t stack_bytes>
void run_on_thread(const std::function<void()>& body) {
    static stack_thread* const thread = new stack_thread(stack_bytes);
    thread->run(body);
}

// The library reads, writes and destroys JSON of any accepted depth without a
// call per level; the unit tests hold it to a 256 KiB stack (json_test.cpp).
inline constexpr std::size_t small_stack_bytes = 256 * 1024;
// Inputs with more brackets than this run the library's part on such a
// thread; shallower ones on the caller's, which keeps the common case fast.
inline constexpr std::size_t deep_input_brackets = 64;
// The fuzz targets' own reference code recurses: beyond this many brackets it
// runs on a thread with room for max_nesting_depth levels of it.
inline constexpr std::size_t large_stack_bytes = 64 * 1024 * 1024;
inline constexpr std::size_t very_deep_input_brackets = 2000;

// Runs the library's part of a check on a small stack when the input may be
// deep, else directly.
inline void run_library_part(std::string_view input, const std::function<void()>& body) {
    if (bracket_bound(input) > deep_input_brackets) run_on_thread<small_stack_bytes>(body);
    else body();
}

// Runs the fuzz target's own (recursive) part on a large stack when the input
// may be very deep, else directly.
inline void run_reference_part(std::string_view input, const std::function<void()>& body) {
    if (bracket_bound(input) > very_deep_input_brackets) run_on_thread<large_stack_bytes>(body);
    else body();
}

// Whether two trees are the same: types, texts, elements and members (names
// and order) alike. Iterative, for trees of any depth.
inline bool same_tree(const json::value& a, const json::value& b, std::string* where = nullptr) {
    std::vector<std::pair<const json::value*, const json::value*>> pending{{&a, &b}};
    while (!pending.empty()) {
        const auto [x, y] = pending.back();
        pending.pop_back();
        const auto differ = [&](const std::string& what) {
            if (where != nullptr) *where = what;
            return false;
        };
        if (x->type != y->type) return differ("types differ");
        if (x->text != y->text) return differ("texts differ: " + printable(x->text) + " / " + printable(y->text));
        if (x->items.size() != y->items.size()) return differ("element counts differ");
        if (x->members.size() != y->members.size()) return differ("member counts differ");
        for (std::size_t i = 0; i < x->items.size(); ++i) pending.emplace_back(&x->items[i], &y->items[i]);
        for (std::size_t i = 0; i < x->members.size(); ++i) {
            if (x->members[i].first != y->members[i].first) {
                return differ("member names differ: " + printable(x->members[i].first) + " / " +
                              printable(y->members[i].first));
            }
            pending.emplace_back(&x->members[i].second, &y->members[i].second);
        }
    }
    return true;
}

// The last member `name` of an object (as Go's encoding/json keeps it), JSON
// null included; nullptr when absent. Written here, apart from the tools'
// find_member, to check them against it.
inline const json::value* last_member(const json::value& object, std::string_view name) {
    const json::value* found = nullptr;
    for (const auto& member : object.members) {
        if (member.first == name) found = &member.second;
    }
    return found;
}

}  // namespace riverqueue::fuzz
