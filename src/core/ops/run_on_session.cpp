#include "core/ops/run_on_session.hpp"

#include <riverqueue/errors.hpp>

namespace riverqueue::core::ops {

namespace detail {

std::unique_ptr<driver::rows> extract_rows::operator()(reply answer) const {
    // A transport that answers a query without rows is broken; say so here
    // rather than let the operation dereference null.
    if (!answer.rows) throw error("the driver answered a statement without a result");
    return std::move(answer.rows);
}

}  // namespace detail

session_facts facts_of(driver::session& session) {
    return session_facts{session.format(), session.server_version(), session.in_transaction(),
                         session.supports_copy(), session.takes_binary_params()};
}

reply perform(driver::session& session, const request& req) {
    reply answer;
    try {
        switch (req.what) {
            case request::kind::query:
                answer.rows = session.query(req.statement);
                break;
            case request::kind::copy_begin:
                session.copy_begin(req.statement.sql);
                break;
            case request::kind::copy_write:
                session.copy_write(req.data);
                break;
            case request::kind::copy_end:
                answer.copied = session.copy_end();
                break;
            case request::kind::copy_abort:
                session.copy_abort();
                break;
            case request::kind::script:
                session.execute(req.statement.sql);
                break;
        }
    } catch (...) {
        answer.error = std::current_exception();
    }
    return answer;
}

}  // namespace riverqueue::core::ops
