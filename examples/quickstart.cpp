// Enqueue a job for River's Go workers from C++.
#include <iostream>
#include <string>

#include <riverqueue/riverqueue.hpp>

// Job args: a kind and a JSON object, matching the Go worker's args struct.
struct send_email {
    std::string to;
    static constexpr std::string_view kind() { return "send_email"; }
    std::string to_json() const { return R"({"to":")" + to + R"("})"; }
};

int main() {
    riverqueue::client_options options;
    options.conninfo = riverqueue::database_url_from_env();  // e.g. postgres://localhost/app
    riverqueue::client client(options);

    // A plain insert, committed at once; River's workers are notified.
    riverqueue::insert_result result = client.insert(send_email{"ada@example.com"});
    std::cout << "inserted job " << result.job.id << " in queue " << result.job.queue << "\n";

    // Inside your own transaction, next to your own writes.
    auto conn = riverqueue::connection::open(options.conninfo);
    riverqueue::transaction tx(conn);
    riverqueue::insert_opts opts;
    opts.queue = "emails";
    opts.unique = riverqueue::unique_opts{.by_args = riverqueue::unique_by_args_all{}};
    client.insert_tx(tx, send_email{"grace@example.com"}, opts);
    tx.commit();
}
