// The client's non-throwing calls: each runs its throwing form and reports
// what it threw through the error_code and diagnostics (error_code.hpp), so
// both forms share one implementation.
#include <riverqueue/client.hpp>

namespace riverqueue {

std::vector<insert_result> client::insert_many(std::span<const insert_many_params> jobs, std::error_code& ec,
                                               diagnostics& diag) {
    return detail::without_throwing(ec, diag, [&] { return insert_many(jobs); });
}

std::vector<insert_result> client::insert_many_tx(transaction_ref tx, std::span<const insert_many_params> jobs,
                                                  std::error_code& ec, diagnostics& diag) {
    return detail::without_throwing(ec, diag, [&] { return insert_many_tx(std::move(tx), jobs); });
}

insert_many_summary client::insert_many(const job_generator& next, const insert_result_handler& on_result,
                                        std::error_code& ec, diagnostics& diag) {
    return detail::without_throwing(ec, diag, [&] { return insert_many(next, on_result); });
}

insert_many_summary client::insert_many_tx(transaction_ref tx, const job_generator& next,
                                           const insert_result_handler& on_result, std::error_code& ec,
                                           diagnostics& diag) {
    return detail::without_throwing(ec, diag, [&] { return insert_many_tx(std::move(tx), next, on_result); });
}

std::size_t client::insert_many_fast(std::span<const insert_many_params> jobs, std::error_code& ec,
                                     diagnostics& diag) {
    return detail::without_throwing(ec, diag, [&] { return insert_many_fast(jobs); });
}

std::size_t client::insert_many_fast(const job_generator& next, std::error_code& ec, diagnostics& diag) {
    return detail::without_throwing(ec, diag, [&] { return insert_many_fast(next); });
}

std::size_t client::insert_many_fast_tx(transaction_ref tx, std::span<const insert_many_params> jobs,
                                        std::error_code& ec, diagnostics& diag) {
    return detail::without_throwing(ec, diag, [&] { return insert_many_fast_tx(std::move(tx), jobs); });
}

std::size_t client::insert_many_fast_tx(transaction_ref tx, const job_generator& next, std::error_code& ec,
                                        diagnostics& diag) {
    return detail::without_throwing(ec, diag, [&] { return insert_many_fast_tx(std::move(tx), next); });
}

}  // namespace riverqueue
