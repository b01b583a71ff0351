// The driver interface: how the client's core reaches PostgreSQL.
//
// The core does everything that does not need a connection: it validates and
// resolves jobs, computes unique keys, builds River's SQL with its parameters,
// decodes the rows that come back and maps them onto the input. A driver only
// carries statements to PostgreSQL and rows back, so a new driver is small and
// cannot get River's rules wrong. docs/drivers.md describes the contract; the
// libpq driver (riverqueue::client's default) and the libpqxx driver
// (<riverqueue/pqxx.hpp>) are two implementations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace riverqueue::driver {

// How a driver returns result cells. Binary is PostgreSQL's binary format
// (libpq's resultFormat 1); text is the text format any client library reads.
// The core asks for columns whose text form does not depend on session
// settings (DateStyle, TimeZone, bytea_output), so both are exact.
enum class result_format { binary, text };

// One parameter of a statement: its text, or SQL NULL. It holds its own
// text, or refers to text kept alive elsewhere for as long as the statement
// runs (a job's args, which may be very large and so are not copied on their
// way to the driver). The text is NUL-terminated, as libpq takes it.
//
// The core sends binary-format parameters (PostgreSQL's binary form of the
// type, libpq's paramFormats 1) only to a session whose
// takes_binary_params() is true; their bytes may hold NULs, so a driver
// passes size() along with them.
class param {
public:
    param() noexcept = default;  // SQL NULL
    param(std::nullopt_t) noexcept {}                                 // NOLINT(google-explicit-constructor)
    param(std::string text) noexcept : owned_(std::move(text)), null_(false) {}  // NOLINT
    param(const char* text) : param(std::string(text)) {}             // NOLINT(google-explicit-constructor)
    param(std::optional<std::string> text) noexcept                   // NOLINT(google-explicit-constructor)
        : owned_(text ? std::move(*text) : std::string()), null_(!text) {}

    // Refers to `text`, which must outlive every statement this is part of.
    static param refer_to(const std::string& text) noexcept {
        param out;
        out.referred_ = &text;
        out.null_ = false;
        return out;
    }

    // Bytes in PostgreSQL's binary format of the parameter's type.
    static param binary(std::string bytes) noexcept {
        param out(std::move(bytes));
        out.binary_ = true;
        return out;
    }

    bool is_null() const noexcept { return null_; }
    bool is_binary() const noexcept { return binary_; }
    // The length in bytes of the text (0 for NULL).
    std::size_t size() const noexcept { return text_ref().size(); }
    // The text, or nullptr for NULL: what libpq's PQexecParams takes.
    const char* c_str() const noexcept { return null_ ? nullptr : text_ref().c_str(); }
    // The text ("" for NULL).
    std::string_view text() const noexcept { return text_ref(); }

    friend bool operator==(const param& a, const param& b) noexcept {
        return a.null_ == b.null_ && a.binary_ == b.binary_ && a.text() == b.text();
    }

private:
    const std::string& text_ref() const noexcept { return referred_ != nullptr ? *referred_ : owned_; }

    std::string owned_;
    const std::string* referred_ = nullptr;
    bool null_ = true;
    bool binary_ = false;
};

// One statement: SQL with $1..$n placeholders and text-format parameters.
struct statement {
    std::string_view sql;
    std::span<const param> params;
    // The same SQL text is sent again and again (the insert of a batch shape):
    // a driver that caches prepared statements may prepare it.
    bool repeated = false;
    // The statement runs outside any transaction block, so it commits on its
    // own: a connection lost during it leaves the outcome unknown, which the
    // driver reports through connection_error::may_have_committed.
    bool commits_itself = false;
};

// A statement's parameters as C strings, nullptr for NULL: the form libpq's
// PQexecParams and libpqxx's dynamic parameters take. The pointers stay valid
// as long as the statement's parameters.
std::vector<const char*> param_c_strings(std::span<const param> params);

// The same with each parameter's length and format (0 text, 1 binary), as
// PQexecParams takes them; lengths and formats are left empty (pass nullptr)
// when every parameter is text, which libpq then reads up to the NUL.
struct param_arrays {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;

    const int* lengths_or_null() const noexcept { return lengths.empty() ? nullptr : lengths.data(); }
    const int* formats_or_null() const noexcept { return formats.empty() ? nullptr : formats.data(); }
};
param_arrays libpq_param_arrays(std::span<const param> params);

// The rows a statement returned.
class rows {
public:
    virtual ~rows() = default;
    virtual std::size_t row_count() const = 0;
    virtual std::size_t column_count() const = 0;
    // The cell's bytes in the session's result_format, or std::nullopt for NULL.
    // Valid as long as this object.
    virtual std::optional<std::string_view> cell(std::size_t row, std::size_t column) const = 0;
};

// One connection, used by one thread at a time, either inside the caller's
// transaction or (for the client's own inserts) as the client's driver chose.
//
// Errors: a statement PostgreSQL refused throws riverqueue::database_error with
// its SQLSTATE; a lost or unusable connection throws connection_error.
class session {
public:
    virtual ~session() = default;

    virtual result_format format() const noexcept = 0;

    // Whether query() sends binary-format parameters as such (param::binary):
    // the core then sends a batch's columns as binary arrays, which neither
    // side has to quote or parse. A driver that reads parameters as C strings
    // keeps the default, and gets text only.
    virtual bool takes_binary_params() const noexcept { return false; }

    // PostgreSQL's server_version_num (150004 for 15.4).
    virtual int server_version() = 0;

    // True when a transaction block is open on the connection (even a failed
    // one). The client's _tx calls refuse a session without one.
    virtual bool in_transaction() = 0;

    // Runs one statement and returns its rows (none for a command).
    virtual std::unique_ptr<rows> query(const statement& stmt) = 0;

    // Runs SQL text without parameters that may hold several statements (a
    // migration's script) through the simple query protocol. The default
    // sends it through query(), which takes one statement only.
    virtual void execute(std::string_view sql);

    // COPY ... FROM STDIN, if the driver can. The core sends copy_begin with the
    // COPY statement, copy_write with whole lines of COPY text format, then
    // copy_end, which returns the number of rows copied. A driver that cannot
    // COPY returns false from supports_copy and the core inserts with statements.
    virtual bool supports_copy() const noexcept { return false; }
    virtual void copy_begin(std::string_view copy_sql);
    virtual void copy_write(std::string_view data);
    virtual std::uint64_t copy_end();
    // Abandons an open COPY so that its transaction fails; must not throw.
    virtual void copy_abort() noexcept {}
};

// Where the client's own inserts (insert, insert_many, insert_many_fast
// without _tx) get their sessions: a pool, a connection factory, or a single
// connection guarded by a lock. Called from any thread; must be thread-safe.
class session_source {
public:
    virtual ~session_source() = default;

    // Runs `work` on a session whose connection is idle, then hands the
    // connection back. With `in_transaction`, `work` runs inside a transaction
    // that commits when it returns and rolls back when it throws (a lost
    // connection during the commit throws connection_error with
    // may_have_committed). Without it, each statement commits on its own.
    virtual void run(bool in_transaction, const std::function<void(session&)>& work) = 0;
};

// Lets client::insert_tx and friends take a driver's own transaction type
// (for example pqxx::work): specialise it with a static `make(T&)` returning a
// session over that transaction.
template <typename Transaction>
struct session_adapter {};

template <typename Transaction>
concept adaptable_transaction = requires(Transaction& tx) {
    { session_adapter<Transaction>::make(tx) };
};

}  // namespace riverqueue::driver
