// The pipeline's logic without its I/O, in the shape of Boost.Redis's
// detail::multiplexer: the operations waiting for a connection, the segments
// sent and not yet answered, and what each result means for them. It never
// touches libpq or Asio; its transport (pipeline_connection.cpp) sends what
// take_segment() returns, hands every result it reads to on_result(), and
// reports cancellation and connection loss. So every rule below is unit-tested
// without a server (tests/unit/pipeline_multiplexer_test.cpp).
//
// A segment is one statement and its Sync, so that an error aborts only that
// segment. Inserts waiting together are gathered into one statement (the
// core's batch insert); when PostgreSQL rejects such a statement its
// operations are sent again one by one, so that each gets its own outcome.
// A core operation (core/ops) runs as a conversation: each statement it asks
// for is a segment of its own, and the answer resumes it.
//
// Not thread-safe: its transport calls it from one strand.
#pragma once

#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/client_options.hpp>
#include <riverqueue/driver.hpp>
#include <riverqueue/job_row.hpp>

#include "core/insert_params.hpp"
#include "core/insert_sql.hpp"
#include "core/notify_limiter.hpp"
#include "core/ops/operation.hpp"
#include "drivers/libpq/prepared_statements.hpp"

namespace riverqueue::libpq_async {

// What the connections of one client share; immutable but for the limiter,
// which is thread-safe.
struct client_config {
    explicit client_config(client_options opts) : options(std::move(opts)), limiter(options.notify_cooldown) {}

    client_options options;
    mutable core::notify_limiter limiter;
};

// An operation as the multiplexer sees it. Its transport derives from it to
// hold the caller's completion (pipeline_connection.hpp's `operation`).
class pipeline_op {
public:
    enum class type { insert, insert_many, statement, conversation };

    virtual ~pipeline_op() = default;

    type what = type::insert;
    std::vector<core::resolved_job> jobs;  // insert, insert_many
    std::string sql;                       // statement
    // Whether a connection lost after sending it leaves its outcome unknown
    // (false inside a transaction, except for COMMIT; a conversation's is its
    // current step's).
    bool may_commit = true;

    // A conversation's steps: start() makes the operation with the
    // connection's facts and runs it to its first request, resume() answers
    // the last request; each returns the next request, or nullptr when the
    // operation needs no more.
    virtual const core::ops::request* start(const core::ops::session_facts& facts) = 0;
    virtual const core::ops::request* resume(core::ops::reply answer) = 0;
    // Completes the caller's handler, once: with `error`, else with the
    // inserted rows (insert, insert_many) or the conversation's own outcome.
    virtual void complete(std::exception_ptr error, std::vector<insert_result> rows) = 0;

    // The multiplexer's state.
    const core::ops::request* next = nullptr;  // conversation: the request to send next
    bool started = false;                      // conversation: start() was called
    bool sent = false;
    bool done = false;
    bool solo = false;                       // never gathered with others
    bool resent_after_cancel = false;        // sent again once after a stray cancel (stray_cancel)
    bool resent_after_stale_plan = false;    // sent again once, unnamed, after a stale plan
    bool timed_out_after_send = false;       // its statement is to be cancelled on the server
    std::vector<std::string> forced_notify;  // queues to notify without the limiter (after a retry)
};
using pipeline_op_ptr = std::shared_ptr<pipeline_op>;

// One result the transport read, in the order the server sent them.
struct pipeline_result {
    enum class kind {
        rows,        // a statement's rows (PGRES_TUPLES_OK)
        command_ok,  // a command completed, or a prepare (PGRES_COMMAND_OK)
        error,       // the statement, or its prepare, failed
        aborted,     // not run: an earlier statement of the segment failed (PGRES_PIPELINE_ABORTED)
        sync,        // the segment's end (PGRES_PIPELINE_SYNC)
    };
    kind what = kind::sync;
    std::unique_ptr<driver::rows> rows;  // rows, command_ok
    // error: what the statement failed with. command_ok: set when a COMMIT
    // (answer_checks_commit) rolled back instead (libpq::check_committed).
    std::exception_ptr error;
    std::string sqlstate;  // error: set when PostgreSQL refused the statement (a database_error)
    bool fatal = false;    // error: the server is closing the connection (severity FATAL or PANIC)
    std::string message;   // fatal: why
};

class multiplexer {
public:
    // Segments sent and not yet answered at most. A small number keeps the
    // server busy while the next segment is built, and lets the operations
    // that arrive meanwhile gather into one statement.
    static constexpr std::size_t max_in_flight = 4;
    // Jobs gathered into one statement at most (a bigger insert_many goes alone).
    static constexpr std::size_t max_batch_jobs = 1000;

    // What the transport is told of.
    struct hooks {
        std::function<void()> finished;  // an operation completed (the transport counts its load)
        std::function<void()> requeued;  // operations were queued again, to be sent
    };

    // What to send for one segment: the statement, as the statement cache
    // says, then a Sync. Valid until the segment is answered.
    struct outgoing {
        std::string_view sql;
        std::span<const driver::param> params;
        libpq::prepared_statements::use as;
        driver::result_format format = driver::result_format::binary;
    };

    // In a transaction's multiplexer every operation is sent on its own and
    // a lost connection fails what waits (the transaction is gone). `format`
    // is the rows' format, binary on libpq (text in tests).
    multiplexer(std::shared_ptr<const client_config> config, bool for_transaction, driver::result_format format,
                hooks on);
    ~multiplexer();
    multiplexer(const multiplexer&) = delete;
    multiplexer& operator=(const multiplexer&) = delete;

    // Queues an operation to be sent.
    void push(pipeline_op_ptr op);
    // Completes `op` once (nothing happens to an operation already done).
    void finish(pipeline_op& op, std::exception_ptr error, std::vector<insert_result> rows = {});
    // Fails every waiting operation with connection_error(message), nothing
    // of them committed.
    void fail_pending(const std::string& message);

    bool has_pending() const noexcept { return !pending_.empty(); }
    bool awaiting() const noexcept { return !in_flight_.empty(); }
    bool can_send() const noexcept { return !pending_.empty() && in_flight_.size() < max_in_flight; }
    // The next segment, now in flight; std::nullopt when there is none to
    // send (see can_send), or when its operation completed without sending
    // anything (a conversation that finished or asked for what a pipeline
    // cannot do).
    std::optional<outgoing> take_segment();

    // For the transport's reading of a result of the oldest segment: whether
    // a COMMAND_OK now is a COMMIT's to check, and whether a connection lost
    // now may leave the segment's statement committed.
    bool answer_checks_commit() const noexcept;
    bool front_may_commit() const noexcept;
    // Routes the next result to the oldest segment's operations. Returns the
    // reason when the server is closing the connection (the transport then
    // reports the loss).
    std::optional<std::string> on_result(pipeline_result result);

    // Cancels `op`. One not sent yet is withdrawn, failing with
    // make_error(false). One sent is abandoned only when `abandon` (the
    // caller stops waiting for an outcome still to come), failing with
    // make_error(its may_commit), its statement then going on or, when
    // `timed_out`, to be cancelled on the server (server_cancel_due). Returns
    // whether it was abandoned after it was sent.
    bool cancel(const pipeline_op_ptr& op, bool abandon, bool timed_out,
                const std::function<std::exception_ptr(bool may_have_committed)>& make_error);
    // Whether to send the server a cancel request for the oldest segment's
    // statement now, and that one was sent.
    bool server_cancel_due() const noexcept;
    void server_cancel_sent() noexcept;

    // The connection is up on a server of this version.
    void connected(int server_version) noexcept;
    // The connection is closed: its prepared statements and cancel requests
    // go with it.
    void connection_closed() noexcept;
    // The connection was lost: what was sent fails with connection_error,
    // may_have_committed as each operation could have committed. What waits
    // is sent on a new connection, except in a transaction, where it fails.
    void connection_lost(const std::string& message);

private:
    struct segment;

    bool ready_conversation_step(segment& seg);
    outgoing send_as(std::string_view sql, std::span<const driver::param> params, bool repeated,
                     segment& seg);
    bool stray_cancel(const segment& seg) const;
    void send_again(segment& seg, bool alone);
    void finish_segment(segment& seg);
    void finish_inserts(segment& seg);
    void resume_conversation(segment& seg);

    std::shared_ptr<const client_config> config_;
    const bool for_transaction_;
    const driver::result_format format_;
    // The pipelined connections are libpq's, which send binary parameters.
    static constexpr bool binary_params_ = true;
    hooks hooks_;
    core::duplicate_detection detection_ = core::duplicate_detection::xmax;
    int server_version_ = 0;
    bool cancel_sent_ = false;  // a cancel request went out on this connection
    std::deque<pipeline_op_ptr> pending_;
    std::deque<std::unique_ptr<segment>> in_flight_;
    libpq::prepared_statements statements_;
    bool statements_stale_ = false;  // a prepared plan went stale: send unnamed until reconnected
};

}  // namespace riverqueue::libpq_async
