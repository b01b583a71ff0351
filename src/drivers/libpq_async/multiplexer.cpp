#include "drivers/libpq_async/multiplexer.hpp"

#include <algorithm>
#include <iterator>

#include <riverqueue/errors.hpp>

#include "core/insert_batch.hpp"
#include "core/missing_schema.hpp"
#include "core/prepared_statement_names.hpp"
#include "core/row_decoder.hpp"

namespace riverqueue::libpq_async {
namespace {

std::exception_ptr lost_error(const std::string& message, bool may_have_committed) {
    return std::make_exception_ptr(connection_error(message, may_have_committed));
}

// Whether a statement's error is a stale prepared plan (core::prepared_plan_stale).
bool stale_plan_error(const pipeline_result& result) {
    if (result.sqlstate.empty() || !result.error) return false;
    try {
        std::rethrow_exception(result.error);
    } catch (const database_error& e) {
        return core::prepared_plan_stale(e.sqlstate(), e.message());
    } catch (...) {
        return false;
    }
}

}  // namespace

// One statement and its Sync.
struct multiplexer::segment {
    std::vector<pipeline_op_ptr> ops;
    bool is_insert = false;
    std::vector<core::resolved_job> jobs;  // the ops' jobs, concatenated
    std::vector<std::size_t> offsets;      // where each op's jobs start in `jobs`
    core::batch_plan plan;
    std::vector<std::string> notified;     // queues notified by the statement
    core::sql_statement insert;            // the gathered insert, sent from here
    std::string preparing;                 // SQL text prepared in this segment, if any
    bool prepare_answered = false;
    bool is_conversation = false;
    bool checks_commit = false;              // the statement is COMMIT (libpq::check_committed)
    std::unique_ptr<driver::rows> result;    // conversation: the statement's result
    std::optional<std::vector<insert_result>> rows;
    bool succeeded = false;  // statement: its command completed
    std::exception_ptr error;
    bool database_error = false;
    bool cancelled_on_server = false;  // the error is SQLSTATE 57014
    bool cancel_requested = false;     // we asked the server to cancel it
    bool sent_prepared = false;        // the statement went by a prepared name
    bool stale_plan = false;           // ... and failed because its plan is stale
};

multiplexer::multiplexer(std::shared_ptr<const client_config> config, bool for_transaction,
                         driver::result_format format, hooks on)
    : config_(std::move(config)), for_transaction_(for_transaction), format_(format), hooks_(std::move(on)) {}

multiplexer::~multiplexer() = default;

void multiplexer::push(pipeline_op_ptr op) { pending_.push_back(std::move(op)); }

void multiplexer::finish(pipeline_op& op, std::exception_ptr error, std::vector<insert_result> rows) {
    if (op.done) return;
    op.done = true;
    if (hooks_.finished) hooks_.finished();
    // A missing River table or schema is said as such, as by the client.
    op.complete(core::naming_missing_schema(config_->options.schema, std::move(error)), std::move(rows));
}

void multiplexer::fail_pending(const std::string& message) {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& op : pending) finish(*op, lost_error(message, false));
}

std::optional<multiplexer::outgoing> multiplexer::take_segment() {
    if (!can_send()) return std::nullopt;
    auto seg = std::make_unique<segment>();
    const auto take = [&] {
        pipeline_op_ptr op = std::move(pending_.front());
        pending_.pop_front();
        op->sent = true;
        seg->ops.push_back(std::move(op));
    };
    take();
    const pipeline_op& first = *seg->ops.front();
    if (first.what == pipeline_op::type::conversation) {
        seg->is_conversation = true;
        if (!ready_conversation_step(*seg)) return std::nullopt;
    } else {
        seg->is_insert = first.what != pipeline_op::type::statement;
        if (seg->is_insert && !first.solo && !for_transaction_) {
            std::size_t jobs = first.jobs.size();
            while (!pending_.empty() && pending_.front()->what != pipeline_op::type::statement &&
                   pending_.front()->what != pipeline_op::type::conversation && !pending_.front()->solo &&
                   jobs + pending_.front()->jobs.size() <= max_batch_jobs) {
                jobs += pending_.front()->jobs.size();
                take();
            }
        }
    }

    outgoing out;
    if (seg->is_conversation) {
        const driver::statement& statement = seg->ops.front()->next->statement;
        seg->checks_commit = statement.sql == "COMMIT";
        out = send_as(statement.sql, statement.params, statement.repeated, *seg);
    } else if (seg->is_insert) {
        for (const auto& op : seg->ops) {
            seg->offsets.push_back(seg->jobs.size());
            seg->jobs.insert(seg->jobs.end(), op->jobs.begin(), op->jobs.end());
        }
        seg->plan = core::plan_batch(seg->jobs);
        if (config_->options.notify) {
            seg->notified = config_->limiter.take(core::queues_to_notify(seg->jobs), core::notify_limiter::clock::now());
            for (const auto& op : seg->ops) {
                for (const auto& queue : op->forced_notify) {
                    if (std::find(seg->notified.begin(), seg->notified.end(), queue) == seg->notified.end()) {
                        seg->notified.push_back(queue);
                    }
                }
            }
        }
        seg->insert = core::build_insert(config_->options.schema, seg->plan.to_send, seg->notified, detection_, format_,
                                         binary_params_ ? core::param_encoding::binary : core::param_encoding::text);
        out = send_as(seg->insert.sql, seg->insert.params, true, *seg);
    } else {
        seg->checks_commit = first.sql == "COMMIT";
        out = send_as(first.sql, {}, false, *seg);
    }
    in_flight_.push_back(std::move(seg));
    return out;
}

// Starts the conversation if it has not started, and readies its next
// request; false when there is nothing to send (it finished, or asked for
// what a pipeline cannot do), the operation then being complete.
bool multiplexer::ready_conversation_step(segment& seg) {
    pipeline_op& op = *seg.ops.front();
    try {
        if (!op.started) {
            op.started = true;
            op.next = op.start(core::ops::session_facts{format_, server_version_, for_transaction_, false, binary_params_});
        }
        if (op.next != nullptr && op.next->what != core::ops::request::kind::query) {
            throw riverqueue::error("COPY cannot run on the asynchronous client's pipelined connections");
        }
    } catch (...) {
        finish(op, std::current_exception());
        return false;
    }
    if (op.next == nullptr) {
        finish(op, nullptr);
        return false;
    }
    op.may_commit = op.next->statement.commits_itself;
    return true;
}

// A repeated statement (an insert shape) is prepared once per connection
// when prepared statements are on.
multiplexer::outgoing multiplexer::send_as(std::string_view sql, std::span<const driver::param> params,
                                           bool repeated, segment& seg) {
    outgoing out{sql, params, {}, format_};
    if (!repeated || !config_->options.prepared_statements) return out;
    if (statements_stale_) return out;
    out.as = statements_.lookup(sql);
    if (out.as.what == libpq::prepared_statements::how::prepare) seg.preparing = std::string(sql);
    seg.sent_prepared = out.as.what != libpq::prepared_statements::how::unnamed;
    return out;
}

bool multiplexer::answer_checks_commit() const noexcept {
    if (in_flight_.empty()) return false;
    const segment& seg = *in_flight_.front();
    return seg.checks_commit && (seg.preparing.empty() || seg.prepare_answered);
}

bool multiplexer::front_may_commit() const noexcept {
    if (in_flight_.empty()) return false;
    const auto& ops = in_flight_.front()->ops;
    return std::any_of(ops.begin(), ops.end(), [](const pipeline_op_ptr& op) { return op->may_commit; });
}

std::optional<std::string> multiplexer::on_result(pipeline_result result) {
    segment& seg = *in_flight_.front();
    const bool answers_prepare = !seg.preparing.empty() && !seg.prepare_answered;
    switch (result.what) {
        case pipeline_result::kind::sync: {
            std::unique_ptr<segment> done = std::move(in_flight_.front());
            in_flight_.pop_front();
            finish_segment(*done);
            break;
        }
        case pipeline_result::kind::aborted:
            break;
        case pipeline_result::kind::command_ok:
            if (answers_prepare) {
                seg.prepare_answered = true;
                statements_.prepared(seg.preparing);
            } else if (seg.checks_commit && result.error) {
                seg.error = result.error;
            } else {
                seg.succeeded = true;
            }
            if (seg.is_conversation && seg.succeeded) seg.result = std::move(result.rows);
            break;
        case pipeline_result::kind::rows:
            if (seg.is_insert && !seg.error) {
                try {
                    seg.rows = core::decode_insert_rows(*result.rows, format_,
                                                        core::elides_returned_args(seg.plan.to_send)
                                                            ? core::args_cell::may_be_elided
                                                            : core::args_cell::required);
                } catch (...) {
                    seg.error = std::current_exception();
                }
            } else {
                seg.succeeded = true;
                if (seg.is_conversation) seg.result = std::move(result.rows);
            }
            break;
        case pipeline_result::kind::error:
            if (answers_prepare) {
                seg.prepare_answered = true;
                statements_.forget(seg.preparing);
            }
            if (result.fatal) return std::move(result.message);
            if (!seg.error) {
                seg.error = result.error;
                seg.database_error = !result.sqlstate.empty();
                seg.cancelled_on_server = result.sqlstate == "57014";
                seg.stale_plan = seg.sent_prepared && stale_plan_error(result);
            }
            break;
    }
    return std::nullopt;
}

bool multiplexer::cancel(const pipeline_op_ptr& op, bool abandon, bool timed_out,
                         const std::function<std::exception_ptr(bool may_have_committed)>& make_error) {
    if (op->done) return false;
    if (!op->sent) {
        pending_.erase(std::remove(pending_.begin(), pending_.end(), op), pending_.end());
        finish(*op, make_error(false));
        return false;
    }
    if (!abandon) return false;
    finish(*op, make_error(op->may_commit));
    op->timed_out_after_send = timed_out;
    return true;
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
bool multiplexer::server_cancel_due() const noexcept {
    if (for_transaction_ || in_flight_.empty()) return false;
    const segment& oldest = *in_flight_.front();
    const bool answered = oldest.rows || oldest.error || oldest.succeeded;
    return !answered && !oldest.cancel_requested &&
           std::all_of(oldest.ops.begin(), oldest.ops.end(), [](const pipeline_op_ptr& op) { return op->done; }) &&
           std::any_of(oldest.ops.begin(), oldest.ops.end(),
                       [](const pipeline_op_ptr& op) { return op->timed_out_after_send; });
}

void multiplexer::server_cancel_sent() noexcept {
    in_flight_.front()->cancel_requested = true;
    cancel_sent_ = true;
}

// A cancel request sent for a statement that ended meanwhile may stop the
// next one instead. PostgreSQL rolled that segment back (each segment is its
// own implicit transaction), so its operations are sent again, once: a second
// 57014 is the server's own (its statement_timeout) and is reported.
bool multiplexer::stray_cancel(const segment& seg) const {
    if (!seg.cancelled_on_server || seg.cancel_requested || !cancel_sent_ || for_transaction_) return false;
    return std::none_of(seg.ops.begin(), seg.ops.end(),
                        [](const pipeline_op_ptr& op) { return !op->done && op->resent_after_cancel; });
}

// Nothing of the segment's statement was committed: its operations are sent
// again (each on its own when `alone`), ahead of the others, still notifying
// the queues the failed statement was to notify.
void multiplexer::send_again(segment& seg, bool alone) {
    bool queued = false;
    for (auto it = seg.ops.rbegin(); it != seg.ops.rend(); ++it) {
        const pipeline_op_ptr& op = *it;
        if (op->done) continue;
        queued = true;
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
    if (queued && hooks_.requeued) hooks_.requeued();
}

void multiplexer::finish_segment(segment& seg) {
    // A prepared insert whose plan went stale (core::prepared_plan_stale) did
    // nothing: from now on this connection sends its statements unnamed (its
    // other prepared statements may be stale too), starting with this one's
    // operations, once. Not in a transaction, which the failure aborted.
    if (seg.error && seg.stale_plan && seg.is_insert && !for_transaction_ &&
        std::none_of(seg.ops.begin(), seg.ops.end(),
                     [](const pipeline_op_ptr& op) { return !op->done && op->resent_after_stale_plan; })) {
        statements_stale_ = true;
        for (const auto& op : seg.ops) op->resent_after_stale_plan = true;
        send_again(seg, false);
        return;
    }
    if (seg.error && stray_cancel(seg)) {
        for (const auto& op : seg.ops) op->resent_after_cancel = true;
        send_again(seg, false);
        return;
    }
    if (seg.is_conversation) {
        resume_conversation(seg);
        return;
    }
    if (seg.error) {
        // A gathered statement PostgreSQL refused: each is sent again alone,
        // so that one insert's failure never fails its neighbours.
        if (seg.is_insert && seg.ops.size() > 1 && seg.database_error) {
            send_again(seg, true);
            return;
        }
        for (const auto& op : seg.ops) finish(*op, seg.error);
        return;
    }
    if (seg.is_insert) {
        finish_inserts(seg);
        return;
    }
    for (const auto& op : seg.ops) {
        finish(*op, seg.succeeded ? nullptr : std::make_exception_ptr(riverqueue::error("no result")));
    }
}

// Hands each operation of a gathered insert its own rows.
void multiplexer::finish_inserts(segment& seg) {
    std::vector<insert_result> results;
    try {
        if (!seg.rows) throw riverqueue::error("the insert returned no rows");
        results = core::assemble_results(seg.plan, std::move(*seg.rows));
    } catch (...) {
        const auto error = std::current_exception();
        for (const auto& op : seg.ops) finish(*op, error);
        return;
    }
    for (std::size_t i = 0; i < seg.ops.size(); ++i) {
        const std::size_t begin = seg.offsets[i];
        const std::size_t end = i + 1 < seg.ops.size() ? seg.offsets[i + 1] : results.size();
        std::vector<insert_result> mine(std::make_move_iterator(results.begin() + static_cast<std::ptrdiff_t>(begin)),
                                        std::make_move_iterator(results.begin() + static_cast<std::ptrdiff_t>(end)));
        finish(*seg.ops[i], nullptr, std::move(mine));
    }
}

// Hands the statement's outcome to its conversation, and queues its next
// request ahead of the others (a conversation's steps follow each other).
void multiplexer::resume_conversation(segment& seg) {
    const pipeline_op_ptr& op = seg.ops.front();
    if (op->done) return;  // cancelled or timed out meanwhile
    core::ops::reply answer;
    if (seg.error) answer.error = seg.error;
    else if (seg.result) answer.rows = std::move(seg.result);
    else answer.error = std::make_exception_ptr(riverqueue::error("no result"));
    op->next = op->resume(std::move(answer));
    if (op->next == nullptr) {
        finish(*op, nullptr);
        return;
    }
    op->sent = false;
    op->solo = true;
    pending_.push_front(op);
    if (hooks_.requeued) hooks_.requeued();
}

void multiplexer::connected(int server_version) noexcept {
    server_version_ = server_version;
    detection_ = core::duplicate_detection_for_server(server_version);
}

void multiplexer::connection_closed() noexcept {
    cancel_sent_ = false;
    statements_.clear();
    statements_stale_ = false;
}

void multiplexer::connection_lost(const std::string& message) {
    auto in_flight = std::move(in_flight_);
    in_flight_.clear();
    for (auto& seg : in_flight) {
        for (auto& op : seg->ops) finish(*op, lost_error(message, op->may_commit));
    }
    if (for_transaction_) fail_pending("the transaction's connection was lost");
}

}  // namespace riverqueue::libpq_async
