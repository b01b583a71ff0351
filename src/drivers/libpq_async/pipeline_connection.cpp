#include "drivers/libpq_async/pipeline_connection.hpp"

#include <algorithm>
#include <cstring>
#include <system_error>
#include <thread>

#include <boost/asio/post.hpp>

#include <riverqueue/driver.hpp>
#include <riverqueue/errors.hpp>

#include "core/prepared_statement_names.hpp"
#include "core/redact.hpp"
#include "drivers/libpq/job_inserter.hpp"
#include "drivers/libpq/pg_result.hpp"
#include "drivers/libpq/session.hpp"
#include "drivers/libpq/timed_wait.hpp"

namespace riverqueue::libpq_async {
namespace {

// Segments sent and not yet answered. A small number keeps the server busy
// while the next segment is built, and lets the operations that arrive
// meanwhile gather into one statement.
constexpr std::size_t max_in_flight = 4;
// Jobs gathered into one statement at most (a bigger insert_many goes alone).
constexpr std::size_t max_batch_jobs = 1000;
// Prepared statements per connection at most (the insert has a few shapes).
constexpr std::size_t max_prepared = 32;

std::exception_ptr connection_lost(const std::string& message, bool may_have_committed) {
    return std::make_exception_ptr(connection_error(message, may_have_committed));
}

bool is_fatal(const PGresult* result) {
    const char* severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
    return severity != nullptr && (std::strcmp(severity, "FATAL") == 0 || std::strcmp(severity, "PANIC") == 0);
}

}  // namespace

// One statement and its Sync.
struct pipeline_connection::segment {
    std::vector<operation_ptr> ops;
    bool is_insert = false;
    std::vector<core::resolved_job> jobs;  // the ops' jobs, concatenated
    std::vector<std::size_t> offsets;      // where each op's jobs start in `jobs`
    core::batch_plan plan;
    std::vector<std::string> notified;     // queues notified by the statement
    std::string preparing;                 // SQL text prepared in this segment, if any
    bool prepare_answered = false;
    bool is_conversation = false;
    bool checks_commit = false;            // the statement is COMMIT (libpq::check_committed)
    libpq::result_ptr result;              // conversation: the statement's result
    std::optional<std::vector<insert_result>> rows;
    bool succeeded = false;  // statement: its command completed
    std::exception_ptr error;
    bool database_error = false;
    bool cancelled_on_server = false;  // the error is SQLSTATE 57014
    bool cancel_requested = false;     // we asked the server to cancel it
};

void operation::install_cancellation(std::function<void(asio::cancellation_type_t)> on_cancel) {
    if (one) one->on_cancel(std::move(on_cancel));
    else if (many) many->on_cancel(std::move(on_cancel));
    else if (plain) plain->on_cancel(std::move(on_cancel));
    else if (talk) talk->on_cancel(std::move(on_cancel));
}

void operation::complete(std::exception_ptr error, std::vector<insert_result> rows) {
    if (one) {
        insert_result first;
        if (!error && !rows.empty()) first = std::move(rows.front());
        else if (!error) error = std::make_exception_ptr(riverqueue::error("insert returned no row"));
        one->complete(error, std::move(first));
        one.reset();
    } else if (many) {
        many->complete(error, std::move(rows));
        many.reset();
    } else if (plain) {
        plain->complete(error);
        plain.reset();
    } else if (talk) {
        talk->complete(error);
    }
}

pipeline_connection::pipeline_connection(asio::any_io_executor executor, std::shared_ptr<const client_config> config,
                                         bool for_transaction)
    : strand_(asio::make_strand(std::move(executor))),
      config_(std::move(config)),
      for_transaction_(for_transaction),
      socket_(strand_) {}

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
        auto pending = std::move(self->pending_);
        self->pending_.clear();
        for (auto& op : pending) self->finish(op, connection_lost(reason, false));
        self->lost(reason);
    });
}

void pipeline_connection::enqueue(operation_ptr op) {
    if (closed_ || (for_transaction_ && dead_.load(std::memory_order_acquire))) {
        finish(op, connection_lost(for_transaction_ ? "the transaction's connection is closed" : "the client is closed",
                                   false));
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
    pending_.push_back(std::move(op));
    schedule_pump();
}

void pipeline_connection::cancel(const operation_ptr& op, asio::cancellation_type_t type, bool timed_out) {
    if (op->done) return;
    if (!op->sent) {
        pending_.erase(std::remove(pending_.begin(), pending_.end(), op), pending_.end());
        finish(op, std::make_exception_ptr(operation_cancelled(timed_out, false)));
        return;
    }
    // Sent: only terminal cancellation may leave the outcome unknown.
    if (timed_out || (type & asio::cancellation_type::terminal) != asio::cancellation_type::none) {
        finish(op, std::make_exception_ptr(operation_cancelled(timed_out, op->may_commit)));
        op->timed_out_after_send = timed_out;
        cancel_abandoned();
    }
}

// A statement that timed out and that no operation awaits any more (each
// timed out or was cancelled after it was sent) is cancelled on the server,
// which would otherwise run it to its end: behind a lock, for as long as the
// lock is held, with this connection's later statements queued behind it.
// Not for a terminal cancellation alone: that is the caller giving up its
// wait, and the statement goes on (async_client.hpp). Only the oldest
// segment's, and only once it is running: the server runs a connection's
// statements in order, and a cancel request stops whichever runs when it
// arrives. Not in a transaction: there the cancel would abort the caller's
// transaction, whose COMMIT PostgreSQL then answers with a ROLLBACK that is no
// error, so a caller who commits after a timeout would lose its other
// inserts without being told.
void pipeline_connection::cancel_abandoned() {
    if (for_transaction_ || conn_ == nullptr || in_flight_.empty()) return;
    segment& oldest = *in_flight_.front();
    const bool answered = oldest.rows || oldest.error || oldest.succeeded;
    if (answered || oldest.cancel_requested ||
        !std::all_of(oldest.ops.begin(), oldest.ops.end(), [](const operation_ptr& op) { return op->done; }) ||
        std::none_of(oldest.ops.begin(), oldest.ops.end(),
                     [](const operation_ptr& op) { return op->timed_out_after_send; })) {
        return;
    }
    libpq::cancel_ptr cancel(PQgetCancel(conn_));
    if (!cancel) return;
    oldest.cancel_requested = true;
    cancel_sent_ = true;
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

// A cancel request sent for a statement that ended meanwhile may stop the
// next one instead. PostgreSQL rolled that segment back (each segment is its
// own implicit transaction), so its operations are sent again, once: a second
// 57014 is the server's own (its statement_timeout) and is reported.
bool pipeline_connection::stray_cancel(const segment& seg) const {
    if (!seg.cancelled_on_server || seg.cancel_requested || !cancel_sent_ || for_transaction_) return false;
    return std::none_of(seg.ops.begin(), seg.ops.end(),
                        [](const operation_ptr& op) { return !op->done && op->resent_after_cancel; });
}

void pipeline_connection::finish(const operation_ptr& op, std::exception_ptr error, std::vector<insert_result> rows) {
    if (op->done) return;
    op->done = true;
    if (op->timer) op->timer->cancel();
    load_.fetch_sub(1, std::memory_order_relaxed);
    op->complete(std::move(error), std::move(rows));
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
    if (pending_.empty() || connecting_) return;
    if (conn_ == nullptr) {
        if (for_transaction_ && generation_ > 0) {
            // The transaction died with its connection.
            dead_.store(true, std::memory_order_release);
            auto pending = std::move(pending_);
            pending_.clear();
            for (auto& op : pending) finish(op, connection_lost("the transaction's connection was lost", false));
            return;
        }
        start_connect();
        return;
    }
    if (in_flight_.empty()) {
        // Idle until now, with no read waiting (so that an idle client does
        // not keep its io_context running): notice a connection the server
        // closed meanwhile, and open a new one instead of failing the inserts.
        if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) == CONNECTION_BAD) {
            close();
            pump();
            return;
        }
    }
    while (conn_ != nullptr && !pending_.empty() && in_flight_.size() < max_in_flight && !writing_) send_segment();
    if (conn_ == nullptr) return;
    flush();
    if (conn_ != nullptr && !in_flight_.empty()) start_read();
}

void pipeline_connection::send_segment() {
    auto seg = std::make_unique<segment>();
    const auto take = [&] {
        operation_ptr op = std::move(pending_.front());
        pending_.pop_front();
        op->sent = true;
        seg->ops.push_back(std::move(op));
    };
    take();
    const operation& first = *seg->ops.front();
    if (first.what == operation::type::conversation) {
        seg->is_conversation = true;
        if (!send_conversation_step(*seg)) return;
    } else {
        seg->is_insert = first.what != operation::type::statement;
        if (seg->is_insert && !first.solo && !for_transaction_) {
            std::size_t jobs = first.jobs.size();
            while (!pending_.empty() && pending_.front()->what != operation::type::statement &&
                   pending_.front()->what != operation::type::conversation && !pending_.front()->solo &&
                   jobs + pending_.front()->jobs.size() <= max_batch_jobs) {
                jobs += pending_.front()->jobs.size();
                take();
            }
        }
    }

    bool ok = true;
    if (seg->is_conversation) {
        const driver::statement& statement = seg->ops.front()->next->statement;
        seg->checks_commit = statement.sql == "COMMIT";
        ok = send_query(statement.sql, statement.params, statement.repeated, *seg);
    } else if (seg->is_insert) {
        for (const auto& op : seg->ops) {
            seg->offsets.push_back(seg->jobs.size());
            seg->jobs.insert(seg->jobs.end(), op->jobs.begin(), op->jobs.end());
        }
        seg->plan = core::plan_batch(seg->jobs);
        const client_options& options = config_->options;
        if (options.notify) {
            seg->notified = config_->limiter.take(core::queues_to_notify(seg->jobs), core::notify_limiter::clock::now());
            for (const auto& op : seg->ops) {
                for (const auto& queue : op->forced_notify) {
                    if (std::find(seg->notified.begin(), seg->notified.end(), queue) == seg->notified.end()) {
                        seg->notified.push_back(queue);
                    }
                }
            }
        }
        const core::sql_statement statement =
            core::build_insert(options.schema, seg->plan.to_send, seg->notified, detection_);
        ok = send_query(statement.sql, statement.params, true, *seg);
    } else {
        seg->checks_commit = first.sql == "COMMIT";
        ok = send_query(first.sql, {}, false, *seg);
    }
    ok = ok && PQpipelineSync(conn_) == 1;
    in_flight_.push_back(std::move(seg));
    if (!ok) lost(error_message());
}

// Starts the conversation if it has not started, and readies its next
// request; false when there is nothing to send (it finished, or asked for
// what a pipeline cannot do), the operation then being complete.
bool pipeline_connection::send_conversation_step(segment& seg) {
    const operation_ptr& op = seg.ops.front();
    try {
        if (!op->started) {
            op->started = true;
            op->next = op->talk->start(core::ops::session_facts{driver::result_format::binary, server_version_,
                                                                for_transaction_, false});
        }
        if (op->next != nullptr && op->next->what != core::ops::request::kind::query) {
            throw riverqueue::error("COPY cannot run on the asynchronous client's pipelined connections");
        }
    } catch (...) {
        finish(op, std::current_exception());
        return false;
    }
    if (op->next == nullptr) {
        finish(op, nullptr);
        return false;
    }
    op->may_commit = op->next->statement.commits_itself;
    return true;
}

// Sends one statement, its rows in binary. A repeated statement (an insert
// shape) is prepared once per connection when prepared statements are on.
bool pipeline_connection::send_query(std::string_view sql, std::span<const std::optional<std::string>> params,
                                     bool repeated, segment& seg) {
    const std::string text(sql);
    const std::vector<const char*> values = driver::param_c_strings(params);
    const int count = static_cast<int>(values.size());
    if (!repeated || !config_->options.prepared_statements) {
        return PQsendQueryParams(conn_, text.c_str(), count, nullptr, values.data(), nullptr, nullptr, 1) == 1;
    }
    auto found = prepared_.find(text);
    if (found == prepared_.end() && prepared_.size() < max_prepared) {
        prepared& entry = prepared_[text];
        entry.name = core::prepared_statement_name(text);
        seg.preparing = text;
        return PQsendPrepare(conn_, entry.name.c_str(), text.c_str(), count, nullptr) == 1 &&
               PQsendQueryPrepared(conn_, entry.name.c_str(), count, values.data(), nullptr, nullptr, 1) == 1;
    }
    if (found != prepared_.end() && found->second.ready) {
        return PQsendQueryPrepared(conn_, found->second.name.c_str(), count, values.data(), nullptr, nullptr, 1) == 1;
    }
    // Being prepared by a segment still in flight, or too many shapes: unnamed.
    return PQsendQueryParams(conn_, text.c_str(), count, nullptr, values.data(), nullptr, nullptr, 1) == 1;
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
    if (!in_flight_.empty()) start_read();
    pump();
}

void pipeline_connection::process_results() {
    int empty_in_a_row = 0;
    while (conn_ != nullptr && !in_flight_.empty() && PQisBusy(conn_) == 0) {
        libpq::result_ptr result(PQgetResult(conn_));
        if (!result) {
            // The end of one statement's results; twice means nothing is queued.
            if (++empty_in_a_row == 2) break;
            continue;
        }
        empty_in_a_row = 0;
        segment& seg = *in_flight_.front();
        const ExecStatusType status = PQresultStatus(result.get());
        switch (status) {
            case PGRES_PIPELINE_SYNC: {
                std::unique_ptr<segment> done = std::move(in_flight_.front());
                in_flight_.pop_front();
                finish_segment(*done);
                break;
            }
            case PGRES_PIPELINE_ABORTED:
                break;
            case PGRES_COMMAND_OK:
                if (!seg.preparing.empty() && !seg.prepare_answered) {
                    seg.prepare_answered = true;
                    if (auto it = prepared_.find(seg.preparing); it != prepared_.end()) it->second.ready = true;
                } else if (seg.checks_commit) {
                    try {
                        libpq::check_committed(result.get());
                        seg.succeeded = true;
                    } catch (...) {
                        seg.error = std::current_exception();
                    }
                } else {
                    seg.succeeded = true;
                }
                if (seg.is_conversation && seg.succeeded) seg.result = std::move(result);
                break;
            case PGRES_TUPLES_OK:
                if (seg.is_insert && !seg.error) {
                    try {
                        seg.rows = libpq::decode_insert_rows(result.get());
                    } catch (...) {
                        seg.error = std::current_exception();
                    }
                } else {
                    seg.succeeded = true;
                    if (seg.is_conversation) seg.result = std::move(result);
                }
                break;
            default: {
                if (!seg.preparing.empty() && !seg.prepare_answered) {
                    seg.prepare_answered = true;
                    prepared_.erase(seg.preparing);
                }
                if (is_fatal(result.get())) {
                    // The server is closing this connection (shutdown, terminated backend).
                    const char* text = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
                    lost(text != nullptr ? text : "the server closed the connection");
                    return;
                }
                if (!seg.error) {
                    const bool may_commit = std::any_of(seg.ops.begin(), seg.ops.end(),
                                                        [](const operation_ptr& op) { return op->may_commit; });
                    try {
                        libpq::throw_error(conn_, result.get(), may_commit);
                    } catch (const database_error& e) {
                        seg.error = std::current_exception();
                        seg.database_error = true;
                        seg.cancelled_on_server = e.sqlstate() == "57014";
                    } catch (...) {
                        seg.error = std::current_exception();
                    }
                }
                break;
            }
        }
    }
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_BAD) {
        lost(error_message());
        return;
    }
    // The next segment may be one whose operations were all abandoned.
    cancel_abandoned();
}

// Nothing of the segment's statement was committed: its operations are sent
// again (each on its own when `alone`), ahead of the others, still notifying
// the queues the failed statement was to notify.
void pipeline_connection::send_again(segment& seg, bool alone) {
    for (auto it = seg.ops.rbegin(); it != seg.ops.rend(); ++it) {
        const operation_ptr& op = *it;
        if (op->done) continue;
        op->sent = false;
        op->solo = op->solo || alone;
        for (const auto& job : op->jobs) {
            if (job.state == job_state::available &&
                std::find(seg.notified.begin(), seg.notified.end(), job.queue) != seg.notified.end() &&
                std::find(op->forced_notify.begin(), op->forced_notify.end(), job.queue) == op->forced_notify.end()) {
                op->forced_notify.push_back(job.queue);
            }
        }
        pending_.push_front(op);
    }
    schedule_pump();
}

void pipeline_connection::finish_segment(segment& seg) {
    if (seg.error) {
        if (stray_cancel(seg)) {
            for (const auto& op : seg.ops) op->resent_after_cancel = true;
            send_again(seg, false);
            return;
        }
        if (seg.is_conversation) {
            resume_conversation(seg);
            return;
        }
        const bool retry_alone = seg.is_insert && seg.ops.size() > 1 && seg.database_error;
        if (!retry_alone) {
            for (const auto& op : seg.ops) finish(op, seg.error);
            return;
        }
        send_again(seg, true);
        return;
    }
    if (seg.is_conversation) {
        resume_conversation(seg);
        return;
    }
    if (!seg.is_insert) {
        for (const auto& op : seg.ops) finish(op, seg.succeeded ? nullptr : std::make_exception_ptr(riverqueue::error("no result")));
        return;
    }
    std::vector<insert_result> results;
    try {
        if (!seg.rows) throw riverqueue::error("the insert returned no rows");
        results = core::assemble_results(seg.plan, std::move(*seg.rows));
    } catch (...) {
        const auto error = std::current_exception();
        for (const auto& op : seg.ops) finish(op, error);
        return;
    }
    for (std::size_t i = 0; i < seg.ops.size(); ++i) {
        const std::size_t begin = seg.offsets[i];
        const std::size_t end = i + 1 < seg.ops.size() ? seg.offsets[i + 1] : results.size();
        std::vector<insert_result> mine(std::make_move_iterator(results.begin() + static_cast<std::ptrdiff_t>(begin)),
                                        std::make_move_iterator(results.begin() + static_cast<std::ptrdiff_t>(end)));
        finish(seg.ops[i], nullptr, std::move(mine));
    }
}

// Hands the statement's outcome to its conversation, and queues its next
// request ahead of the others (a conversation's steps follow each other).
void pipeline_connection::resume_conversation(segment& seg) {
    const operation_ptr& op = seg.ops.front();
    if (op->done) return;  // cancelled or timed out meanwhile
    core::ops::reply answer;
    if (seg.error) answer.error = seg.error;
    else if (seg.result) answer.rows = std::make_unique<libpq::result_rows>(std::move(seg.result));
    else answer.error = std::make_exception_ptr(riverqueue::error("no result"));
    op->next = op->talk->resume(std::move(answer));
    if (op->next == nullptr) {
        finish(op, nullptr);
        return;
    }
    op->sent = false;
    op->solo = true;
    pending_.push_front(op);
    schedule_pump();
}

void pipeline_connection::start_connect() {
    connecting_ = true;
    ++generation_;
    conn_ = PQconnectStart(config_->options.conninfo.c_str());
    if (conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD) {
        connect_failed(error_message());
        return;
    }
    connect_wait(PGRES_POLLING_WRITING);
}

void pipeline_connection::connect_wait(PostgresPollingStatusType status) {
    // libpq may open a new socket while connecting (another host, another
    // encryption attempt), possibly under the old number: register it afresh.
    boost::system::error_code ignored;
    if (socket_.is_open()) socket_.release();
    const int fd = PQsocket(conn_);
    if (fd < 0) {
        connect_failed(error_message());
        return;
    }
    socket_.assign(fd, ignored);
    if (ignored) {
        connect_failed(ignored.message());
        return;
    }
    socket_.async_wait(
        status == PGRES_POLLING_READING ? asio::posix::stream_descriptor::wait_read : asio::posix::stream_descriptor::wait_write,
        [self = shared_from_this(), generation = generation_](const boost::system::error_code& ec) {
            self->connect_step(generation, ec);
        });
}

void pipeline_connection::connect_step(unsigned generation, const boost::system::error_code& ec) {
    if (generation != generation_ || !connecting_ || conn_ == nullptr) return;
    if (ec) {
        connect_failed(ec.message());
        return;
    }
    switch (PQconnectPoll(conn_)) {
        case PGRES_POLLING_OK:
            break;
        case PGRES_POLLING_READING:
            connect_wait(PGRES_POLLING_READING);
            return;
        case PGRES_POLLING_WRITING:
            connect_wait(PGRES_POLLING_WRITING);
            return;
        default:
            connect_failed(error_message());
            return;
    }
    if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) {
        connect_failed(error_message());
        return;
    }
    if (const int fd = PQsocket(conn_); fd != socket_.native_handle()) {
        connect_wait(PGRES_POLLING_READING);  // unreachable in practice; re-register
        return;
    }
    server_version_ = PQserverVersion(conn_);
    detection_ = core::duplicate_detection_for_server(server_version_);
    connecting_ = false;
    pump();
}

void pipeline_connection::connect_failed(const std::string& message) {
    connecting_ = false;
    close();
    if (for_transaction_) dead_.store(true, std::memory_order_release);
    // Nothing was sent: the waiting operations fail with nothing committed.
    // The next operation tries to connect again.
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& op : pending) finish(op, connection_lost(message, false));
}

void pipeline_connection::lost(const std::string& message) {
    close();
    connecting_ = false;
    auto in_flight = std::move(in_flight_);
    in_flight_.clear();
    for (auto& seg : in_flight) {
        for (auto& op : seg->ops) finish(op, connection_lost(message, op->may_commit));
    }
    if (for_transaction_) {
        dead_.store(true, std::memory_order_release);
        auto pending = std::move(pending_);
        pending_.clear();
        for (auto& op : pending) finish(op, connection_lost("the transaction's connection was lost", false));
        return;
    }
    // Operations not sent yet get a new connection.
    if (!pending_.empty() && !closed_) schedule_pump();
}

void pipeline_connection::close() {
    if (socket_.is_open()) socket_.release();  // libpq owns the socket
    reading_ = false;
    writing_ = false;
    cancel_sent_ = false;
    prepared_.clear();
    if (conn_ != nullptr) {
        PQfinish(conn_);
        conn_ = nullptr;
    }
}

std::string pipeline_connection::error_message() const {
    std::string message = conn_ != nullptr ? PQerrorMessage(conn_) : "connection lost";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    // libpq may echo the password bare, where only the conninfo tells it is one.
    return message.empty() ? std::string("connection lost") : core::redact_passwords(message, config_->options.conninfo);
}

}  // namespace riverqueue::libpq_async
