// Insert middleware: stamp every job with the request that enqueued it, and
// measure how long each insert takes, without touching the call sites.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <riverqueue/riverqueue.hpp>

// The request being served on this thread, as a web framework would set it
// (in Go it would travel in the context.Context River's middleware receives).
thread_local std::string current_request_id;

// Adds "request_id" to each job's metadata, in front of what the caller
// gave: PostgreSQL's jsonb keeps the last of duplicate keys, so a request_id
// the caller set explicitly wins over ours. Request ids here are plain
// letters, digits and dashes; others would need JSON escaping.
class request_id_middleware : public riverqueue::job_insert_middleware {
public:
    std::unique_ptr<riverqueue::insert_scope> begin_insert(const riverqueue::insert_call&) override {
        if (current_request_id.empty()) return nullptr;  // not serving a request: sit out
        return std::make_unique<scope>(current_request_id);
    }

private:
    struct scope : riverqueue::insert_scope {
        explicit scope(std::string id) : field("\"request_id\":\"" + id + "\"") {}
        void job(riverqueue::insert_many_params& job, std::size_t) override {
            const std::string had = job.opts.metadata.value_or("{}");
            job.opts.metadata = had == "{}" || had.empty() ? "{" + field + "}" : "{" + field + "," + had.substr(1);
        }
        std::string field;
    };
};

// Times each insert, from before its jobs are checked to the database's answer.
class latency_middleware : public riverqueue::job_insert_middleware {
public:
    std::unique_ptr<riverqueue::insert_scope> begin_insert(const riverqueue::insert_call&) override {
        return std::make_unique<scope>();
    }

private:
    struct scope : riverqueue::insert_scope {
        void done(const riverqueue::insert_outcome& outcome) noexcept override {
            const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - started);
            std::cout << "insert of " << outcome.jobs << " job(s) " << (outcome.error ? "failed" : "took") << " "
                      << took.count() << " us\n";
        }
        std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    };
};

struct send_email {
    std::string to;
    static constexpr std::string_view kind() { return "send_email"; }
    std::string to_json() const { return R"({"to":")" + to + R"("})"; }
};

int main() {
    riverqueue::client_options options;
    options.conninfo = riverqueue::database_url_from_env();
    // Outermost first: the timing includes the stamping.
    options.insert_middleware = {std::make_shared<latency_middleware>(), std::make_shared<request_id_middleware>()};

    auto conn = riverqueue::connection::open(options.conninfo);
    riverqueue::migrator().migrate_up(conn);  // River's schema, if not there yet
    riverqueue::client client(options);

    current_request_id = "req-7f3a";
    const riverqueue::insert_result one = client.insert(send_email{"ada@example.com"});
    std::cout << "job " << one.job.id << " metadata " << one.job.metadata << "\n";

    riverqueue::insert_opts opts;
    opts.metadata = R"({"campaign":"spring"})";
    const std::vector<riverqueue::insert_many_params> batch = {
        riverqueue::make_insert_many_params(send_email{"grace@example.com"}, opts),
        riverqueue::make_insert_many_params(send_email{"alan@example.com"}, opts)};
    for (const auto& result : client.insert_many(batch)) {
        std::cout << "job " << result.job.id << " metadata " << result.job.metadata << "\n";
        if (result.job.metadata.find("req-7f3a") == std::string::npos ||
            result.job.metadata.find("spring") == std::string::npos) {
            std::cerr << "the batch's jobs should carry both the request id and the caller's metadata\n";
            return EXIT_FAILURE;
        }
    }
    if (one.job.metadata.find("\"request_id\": \"req-7f3a\"") == std::string::npos) {
        std::cerr << "the job should carry the request id\n";
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
