// Writing a driver: River inserts over an application's own pool of libpq
// connections, without handing the connections to riverqueue.
//
// A driver is two small classes (docs/drivers.md): a driver::session that runs
// a statement and returns its rows, and a driver::session_source that lends
// the client a session for its own inserts. Everything River-specific
// (validation, unique keys, SQL, decoding rows) stays in the library.
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <riverqueue/driver.hpp>
#include <riverqueue/errors.hpp>

namespace app {

// The application's pool, standing in for whatever pool a service already has.
class pg_pool {
public:
    pg_pool(const std::string& conninfo, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) {
            PGconn* conn = PQconnectdb(conninfo.c_str());
            if (PQstatus(conn) != CONNECTION_OK) {
                const std::string message = PQerrorMessage(conn);
                PQfinish(conn);
                throw riverqueue::connection_error(message);
            }
            idle_.push_back(conn);
        }
    }
    ~pg_pool() {
        for (PGconn* conn : idle_) PQfinish(conn);
    }
    pg_pool(const pg_pool&) = delete;
    pg_pool& operator=(const pg_pool&) = delete;

    PGconn* borrow() {
        std::unique_lock lock(mutex_);
        returned_.wait(lock, [&] { return !idle_.empty(); });
        PGconn* conn = idle_.back();
        idle_.pop_back();
        return conn;
    }
    void give_back(PGconn* conn) {
        if (PQstatus(conn) != CONNECTION_OK) PQreset(conn);
        {
            std::lock_guard lock(mutex_);
            idle_.push_back(conn);
        }
        returned_.notify_one();
    }

private:
    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<PGconn*> idle_;
};

// A session over one of the application's connections. It asks for text
// results, the format every PostgreSQL client library can read.
class pool_session final : public riverqueue::driver::session {
public:
    explicit pool_session(PGconn* conn) : conn_(conn) {}

    riverqueue::driver::result_format format() const noexcept override {
        return riverqueue::driver::result_format::text;
    }
    int server_version() override { return PQserverVersion(conn_); }
    bool in_transaction() override {
        const auto status = PQtransactionStatus(conn_);
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
    }

    std::unique_ptr<riverqueue::driver::rows> query(const riverqueue::driver::statement& stmt) override {
        const std::vector<const char*> values = riverqueue::driver::param_c_strings(stmt.params);
        const std::string sql(stmt.sql);
        auto result = std::make_unique<rows>(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                                                          nullptr, values.data(), nullptr, nullptr, 0));
        const auto status = PQresultStatus(result->get());
        if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return result;
        // Map errors onto the library's types: SQLSTATE for a refused statement.
        const char* sqlstate = PQresultErrorField(result->get(), PG_DIAG_SQLSTATE);
        if (PQstatus(conn_) != CONNECTION_OK || sqlstate == nullptr) {
            throw riverqueue::connection_error(PQerrorMessage(conn_), stmt.commits_itself);
        }
        throw riverqueue::database_error(sqlstate, PQresultErrorMessage(result->get()), {}, {}, {});
    }

private:
    class rows final : public riverqueue::driver::rows {
    public:
        explicit rows(PGresult* result) : result_(result) {}
        ~rows() override { PQclear(result_); }
        rows(const rows&) = delete;
        rows& operator=(const rows&) = delete;

        PGresult* get() const { return result_; }
        std::size_t row_count() const override { return static_cast<std::size_t>(PQntuples(result_)); }
        std::size_t column_count() const override { return static_cast<std::size_t>(PQnfields(result_)); }
        std::optional<std::string_view> cell(std::size_t row, std::size_t column) const override {
            const int r = static_cast<int>(row);
            const int c = static_cast<int>(column);
            if (PQgetisnull(result_, r, c) != 0) return std::nullopt;
            return std::string_view(PQgetvalue(result_, r, c), static_cast<std::size_t>(PQgetlength(result_, r, c)));
        }

    private:
        PGresult* result_;
    };

    PGconn* conn_;
};

// The client's own inserts borrow from the application's pool.
class pool_sessions final : public riverqueue::driver::session_source {
public:
    explicit pool_sessions(pg_pool& pool) : pool_(pool) {}

    void run(bool in_transaction, const std::function<void(riverqueue::driver::session&)>& work) override {
        PGconn* conn = pool_.borrow();
        pool_session session(conn);
        try {
            if (in_transaction) session.query({"BEGIN", {}});
            work(session);
            if (in_transaction) session.query({"COMMIT", {}, false, true});
        } catch (...) {
            if (in_transaction) PQclear(PQexec(conn, "ROLLBACK"));
            pool_.give_back(conn);
            throw;
        }
        pool_.give_back(conn);
    }

private:
    pg_pool& pool_;
};

}  // namespace app
