// The insert statement and its parameters, built without a server.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/binary_array.hpp"
#include "core/insert_sql.hpp"
#include "core/jsonb_text.hpp"
#include "core/time_format.hpp"

namespace riverqueue::core {
namespace {

std::string element(std::string_view text) {
    std::string out;
    append_array_element(out, text);
    return out;
}

resolved_job job_in(std::string queue, job_state state) {
    resolved_job job;
    job.kind = "k";
    job.args = "{}";
    job.metadata = "{}";
    job.queue = std::move(queue);
    job.state = state;
    return job;
}

std::size_t count_of(const std::string& haystack, std::string_view needle) {
    std::size_t count = 0;
    for (std::size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++count;
    return count;
}

TEST(InsertSql, ArrayElementsAreQuotedAndEscaped) {
    EXPECT_EQ(element("abc"), R"("abc")");
    EXPECT_EQ(element(""), R"("")");
    // NULL as text must not read as a NULL element.
    EXPECT_EQ(element("NULL"), R"("NULL")");
    EXPECT_EQ(element(R"({"a": "b\"c"})"), R"("{\"a\": \"b\\\"c\"}")");
    EXPECT_EQ(element(R"(back\slash)"), R"("back\\slash")");
    EXPECT_EQ(element("comma, {brace} and space"), R"("comma, {brace} and space")");
    EXPECT_EQ(element("\u00e9\n"), "\"\u00e9\n\"");
}

TEST(InsertSql, NotificationPayloadIsRiversBytes) {
    EXPECT_EQ(insert_notification_payload("default"), R"({"queue": "default"})");
    EXPECT_EQ(insert_notification_payload("a|b-c_d"), R"({"queue": "a|b-c_d"})");
}

TEST(InsertSql, QueuesToNotifyAreDistinctAvailableQueuesInOrder) {
    const std::vector<resolved_job> jobs = {
        job_in("q2", job_state::available), job_in("later", job_state::scheduled),
        job_in("held", job_state::pending),  job_in("q1", job_state::available),
        job_in("q2", job_state::available), job_in("held", job_state::pending),
        job_in("later", job_state::scheduled), job_in("q1", job_state::available),
    };
    EXPECT_EQ(queues_to_notify(jobs), (std::vector<std::string>{"q2", "q1"}));
    EXPECT_TRUE(queues_to_notify(std::vector<resolved_job>{job_in("x", job_state::scheduled)}).empty());
}

TEST(InsertSql, DuplicateDetectionDependsOnServerVersion) {
    EXPECT_EQ(duplicate_detection_for_server(150004), duplicate_detection::xmax);
    EXPECT_EQ(duplicate_detection_for_server(179999), duplicate_detection::xmax);
    EXPECT_EQ(duplicate_detection_for_server(180000), duplicate_detection::returning_old);
}

TEST(InsertSql, JobColumnsInRowOrder) {
    const std::string columns = job_columns("j");
    EXPECT_EQ(columns.rfind("j.id, j.args, j.attempt, ", 0), 0u) << columns;
    EXPECT_EQ(count_of(columns, "j."), static_cast<std::size_t>(job_column_count));
    EXPECT_NE(columns.find("j.unique_key, j.unique_states"), std::string::npos);
}

class BuildInsert : public ::testing::Test {
protected:
    BuildInsert() {
        plain = job_in("default", job_state::available);
        plain.args = R"({"n": "a\"b"})";
        plain.max_attempts = 5;
        plain.priority = 2;
        plain.tags = {"t-1", "t_2"};
        plain.created_at = *parse_rfc3339("2026-03-04T05:06:07.891011Z");
        plain.scheduled_at = plain.created_at;
        unique = job_in("other", job_state::scheduled);
        std::array<std::uint8_t, 32> key{};
        key[0] = 0xAB;
        key[31] = 0x01;
        unique.unique_key = key;
        unique.unique_states = 0xF5;
        unique.scheduled_at = *parse_rfc3339("2027-01-01T00:00:00Z");
        jobs = {&plain, &unique};
    }
    resolved_job plain;
    resolved_job unique;
    std::vector<const resolved_job*> jobs;
};

// A batch sends an array for each column in which some job differs from
// river_job's default: here every one but metadata (both jobs have "{}").
TEST_F(BuildInsert, ArraysOfTheColumnsAwayFromTheirDefaultsWithoutNotification) {
    const sql_statement statement = build_insert("", jobs, {}, duplicate_detection::xmax);
    ASSERT_EQ(statement.params.size(), 11u);
    EXPECT_NE(statement.sql.find("unnest($11::integer[]) AS unique_states"), std::string::npos) << statement.sql;
    EXPECT_EQ(statement.sql.find("$12"), std::string::npos);
    EXPECT_EQ(statement.sql.find("metadata"), statement.sql.find("river_job.metadata") + 10)
        << "metadata only in the returned columns: " << statement.sql;
    EXPECT_EQ(statement.sql.find("pg_notify"), std::string::npos);
    EXPECT_NE(statement.sql.find("INSERT INTO river_job(args, created_at, kind, max_attempts, priority, queue, "
                                 "scheduled_at, state, tags, unique_key, unique_states) SELECT"),
              std::string::npos)
        << statement.sql;
    EXPECT_NE(statement.sql.find("(xmax != 0)"), std::string::npos);
    for (const auto& param : statement.params) EXPECT_FALSE(param.is_null());

    const auto& p = statement.params;
    EXPECT_EQ(p[0].text(), R"({"{\"n\": \"a\\\"b\"}","{}"})");
    EXPECT_EQ(p[1].text(), R"({"2026-03-04T05:06:07.891011Z","1970-01-01T00:00:00.000000Z"})");
    EXPECT_EQ(p[2].text(), R"({"k","k"})");
    EXPECT_EQ(p[3].text(), R"({"5","25"})");
    EXPECT_EQ(p[4].text(), R"({"2","1"})");
    EXPECT_EQ(p[5].text(), R"({"default","other"})");
    EXPECT_EQ(p[6].text(), R"({"2026-03-04T05:06:07.891011Z","2027-01-01T00:00:00.000000Z"})");
    EXPECT_EQ(p[7].text(), R"({"available","scheduled"})");
    EXPECT_EQ(p[8].text(), R"({"t-1,t_2",""})");
    // bytea in hex form; the backslash is escaped inside the array literal.
    EXPECT_EQ(p[9].text(), R"({NULL,"\\xab)" + std::string(60, '0') + R"(01"})");
    EXPECT_EQ(p[10].text(), R"({"0","245"})");
}

// For a driver that takes binary parameters, the same statement with the
// same arrays in PostgreSQL's binary array format.
TEST_F(BuildInsert, BinaryArraysCarryTheSameColumns) {
    const sql_statement text = build_insert("", jobs, {}, duplicate_detection::xmax);
    const sql_statement binary =
        build_insert("", jobs, {}, duplicate_detection::xmax, driver::result_format::binary, param_encoding::binary);
    EXPECT_EQ(binary.sql, text.sql);
    ASSERT_EQ(binary.params.size(), 11u);
    for (const auto& param : binary.params) EXPECT_TRUE(param.is_binary());
    for (const auto& param : text.params) EXPECT_FALSE(param.is_binary());

    // The array of one element per job, in job order.
    const auto array = [](std::uint32_t oid, auto&&... add) {
        binary_array out(oid);
        (add(out), ...);
        return driver::param::binary(std::move(out).finish());
    };
    const auto& p = binary.params;
    EXPECT_EQ(p[0], array(type_oid::jsonb, [](binary_array& a) { a.add_jsonb(R"({"n": "a\"b"})"); },
                          [](binary_array& a) { a.add_jsonb("{}"); }));
    // 2026-03-04T05:06:07.891011Z and the Unix epoch, from 2000-01-01.
    EXPECT_EQ(p[1], array(type_oid::timestamptz, [](binary_array& a) { a.add_int8(825915967891011); },
                          [](binary_array& a) { a.add_int8(-946684800000000); }));
    EXPECT_EQ(p[3], array(type_oid::int2, [](binary_array& a) { a.add_int2(5); },
                          [](binary_array& a) { a.add_int2(25); }));
    EXPECT_EQ(p[7], array(type_oid::text, [](binary_array& a) { a.add_bytes("available"); },
                          [](binary_array& a) { a.add_bytes("scheduled"); }));
    EXPECT_EQ(p[8], array(type_oid::text, [](binary_array& a) { a.add_bytes("t-1,t_2"); },
                          [](binary_array& a) { a.add_bytes(""); }));
    std::string key(32, '\0');
    key[0] = '\xab';
    key[31] = '\x01';
    EXPECT_EQ(p[9], array(type_oid::bytea, [](binary_array& a) { a.add_null(); },
                          [&](binary_array& a) { a.add_bytes(key); }));
    EXPECT_EQ(p[10], array(type_oid::int4, [](binary_array& a) { a.add_int4(0); },
                           [](binary_array& a) { a.add_int4(245); }));
}

// Jobs at every default send only args and kind: the server fills the rest,
// created_at and scheduled_at with its now().
TEST_F(BuildInsert, ABatchAtTheDefaultsSendsArgsAndKindOnly) {
    resolved_job a = job_in("default", job_state::available), b = job_in("default", job_state::available);
    a.created_at = a.scheduled_at = b.created_at = b.scheduled_at = *parse_rfc3339("2026-03-04T05:06:07Z");
    const std::vector<const resolved_job*> both = {&a, &b};
    const sql_statement statement = build_insert("", both, {}, duplicate_detection::xmax);
    ASSERT_EQ(statement.params.size(), 2u);
    EXPECT_NE(statement.sql.find("INSERT INTO river_job(args, kind) SELECT args, kind FROM (SELECT "
                                 "unnest($1::jsonb[]) AS args, unnest($2::text[]) AS kind) AS raw_job_data"),
              std::string::npos)
        << statement.sql;
    EXPECT_EQ(statement.sql.find("ON CONFLICT"), std::string::npos);
}

TEST_F(BuildInsert, NotificationAddsSchemaAndPayloadParameters) {
    const std::vector<std::string> queues = {"default"};
    const sql_statement statement = build_insert("", jobs, queues, duplicate_detection::returning_old);
    ASSERT_EQ(statement.params.size(), 13u);
    EXPECT_NE(statement.sql.find("$13::text[]"), std::string::npos);
    EXPECT_NE(statement.sql.find("pg_notify"), std::string::npos);
    EXPECT_NE(statement.sql.find("(OLD.id IS NOT NULL)"), std::string::npos);
    // No schema: NULL, so that the server uses current_schema().
    EXPECT_TRUE(statement.params[11].is_null());
    EXPECT_EQ(statement.params[12], std::optional<std::string>(R"({"{\"queue\": \"default\"}"})"));
}

TEST_F(BuildInsert, SchemaIsQuotedEverywhere) {
    const std::vector<std::string> queues = {"default"};
    const sql_statement statement = build_insert("My \"Schema\"", jobs, queues, duplicate_detection::xmax);
    EXPECT_NE(statement.sql.find(R"(INSERT INTO "My ""Schema""".river_job()"), std::string::npos) << statement.sql;
    EXPECT_NE(statement.sql.find(R"(state::"My ""Schema""".river_job_state)"), std::string::npos);
    EXPECT_NE(statement.sql.find(R"("My ""Schema""".river_job_state_in_bitmask)"), std::string::npos);
    EXPECT_EQ(count_of(statement.sql, "My"), 3u) << "the schema reaches the notification only as a parameter";
    EXPECT_EQ(statement.params[11], std::optional<std::string>("My \"Schema\""));
}

// One job is a single-row VALUES insert of the columns away from
// river_job's defaults (as a batch's arrays); scheduled at its insert time, it
// leaves created_at and scheduled_at to the server's now(), as River Go does.
TEST_F(BuildInsert, OneJobIsASingleRowValuesInsert) {
    const std::vector<const resolved_job*> one = {&plain};
    const sql_statement statement = build_insert("", one, {}, duplicate_detection::xmax);
    ASSERT_EQ(statement.params.size(), 5u) << "no times, metadata, queue, state or unique columns: " << statement.sql;
    EXPECT_NE(statement.sql.find("INSERT INTO river_job(args, kind, max_attempts, priority, tags) VALUES ($1, $2, $3, "
                                 "$4, $5)"),
              std::string::npos)
        << statement.sql;
    EXPECT_EQ(statement.sql.find("unnest"), std::string::npos);
    EXPECT_EQ(statement.sql.find("ON CONFLICT"), std::string::npos) << "a row without unique_key cannot conflict";
    EXPECT_NE(statement.sql.find("false AS unique_skipped_as_duplicate"), std::string::npos);
    EXPECT_EQ(statement.params[0].text(), R"({"n": "a\"b"})");
    EXPECT_EQ(statement.params[1].text(), "k");
    EXPECT_EQ(statement.params[2].text(), "5");
    EXPECT_EQ(statement.params[3].text(), "2");
    EXPECT_EQ(statement.params[4].text(), R"({"t-1","t_2"})");

    // Scheduled ahead, in another queue and state, unique: all of those are sent.
    const std::vector<const resolved_job*> later = {&unique};
    const sql_statement scheduled = build_insert("", later, {}, duplicate_detection::xmax);
    ASSERT_EQ(scheduled.params.size(), 8u);
    EXPECT_NE(scheduled.sql.find("river_job(args, created_at, kind, queue, scheduled_at, state, unique_key, "
                                 "unique_states) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
              std::string::npos)
        << scheduled.sql;
    EXPECT_EQ(scheduled.params[1].text(), "1970-01-01T00:00:00.000000Z");
    EXPECT_EQ(scheduled.params[3].text(), "other");
    EXPECT_EQ(scheduled.params[4].text(), "2027-01-01T00:00:00.000000Z");
    EXPECT_EQ(scheduled.params[5].text(), "scheduled");

    // At every default: args and kind alone.
    const resolved_job plainest = job_in("default", job_state::available);
    const std::vector<const resolved_job*> defaults = {&plainest};
    const sql_statement least = build_insert("", defaults, {}, duplicate_detection::xmax);
    ASSERT_EQ(least.params.size(), 2u);
    EXPECT_NE(least.sql.find("INSERT INTO river_job(args, kind) VALUES ($1, $2) RETURNING"), std::string::npos)
        << least.sql;
}

// The single-row insert sends borrowed args as they are: its parameter
// refers to the caller's string. A job that owns its args (the asynchronous
// client's, which may go before the statement is sent) gets a copy.
TEST_F(BuildInsert, BorrowedArgsAreSentWithoutACopy) {
    const std::string callers = R"({"blob":")" + std::string(4096, 'x') + R"("})";
    resolved_job job = plain;
    job.args = json_text::borrow(callers);
    const std::vector<const resolved_job*> one = {&job};
    const sql_statement borrowed = build_insert("", one, {}, duplicate_detection::xmax);
    EXPECT_EQ(borrowed.params[0].c_str(), callers.c_str());

    job.args = callers;
    const sql_statement owned = build_insert("", one, {}, duplicate_detection::xmax);
    EXPECT_NE(owned.params[0].c_str(), job.args.str().c_str());
    EXPECT_EQ(owned.params[0].text(), callers);
}

// Args of returned_args_digest_bytes or more, inserted alone, are asked back
// only when the server's text of them differs from the client's rendering:
// the statement gains one parameter, the rendering's SHA-256.
TEST_F(BuildInsert, LargeArgsOfASingleRowAreComparedByDigest) {
    const std::string large = R"({"b":1,"blob":")" + std::string(returned_args_digest_bytes, 'x') + R"("})";
    resolved_job job = plain;
    job.args = json_text::borrow(large);
    const std::vector<const resolved_job*> one = {&job};
    ASSERT_TRUE(elides_returned_args(one));
    const sql_statement statement = build_insert("", one, {}, duplicate_detection::xmax);
    ASSERT_EQ(statement.params.size(), 6U);
    const auto digest = digest_jsonb_text(large);
    ASSERT_TRUE(digest);
    EXPECT_EQ(statement.params[5].text(), hex_bytea(digest->sha256));
    EXPECT_NE(statement.sql.find("CASE WHEN sha256(convert_to(river_job.args::text, 'UTF8')) = $6::bytea THEN NULL "
                                 "ELSE river_job.args END) AS args"),
              std::string::npos)
        << statement.sql;

    // Text the client cannot render: NULL, so the comparison never holds.
    const std::string deep = R"({"blob":")" + std::string(returned_args_digest_bytes, 'x') + R"(","d":)" +
                             std::string(40, '[') + std::string(40, ']') + "}";
    job.args = json_text::borrow(deep);
    EXPECT_TRUE(build_insert("", one, {}, duplicate_detection::xmax).params[5].is_null());

    // Smaller args, and batches, are returned as they are.
    const std::string small = R"({"blob":")" + std::string(returned_args_digest_bytes - 20, 'x') + R"("})";
    job.args = json_text::borrow(small);
    EXPECT_FALSE(elides_returned_args(one));
    EXPECT_EQ(build_insert("", one, {}, duplicate_detection::xmax).sql.find("sha256"), std::string::npos);
    job.args = json_text::borrow(large);
    const resolved_job other = plain;
    const std::vector<const resolved_job*> two = {&job, &other};
    EXPECT_FALSE(elides_returned_args(two));
    EXPECT_EQ(build_insert("", two, {}, duplicate_detection::xmax).sql.find("sha256"), std::string::npos);
}

TEST(DriverParam, NullTextAndReferredText) {
    const driver::param null;
    EXPECT_TRUE(null.is_null());
    EXPECT_EQ(null.c_str(), nullptr);
    EXPECT_EQ(null, driver::param(std::nullopt));
    EXPECT_NE(null, driver::param(""));  // an empty text is not NULL

    std::string text = "abc";
    const driver::param referred = driver::param::refer_to(text);
    EXPECT_FALSE(referred.is_null());
    EXPECT_EQ(referred.c_str(), text.c_str());
    EXPECT_EQ(referred, driver::param("abc"));
    text = "xyz";  // it refers: it reads the text as it is when sent
    EXPECT_EQ(referred.text(), "xyz");

    const driver::param owned(std::optional<std::string>("abc"));
    EXPECT_EQ(owned.text(), "abc");
    EXPECT_EQ(driver::param(std::optional<std::string>()), null);
}

TEST_F(BuildInsert, OneUniqueJobUpsertsWithKeyAndStateBits) {
    const std::vector<const resolved_job*> one = {&unique};
    const std::vector<std::string> queues = {"other"};
    const sql_statement statement = build_insert("", one, queues, duplicate_detection::xmax);
    ASSERT_EQ(statement.params.size(), 10u);
    EXPECT_NE(statement.sql.find("unique_key, unique_states) VALUES ($1,"), std::string::npos) << statement.sql;
    EXPECT_NE(statement.sql.find("ON CONFLICT (unique_key)"), std::string::npos);
    EXPECT_NE(statement.sql.find("(xmax != 0) AS unique_skipped_as_duplicate"), std::string::npos);
    EXPECT_NE(statement.sql.find("$10::text[]"), std::string::npos);
    EXPECT_EQ(statement.params[6].text(), "\\xab" + std::string(60, '0') + "01");
    // 0xF5, most significant bit first, as integer::bit(8) reads it.
    EXPECT_EQ(statement.params[7].text(), "11110101");
}

TEST_F(BuildInsert, BatchWithoutUniqueJobsHasNoConflictClause) {
    const std::vector<const resolved_job*> plain_only = {&plain, &plain};
    const sql_statement statement = build_insert("", plain_only, {}, duplicate_detection::xmax);
    EXPECT_NE(statement.sql.find("unnest($1::jsonb[])"), std::string::npos);
    EXPECT_EQ(statement.sql.find("ON CONFLICT"), std::string::npos);
    EXPECT_NE(build_insert("", jobs, {}, duplicate_detection::xmax).sql.find("ON CONFLICT"), std::string::npos);
}

TEST(InsertSql, TextColumnsDoNotDependOnSessionSettings) {
    const std::string columns = job_columns("j", driver::result_format::text);
    EXPECT_NE(columns.find("(extract(epoch FROM j.created_at) * 1000000)::bigint AS created_at"), std::string::npos)
        << columns;
    EXPECT_NE(columns.find("array_to_json(j.errors)::text AS errors"), std::string::npos);
    EXPECT_NE(columns.find("encode(j.unique_key, 'hex') AS unique_key"), std::string::npos);
    EXPECT_NE(columns.find("j.unique_states::text AS unique_states"), std::string::npos);
    EXPECT_EQ(count_of(columns, " AS "), static_cast<std::size_t>(job_column_count));
}

TEST(BuildNotify, TwoParameters) {
    const std::vector<std::string> queues = {"a", "b"};
    const sql_statement statement = build_notify("s", queues);
    ASSERT_EQ(statement.params.size(), 2u);
    EXPECT_NE(statement.sql.find("pg_notify"), std::string::npos);
    EXPECT_EQ(statement.params[0], std::optional<std::string>("s"));
    EXPECT_EQ(statement.params[1], std::optional<std::string>(R"({"{\"queue\": \"a\"}","{\"queue\": \"b\"}"})"));
}

}  // namespace
}  // namespace riverqueue::core
