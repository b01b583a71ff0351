// The README's demo: migrates River's schema and inserts jobs with each kind
// of option, printing what River's workers will see.
#include <chrono>
#include <iomanip>
#include <sstream>
#include <iostream>
#include <string>

#include <riverqueue/riverqueue.hpp>

namespace rq = riverqueue;
using namespace std::chrono_literals;

namespace {

std::string hex(const std::array<std::uint8_t, 32>& bytes) {
    std::ostringstream out;
    for (auto b : bytes) out << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(b);
    return out.str();
}

void print(const std::string& title, const rq::insert_result& result) {
    const rq::job_row& job = result.job;
    std::cout << std::left << std::setw(34) << title << " id=" << job.id << " kind=" << job.kind
              << " queue=" << job.queue << " priority=" << job.priority << " max_attempts=" << job.max_attempts
              << " state=" << rq::to_string(job.state) << " args=" << job.args;
    if (!job.tags.empty()) {
        std::cout << " tags=";
        for (std::size_t i = 0; i < job.tags.size(); ++i) std::cout << (i ? "," : "") << job.tags[i];
    }
    if (job.metadata != "{}") std::cout << " metadata=" << job.metadata;
    if (job.unique_key) std::cout << " unique_key=" << hex(*job.unique_key).substr(0, 16) << "...";
    if (result.unique_skipped_as_duplicated) std::cout << " (duplicate: existing job returned)";
    std::cout << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    try {
        rq::client_options options;
        options.conninfo = argc > 1 ? argv[1] : rq::database_url_from_env();
        options.schema = argc > 2 ? argv[2] : "";

        auto conn = rq::connection::open(options.conninfo);
        const auto applied = rq::migrator(options.schema).migrate_up(conn);
        std::cout << "migrated River's schema: " << applied.size() << " version(s) applied, now at version "
                  << rq::migrator::latest_version() << "\n";

        rq::client client(options);
        print("plain insert", client.insert(rq::dynamic_args{"send_email", R"({"to":"ada@example.com"})", {}}));

        rq::insert_opts opts;
        opts.queue = "reports";
        opts.priority = 2;
        opts.max_attempts = 5;
        opts.tags = std::vector<std::string>{"nightly", "finance"};
        opts.metadata = R"({"requested_by":"demo"})";
        print("queue, priority, attempts, tags", client.insert(rq::dynamic_args{"report", R"({"id":42})", {}}, opts));

        rq::insert_opts later;
        later.scheduled_at = riverqueue::now() + 1h;
        print("scheduled an hour ahead", client.insert(rq::dynamic_args{"reminder", R"({"user":7})", {}}, later));

        rq::insert_opts held;
        held.pending = true;
        print("pending", client.insert(rq::dynamic_args{"review", R"({"doc":"a.pdf"})", {}}, held));

        rq::insert_opts unique;
        unique.unique = rq::unique_opts{.by_args = rq::unique_by_args_all{}, .by_period = 24h};
        print("unique by args and day", client.insert(rq::dynamic_args{"digest", R"({"user":7})", {}}, unique));
        print("same job again", client.insert(rq::dynamic_args{"digest", R"({"user":7})", {}}, unique));

        std::vector<rq::insert_many_params> batch;
        for (int i = 0; i < 3; ++i) {
            batch.push_back({rq::dynamic_args{"thumbnail", R"({"image":)" + std::to_string(i) + "}", {}}, {}});
        }
        for (const auto& result : client.insert_many(batch)) print("batch", result);

        {
            rq::transaction tx(conn);
            print("in a transaction, rolled back",
                  client.insert_tx(tx, rq::dynamic_args{"never", "{}", {}}, {}));
            tx.rollback();
        }
        const auto key = rq::compute_unique_key(
            rq::unique_key_input{"digest", R"({"user":7})", "default", std::nullopt, riverqueue::now()},
            rq::unique_opts{.by_args = rq::unique_by_args_all{}, .by_period = 24h});
        std::cout << "unique key string of the digest job: " << key.key_string << "\n";
        return 0;
    } catch (const rq::error& e) {
        std::cerr << "demo failed: " << e.what() << "\n";
        return 1;
    }
}
