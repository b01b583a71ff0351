// Servers that the deploy tests start for themselves: PostgreSQL instances on
// loopback TCP (with TLS, passwords or replication as a test needs) and
// PgBouncer in front of a PostgreSQL. Each lives in its own temporary folder
// and is stopped and removed when its object goes. When the tests run as
// root, the servers run as the `postgres` system user, as PostgreSQL and
// PgBouncer both refuse to run as root.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace riverqueue::deploy {

// A folder under /tmp, removed with everything in it on destruction; owned by
// the server user when running as root.
class temp_dir {
public:
    explicit temp_dir(const std::string& prefix);
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

// Runs a program to completion (as the server user when `as_server_user` and
// running as root), its output appended to `log`; returns its exit status.
int run(const std::vector<std::string>& argv, const std::string& log, bool as_server_user = true);

// Writes `text` to `path`, readable by the server user.
void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

// A TCP port on 127.0.0.1 that nothing listens on at the time of the call.
int free_loopback_port();

// PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup).
std::string postgres_bin(const std::string& program);

struct postgres_settings {
    // Lines appended to postgresql.conf.
    std::vector<std::string> conf;
    // pg_hba.conf, whole; empty keeps initdb's (trust for everyone).
    std::vector<std::string> hba;
    // Password of the `postgres` superuser, set at initdb time.
    std::string superuser_password;
};

// One PostgreSQL instance listening on 127.0.0.1:port() and a unix socket
// in socket_dir().
class postgres_server {
public:
    // initdb a new cluster and start it.
    explicit postgres_server(postgres_settings settings = {});
    // A streaming standby of `primary` (pg_basebackup -R), started.
    static postgres_server standby_of(const postgres_server& primary);
    ~postgres_server();
    postgres_server(postgres_server&&) noexcept;
    postgres_server(const postgres_server&) = delete;
    postgres_server& operator=(const postgres_server&) = delete;
    postgres_server& operator=(postgres_server&&) = delete;

    int port() const noexcept { return port_; }
    const std::string& data_dir() const noexcept { return data_dir_; }
    std::string socket_dir() const { return root_ + "/socket"; }
    // key=value conninfo for TCP to this server, with `extra` appended.
    std::string conninfo(const std::string& extra = "dbname=postgres user=postgres") const;
    // key=value conninfo over the unix socket, as the superuser (trusted).
    std::string socket_conninfo() const;

    // pg_ctl stop with mode fast or immediate.
    void stop(const std::string& mode = "fast");
    void start();
    // pg_ctl promote, waiting until the standby accepts writes.
    void promote();
    const std::string& log_path() const noexcept { return log_; }

private:
    postgres_server(std::string root, int port);
    void start_server();

    std::string root_;
    std::string data_dir_;
    std::string log_;
    int port_ = 0;
    bool running_ = false;
    bool owns_root_ = true;
};

struct pgbouncer_settings {
    std::string pool_mode = "transaction";
    // Few server connections, so that client connections share them.
    int default_pool_size = 2;
    // Extra lines for the [pgbouncer] section.
    std::vector<std::string> extra;
};

// PgBouncer on 127.0.0.1:port(), forwarding database `postgres` (and any
// other name) to `backend` over its unix socket, as user postgres; clients
// authenticate with trust.
class pgbouncer {
public:
    pgbouncer(const std::string& backend_host, int backend_port, pgbouncer_settings settings = {});
    ~pgbouncer();
    pgbouncer(const pgbouncer&) = delete;
    pgbouncer& operator=(const pgbouncer&) = delete;

    int port() const noexcept { return port_; }
    // key=value conninfo through PgBouncer.
    std::string conninfo(const std::string& dbname = "postgres") const;
    // postgres:// URL through PgBouncer.
    std::string url(const std::string& dbname = "postgres") const;

private:
    temp_dir dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};

// Where the shared test PostgreSQL listens: its socket folder and port, read
// from the test database URL (host=... in the query string).
struct socket_address {  // host: a socket folder or a host name
    std::string dir;
    int port = 5432;
};
socket_address test_database_socket();

// Waits until `conninfo` accepts a connection, up to `limit`; false if not.
bool wait_until_accepting(const std::string& conninfo, std::chrono::milliseconds limit);

}  // namespace riverqueue::deploy
