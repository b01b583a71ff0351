// Work River jobs in C++, next to (or instead of) River's Go workers: this
// program enqueues a few jobs, works them with a riverqueue::worker_client
// until all are done, and stops.
#include <atomic>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

#include <riverqueue/riverqueue.hpp>
#include <riverqueue/worker_client.hpp>

// Job args a worker can decode: kind(), and from_json with the JSON library
// of your choice (here, a toy reader for {"to":"..."}).
struct send_email {
    std::string to;
    static constexpr std::string_view kind() { return "send_email"; }
    std::string to_json() const { return R"({"to":")" + to + R"("})"; }
    static send_email from_json(std::string_view json) {
        const auto colon = json.find(':');
        const auto open = json.find('"', colon);
        const auto close = json.find('"', open + 1);
        if (colon == std::string_view::npos || close == std::string_view::npos) throw std::runtime_error("bad args");
        return send_email{std::string(json.substr(open + 1, close - open - 1))};
    }
};

int main() {
    const std::string url = riverqueue::database_url_from_env();
    auto conn = riverqueue::connection::open(url);
    riverqueue::migrator().migrate_up(conn);  // River's schema, if not there yet

    std::atomic<int> sent{0};
    riverqueue::workers registry;
    registry.add<send_email>([&](const riverqueue::job_context& ctx, const send_email& args) {
        if (args.to.empty()) throw std::runtime_error("no recipient");  // retried with River's backoff
        std::cout << "job " << ctx.job().id << " (attempt " << ctx.job().attempt << "): mail to " << args.to << "\n";
        ++sent;
    });

    riverqueue::worker_options options;
    options.conninfo = url;
    options.queues["emails"] = riverqueue::queue_options{.max_workers = 10};
    options.poll_interval = std::chrono::milliseconds(100);
    riverqueue::worker_client workers(options, std::move(registry));
    workers.start();

    riverqueue::client_options client_options;
    client_options.conninfo = url;
    riverqueue::client client(client_options);
    riverqueue::insert_opts opts;
    opts.queue = "emails";
    for (const char* to : {"ada@example.com", "grace@example.com", "edsger@example.com"}) {
        client.insert(send_email{to}, opts);
    }

    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (sent < 3 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    workers.stop();  // waits for running jobs and writes their outcomes
    std::cout << "worked " << sent << " jobs as " << workers.client_id() << "\n";
    return sent == 3 ? 0 : 1;
}
