// River inserts over an application's own connection pool, through a driver
// written for it (application_pool_driver.hpp).
#include <iostream>
#include <memory>
#include <string>

#include <riverqueue/riverqueue.hpp>

#include "application_pool_driver.hpp"

struct resize_image {
    std::string path;
    static constexpr std::string_view kind() { return "resize_image"; }
    std::string to_json() const { return R"({"path":")" + path + R"("})"; }
};

int main(int argc, char** argv) {
    riverqueue::client_options options;
    options.conninfo = argc > 1 ? argv[1] : riverqueue::database_url_from_env();
    if (argc > 2) options.schema = argv[2];
    app::pg_pool pool(options.conninfo, 2);
    riverqueue::client client(options, std::make_shared<app::pool_sessions>(pool));

    // The client's own insert, on a connection borrowed from the pool.
    const auto first = client.insert(resize_image{"/photos/1.jpg"});
    std::cout << "inserted job " << first.job.id << " (" << first.job.kind << ")\n";

    // Inside the application's transaction on one of its connections.
    PGconn* conn = pool.borrow();
    app::pool_session session(conn);
    session.query({"BEGIN", {}});
    const auto second = client.insert_tx(session, resize_image{"/photos/2.jpg"});
    session.query({"COMMIT", {}});
    pool.give_back(conn);
    std::cout << "inserted job " << second.job.id << " in the application's transaction\n";
}
