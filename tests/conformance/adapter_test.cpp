// Our own JSON-RPC tests of the conformance adapter, against a real
// PostgreSQL, following River's insert-only-v1 contract and scenarios.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <riverqueue/migrator.hpp>
#include <riverqueue/time.hpp>

#include "adapter_process.hpp"
#include "core/go_json.hpp"
#include "core/json.hpp"
#include "support/notification_listener.hpp"
#include "support/test_database.hpp"

namespace riverqueue::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class adapter_test : public migrated_schema_test {
protected:
    // The adapter's default schema is the connection's search_path: this test's schema.
    adapter_process adapter_{schema_.conninfo_with_search_path()};
};

const std::vector<std::string> normalized_job_fields = {
    "args", "attempt", "attempted_at", "attempted_by", "created_at", "errors", "finalized_at", "id", "kind",
    "max_attempts", "metadata", "priority", "queue", "scheduled_at", "state", "tags", "unique_key", "unique_states"};

void expect_normalized_job(const json::object& job) {
    EXPECT_EQ(job.size(), normalized_job_fields.size()) << json::serialize(job);
    for (const auto& field : normalized_job_fields) EXPECT_TRUE(job.contains(field)) << field;
}

TEST_F(adapter_test, HandshakeDescribesTheInsertOnlyProfile) {
    const auto handshake = adapter_.result("handshake").as_object();
    EXPECT_EQ(handshake.at("profile").as_string(), "insert-only-v1");
    EXPECT_EQ(handshake.at("backend").as_string(), "postgres");
    EXPECT_EQ(handshake.at("implementation").as_string(), "cpp");
    EXPECT_EQ(handshake.at("protocol_revision").as_int64(), 1);
    EXPECT_EQ(json::serialize(handshake.at("capabilities")), R"(["insert","lifecycle","transactions","unique_jobs"])");
    EXPECT_EQ(json::serialize(handshake.at("methods")),
              R"(["handshake","insert","insert_many","tx_begin","tx_commit","tx_insert","tx_insert_many","tx_rollback","unique_key"])");
    EXPECT_EQ(handshake.at("migration_lines").as_object().at("main").as_int64(), migrator::latest_version());
    EXPECT_EQ(std::string(handshake.at("application_name").as_string()).substr(0, 18), "river-conformance-");
    EXPECT_EQ(adapter_.error_code("handshake", R"({"x":1})"), -32602);
}

TEST_F(adapter_test, OtherMethodsAreNotFoundBeforeParamsAreRead) {
    for (const char* method : {"get", "list", "migrate", "work", "start", "reset", "cancel"}) {
        EXPECT_EQ(adapter_.error_code(method, "{}"), -32601) << method;
        EXPECT_EQ(adapter_.error_code(method, R"({"anything":true})"), -32601) << method;
    }
}

TEST_F(adapter_test, MalformedRequestsGetProtocolErrors) {
    EXPECT_EQ(adapter_.send_line("{not json").at("error").as_object().at("code").as_int64(), -32700);
    EXPECT_EQ(adapter_.send_line(R"({"id":9,"jsonrpc":"1.0","method":"handshake"})").at("error").as_object().at("code").as_int64(),
              -32600);
    EXPECT_EQ(adapter_.error_code("insert", R"({"message":"unknown","unexpected":true})"), -32602);
    EXPECT_EQ(adapter_.error_code("insert", R"({"behavior":"dance"})"), -32602);
    EXPECT_EQ(adapter_.error_code("insert", R"({"opts":{"colour":"red"}})"), -32602);
    EXPECT_EQ(adapter_.error_code("insert_many", R"({"jobs":[{"kind":"x"}]})"), -32602);
}

TEST_F(adapter_test, InsertReturnsANormalizedEchoJob) {
    const auto job = adapter_.result("insert", R"({"message":"defaults"})").as_object();
    expect_normalized_job(job);
    EXPECT_EQ(job.at("kind").as_string(), "conformance_echo");
    EXPECT_EQ(job.at("args"), json::parse(R"({"behavior":"","duration_ms":0,"message":"defaults"})"));
    EXPECT_EQ(job.at("state").as_string(), "available");
    EXPECT_EQ(job.at("max_attempts").as_int64(), 25);
    EXPECT_TRUE(job.at("unique_key").is_null() && job.at("unique_states").is_null());
    EXPECT_EQ(json::serialize(job.at("tags")), "[]");
    EXPECT_EQ(json::serialize(job.at("errors")), "[]");

    const auto scheduled_at = "2031-01-02T03:04:05.123Z";
    const auto options = adapter_.result(
        "insert", std::string(R"({"message":"options","opts":{"max_attempts":3,"metadata":{"source":"insert-only"},)") +
                      R"("priority":2,"queue":"insert_only","tags":["insert_only"],"scheduled_at":")" + scheduled_at +
                      R"("}})").as_object();
    EXPECT_EQ(options.at("max_attempts").as_int64(), 3);
    EXPECT_EQ(options.at("priority").as_int64(), 2);
    EXPECT_EQ(options.at("queue").as_string(), "insert_only");
    EXPECT_EQ(json::serialize(options.at("tags")), R"(["insert_only"])");
    EXPECT_EQ(options.at("metadata"), json::parse(R"({"source":"insert-only"})"));
    EXPECT_EQ(options.at("state").as_string(), "scheduled");
    EXPECT_EQ(options.at("scheduled_at").as_string(), scheduled_at);  // Go's RFC3339Nano, compared as text

    EXPECT_EQ(adapter_.result("insert", R"({"message":"pending","opts":{"pending":true}})").as_object().at("state").as_string(),
              "pending");
    EXPECT_EQ(adapter_.error_code("insert", R"({"opts":{"queue":"Not Valid"}})"), -32002);
}

TEST_F(adapter_test, InsertManyReturnsResultsInOrderWithDuplicates) {
    const std::string unique_job = R"({"message":"insert-only duplicate","opts":{"unique":{"by_args":true}}})";
    const auto existing = adapter_.result("insert", unique_job).as_object();
    EXPECT_EQ(json::serialize(existing.at("unique_states")),
              R"(["available","completed","pending","retryable","running","scheduled"])");
    const auto results =
        adapter_.result("insert_many", R"({"jobs":[{"message":"batch first","opts":{"metadata":{"batch_index":0}}},)" +
                                           unique_job + R"(,{"message":"batch pending","opts":{"pending":true}}]})")
            .as_object()
            .at("results")
            .as_array();
    ASSERT_EQ(results.size(), 3u);
    EXPECT_FALSE(results[0].as_object().at("unique_skipped_as_duplicate").as_bool());
    EXPECT_TRUE(results[1].as_object().at("unique_skipped_as_duplicate").as_bool());
    EXPECT_EQ(results[1].as_object().at("job"), json::value(existing));
    EXPECT_EQ(results[2].as_object().at("job").as_object().at("state").as_string(), "pending");
    EXPECT_EQ(adapter_.error_code("insert_many", R"({"jobs":[]})"), -32002);
}

TEST_F(adapter_test, TransactionsCommitOrRollBackWithTheirNotification) {
    notification_listener listening(schema_.name() + ".river_insert");
    for (const bool commit : {false, true}) {
        const std::string handle = commit ? "insert-only-commit" : "insert-only-rollback";
        EXPECT_TRUE(adapter_.result("tx_begin", R"({"handle":")" + handle + R"("})").as_object().empty());
        EXPECT_EQ(adapter_.error_code("tx_begin", R"({"handle":")" + handle + R"("})"), -32002);
        adapter_.result("tx_insert", R"({"handle":")" + handle + R"(","job":{"message":")" + handle + R"("}})");
        const auto batch = adapter_.result("tx_insert_many", R"({"handle":")" + handle +
                                                                 R"(","jobs":[{"message":"batch"}]})");
        EXPECT_EQ(batch.as_object().at("results").as_array().size(), 1u);
        EXPECT_TRUE(listening.drain(200ms).empty()) << "notified before the transaction ended";
        adapter_.result(commit ? "tx_commit" : "tx_rollback", R"({"handle":")" + handle + R"("})");
        const auto received = listening.drain(commit ? 2000ms : 500ms);
        if (commit) {
            ASSERT_FALSE(received.empty());
            EXPECT_EQ(received.front().second, R"({"queue": "default"})");
        } else {
            EXPECT_TRUE(received.empty());
        }
        // The handle is consumed.
        EXPECT_EQ(adapter_.error_code("tx_commit", R"({"handle":")" + handle + R"("})"), -32001);
    }
    EXPECT_EQ(adapter_.error_code("tx_insert", R"({"handle":"unknown","job":{}})"), -32001);
    EXPECT_EQ(adapter_.error_code("tx_begin", R"({"handle":""})"), -32602);
}

TEST_F(adapter_test, UniqueKeyHashesTheArgsAsRiverDoes) {
    // River's own golden for this case (conformance fixture `queue_without_kind`).
    const auto key = adapter_.result("unique_key", R"({"args":{},"kind":"conformance_simple","now":"2026-01-02T03:04:05.6789Z",)"
                                                   R"("options":{"by_args":false,"by_period_nanos":0,"by_queue":true,"exclude_kind":true},)"
                                                   R"("queue":"priority_emails","name":"ignored","expected_sha256":"ignored"})")
                         .as_object();
    EXPECT_EQ(key.at("state_mask").as_int64(), 245);
    EXPECT_EQ(key.at("sha256").as_string().size(), 64u);
    EXPECT_EQ(adapter_.error_code("unique_key", R"({"args":{},"kind":"conformance_unknown","now":"2026-01-02T03:04:05Z",)"
                                                R"("options":{"by_args":true,"by_period_nanos":0,"by_queue":false,"exclude_kind":false},"queue":"q"})"),
              -32002);
    EXPECT_EQ(adapter_.error_code("unique_key", R"({"args":[1],"kind":"conformance_all_args","now":"2026-01-02T03:04:05Z",)"
                                                R"("options":{"by_args":true,"by_period_nanos":0,"by_queue":false,"exclude_kind":false},"queue":"q"})"),
              -32002);
}

TEST_F(adapter_test, UniqueKeyMatchesRiversFixture) {
    const char* path = std::getenv("RIVER_UNIQUE_KEYS_FIXTURE");
    if (path == nullptr || *path == '\0') {
        GTEST_SKIP() << "set RIVER_UNIQUE_KEYS_FIXTURE to a copy of River's conformance/fixtures/unique_keys.json";
    }
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    // Read with the library's reader, which keeps number text (-0, 1e+100) that
    // a general JSON library would rewrite.
    const auto fixture = core::json::parse(text.str());
    int checked = 0;
    for (const auto& fixture_case : fixture.find("cases")->items) {
        // The harness sends each case as the params, compacted by Go's encoder.
        std::string params;
        core::go_json::append_value(params, fixture_case);
        const auto response = adapter_.call("unique_key", params);
        const auto expected = json::parse(params).as_object();
        SCOPED_TRACE(std::string(expected.at("name").as_string()));
        ASSERT_TRUE(response.contains("result")) << json::serialize(response);
        EXPECT_EQ(response.at("result").as_object().at("sha256"), expected.at("expected_sha256"));
        EXPECT_EQ(response.at("result").as_object().at("state_mask"), expected.at("expected_state_mask"));
        ++checked;
    }
    EXPECT_EQ(checked, 21);
}

TEST_F(adapter_test, ExitsCleanlyWhenStdinCloses) { EXPECT_EQ(adapter_.finish(), 0); }

}  // namespace
}  // namespace riverqueue::testing
