// Opening a libpq connection for the pipeline without blocking the strand:
// PQconnectStart, then PQconnectPoll each time the socket is ready the way
// libpq asks, then non-blocking pipeline mode.
#pragma once

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace riverqueue::libpq_async {

// libpq's last error on `conn`, trimmed, with the passwords `conninfo`
// carries redacted (libpq may echo one bare); "connection lost" without a
// connection.
std::string connection_message(PGconn* conn, const std::string& conninfo);

// One attempt. It keeps itself alive while it waits on the socket (each wait
// holds it), so its owner needs only a weak reference, to abandon it.
class connect_attempt : public std::enable_shared_from_this<connect_attempt> {
public:
    // Called once, on the strand: with the open connection, which the
    // receiver then owns, and an empty message; or with nullptr and why the
    // connection could not be opened.
    using handler = std::function<void(PGconn* conn, std::string error)>;

    connect_attempt(boost::asio::strand<boost::asio::any_io_executor> strand, std::string conninfo, handler done);
    ~connect_attempt();
    connect_attempt(const connect_attempt&) = delete;
    connect_attempt& operator=(const connect_attempt&) = delete;

    // On the strand; may call the handler before it returns (libpq refused
    // the conninfo at once).
    void start();
    // On the strand: closes the connection being opened; the handler is not called.
    void abandon();

private:
    void wait(PostgresPollingStatusType status);
    void step(const boost::system::error_code& ec);
    void fail(const std::string& message);
    void close();

    boost::asio::posix::stream_descriptor socket_;
    // libpq enforces connect_timeout only when it blocks: with
    // PQconnectPoll the attempt keeps its own deadline (connect_params.hpp).
    boost::asio::steady_timer deadline_;
    std::string timeout_text_;
    std::string conninfo_;
    handler done_;
    PGconn* conn_ = nullptr;
};

}  // namespace riverqueue::libpq_async
