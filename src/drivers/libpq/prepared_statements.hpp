// The statements prepared on one connection, so that repeated statements
// skip PostgreSQL's parsing and planning: one cache for the blocking libpq
// driver (session.cpp, a pooled connection's statements) and the pipeline
// (drivers/libpq_async/multiplexer.cpp). Only the library's own connections
// keep one: a caller's connection is left untouched.
//
// It decides how each statement is sent and never sends anything itself, so
// it holds no libpq type: the blocking driver waits for each prepare before
// it runs the statement, while the pipeline sends the prepare and the
// statement together and learns of the prepare's outcome later, which is why
// a statement has a state between unknown and ready.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace riverqueue::libpq {

class prepared_statements {
public:
    // Statements per connection at most: the library sends a few shapes, and
    // a connection should not hold server memory for every text ever sent.
    static constexpr std::size_t default_capacity = 32;

    prepared_statements() = default;
    explicit prepared_statements(std::size_t capacity) noexcept : capacity_(capacity) {}

    enum class how {
        unnamed,   // send the text unnamed (PQsendQueryParams)
        prepare,   // prepare it under `name`, then run that (PQsendPrepare, PQsendQueryPrepared)
        prepared,  // run the statement prepared under `name` (PQsendQueryPrepared)
    };
    struct use {
        how what = how::unnamed;
        const std::string* name = nullptr;  // prepare, prepared: valid until forgotten or cleared
    };

    // How to send `sql` now. A text not seen yet is entered as being
    // prepared, under core::prepared_statement_name's name, while there is
    // room; one still being prepared (its prepare not answered yet), or one
    // beyond the capacity, goes unnamed.
    use lookup(std::string_view sql);
    // The prepare of `sql` succeeded: later lookups run it by name.
    void prepared(std::string_view sql) noexcept;
    // The prepare of `sql` failed, or it never reached the server: a later
    // lookup prepares it again.
    void forget(std::string_view sql) noexcept;
    // The connection is gone, and its statements with it.
    void clear() noexcept { entries_.clear(); }
    std::size_t size() const noexcept { return entries_.size(); }

private:
    struct entry {
        std::string name;
        bool ready = false;
    };
    // Lookups by std::string_view, without copying the statement's text.
    struct text_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
    };
    std::size_t capacity_ = default_capacity;
    std::unordered_map<std::string, entry, text_hash, std::equal_to<>> entries_;  // SQL text -> statement
};

}  // namespace riverqueue::libpq
