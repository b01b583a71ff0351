// The libpqxx driver (CMake target riverqueue::pqxx, built when libpqxx is
// found): River inserts inside an application's own pqxx transactions, and a
// client whose own inserts use the application's libpqxx connections.
//
//   riverqueue::client client(options, riverqueue::libpqxx::sessions_from(open_connection, 4));
//   pqxx::work work(connection);
//   client.insert_tx(work, email_args{...});   // any pqxx::transaction_base
//   work.commit();                              // the job and its notification
//
// libpqxx reads results as text; the core asks for columns whose text does not
// depend on session settings. libpqxx 6 offers no raw COPY, so the bulk fast
// path inserts with batched statements on this driver.
#pragma once

#include <pqxx/connection_base>
#include <pqxx/transaction_base>

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>

#include <riverqueue/client.hpp>
#include <riverqueue/driver.hpp>

namespace riverqueue::libpqxx {

// A driver session over a pqxx transaction the application owns. Statements
// run inside it; it is committed or aborted by the application.
class session final : public driver::session {
public:
    explicit session(::pqxx::transaction_base& tx) noexcept : tx_(tx) {}

    driver::result_format format() const noexcept override { return driver::result_format::text; }
    int server_version() override;
    bool in_transaction() override;
    std::unique_ptr<driver::rows> query(const driver::statement& stmt) override;
    void execute(std::string_view sql) override;

private:
    ::pqxx::transaction_base& tx_;
};

// Opens a new connection, for example `std::make_shared<pqxx::connection>(url)`.
// A shared_ptr, because libpqxx 6's connection_base has no virtual destructor:
// make_shared keeps the deleter of the connection type actually made.
using connection_factory = std::function<std::shared_ptr<::pqxx::connection_base>()>;

// Lends one of the application's connections to `use` for the duration of the
// call, the shape of most pools' "with a connection" functions. Must be
// thread-safe; the connection must be idle (no open transaction).
using connection_lender = std::function<void(const std::function<void(::pqxx::connection_base&)>& use)>;

// Session sources for riverqueue::client's own inserts: connections opened
// with `open`, at most `max_connections` at a time and kept for reuse ...
std::shared_ptr<driver::session_source> sessions_from(connection_factory open, std::size_t max_connections);
// ... or connections lent by the application's own pool.
std::shared_ptr<driver::session_source> sessions_from(connection_lender lend);

}  // namespace riverqueue::libpqxx

namespace riverqueue::driver {

// Lets client::insert_tx and friends take any pqxx transaction (pqxx::work,
// pqxx::nontransaction is refused: the _tx calls need a transaction block).
template <typename Transaction>
    requires std::derived_from<Transaction, ::pqxx::transaction_base>
struct session_adapter<Transaction> {
    static libpqxx::session make(Transaction& tx) noexcept { return libpqxx::session(tx); }
};

}  // namespace riverqueue::driver
