// Where a client over libpqxx gets its own sessions: a lender (the
// application's pool) or a factory behind a small pool of ours.
#include <riverqueue/pqxx.hpp>

#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include <riverqueue/errors.hpp>

#include "core/bounded_pool.hpp"
#include "drivers/libpqxx/errors.hpp"

namespace riverqueue::libpqxx {
namespace {

// Runs `work` in a pqxx::work committed at the end, or a nontransaction whose
// statements commit one by one.
void run_on(::pqxx::connection_base& conn, bool in_transaction,
            const std::function<void(driver::session&)>& work) {
    if (in_transaction) {
        ::pqxx::work tx(conn);
        session on_tx(tx);
        work(on_tx);
        // Losing the connection during COMMIT leaves the outcome unknown.
        rethrown_as_riverqueue_errors(true, [&] { tx.commit(); });
        return;
    }
    ::pqxx::nontransaction tx(conn);
    session on_tx(tx);
    work(on_tx);
}

class lender_source final : public driver::session_source {
public:
    explicit lender_source(connection_lender lend) : lend_(std::move(lend)) {}

    void run(bool in_transaction, const std::function<void(driver::session&)>& work) override {
        lend_([&](::pqxx::connection_base& conn) { run_on(conn, in_transaction, work); });
    }

private:
    connection_lender lend_;
};

class factory_source final : public driver::session_source {
public:
    factory_source(connection_factory open, std::size_t max_connections)
        : connections_(
              [open = std::move(open)] {
                  auto conn = rethrown_as_riverqueue_errors(false, [&] { return open(); });
                  if (!conn) throw connection_error("the connection factory returned no connection");
                  return conn;
              },
              // A broken connection is closed rather than reused.
              [](std::shared_ptr<::pqxx::connection_base>& conn) { return conn->is_open(); }, max_connections) {}

    void run(bool in_transaction, const std::function<void(driver::session&)>& work) override {
        auto conn = connections_.acquire();
        try {
            run_on(*conn, in_transaction, work);
        } catch (...) {
            connections_.release(std::move(conn));
            throw;
        }
        connections_.release(std::move(conn));
    }

private:
    core::bounded_pool<std::shared_ptr<::pqxx::connection_base>> connections_;
};

}  // namespace

std::shared_ptr<driver::session_source> sessions_from(connection_factory open, std::size_t max_connections) {
    if (!open) throw validation_error("open", "a connection factory is required");
    if (max_connections < 1) throw validation_error("max_connections", "must be at least 1");
    return std::make_shared<factory_source>(std::move(open), max_connections);
}

std::shared_ptr<driver::session_source> sessions_from(connection_lender lend) {
    if (!lend) throw validation_error("lend", "a connection lender is required");
    return std::make_shared<lender_source>(std::move(lend));
}

}  // namespace riverqueue::libpqxx
