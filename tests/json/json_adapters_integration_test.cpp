// The JSON adapters against a real PostgreSQL: jobs inserted with
// nlohmann::json and Boost.JSON args and metadata land in river_job as those
// values, come back through args_of/metadata_of, and deduplicate by args.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/describe.hpp>
#include <riverqueue/json/boost_json.hpp>
#include <riverqueue/json/nlohmann.hpp>

#include "integration/client_test_support.hpp"

namespace riverqueue::testing {
namespace {

struct invoice {
    int number = 0;
    std::string customer;
    static constexpr std::string_view kind() { return "invoice"; }
    static invoice from_json(std::string_view text) { return boost_json::decode<invoice>(text); }
};
BOOST_DESCRIBE_STRUCT(invoice, (), (number, customer))

struct receipt {
    std::vector<int> lines;
    static constexpr std::string_view kind() { return "receipt"; }
    NLOHMANN_DEFINE_TYPE_INTRUSIVE(receipt, lines)
};

using json_adapters = client_test;

TEST_F(json_adapters, NlohmannArgsAndMetadataAreStoredAsWritten) {
    client c = make_client(false);
    const nlohmann::json args = {{"to", "ada@example.com"}, {"nested", {{"n", 7}, {"list", {1, "two", nullptr}}}}};
    insert_opts opts;
    opts.metadata = nlohmann_json::metadata({{"source", "import"}, {"batch", 3}});
    const insert_result result = c.insert(nlohmann_json::args("send_email", args), opts);

    EXPECT_EQ(result.job.kind, "send_email");
    EXPECT_EQ(nlohmann_json::args_of(result.job), args);
    EXPECT_EQ(nlohmann_json::metadata_of(result.job), (nlohmann::json{{"source", "import"}, {"batch", 3}}));
    // PostgreSQL holds the same jsonb values.
    const std::string id = std::to_string(result.job.id);
    EXPECT_EQ(scalar("SELECT args = '{\"to\":\"ada@example.com\",\"nested\":{\"n\":7,\"list\":[1,\"two\",null]}}'::jsonb"
                     " FROM " + table("river_job") + " WHERE id = " + id),
              "t");
    EXPECT_EQ(scalar("SELECT metadata->>'source' FROM " + table("river_job") + " WHERE id = " + id), "import");

    const insert_result typed = c.insert(nlohmann_json::args(receipt{{3, 1, 2}}));
    EXPECT_EQ(typed.job.kind, "receipt");
    EXPECT_EQ(nlohmann_json::decode<receipt>(typed.job.args).lines, (std::vector<int>{3, 1, 2}));
}

TEST_F(json_adapters, BoostJsonTypedArgsDeduplicateByArgsAndDecodeBack) {
    client c = make_client(false);
    insert_opts opts;
    opts.unique = unique_opts{.by_args = unique_by_args_all{}};
    opts.metadata = boost_json::metadata({{"source", "billing"}});

    const insert_result first = c.insert(boost_json::args(invoice{42, "acme"}), opts);
    EXPECT_FALSE(first.unique_skipped_as_duplicated);
    EXPECT_EQ(first.job.kind, "invoice");
    EXPECT_EQ(boost_json::args_of(first.job), (boost::json::value{{"number", 42}, {"customer", "acme"}}));
    EXPECT_EQ(boost_json::metadata_of(first.job).at("source"), "billing");
    const invoice back = invoice::from_json(first.job.args);
    EXPECT_EQ(back.number, 42);
    EXPECT_EQ(back.customer, "acme");

    // The same args again, from a Boost.JSON value written in another order
    // and from nlohmann::json: one job, the first.
    const insert_result again = c.insert(boost_json::args("invoice", {{"customer", "acme"}, {"number", 42}}), opts);
    EXPECT_TRUE(again.unique_skipped_as_duplicated);
    EXPECT_EQ(again.job.id, first.job.id);
    const insert_result from_nlohmann =
        c.insert(nlohmann_json::args("invoice", {{"number", 42}, {"customer", "acme"}}), opts);
    EXPECT_TRUE(from_nlohmann.unique_skipped_as_duplicated);
    EXPECT_EQ(from_nlohmann.job.id, first.job.id);

    const insert_result other = c.insert(boost_json::args(invoice{43, "acme"}), opts);
    EXPECT_FALSE(other.unique_skipped_as_duplicated);
    EXPECT_EQ(job_count(), 2);
}

TEST_F(json_adapters, AdapterArgsGoThroughInsertMany) {
    client c = make_client(false);
    std::vector<insert_many_params> batch;
    batch.push_back(make_insert_many_params(nlohmann_json::args("batch_job", {{"i", 1}})));
    batch.push_back(make_insert_many_params(boost_json::args("batch_job", {{"i", 2}})));
    const std::vector<insert_result> results = c.insert_many(batch);
    ASSERT_EQ(results.size(), 2U);
    EXPECT_EQ(nlohmann_json::args_of(results[0].job), (nlohmann::json{{"i", 1}}));
    EXPECT_EQ(boost_json::args_of(results[1].job), (boost::json::value{{"i", 2}}));
}

}  // namespace
}  // namespace riverqueue::testing
