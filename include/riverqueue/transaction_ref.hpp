// The caller's open transaction, as the _tx functions take it: a libpq
// connection (pg_conn*, riverqueue::connection, riverqueue::transaction), a
// driver::session, or any driver's own transaction type that has a
// driver::session_adapter (pqxx::work with <riverqueue/pqxx.hpp>). Built
// implicitly at the call, so each _tx function has one form for all of them:
//     client.insert_tx(conn, args);     // riverqueue::connection&
//     client.insert_tx(work, args);     // pqxx::work&
// It refers to the transaction; it does not own it, and lives for the call.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include <riverqueue/connection.hpp>
#include <riverqueue/driver.hpp>

namespace riverqueue {

class transaction_ref {
public:
    transaction_ref(pg_conn* tx) noexcept : libpq_(tx) {}
    transaction_ref(connection& tx) noexcept : libpq_(tx.native_handle()) {}
    transaction_ref(transaction& tx) noexcept : libpq_(tx.native_handle()) {}
    transaction_ref(driver::session& tx) noexcept : session_(&tx) {}
    template <driver::adaptable_transaction Tx>
        requires(!std::is_base_of_v<driver::session, Tx>)
    transaction_ref(Tx& tx) : adapted_(adapt(tx)), session_(adapted_.get()) {}

    transaction_ref(transaction_ref&&) noexcept = default;
    transaction_ref& operator=(transaction_ref&&) noexcept = default;
    transaction_ref(const transaction_ref&) = delete;
    transaction_ref& operator=(const transaction_ref&) = delete;
    ~transaction_ref() = default;

    // The libpq connection, when the transaction is one; else nullptr.
    pg_conn* libpq_connection() const noexcept { return libpq_; }
    // The session over the transaction, when it is not a libpq connection.
    driver::session* session() const noexcept { return session_; }

private:
    template <typename Tx>
    static std::unique_ptr<driver::session> adapt(Tx& tx) {
        using adapted = std::decay_t<decltype(driver::session_adapter<Tx>::make(tx))>;
        return std::make_unique<adapted>(driver::session_adapter<Tx>::make(tx));
    }

    pg_conn* libpq_ = nullptr;
    std::unique_ptr<driver::session> adapted_;
    driver::session* session_ = nullptr;
};

}  // namespace riverqueue
