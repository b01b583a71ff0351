#include "drivers/libpq_async/connect.hpp"

#include <utility>

#include "core/redact.hpp"
#include "drivers/libpq/connect_params.hpp"
#include "drivers/libpq/own_connections.hpp"
#include "drivers/libpq/pg_result.hpp"

namespace riverqueue::libpq_async {

namespace asio = boost::asio;

std::string connection_message(PGconn* conn, const std::string& conninfo) {
    if (conn == nullptr) return "connection lost";
    return core::redact_passwords(libpq::error_message(conn), conninfo);
}

connect_attempt::connect_attempt(asio::strand<asio::any_io_executor> strand, std::string conninfo, handler done)
    : socket_(strand), deadline_(strand), conninfo_(std::move(conninfo)), done_(std::move(done)) {}

connect_attempt::~connect_attempt() { close(); }

void connect_attempt::start() {
    // The library's default connect timeout, as for the blocking connections.
    libpq::connect_params params;
    try {
        params = libpq::connect_params_for(conninfo_);
    } catch (const std::exception& e) {
        fail(e.what());
        return;
    }
    const auto arrays = params.arrays();
    conn_ = PQconnectStartParams(arrays.keywords.data(), arrays.values.data(), libpq::connect_params::expand_dbname);
    if (conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD) {
        fail(connection_message(conn_, conninfo_));
        return;
    }
    libpq::silence_notices(conn_);
    if (const auto timeout = params.timeout()) {
        timeout_text_ = params.describe_timeout();
        deadline_.expires_after(*timeout);
        deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || !self->done_) return;  // connected, failed or abandoned first
            self->fail("timeout expired (" + self->timeout_text_ + ")");
        });
    }
    wait(PGRES_POLLING_WRITING);
}

void connect_attempt::abandon() {
    done_ = nullptr;
    close();
}

void connect_attempt::wait(PostgresPollingStatusType status) {
    // libpq may open a new socket while connecting (another host, another
    // encryption attempt), possibly under the old number: register it afresh.
    if (socket_.is_open()) socket_.release();
    const int fd = PQsocket(conn_);
    if (fd < 0) {
        fail(connection_message(conn_, conninfo_));
        return;
    }
    boost::system::error_code ec;
    socket_.assign(fd, ec);
    if (ec) {
        fail(ec.message());
        return;
    }
    socket_.async_wait(
        status == PGRES_POLLING_READING ? asio::posix::stream_descriptor::wait_read : asio::posix::stream_descriptor::wait_write,
        [self = shared_from_this()](const boost::system::error_code& result) { self->step(result); });
}

void connect_attempt::step(const boost::system::error_code& ec) {
    if (!done_ || conn_ == nullptr) return;  // abandoned
    if (ec) {
        fail(ec.message());
        return;
    }
    switch (PQconnectPoll(conn_)) {
        case PGRES_POLLING_OK:
            break;
        case PGRES_POLLING_READING:
            wait(PGRES_POLLING_READING);
            return;
        case PGRES_POLLING_WRITING:
            wait(PGRES_POLLING_WRITING);
            return;
        default:
            fail(connection_message(conn_, conninfo_));
            return;
    }
    if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) {
        fail(connection_message(conn_, conninfo_));
        return;
    }
    // The receiver registers the socket itself (libpq owns it).
    socket_.release();
    deadline_.cancel();
    std::exchange(done_, nullptr)(std::exchange(conn_, nullptr), std::string());
}

void connect_attempt::fail(const std::string& message) {
    close();
    if (done_) std::exchange(done_, nullptr)(nullptr, message);
}

void connect_attempt::close() {
    deadline_.cancel();
    if (socket_.is_open()) socket_.release();  // libpq owns the socket
    if (conn_ != nullptr) {
        PQfinish(conn_);
        conn_ = nullptr;
    }
}

}  // namespace riverqueue::libpq_async
