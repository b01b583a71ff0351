#include "support/servers.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace riverqueue::deploy {
namespace {

bool running_as_root() { return ::geteuid() == 0; }

const passwd& server_user() {
    static const passwd* user = [] {
        const passwd* found = ::getpwnam("postgres");
        if (found == nullptr) throw std::runtime_error("running as root, but there is no `postgres` system user");
        return found;
    }();
    return *user;
}

void give_to_server_user(const std::string& path) {
    if (!running_as_root()) return;
    if (::chown(path.c_str(), server_user().pw_uid, server_user().pw_gid) != 0) {
        throw std::runtime_error("chown " + path + " failed");
    }
}

std::string make_temp_dir(const std::string& prefix) {
    std::string pattern = "/tmp/rq-deploy-" + prefix + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    give_to_server_user(pattern);
    return pattern;
}

// In a forked child: become the server user when root, send output to
// `log`, exec. Never returns.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, const std::string& log, bool as_server_user) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
    }
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    if (as_server_user && running_as_root()) {
        if (::setgid(server_user().pw_gid) != 0 || ::setuid(server_user().pw_uid) != 0) ::_exit(126);
    }
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& log, bool as_server_user) {
    // Resolve the server user before forking: getpwnam is not async-signal-safe.
    if (as_server_user && running_as_root()) (void)server_user();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) exec_child(argv, log, as_server_user);
    return pid;
}

void check_run(const std::vector<std::string>& argv, const std::string& log) {
    if (run(argv, log) != 0) {
        throw std::runtime_error(argv[0] + " failed; its log " + log + ":\n" + read_file(log));
    }
}

}  // namespace

temp_dir::temp_dir(const std::string& prefix) : path_(make_temp_dir(prefix)) {}

temp_dir::~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

int run(const std::vector<std::string>& argv, const std::string& log, bool as_server_user) {
    const pid_t pid = spawn(argv, log, as_server_user);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void write_file(const std::string& path, const std::string& text) {
    {
        std::ofstream out(path, std::ios::trunc);
        out << text;
        if (!out) throw std::runtime_error("cannot write " + path);
    }
    ::chmod(path.c_str(), 0600);
    give_to_server_user(path);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

int free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

std::string postgres_bin(const std::string& program) {
    if (const char* dir = std::getenv("PG_BIN"); dir != nullptr && *dir != '\0') return std::string(dir) + "/" + program;
    std::string found;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql")) {
        const auto candidate = entry.path() / "bin" / program;
        if (std::filesystem::exists(candidate)) found = candidate.string();
    }
    if (found.empty()) throw std::runtime_error(program + " not found (install postgresql-15)");
    return found;
}

postgres_server::postgres_server(std::string root, int port)
    : root_(std::move(root)), data_dir_(root_ + "/data"), log_(root_ + "/server.log"), port_(port) {
    std::filesystem::create_directories(socket_dir());
    give_to_server_user(socket_dir());
}

postgres_server::postgres_server(postgres_settings settings)
    : postgres_server(make_temp_dir("pg"), free_loopback_port()) {
    std::vector<std::string> initdb{postgres_bin("initdb"), "-D", data_dir_, "-U", "postgres", "-A", "trust",
                                    "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"};
    if (!settings.superuser_password.empty()) {
        write_file(root_ + "/pwfile", settings.superuser_password + "\n");
        initdb.push_back("--pwfile=" + root_ + "/pwfile");
    }
    check_run(initdb, root_ + "/initdb.log");
    std::string conf = "listen_addresses = '127.0.0.1'\nport = " + std::to_string(port_) +
                       "\nunix_socket_directories = '" + socket_dir() +
                       "'\nfsync = off\nfull_page_writes = off\nmax_connections = 100\n";
    for (const auto& line : settings.conf) conf += line + "\n";
    std::ofstream(data_dir_ + "/postgresql.conf", std::ios::app) << conf;
    if (!settings.hba.empty()) {
        std::string hba;
        for (const auto& line : settings.hba) hba += line + "\n";
        write_file(data_dir_ + "/pg_hba.conf", hba);
    }
    start_server();
}

postgres_server postgres_server::standby_of(const postgres_server& primary) {
    postgres_server standby(make_temp_dir("standby"), free_loopback_port());
    check_run({postgres_bin("pg_basebackup"), "-D", standby.data_dir_, "-R", "-X", "stream", "-d",
               "host=127.0.0.1 port=" + std::to_string(primary.port_) + " user=postgres"},
              standby.root_ + "/basebackup.log");
    // Later lines win: the standby listens on its own port and socket.
    std::ofstream(standby.data_dir_ + "/postgresql.conf", std::ios::app)
        << "port = " << standby.port_ << "\nunix_socket_directories = '" << standby.socket_dir() << "'\n";
    standby.start_server();
    return standby;
}

postgres_server::postgres_server(postgres_server&& other) noexcept
    : root_(std::move(other.root_)),
      data_dir_(std::move(other.data_dir_)),
      log_(std::move(other.log_)),
      port_(other.port_),
      running_(std::exchange(other.running_, false)),
      owns_root_(std::exchange(other.owns_root_, false)) {}

postgres_server::~postgres_server() {
    if (!owns_root_) return;
    if (running_) run({postgres_bin("pg_ctl"), "-D", data_dir_, "-m", "immediate", "-w", "stop"}, log_);
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
}

std::string postgres_server::conninfo(const std::string& extra) const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " " + extra;
}

std::string postgres_server::socket_conninfo() const {
    return "host=" + socket_dir() + " port=" + std::to_string(port_) + " dbname=postgres user=postgres";
}

void postgres_server::start_server() {
    check_run({postgres_bin("pg_ctl"), "-D", data_dir_, "-l", log_, "-w", "-t", "60", "start"}, root_ + "/pg_ctl.log");
    running_ = true;
}

void postgres_server::start() {
    if (!running_) start_server();
}

void postgres_server::stop(const std::string& mode) {
    if (!running_) return;
    check_run({postgres_bin("pg_ctl"), "-D", data_dir_, "-m", mode, "-w", "stop"}, root_ + "/pg_ctl.log");
    running_ = false;
}

void postgres_server::promote() {
    check_run({postgres_bin("pg_ctl"), "-D", data_dir_, "-w", "promote"}, root_ + "/pg_ctl.log");
}

pgbouncer::pgbouncer(const std::string& backend_host, int backend_port, pgbouncer_settings settings)
    : dir_("pgbouncer"), port_(free_loopback_port()) {
    const std::string ini_path = dir_.path() + "/pgbouncer.ini";
    std::string ini = "[databases]\n* = host=" + backend_host + " port=" + std::to_string(backend_port) +
                      "\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = " + std::to_string(port_) +
                      "\nunix_socket_dir =\nauth_type = trust\nauth_file = " + dir_.path() +
                      "/userlist.txt\npool_mode = " + settings.pool_mode +
                      "\ndefault_pool_size = " + std::to_string(settings.default_pool_size) +
                      "\nmax_client_conn = 500\nlogfile = " + dir_.path() +
                      "/pgbouncer.log\nignore_startup_parameters = extra_float_digits\n";
    for (const auto& line : settings.extra) ini += line + "\n";
    write_file(ini_path, ini);
    write_file(dir_.path() + "/userlist.txt", "\"postgres\" \"\"\n");
    pid_ = spawn({"/usr/sbin/pgbouncer", ini_path}, dir_.path() + "/stdout.log", true);
    if (!wait_until_accepting(conninfo(), std::chrono::seconds(20))) {
        throw std::runtime_error("PgBouncer did not start; its log:\n" + read_file(dir_.path() + "/pgbouncer.log") +
                                 read_file(dir_.path() + "/stdout.log"));
    }
}

pgbouncer::~pgbouncer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
}

std::string pgbouncer::conninfo(const std::string& dbname) const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + dbname + " user=postgres";
}

std::string pgbouncer::url(const std::string& dbname) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + dbname;
}

socket_address test_database_socket() {
    std::string url;
    for (const char* variable : {"DATABASE_URL", "RIVERQUEUE_TEST_DATABASE_URL"}) {
        if (const char* value = std::getenv(variable); value != nullptr && *value != '\0') {
            url = value;
            break;
        }
    }
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(url.c_str(), &error),
                                                                         &PQconninfoFree);
    if (error != nullptr) PQfreemem(error);
    socket_address address;
    address.dir = "/var/run/postgresql";
    if (!options) return address;
    for (auto* option = options.get(); option->keyword != nullptr; ++option) {
        if (option->val == nullptr || *option->val == '\0') continue;
        const std::string keyword = option->keyword;
        if (keyword == "host") address.dir = option->val;
        if (keyword == "port") address.port = std::atoi(option->val);
    }
    return address;
}

bool wait_until_accepting(const std::string& conninfo, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (PQping(conninfo.c_str()) == PQPING_OK) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

}  // namespace riverqueue::deploy
