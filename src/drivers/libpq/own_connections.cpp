#include "drivers/libpq/own_connections.hpp"

#include <poll.h>

namespace riverqueue::libpq {

void silence_notices(PGconn* conn) noexcept {
    if (conn != nullptr) PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
}

bool idle_connection_alive(PGconn* conn) noexcept {
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) return false;
    // A few rounds: the FATAL message, then the end of the stream (the read
    // that sees it is the one that marks the connection bad).
    for (int round = 0; round < 4; ++round) {
        pollfd readable{PQsocket(conn), POLLIN, 0};
        if (::poll(&readable, 1, 0) <= 0) break;  // nothing (more) to read
        if (PQconsumeInput(conn) == 0) return false;
        PQisBusy(conn);  // parses what came: a notice goes to the (silent) processor
        if (PQstatus(conn) != CONNECTION_OK) return false;
    }
    return PQstatus(conn) == CONNECTION_OK;
}

}  // namespace riverqueue::libpq
