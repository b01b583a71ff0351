// Decoding river_job rows from PostgreSQL's binary format, fed hand-built
// cells: big-endian integers, jsonb's version byte, one-dimensional arrays in
// PostgreSQL's binary array layout, bit(8).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/insert_sql.hpp"
#include "core/row_decoder.hpp"
#include "core/time_format.hpp"

namespace riverqueue::core {
namespace {

std::string big_endian(std::uint64_t value, std::size_t width) {
    std::string out(width, '\0');
    for (std::size_t i = 0; i < width; ++i) out[width - 1 - i] = static_cast<char>((value >> (8 * i)) & 0xFF);
    return out;
}
std::string int2(std::int16_t v) { return big_endian(static_cast<std::uint16_t>(v), 2); }
std::string int4(std::int32_t v) { return big_endian(static_cast<std::uint32_t>(v), 4); }
std::string int8(std::int64_t v) { return big_endian(static_cast<std::uint64_t>(v), 8); }
std::string jsonb(std::string_view text) { return "\x01" + std::string(text); }
// timestamptz: microseconds since 2000-01-01 UTC.
std::string timestamptz(std::int64_t micros_since_2000) { return int8(micros_since_2000); }

constexpr std::int32_t text_oid = 25;
constexpr std::int32_t jsonb_oid = 3802;

// A one-dimensional binary array; std::nullopt elements are NULL.
std::string binary_array(std::int32_t element_oid, std::initializer_list<std::optional<std::string>> elements) {
    if (elements.size() == 0) return int4(0) + int4(0) + int4(element_oid);
    bool has_null = false;
    std::string body;
    for (const auto& element : elements) {
        if (element) {
            body += int4(static_cast<std::int32_t>(element->size())) + *element;
        } else {
            has_null = true;
            body += int4(-1);
        }
    }
    return int4(1) + int4(has_null ? 1 : 0) + int4(element_oid) + int4(static_cast<std::int32_t>(elements.size())) +
           int4(1) + body;
}

std::string bit8(std::uint8_t mask) { return int4(8) + std::string(1, static_cast<char>(mask)); }

// A valid row with every nullable column NULL; tests fill in or break cells.
std::vector<binary_cell> minimal_row(std::vector<std::string>& storage) {
    storage = {int8(7),      jsonb("{}"),      int2(0),       timestamptz(0), "kind_a",
               int2(25),     jsonb("{}"),      int2(1),       "default",      "available",
               timestamptz(1)};
    return {storage[0], storage[1], storage[2], std::nullopt, std::nullopt, storage[3], std::nullopt,
            std::nullopt, storage[4], storage[5], storage[6], storage[7], storage[8], storage[9],
            storage[10], std::nullopt, std::nullopt, std::nullopt};
}

time_point at(std::string_view text) { return parse_rfc3339(text).value(); }

TEST(RowDecoder, CellCountMatchesColumnList) {
    std::vector<std::string> storage;
    EXPECT_EQ(minimal_row(storage).size(), static_cast<std::size_t>(job_column_count));
}

TEST(RowDecoder, DecodesAFullRow) {
    std::array<std::uint8_t, 32> key{};
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(0xE0 + i);
    const std::string error1 = jsonb(
        R"({"at":"2026-01-02T03:04:05.123456Z","attempt":1,"error":"boom \"quoted\"","trace":"line 1\nline 2"})");
    const std::string error2 = jsonb(R"({"attempt":2,"error":"again","at":"2026-01-02T04:00:00+01:00","extra":[1]})");
    const std::vector<std::string> cells = {
        int8(0x0102030405060708),
        jsonb(R"({"b": 1, "a": "x"})"),
        int2(2),
        timestamptz(1'000'000),
        binary_array(text_oid, {"host-1", "worker \"2\""}),
        timestamptz(-1),
        binary_array(jsonb_oid, {error1, error2}),
        timestamptz(3'000'000),
        "send_email",
        int2(25),
        jsonb(R"({"m": true})"),
        int2(4),
        "priority_emails",
        "completed",
        timestamptz(2'000'000),
        binary_array(text_oid, {"tag-a", "tag_b"}),
        std::string(reinterpret_cast<const char*>(key.data()), key.size()),
        bit8(0xF5),
    };
    std::vector<binary_cell> row(cells.begin(), cells.end());
    const job_row job = decode_job_row(row);

    EXPECT_EQ(job.id, 0x0102030405060708);
    EXPECT_EQ(job.args, R"({"b": 1, "a": "x"})");
    EXPECT_EQ(job.attempt, 2);
    EXPECT_EQ(job.attempted_at, at("2000-01-01T00:00:01Z"));
    EXPECT_EQ(job.attempted_by, (std::vector<std::string>{"host-1", "worker \"2\""}));
    EXPECT_EQ(job.created_at, at("1999-12-31T23:59:59.999999Z"));
    ASSERT_EQ(job.errors.size(), 2u);
    EXPECT_EQ(job.errors[0], (attempt_error{at("2026-01-02T03:04:05.123456Z"), 1, "boom \"quoted\"", "line 1\nline 2"}));
    EXPECT_EQ(job.errors[1], (attempt_error{at("2026-01-02T03:00:00Z"), 2, "again", ""}));
    EXPECT_EQ(job.finalized_at, at("2000-01-01T00:00:03Z"));
    EXPECT_EQ(job.kind, "send_email");
    EXPECT_EQ(job.max_attempts, 25);
    EXPECT_EQ(job.metadata, R"({"m": true})");
    EXPECT_EQ(job.priority, 4);
    EXPECT_EQ(job.queue, "priority_emails");
    EXPECT_EQ(job.state, job_state::completed);
    EXPECT_EQ(job.scheduled_at, at("2000-01-01T00:00:02Z"));
    EXPECT_EQ(job.tags, (std::vector<std::string>{"tag-a", "tag_b"}));
    EXPECT_EQ(job.unique_key, key);
    // 0xF5: River's default states, every state but cancelled and discarded.
    EXPECT_EQ(job.unique_states,
              (std::vector<job_state>{job_state::available, job_state::completed, job_state::pending,
                                      job_state::retryable, job_state::running, job_state::scheduled}));
}

TEST(RowDecoderText, DecodesAFullRow) {
    // The text forms job_columns(..., text) selects.
    const std::vector<std::string> cells = {
        "72623859790382856",
        R"({"a": "x", "b": 1})",
        "2",
        "946684801000000",
        R"(["host-1","worker \"2\""])",
        "-1",
        R"([{"at":"2026-01-02T03:04:05.123456Z","attempt":1,"error":"boom","trace":"line 1\nline 2"}])",
        "946684803000000",
        "send_email",
        "25",
        R"({"m": true})",
        "4",
        "priority_emails",
        "completed",
        "1798761600000000",
        R"(["tag-a","tag_b"])",
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "11110101",
    };
    std::vector<binary_cell> row(cells.begin(), cells.end());
    const job_row job = decode_job_row_text(row);
    EXPECT_EQ(job.id, 0x0102030405060708);
    EXPECT_EQ(job.args, R"({"a": "x", "b": 1})");
    EXPECT_EQ(job.attempt, 2);
    EXPECT_EQ(job.attempted_at, at("2000-01-01T00:00:01Z"));
    EXPECT_EQ(job.attempted_by, (std::vector<std::string>{"host-1", "worker \"2\""}));
    EXPECT_EQ(job.created_at, at("1969-12-31T23:59:59.999999Z"));
    ASSERT_EQ(job.errors.size(), 1u);
    EXPECT_EQ(job.errors[0], (attempt_error{at("2026-01-02T03:04:05.123456Z"), 1, "boom", "line 1\nline 2"}));
    EXPECT_EQ(job.finalized_at, at("2000-01-01T00:00:03Z"));
    EXPECT_EQ(job.state, job_state::completed);
    EXPECT_EQ(job.scheduled_at, at("2027-01-01T00:00:00Z"));
    EXPECT_EQ(job.tags, (std::vector<std::string>{"tag-a", "tag_b"}));
    ASSERT_TRUE(job.unique_key.has_value());
    EXPECT_EQ((*job.unique_key)[0], 0xE0);
    EXPECT_EQ((*job.unique_key)[31], 0xFF);
    EXPECT_EQ(job.unique_states,
              (std::vector<job_state>{job_state::available, job_state::completed, job_state::pending,
                                      job_state::retryable, job_state::running, job_state::scheduled}));
    EXPECT_TRUE(decode_bool_text("t"));
    EXPECT_FALSE(decode_bool_text("f"));
    EXPECT_THROW(decode_bool_text("true"), error);
}

TEST(RowDecoderText, MalformedCellsAreRejected) {
    const std::vector<std::string> good = {"1", "{}", "0", "0", "[]", "0", "[]", "0", "k", "25", "{}", "1",
                                           "q", "available", "0", "[]", std::string(64, 'a'), "00000001"};
    const std::vector<std::pair<std::size_t, std::string>> broken = {
        {0, "12x"}, {3, "1.5"}, {4, "{}"}, {4, "[1]"}, {6, "[{"}, {13, "done"}, {16, std::string(63, 'a')},
        {16, std::string(64, 'G')}, {17, "0000001"}, {17, "00000002"},
        // smallint columns (attempt, max_attempts, priority) beyond a smallint
        // were cut to an int instead (found by fuzz/row_decoder)
        {2, "32768"}, {9, "17673230045678900"}, {11, "-32769"},
    };
    for (const auto& [column, text] : broken) {
        std::vector<std::string> cells = good;
        cells[column] = text;
        std::vector<binary_cell> row(cells.begin(), cells.end());
        EXPECT_THROW(decode_job_row_text(row), error) << "column " << column << ": " << text;
    }
    std::vector<binary_cell> row(good.begin(), good.end());
    EXPECT_NO_THROW(decode_job_row_text(row));
    std::vector<std::string> limits = good;
    limits[2] = "32767";
    limits[11] = "-32768";
    std::vector<binary_cell> limits_row(limits.begin(), limits.end());
    const job_row job = decode_job_row_text(limits_row);
    EXPECT_EQ(job.attempt, 32767);
    EXPECT_EQ(job.priority, -32768);
}

TEST(RowDecoder, NullColumnsLeaveDefaults) {
    std::vector<std::string> storage;
    const job_row job = decode_job_row(minimal_row(storage));
    EXPECT_EQ(job.id, 7);
    EXPECT_FALSE(job.attempted_at);
    EXPECT_TRUE(job.attempted_by.empty());
    EXPECT_TRUE(job.errors.empty());
    EXPECT_FALSE(job.finalized_at);
    EXPECT_TRUE(job.tags.empty());
    EXPECT_FALSE(job.unique_key);
    EXPECT_FALSE(job.unique_states);
    EXPECT_EQ(job.created_at, at("2000-01-01T00:00:00Z"));
    EXPECT_EQ(job.scheduled_at, at("2000-01-01T00:00:00.000001Z"));
}

TEST(RowDecoder, EmptyArraysAndSmallIntegers) {
    std::vector<std::string> storage;
    auto row = minimal_row(storage);
    const std::string empty_tags = binary_array(text_oid, {});
    const std::string negative_attempt = int2(-2);
    const std::string big_priority = int2(32767);
    const std::string negative_id = int8(-5);
    const std::string states = bit8(0x01);
    row[15] = empty_tags;
    row[2] = negative_attempt;
    row[11] = big_priority;
    row[0] = negative_id;
    row[17] = states;
    const job_row job = decode_job_row(row);
    EXPECT_TRUE(job.tags.empty());
    EXPECT_EQ(job.attempt, -2);
    EXPECT_EQ(job.priority, 32767);
    EXPECT_EQ(job.id, -5);
    EXPECT_EQ(job.unique_states, std::vector<job_state>{job_state::available});
}

TEST(RowDecoder, EveryStateNameDecodes) {
    for (job_state state : all_job_states) {
        std::vector<std::string> storage;
        auto row = minimal_row(storage);
        const std::string name(to_string(state));
        row[13] = name;
        EXPECT_EQ(decode_job_row(row).state, state) << name;
    }
}

TEST(RowDecoder, DecodeBool) {
    EXPECT_TRUE(decode_bool(std::string(1, '\x01')));
    EXPECT_FALSE(decode_bool(std::string(1, '\0')));
    EXPECT_THROW(decode_bool(""), error);
    EXPECT_THROW(decode_bool("\x01\x01"), error);
}

struct broken_cell {
    const char* what;
    std::size_t column;
    std::optional<std::string> bytes;
};

void PrintTo(const broken_cell& cell, std::ostream* os) { *os << cell.what; }

class RowDecoderRejects : public ::testing::TestWithParam<broken_cell> {};

TEST_P(RowDecoderRejects, MalformedCell) {
    std::vector<std::string> storage;
    auto row = minimal_row(storage);
    const broken_cell& broken = GetParam();
    row[broken.column] = broken.bytes ? binary_cell(*broken.bytes) : std::nullopt;
    EXPECT_THROW(decode_job_row(row), error) << broken.what;
}

INSTANTIATE_TEST_SUITE_P(
    Cells, RowDecoderRejects,
    ::testing::Values(
        broken_cell{"NULL id", 0, std::nullopt}, broken_cell{"int8 of 4 bytes", 0, int4(7)},
        broken_cell{"int2 of 4 bytes", 2, int4(1)}, broken_cell{"int2 of 1 byte", 9, std::string(1, '\x19')},
        broken_cell{"NULL args", 1, std::nullopt}, broken_cell{"jsonb version 2", 1, "\x02{}"},
        broken_cell{"jsonb without version byte", 10, ""}, broken_cell{"NULL kind", 8, std::nullopt},
        broken_cell{"NULL queue", 12, std::nullopt}, broken_cell{"unknown state", 13, "finished"},
        broken_cell{"NULL state", 13, std::nullopt}, broken_cell{"NULL created_at", 5, std::nullopt},
        broken_cell{"short timestamp", 14, int4(0)},
        broken_cell{"unique_key of 31 bytes", 16, std::string(31, 'k')},
        broken_cell{"bit(7)", 17, int4(7) + "\x01"}, broken_cell{"bit(8) without its byte", 17, int4(8)},
        broken_cell{"truncated array header", 15, int4(1) + int4(0)},
        broken_cell{"element longer than the array", 15,
                    int4(1) + int4(0) + int4(text_oid) + int4(1) + int4(1) + int4(10) + "abc"},
        broken_cell{"missing element", 15, int4(1) + int4(0) + int4(text_oid) + int4(2) + int4(1) + int4(1) + "a"},
        broken_cell{"negative array length", 15, int4(1) + int4(0) + int4(text_oid) + int4(-1) + int4(1)},
        // A length claiming far more elements than the cell holds is refused
        // before anything is sized by it (it used to reserve 48 GiB: found by
        // fuzz/row_decoder).
        broken_cell{"array length beyond its data", 15,
                    int4(1) + int4(0) + int4(text_oid) + int4(INT32_MAX) + int4(1) + int4(1) + "a"},
        broken_cell{"two-dimensional array", 15,
                    int4(2) + int4(0) + int4(text_oid) + int4(1) + int4(1) + int4(1) + int4(1) + int4(1) + "a"},
        broken_cell{"NULL tag", 15, binary_array(text_oid, {"a", std::nullopt})},
        broken_cell{"NULL attempted_by element", 4, binary_array(text_oid, {std::nullopt})},
        broken_cell{"NULL errors element", 6, binary_array(jsonb_oid, {std::nullopt})},
        broken_cell{"errors element of jsonb version 0", 6, binary_array(jsonb_oid, {std::string("\0{}", 3)})},
        broken_cell{"errors element that is not JSON", 6, binary_array(jsonb_oid, {jsonb("{\"at\":")})},
        broken_cell{"errors[].attempt beyond int", 6, binary_array(jsonb_oid, {jsonb(R"({"attempt":99999999999})")})},
        broken_cell{"errors[].attempt with a fraction", 6, binary_array(jsonb_oid, {jsonb(R"({"attempt":1.5})")})},
        broken_cell{"errors[].at that is not a time", 6,
                    binary_array(jsonb_oid, {jsonb(R"({"at":"yesterday","attempt":1})")})}));

TEST(RowDecoder, TooFewCellsAreRejected) {
    std::vector<std::string> storage;
    auto row = minimal_row(storage);
    row.pop_back();
    EXPECT_THROW(decode_job_row(row), error);
}

}  // namespace
}  // namespace riverqueue::core
