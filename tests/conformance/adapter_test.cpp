// Our own JSON-RPC tests of the conformance adapter, against a real
// PostgreSQL, following River's insert-only-v1 contract and scenarios.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <libpq-fe.h>

#include <riverqueue/migrator.hpp>
#include <riverqueue/time.hpp>
#include <riverqueue/unique_key.hpp>

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

// Ids of the jobs in `schema` carrying `tag`, in id order, read on our own connection.
std::vector<std::int64_t> job_ids_tagged(connection& conn, const std::string& schema, const std::string& tag) {
    const std::string sql = "SELECT id FROM \"" + schema + "\".river_job WHERE '" + tag + "' = ANY(tags) ORDER BY id";
    PGresult* result = PQexec(conn.native_handle(), sql.c_str());
    std::vector<std::int64_t> ids;
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
        ADD_FAILURE() << PQresultErrorMessage(result);
    } else {
        for (int row = 0; row < PQntuples(result); ++row) ids.push_back(std::stoll(PQgetvalue(result, row, 0)));
    }
    PQclear(result);
    return ids;
}

std::set<std::string> keys_of(const json::object& object) {
    std::set<std::string> keys;
    for (const auto& member : object) keys.emplace(member.key());
    return keys;
}

const char* const unique_key_options_by_args =
    R"("options":{"by_args":true,"by_period_nanos":0,"by_queue":false,"exclude_kind":false})";

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

TEST_F(adapter_test, ResponsesHaveTheContractShape) {
    const auto success = adapter_.call("insert", R"({"message":"shape"})");
    EXPECT_EQ(keys_of(success), (std::set<std::string>{"id", "jsonrpc", "result"}));
    const auto failure = adapter_.call("insert", R"({"unexpected":true})");
    EXPECT_EQ(keys_of(failure), (std::set<std::string>{"error", "id", "jsonrpc"}));
    EXPECT_EQ(keys_of(failure.at("error").as_object()), (std::set<std::string>{"code", "message"}));
    const auto parse_error = adapter_.send_line("{not json");
    EXPECT_TRUE(parse_error.at("id").is_null());
    // One line per response, and only responses on stdout.
    const std::string line = adapter_.exchange(adapter_.request_line("handshake"));
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    EXPECT_TRUE(json::parse(line).as_object().contains("result"));
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
    // JSON-RPC ids are strings, numbers (repeated as written) or null.
    const auto object_id = adapter_.send_line(R"({"id":{"n":1},"jsonrpc":"2.0","method":"handshake"})");
    EXPECT_EQ(object_id.at("error").as_object().at("code").as_int64(), -32600);
    EXPECT_TRUE(object_id.at("id").is_null());
    EXPECT_EQ(adapter_.exchange(R"({"id":1.50,"jsonrpc":"2.0","method":"handshake"})").rfind(R"({"id":1.50,)", 0), 0u);
    EXPECT_EQ(adapter_.exchange(R"({"id":"ab","jsonrpc":"2.0","method":"handshake"})").rfind(R"({"id":"ab",)", 0), 0u);
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

TEST_F(adapter_test, MetadataReachesTheDatabaseAsWritten) {
    // River's reference passes the metadata bytes on; a JSON library that
    // re-prints numbers would store 1.5 for 1.50.
    const std::string response = adapter_.exchange(adapter_.request_line(
        "insert", R"({"message":"metadata","opts":{"metadata":{"exact":1.50,"wide":123456789012345678901234567890}}})"));
    EXPECT_NE(response.find("1.50"), std::string::npos) << response;
    EXPECT_NE(response.find("123456789012345678901234567890"), std::string::npos) << response;
    const auto batch = adapter_.exchange(adapter_.request_line(
        "insert_many", R"({"jobs":[{"message":"a"}, {"message":"b","opts":{"metadata":{"exact":2.50}}}]})"));
    EXPECT_NE(batch.find("2.50"), std::string::npos) << batch;
}

TEST_F(adapter_test, EchoArgsAreGoEncodedForUniqueKeys) {
    // River Go's key for these args, Go-escaped: &kind=conformance_echo&args=
    // {"behavior":"","duration_ms":0,"message":"\u003cb\u003e \u0026 \u2028"}
    const auto job = adapter_.result("insert", R"({"message":"<b> & \u2028","opts":{"unique":{"by_args":true}}})")
                         .as_object();
    EXPECT_EQ(job.at("unique_key").as_string(), "8399db05c212558e8d69bb5e78e59f437828949c4f11c8e6ff7763bb78e42437");
    // duration_ms is a Go uint64.
    const auto longest = adapter_.result("insert", R"({"duration_ms":18446744073709551615})").as_object();
    EXPECT_EQ(longest.at("args").as_object().at("duration_ms").as_uint64(), 18446744073709551615u);
    EXPECT_EQ(adapter_.error_code("insert", R"({"duration_ms":-1})"), -32602);
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
        const std::string tag = commit ? "insert_only_commit" : "insert_only_rollback";
        const std::string opts = R"("opts":{"tags":[")" + tag + R"("]})";
        const auto inserted = adapter_.result("tx_insert", R"({"handle":")" + handle + R"(","job":{"message":")" +
                                                               handle + R"(",)" + opts + "}}").as_object();
        const auto batch = adapter_.result("tx_insert_many", R"({"handle":")" + handle +
                                                                 R"(","jobs":[{"message":"batch",)" + opts + "}]}")
                               .as_object();
        EXPECT_EQ(batch.at("results").as_array().size(), 1u);
        EXPECT_TRUE(listening.drain(200ms).empty()) << "notified before the transaction ended";
        EXPECT_TRUE(job_ids_tagged(admin_, schema_.name(), tag).empty()) << "visible before the transaction ended";
        adapter_.result(commit ? "tx_commit" : "tx_rollback", R"({"handle":")" + handle + R"("})");
        const std::vector<std::int64_t> stored = job_ids_tagged(admin_, schema_.name(), tag);
        if (commit) {
            EXPECT_EQ(stored, (std::vector<std::int64_t>{inserted.at("id").as_int64(),
                                                         batch.at("results").as_array()[0].as_object().at("job").as_object().at("id").as_int64()}));
        } else {
            EXPECT_TRUE(stored.empty()) << "a rolled back transaction left jobs";
        }
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

TEST_F(adapter_test, UniqueKeyHashesTheCompactedArgs) {
    // River's golden `selected_siblings_and_slash_key`: only account.id,
    // account.region, label and path/key count.
    const std::string args = R"({"account":{"id":"acct","ignored":"irrelevant","region":"west"},"path/key":"slash"})";
    // Whitespace, a tab included, but no newline: one request per line.
    const std::string spaced = R"({ "account" : { "id" : "acct", "ignored" : "irrelevant", "region" :	"west" }, "path/key" : "slash" })";
    for (const auto& written : {args, spaced}) {
        const auto key = adapter_.result("unique_key", R"({"args":)" + written +
                                                           R"(,"kind":"conformance_selected_args","now":"2026-01-02T03:04:05.6789Z",)" +
                                                           unique_key_options_by_args + R"(,"queue":"default","scheduled_at":null})")
                             .as_object();
        EXPECT_EQ(key.at("sha256").as_string(), "7d62e81ac25cfa2dec69ad5a41e0b78188ee1b299bed329b453da6b3abca70bd");
    }
    // Any JSON is accepted as args; River rejects what it cannot hash, and
    // hashes an empty array as an empty object (all_args_empty_array).
    const auto all_args_key = [&](const std::string& written) {
        return adapter_.result("unique_key", R"({"args":)" + written +
                                                 R"(,"kind":"conformance_all_args","now":"2026-01-02T03:04:05Z",)" +
                                                 unique_key_options_by_args + R"(,"queue":"q"})")
            .as_object()
            .at("sha256")
            .as_string();
    };
    EXPECT_EQ(all_args_key("[]"), all_args_key("{}"));
    EXPECT_EQ(adapter_.error_code("unique_key", std::string(R"({"args":[1],"kind":"conformance_all_args","now":"2026-01-02T03:04:05Z",)") +
                                                    unique_key_options_by_args + R"(,"queue":"q"})"),
              -32002);
    EXPECT_EQ(adapter_.error_code("unique_key", std::string(R"({"args":null,"kind":"conformance_all_args","now":"2026-01-02T03:04:05Z",)") +
                                                    unique_key_options_by_args + R"(,"queue":"q"})"),
              -32002);
    EXPECT_EQ(adapter_.error_code("unique_key", std::string(R"({"kind":"conformance_all_args","now":"2026-01-02T03:04:05Z",)") +
                                                    unique_key_options_by_args + R"(,"queue":"q"})"),
              -32602);
}

// A request is read with the library's reader: its nesting limit (Go's) counts
// from the request's own object, so args inside params may be two levels less.
TEST_F(adapter_test, NestingIsReadUpToTheLimitAndRefusedBeyondIt) {
    const std::size_t limit = core::json::max_nesting_depth;
    const auto nested = [](std::size_t depth) {
        return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
    };
    const auto unique_key_params = [](const std::string& args) {
        return R"({"args":)" + args + R"(,"kind":"conformance_all_args","now":"2026-01-02T03:04:05Z",)" +
               unique_key_options_by_args + R"(,"queue":"q"})";
    };
    const std::string deepest = nested(limit - 2);
    unique_opts opts;
    opts.by_args = unique_by_args_all{};
    const auto expected = compute_unique_key(unique_key_input{"conformance_all_args", deepest, "q"}, opts);
    EXPECT_EQ(adapter_.result("unique_key", unique_key_params(deepest)).as_object().at("sha256").as_string(),
              expected.hex());
    // opts.metadata sits three levels in.
    const std::string deepest_metadata = nested(limit - 3);
    const std::string inserted =
        adapter_.exchange(adapter_.request_line("insert", R"({"message":"deep","opts":{"metadata":)" + deepest_metadata + "}}"));
    EXPECT_NE(inserted.find("\"result\":"), std::string::npos) << inserted.substr(0, 300);
    EXPECT_EQ(scalar("SELECT count(*) FROM \"" + schema_.name() + "\".river_job WHERE metadata = '" + deepest_metadata +
                     "'::jsonb"),
              "1");

    for (const std::string& line : {adapter_.request_line("unique_key", unique_key_params(nested(limit - 1))),
                                    adapter_.request_line("unique_key", unique_key_params(nested(1'000'000))),
                                    adapter_.request_line("insert", R"({"opts":{"metadata":)" + nested(1'000'000) + "}}"),
                                    std::string(1'000'000, '[')}) {
        const auto response = adapter_.send_line(line);
        const auto& error = response.at("error").as_object();
        EXPECT_EQ(error.at("code").as_int64(), -32700);
        const std::string message(error.at("message").as_string());
        EXPECT_EQ(message.rfind("not valid JSON at column ", 0), 0u) << message;
        EXPECT_NE(message.find("nesting deeper than 10000 levels"), std::string::npos) << message;
        EXPECT_EQ(message.find("boost"), std::string::npos) << message;
    }
    EXPECT_EQ(adapter_.result("handshake").as_object().at("profile").as_string(), "insert-only-v1");
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

// RIVER_CONFORMANCE_SCHEMA names the schema of the methods that take none;
// `insert`'s own `schema` param wins over it.
TEST_F(adapter_test, SchemaComesFromTheEnvironmentOrTheInsertParam) {
    scratch_schema other;
    migrator(other.name()).migrate_up(admin_);
    adapter_process in_other(database_url(), {{"RIVER_CONFORMANCE_SCHEMA", other.name()}});
    in_other.result("insert_many", R"({"jobs":[{"message":"batch","opts":{"tags":["env_schema"]}}]})");
    in_other.result("tx_begin", R"({"handle":"h"})");
    in_other.result("tx_insert", R"({"handle":"h","job":{"message":"tx","opts":{"tags":["env_schema"]}}})");
    in_other.result("tx_commit", R"({"handle":"h"})");
    in_other.result("insert", R"({"message":"param","opts":{"tags":["param_schema"]},"schema":")" + schema_.name() + R"("})");
    EXPECT_EQ(job_ids_tagged(admin_, other.name(), "env_schema").size(), 2u);
    EXPECT_EQ(job_ids_tagged(admin_, schema_.name(), "param_schema").size(), 1u);
    EXPECT_TRUE(job_ids_tagged(admin_, other.name(), "param_schema").empty());
    EXPECT_EQ(in_other.finish(), 0);
}

TEST(adapter_environment, RefusesWhatTheProfileDoesNotCover) {
    const std::string url = database_url();
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"RIVER_CONFORMANCE_PROFILE", "postgres-full-v1"},
             {"RIVER_CONFORMANCE_DATABASE_KIND", "sqlite"},
             {"RIVER_CONFORMANCE_APPLICATION_NAME", "river-conformance-harness"},
             {"RIVER_CONFORMANCE_APPLICATION_NAME", "someone-else"}}) {
        adapter_process refused(url, {{name, value}});
        EXPECT_EQ(refused.finish(), 1) << name << "=" << value;
    }
    adapter_process accepted(url, {{"RIVER_CONFORMANCE_PROFILE", "insert-only-v1"},
                                   {"RIVER_CONFORMANCE_DATABASE_KIND", "postgres"},
                                   {"RIVER_CONFORMANCE_APPLICATION_NAME", "river-conformance-cpp-42-1"}});
    EXPECT_EQ(accepted.result("handshake").as_object().at("application_name").as_string(), "river-conformance-cpp-42-1");
    EXPECT_EQ(accepted.finish(), 0);
}

}  // namespace
}  // namespace riverqueue::testing
