#include "drivers/libpq_async/pipeline_connection.hpp"

#include <cstring>
#include <system_error>
#include <thread>

#include <boost/asio/post.hpp>

#include <riverqueue/driver.hpp>
#include <riverqueue/errors.hpp>

#include "drivers/libpq/own_connections.hpp"
#include "drivers/libpq/session.hpp"
#include "drivers/libpq/timed_wait.hpp"

namespace riverqueue::libpq_async {
namespace {

bool is_fatal(const PGresult* result) {
    const char* severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
    return severity != nullptr && (std::strcmp(severity, "FATAL") == 0 || std::strcmp(severity, "PANIC") == 0);
}

}  // namespace

void operation::install_cancellation(std::function<void(asio::cancellation_type_t)> on_cancel) {
    if (one) one.on_cancel(std::move(on_cancel));
    else if (many) many.on_cancel(std::move(on_cancel));
    else if (plain) plain.on_cancel(std::move(on_cancel));
    else if (talk) talk->on_cancel(std::move(on_cancel));
}

void operation::complete(std::exception_ptr error, std::vector<insert_result> rows) {
    if (timer) timer->cancel();
    if (one) {
        insert_result first;
        if (!error && !rows.empty()) first = std::move(rows.front());
        else if (!error) error = std::make_exception_ptr(riverqueue::error("insert returned no row"));
        one.complete(error, std::move(first));
        one = {};
    } else if (many) {
        many.complete(error, std::move(rows));
        many = {};
    } else if (plain) {
        plain.complete(error);
        plain = {};
    } else if (talk) {
        talk->complete(error);
    }
}

pipeline_connection::pipeline_connection(asio::any_io_executor executor, std::shared_ptr<const client_config> config,
                                         bool for_transaction)
    : strand_(asio::make_strand(std::move(executor))),
      config_(config),
      for_transaction_(for_transaction),
      socket_(strand_),
      // A completed operation leaves the load; operations queued again go
      // out with the next pump.
      mux_(std::move(config), for_transaction, driver::result_format::binary,
           multiplexer::hooks{[this] { load_.fetch_sub(1, std::memory_order_relaxed); }, [this] { schedule_pump(); }}) {}

pipeline_connection::~pipeline_connection() { close(); }

void pipeline_connection::submit(operation_ptr op) {
    load_.fetch_add(1, std::memory_order_relaxed);
    // Installed here, on the initiating thread, which is where the caller's
    // slot may be emitted from; the cancellation itself runs on the strand.
    op->install_cancellation([weak_self = weak_from_this(), weak_op = std::weak_ptr<operation>(op),
                              strand = strand_](asio::cancellation_type_t type) {
        asio::post(strand, [weak_self, weak_op, type] {
            auto self = weak_self.lock();
            auto target = weak_op.lock();
            if (self && target) self->cancel(target, type, false);
        });
    });
    asio::post(strand_, [self = shared_from_this(), op = std::move(op)]() mutable { self->enqueue(std::move(op)); });
}

void pipeline_connection::shutdown(std::string reason) {
    dead_.store(true, std::memory_order_release);
    asio::post(strand_, [self = shared_from_this(), reason = std::move(reason)] {
        self->closed_ = true;
        self->mux_.fail_pending(reason);
        self->lost(reason);
    });
}

void pipeline_connection::enqueue(operation_ptr op) {
    if (closed_ || (for_transaction_ && dead_.load(std::memory_order_acquire))) {
        mux_.finish(*op, std::make_exception_ptr(connection_error(
                             for_transaction_ ? "the transaction's connection is closed" : "the client is closed", false)));
        return;
    }
    if (op->timeout.count() > 0) {
        op->timer = std::make_unique<asio::steady_timer>(strand_, op->timeout);
        op->timer->async_wait([weak_self = weak_from_this(), weak_op = std::weak_ptr<operation>(op)](
                                  const boost::system::error_code& ec) {
            if (ec) return;
            auto self = weak_self.lock();
            auto target = weak_op.lock();
            if (self && target) self->cancel(target, asio::cancellation_type::terminal, true);
        });
    }
    mux_.push(std::move(op));
    schedule_pump();
}

void pipeline_connection::cancel(const operation_ptr& op, asio::cancellation_type_t type, bool timed_out) {
    // Sent: only terminal cancellation may leave the outcome unknown.
    const bool abandon = timed_out || (type & asio::cancellation_type::terminal) != asio::cancellation_type::none;
    if (mux_.cancel(op, abandon, timed_out, [timed_out](bool may_have_committed) {
            return std::make_exception_ptr(operation_cancelled(timed_out, may_have_committed));
        })) {
        cancel_abandoned();
    }
}

// The statement the multiplexer says no one awaits any more is cancelled on
// the server (multiplexer::server_cancel_due says when and why).
void pipeline_connection::cancel_abandoned() {
    if (conn_ == nullptr || !mux_.server_cancel_due()) return;
    libpq::cancel_ptr cancel(PQgetCancel(conn_));
    if (!cancel) return;
    mux_.server_cancel_sent();
    // PQcancel blocks for a connection to the server and back (libpq 15 has
    // no non-blocking cancel; PQcancelStart came in 17), up to the TCP
    // connect timeout when the server is unreachable, while the strand serves
    // every other operation of this connection. So it runs on a thread of its
    // own: cancels are rare (an operation abandoned after it was sent), and the
    // thread holds only the PGcancel, which does not refer to the connection,
    // so it may outlive the connection and the client. Detached, as nothing
    // needs its outcome: the statement's end, or not, shows on the connection.
    try {
        std::thread([cancel = std::move(cancel)] { libpq::send_cancel(cancel.get()); }).detach();
    } catch (const std::system_error&) {
        // No thread to spare: the statement runs to its end, as without a cancel.
    }
}

// Posted rather than run at once, so that the operations already queued on
// the strand join the next statement.
void pipeline_connection::schedule_pump() {
    if (pump_scheduled_) return;
    pump_scheduled_ = true;
    asio::post(strand_, [self = shared_from_this()] {
        self->pump_scheduled_ = false;
        self->pump();
    });
}

void pipeline_connection::pump() {
    if (!mux_.has_pending() || connecting_) return;
    if (conn_ == nullptr) {
        if (for_transaction_ && generation_ > 0) {
            // The transaction died with its connection: nothing is in flight,
            // what waits fails.
            dead_.store(true, std::memory_order_release);
            mux_.connection_lost("the transaction's connection was lost");
            return;
        }
        start_connect();
        return;
    }
    if (!mux_.awaiting()) {
        // Idle until now, with no read waiting (so that an idle client does
        // not keep its io_context running): notice a connection the server
        // closed meanwhile, and open a new one instead of failing the inserts.
        if (!libpq::idle_connection_alive(conn_)) {
            close();
            pump();
            return;
        }
    }
    while (conn_ != nullptr && mux_.can_send() && !writing_) send_segment();
    if (conn_ == nullptr) return;
    flush();
    if (conn_ != nullptr && mux_.awaiting()) start_read();
}

void pipeline_connection::send_segment() {
    const std::optional<multiplexer::outgoing> out = mux_.take_segment();
    if (out && !send(*out)) lost(error_message());
}

// The segment's statement, as the statement cache said, and its Sync.
bool pipeline_connection::send(const multiplexer::outgoing& out) {
    using how = libpq::prepared_statements::how;
    const std::string text(out.sql);
    const driver::param_arrays params = driver::libpq_param_arrays(out.params);
    const char* const* values = params.values.data();
    const int* lengths = params.lengths_or_null();
    const int* formats = params.formats_or_null();
    const int count = static_cast<int>(params.values.size());
    const int format = libpq::libpq_result_format(out.format);
    bool sent = false;
    switch (out.as.what) {
        case how::unnamed:
            sent = PQsendQueryParams(conn_, text.c_str(), count, nullptr, values, lengths, formats, format) == 1;
            break;
        case how::prepare:
            // Prepared and run in the same segment: a failed prepare aborts its statement.
            if (PQsendPrepare(conn_, out.as.name->c_str(), text.c_str(), count, nullptr) != 1) break;
            [[fallthrough]];
        case how::prepared:
            sent = PQsendQueryPrepared(conn_, out.as.name->c_str(), count, values, lengths, formats, format) == 1;
            break;
    }
    return sent && PQpipelineSync(conn_) == 1;
}

void pipeline_connection::flush() {
    const int status = PQflush(conn_);
    if (status < 0) {
        lost(error_message());
        return;
    }
    if (status == 0 || writing_) return;
    // The kernel buffer is full: wait until the socket takes more. Reading
    // goes on meanwhile, so the server is never blocked on us.
    writing_ = true;
    socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                       [self = shared_from_this(), generation = generation_](const boost::system::error_code& ec) {
                           if (generation != self->generation_ || self->conn_ == nullptr) return;
                           self->writing_ = false;
                           if (ec) {
                               if (ec != asio::error::operation_aborted) self->lost(ec.message());
                               return;
                           }
                           self->flush();
                           if (self->conn_ != nullptr && !self->writing_) self->pump();
                       });
}

void pipeline_connection::start_read() {
    if (reading_ || conn_ == nullptr) return;
    reading_ = true;
    socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                       [self = shared_from_this(), generation = generation_](const boost::system::error_code& ec) {
                           self->on_readable(generation, ec);
                       });
}

void pipeline_connection::on_readable(unsigned generation, const boost::system::error_code& ec) {
    if (generation != generation_ || conn_ == nullptr) return;
    reading_ = false;
    if (ec) {
        if (ec != asio::error::operation_aborted) lost(ec.message());
        return;
    }
    if (PQconsumeInput(conn_) == 0) {
        lost(error_message());
        return;
    }
    process_results();
    if (conn_ == nullptr || generation != generation_) return;
    if (writing_) flush();
    if (conn_ == nullptr) return;
    // Read while answers are awaited; pump() reads again when it sends.
    if (mux_.awaiting()) start_read();
    pump();
}

void pipeline_connection::process_results() {
    int empty_in_a_row = 0;
    while (conn_ != nullptr && mux_.awaiting() && PQisBusy(conn_) == 0) {
        libpq::result_ptr result(PQgetResult(conn_));
        if (!result) {
            // The end of one statement's results; twice means nothing is queued.
            if (++empty_in_a_row == 2) break;
            continue;
        }
        empty_in_a_row = 0;
        if (std::optional<std::string> closing = mux_.on_result(as_pipeline_result(std::move(result)))) {
            lost(*closing);
            return;
        }
    }
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_BAD) {
        lost(error_message());
        return;
    }
    // The next segment may be one whose operations were all abandoned.
    cancel_abandoned();
}

// A libpq result as the multiplexer takes it.
pipeline_result pipeline_connection::as_pipeline_result(libpq::result_ptr result) {
    pipeline_result event;
    switch (PQresultStatus(result.get())) {
        case PGRES_PIPELINE_SYNC:
            event.what = pipeline_result::kind::sync;
            return event;
        case PGRES_PIPELINE_ABORTED:
            event.what = pipeline_result::kind::aborted;
            return event;
        case PGRES_COMMAND_OK:
            event.what = pipeline_result::kind::command_ok;
            if (mux_.answer_checks_commit()) {
                try {
                    libpq::check_committed(result.get());
                } catch (...) {
                    event.error = std::current_exception();
                }
            }
            event.rows = std::make_unique<libpq::result_rows>(std::move(result));
            return event;
        case PGRES_TUPLES_OK:
            event.what = pipeline_result::kind::rows;
            event.rows = std::make_unique<libpq::result_rows>(std::move(result));
            return event;
        default:
            break;
    }
    event.what = pipeline_result::kind::error;
    if (is_fatal(result.get())) {
        // The server is closing this connection (shutdown, terminated backend).
        event.fatal = true;
        const char* text = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
        event.message = text != nullptr ? text : "the server closed the connection";
        return event;
    }
    try {
        libpq::throw_error(conn_, result.get(), mux_.front_may_commit());
    } catch (const database_error& e) {
        event.error = std::current_exception();
        event.sqlstate = e.sqlstate();
    } catch (...) {
        event.error = std::current_exception();
    }
    return event;
}

void pipeline_connection::start_connect() {
    connecting_ = true;
    ++generation_;
    auto attempt = std::make_shared<connect_attempt>(
        strand_, config_->options.conninfo,
        [self = shared_from_this()](PGconn* conn, std::string error) { self->connected(conn, error); });
    attempt_ = attempt;
    attempt->start();
}

void pipeline_connection::connected(PGconn* conn, const std::string& error) {
    connecting_ = false;
    attempt_.reset();
    if (conn == nullptr) {
        connect_failed(error);
        return;
    }
    conn_ = conn;
    boost::system::error_code ec;
    socket_.assign(PQsocket(conn_), ec);
    if (ec) {
        connect_failed(ec.message());
        return;
    }
    mux_.connected(PQserverVersion(conn_));
    pump();
}

void pipeline_connection::connect_failed(const std::string& message) {
    close();
    if (for_transaction_) dead_.store(true, std::memory_order_release);
    // Nothing was sent: the waiting operations fail with nothing committed.
    // The next operation tries to connect again.
    mux_.fail_pending(message);
}

void pipeline_connection::lost(const std::string& message) {
    close();
    connecting_ = false;
    // A transaction's connection is never reopened (the transaction is gone).
    if (for_transaction_) dead_.store(true, std::memory_order_release);
    mux_.connection_lost(message);
    // Operations not sent yet get a new connection.
    if (!for_transaction_ && mux_.has_pending() && !closed_) schedule_pump();
}

void pipeline_connection::close() {
    if (auto attempt = attempt_.lock()) attempt->abandon();
    attempt_.reset();
    if (socket_.is_open()) socket_.release();  // libpq owns the socket
    reading_ = false;
    writing_ = false;
    mux_.connection_closed();
    if (conn_ != nullptr) {
        PQfinish(conn_);
        conn_ = nullptr;
    }
}

std::string pipeline_connection::error_message() const { return connection_message(conn_, config_->options.conninfo); }

}  // namespace riverqueue::libpq_async
