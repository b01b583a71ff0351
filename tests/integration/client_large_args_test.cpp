// Inserts of args at least core::returned_args_digest_bytes large: the row a
// call returns has the args as stored, whether the server left them out of
// its answer (the digest of the client's rendering matched) or sent them (a
// duplicate with other args, text the client does not render).
#include <gtest/gtest.h>

#include <string>

#include "client_test_support.hpp"
#include "core/insert_sql.hpp"

namespace riverqueue::testing {
namespace {

std::string large_args(const std::string& id, char fill) {
    return R"({"id":")" + id + R"(","blob":")" + std::string(core::returned_args_digest_bytes + 1000, fill) +
           R"(\u00e9\n","n":[1.50e1,-0.0,1E-3],"z":{"b":2,"a":1}})";
}

class client_large_args_test : public client_test {
protected:
    std::string stored_args(std::int64_t id) {
        return scalar("SELECT args::text FROM " + table("river_job") + " WHERE id = " + std::to_string(id));
    }
};

TEST_F(client_large_args_test, EveryPathReturnsTheArgsAsStored) {
    auto c = make_client();
    const std::string args = large_args("one", 'x');

    const insert_result single = c.insert(dynamic_args{"big", args, {}});
    EXPECT_EQ(single.job.args, stored_args(single.job.id));
    EXPECT_EQ(single.job.args.substr(0, 18), R"({"n": [15.0, 0.0, )");

    std::vector<insert_many_params> one = {make_insert_many_params(dynamic_args{"big", args, {}})};
    const auto many = c.insert_many(one);
    ASSERT_EQ(many.size(), 1U);
    EXPECT_EQ(many[0].job.args, stored_args(many[0].job.id));

    auto conn = connection::open(database_url());
    transaction tx(conn);
    const insert_result in_tx = c.insert_tx(tx, dynamic_args{"big", args, {}});
    tx.commit();
    EXPECT_EQ(in_tx.job.args, stored_args(in_tx.job.id));
    EXPECT_EQ(job_count(), 3);
}

// A unique insert that finds an existing row gets that row's args, which the
// server sends because their digest is not that of the args given.
TEST_F(client_large_args_test, ADuplicateReturnsTheExistingRowsArgs) {
    auto c = make_client();
    insert_opts opts;
    opts.unique = unique_opts{.by_args = std::vector<std::string>{"id"}};
    const insert_result first = c.insert(dynamic_args{"big", large_args("same", 'x'), {}}, opts);
    const insert_result second = c.insert(dynamic_args{"big", large_args("same", 'y'), {}}, opts);
    ASSERT_TRUE(second.unique_skipped_as_duplicated);
    EXPECT_EQ(second.job.id, first.job.id);
    EXPECT_EQ(second.job.args, stored_args(first.job.id));
    EXPECT_NE(second.job.args.find("xxxx"), std::string::npos);
    EXPECT_EQ(second.job.args.find("yyyy"), std::string::npos);
}

// Args deeper than the client renders go out and come back as usual.
TEST_F(client_large_args_test, ArgsTheClientDoesNotRenderComeBackFromTheServer) {
    auto c = make_client();
    std::string args = large_args("deep", 'x');
    args.back() = ',';
    args += R"("deep":)" + std::string(40, '[') + std::string(40, ']') + "}";
    const insert_result inserted = c.insert(dynamic_args{"big", args, {}});
    EXPECT_EQ(inserted.job.args, stored_args(inserted.job.id));
}

}  // namespace
}  // namespace riverqueue::testing
