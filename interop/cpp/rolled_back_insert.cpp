// Inserts jobs inside a transaction, then rolls the transaction back.
//
// The `riverqueue` tool commits what it inserts, so the interop tests use this
// program to show that River never sees jobs from a rolled-back transaction.
// It prints the ids the rows had inside the transaction, so that the tests can
// tell "inserted, then rolled back" from "never inserted".
//
// Usage: interop_rolled_back_insert DATABASE_URL SCHEMA KIND ARGS_JSON...
// (SCHEMA may be empty for the connection's search_path). Every job is unique
// by args, so that the tests can also check that no unique key outlives the
// rollback. Prints {"ids":[...]}.
#include <exception>
#include <iostream>
#include <string>

#include <riverqueue/riverqueue.hpp>

int main(int argc, char** argv) {
    if (argc < 5) {
        std::cerr << "usage: interop_rolled_back_insert DATABASE_URL SCHEMA KIND ARGS_JSON...\n";
        return 2;
    }
    try {
        riverqueue::client_options options;
        options.conninfo = argv[1];
        options.schema = argv[2];
        riverqueue::client client(options);
        const std::string kind = argv[3];

        riverqueue::insert_opts opts;
        opts.unique = riverqueue::unique_opts{.by_args = riverqueue::unique_by_args_all{}};

        auto conn = riverqueue::connection::open(options.conninfo);
        riverqueue::transaction tx(conn);
        std::string ids;
        for (int i = 4; i < argc; ++i) {
            const auto result = client.insert_tx(tx, riverqueue::dynamic_args{kind, argv[i], {}}, opts);
            if (result.unique_skipped_as_duplicated) {
                std::cerr << "job " << argv[i] << " was a duplicate, so nothing was inserted\n";
                return 1;
            }
            if (!ids.empty()) ids += ',';
            ids += std::to_string(result.job.id);
        }
        tx.rollback();
        std::cout << "{\"ids\":[" << ids << "]}\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
}
