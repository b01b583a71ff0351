// Inserts jobs through a client whose insert middleware stamps each job's
// metadata with a request id and adds a tag, so that the interop tests can
// show River Go's workers reading what a C++ middleware wrote.
//
// Usage: interop_middleware_insert DATABASE_URL SCHEMA KIND REQUEST_ID
// (SCHEMA may be empty for the connection's search_path). Inserts five jobs
// of KIND with args {"n":0} to {"n":4}: one with insert, two with
// insert_many, two with insert_many_fast; the first three also carry metadata
// of the caller's ({"caller":"cpp"}). Prints the number of jobs inserted.
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <riverqueue/riverqueue.hpp>

namespace {

class stamping_middleware : public riverqueue::job_insert_middleware {
public:
    explicit stamping_middleware(std::string request_id) : field_("\"request_id\":\"" + request_id + "\"") {}

    std::unique_ptr<riverqueue::insert_scope> begin_insert(const riverqueue::insert_call&) override {
        return std::make_unique<scope>(field_);
    }

private:
    struct scope : riverqueue::insert_scope {
        explicit scope(const std::string& stamped) : field(stamped) {}
        void job(riverqueue::insert_many_params& job, std::size_t) override {
            const std::string had = job.opts.metadata.value_or("{}");
            job.opts.metadata = had == "{}" || had.empty() ? "{" + field + "}" : "{" + field + "," + had.substr(1);
            auto tags = job.opts.tags.value_or(std::vector<std::string>{});
            tags.push_back("via_middleware");
            job.opts.tags = std::move(tags);
        }
        const std::string& field;
    };
    std::string field_;
};

riverqueue::insert_many_params job_of(const std::string& kind, int n, bool with_caller_metadata) {
    riverqueue::insert_opts opts;
    if (with_caller_metadata) opts.metadata = R"({"caller":"cpp"})";
    return {riverqueue::dynamic_args{kind, R"({"n":)" + std::to_string(n) + "}", {}}, opts};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: interop_middleware_insert DATABASE_URL SCHEMA KIND REQUEST_ID\n";
        return 2;
    }
    try {
        riverqueue::client_options options;
        options.conninfo = argv[1];
        options.schema = argv[2];
        options.insert_middleware = {std::make_shared<stamping_middleware>(argv[4])};
        riverqueue::client client(options);
        const std::string kind = argv[3];

        const auto first = job_of(kind, 0, true);
        client.insert(first.args, first.opts);
        const std::vector<riverqueue::insert_many_params> batch = {job_of(kind, 1, true), job_of(kind, 2, true)};
        client.insert_many(batch);
        const std::vector<riverqueue::insert_many_params> fast = {job_of(kind, 3, false), job_of(kind, 4, false)};
        const std::size_t copied = client.insert_many_fast(fast);
        std::cout << 3 + copied << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
}
