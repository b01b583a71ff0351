// The libpq driver: a driver::session over one PGconn, and the pool the client
// borrows its own connections from.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <string>

#include <riverqueue/driver.hpp>

#include "drivers/libpq/connection_pool.hpp"
#include "drivers/libpq/pg_result.hpp"
#include "drivers/libpq/prepared_statements.hpp"

namespace riverqueue::libpq {

// Rows of a PGresult, owned or borrowed, in the format they were asked for.
class result_rows final : public driver::rows {
public:
    explicit result_rows(result_ptr owned) noexcept : result_(owned.get()), owned_(std::move(owned)) {}
    explicit result_rows(const PGresult* borrowed) noexcept : result_(borrowed) {}
    std::size_t row_count() const override;
    std::size_t column_count() const override;
    std::optional<std::string_view> cell(std::size_t row, std::size_t column) const override;

private:
    const PGresult* result_;
    result_ptr owned_;
};

// Binary results; COPY through libpq's copy functions. With `statements`
// (the library's own pooled connections), repeated statements are prepared
// once per connection; a caller's connection is left without prepared
// statements. A non-zero `statement_timeout` bounds the wait for each
// statement, COPY included (timed_wait.hpp).
class session final : public driver::session {
public:
    explicit session(PGconn* conn, prepared_statements* statements = nullptr,
                     std::chrono::milliseconds statement_timeout = {}) noexcept
        : conn_(conn), statements_(statements), timeout_(statement_timeout) {}

    driver::result_format format() const noexcept override { return driver::result_format::binary; }
    bool takes_binary_params() const noexcept override { return true; }
    int server_version() override;
    bool in_transaction() override;
    std::unique_ptr<driver::rows> query(const driver::statement& stmt) override;
    void execute(std::string_view sql) override;
    bool supports_copy() const noexcept override { return true; }
    void copy_begin(std::string_view copy_sql) override;
    void copy_write(std::string_view data) override;
    std::uint64_t copy_end() override;
    void copy_abort() noexcept override;

    // The most parameter bytes one statement sent through this session.
    std::size_t largest_statement_bytes() const noexcept { return largest_statement_bytes_; }
    // A prepared statement's plan went stale on the server (the schema was
    // dropped under the client): the connection's other prepared statements
    // may be too, so it should be closed rather than reused.
    bool prepared_statements_stale() const noexcept { return prepared_statements_stale_; }

private:
    PGconn* conn_;
    prepared_statements* statements_;
    std::chrono::milliseconds timeout_;
    std::size_t largest_statement_bytes_ = 0;
    bool prepared_statements_stale_ = false;
};

// The client's default session source: a pool of connections it opens itself.
class pool_source final : public driver::session_source {
public:
    // With `prepare` false, statements are sent unnamed (poolers in
    // transaction mode); `statement_timeout` as for session, BEGIN and
    // COMMIT included.
    pool_source(std::string conninfo, std::size_t max_size, bool prepare, std::chrono::milliseconds statement_timeout)
        : pool_(std::move(conninfo), max_size), prepare_(prepare), timeout_(statement_timeout) {}
    void run(bool in_transaction, const std::function<void(driver::session&)>& work) override;

    // A connection is closed when its work ends, instead of going back to the
    // pool, when `used` says so (below, and stale prepared statements).
    static bool retire_after(const session& used) noexcept;

    // libpq grows a connection's send and receive buffers to the largest
    // message it has carried and never shrinks them: a connection that sent
    // a statement larger than this (a job with very large args, whose row
    // also came back) is closed when its work ends, so that a pool does not
    // keep that memory for its lifetime. The next work opens a new one.
    static constexpr std::size_t retire_after_statement_bytes = std::size_t{16} << 20;

private:
    connection_pool pool_;
    bool prepare_;
    std::chrono::milliseconds timeout_;
};

}  // namespace riverqueue::libpq
