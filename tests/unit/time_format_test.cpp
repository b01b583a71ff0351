// Times: Go's Truncate (counted from Go's zero time, 0001-01-01), RFC 3339
// parsing and the text forms sent to PostgreSQL. Expected truncations were
// printed by Go 1.26 (time.Parse(RFC3339Nano, t).Truncate(d).UTC()).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <riverqueue/time.hpp>

#include "core/time_format.hpp"

namespace riverqueue::core {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

time_point at(std::string_view text) {
    const auto parsed = parse_rfc3339(text);
    EXPECT_TRUE(parsed) << text;
    return parsed.value_or(time_point{});
}

// Nanoseconds since the Unix epoch, for exact comparisons.
long long unix_nanos(time_point t) {
    return static_cast<long long>(std::chrono::duration_cast<nanoseconds>(t.time_since_epoch()).count());
}

TEST(TruncateLikeGo, CountsFromGoZeroTime) {
    struct truncation {
        const char* time;
        nanoseconds period;
        const char* go_result;
    };
    const truncation cases[] = {
        {"2026-03-04T05:06:07.891011123Z", 1000000000ns, "2026-03-04T05:06:07Z"},
        {"2026-03-04T05:06:07.891011123Z", 7000000000ns, "2026-03-04T05:06:03Z"},
        {"2026-03-04T05:06:07.891011123Z", 660000000000ns, "2026-03-04T05:02:00Z"},
        {"2026-03-04T05:06:07.891011123Z", 5400000000000ns, "2026-03-04T04:30:00Z"},
        {"2026-03-04T05:06:07.891011123Z", 86400000000000ns, "2026-03-04T00:00:00Z"},
        {"2026-03-04T05:06:07.891011123Z", 604800000000000ns, "2026-03-02T00:00:00Z"},
        {"2026-03-04T05:06:07.891011123Z", 1500000000ns, "2026-03-04T05:06:07.5Z"},
        {"2026-03-04T05:06:07.891011123Z", 13ns, "2026-03-04T05:06:07.891011114Z"},
        {"1970-01-01T00:00:00Z", 7000000000ns, "1969-12-31T23:59:56Z"},
        {"1970-01-01T00:00:00Z", 604800000000000ns, "1969-12-29T00:00:00Z"},
        {"1969-12-31T23:59:59.5Z", 3600000000000ns, "1969-12-31T23:00:00Z"},
        {"1969-12-31T23:59:59.5Z", 7000000000ns, "1969-12-31T23:59:56Z"},
        {"1900-06-15T12:34:56Z", 604800000000000ns, "1900-06-11T00:00:00Z"},
        {"2026-03-02T00:00:00Z", 604800000000000ns, "2026-03-02T00:00:00Z"},
        {"2026-03-04T10:36:07+05:30", 3600000000000ns, "2026-03-04T05:00:00Z"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(unix_nanos(truncate_like_go(at(c.time), c.period)), unix_nanos(at(c.go_result)))
            << c.time << " truncated to " << c.period.count() << "ns";
    }
}

TEST(ParseRfc3339, ReadsFractionsAndOffsets) {
    EXPECT_EQ(unix_nanos(at("1970-01-01T00:00:00Z")), 0);
    EXPECT_EQ(unix_nanos(at("2024-01-02T03:04:05Z")), 1704164645LL * 1'000'000'000);
    EXPECT_EQ(unix_nanos(at("2024-01-02T03:04:05.5Z")), 1704164645LL * 1'000'000'000 + 500'000'000);
    EXPECT_EQ(unix_nanos(at("2024-01-02T03:04:05.123456789Z")), 1704164645LL * 1'000'000'000 + 123'456'789);
    EXPECT_EQ(unix_nanos(at("2024-01-02T08:34:05+05:30")), unix_nanos(at("2024-01-02T03:04:05Z")));
    EXPECT_EQ(unix_nanos(at("2024-01-01T22:04:05.25-05:00")), unix_nanos(at("2024-01-02T03:04:05.25Z")));
    EXPECT_EQ(unix_nanos(at("2024-01-02T03:04:05+00:00")), unix_nanos(at("2024-01-02T03:04:05Z")));
    EXPECT_EQ(unix_nanos(at("1969-12-31T23:59:59.999999Z")), -1000);
    EXPECT_EQ(unix_nanos(at("2024-02-29T00:00:00Z")) - unix_nanos(at("2024-02-28T00:00:00Z")), 86400LL * 1'000'000'000);
}

TEST(ParseRfc3339, RejectsMalformedTimes) {
    for (const char* bad : {"", "2024-01-02", "2024-01-02T03:04:05", "2024-01-02T03:04Z", "2024-01-02T03:04:05.Z",
                            "2024-01-02T03:04:05+0530", "2024-01-02T03:04:05+05", "2024-01-02T03:04:05Zjunk",
                            "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
                            "2024-01-02T24:00:00Z", "2024-01-02T03:60:00Z", "24-01-02T03:04:05Z",
                            "2024/01/02T03:04:05Z", "2024-01-02T03:04:05 Z", "2024-01-02T03:04:05.12a3Z"}) {
        EXPECT_FALSE(parse_rfc3339(bad)) << bad;
    }
}

TEST(ParseRfc3339, PublicFunctionIsTheSame) {
    EXPECT_EQ(riverqueue::parse_rfc3339("2024-01-02T03:04:05.5+01:00"), parse_rfc3339("2024-01-02T02:04:05.5Z"));
    EXPECT_FALSE(riverqueue::parse_rfc3339("yesterday"));
}

TEST(FormatRfc3339, SecondsDropTheFraction) {
    EXPECT_EQ(format_rfc3339_seconds(at("2026-03-04T05:06:07.999999999Z")), "2026-03-04T05:06:07Z");
    EXPECT_EQ(format_rfc3339_seconds(at("2026-03-04T10:36:07+05:30")), "2026-03-04T05:06:07Z");
    EXPECT_EQ(format_rfc3339_seconds(at("1969-12-31T23:59:59.5Z")), "1969-12-31T23:59:59Z");
    EXPECT_EQ(format_rfc3339_seconds(at("1900-01-01T00:00:00Z")), "1900-01-01T00:00:00Z");
}

TEST(FormatRfc3339, MicrosecondsForPostgres) {
    EXPECT_EQ(format_rfc3339_micros(at("2026-03-04T05:06:07Z")), "2026-03-04T05:06:07.000000Z");
    EXPECT_EQ(format_rfc3339_micros(at("2026-03-04T05:06:07.1234569Z")), "2026-03-04T05:06:07.123456Z");
    EXPECT_EQ(format_rfc3339_micros(at("2026-03-04T05:06:07.5-01:00")), "2026-03-04T06:06:07.500000Z");
    // Sub-microsecond parts round down, as River Go's driver (pgx) sends them,
    // before 1970 too.
    EXPECT_EQ(format_rfc3339_micros(at("1969-12-31T23:59:59.9999995Z")), "1969-12-31T23:59:59.999999Z");
    EXPECT_EQ(format_rfc3339_micros(at("1960-06-01T12:00:00.0000001Z")), "1960-06-01T12:00:00.000000Z");
}

TEST(FormatRfc3339, PublicFormTrimsTrailingZeros) {
    EXPECT_EQ(riverqueue::format_rfc3339(at("2026-03-04T05:06:07Z")), "2026-03-04T05:06:07Z");
    EXPECT_EQ(riverqueue::format_rfc3339(at("2026-03-04T05:06:07.5Z")), "2026-03-04T05:06:07.5Z");
    EXPECT_EQ(riverqueue::format_rfc3339(at("2026-03-04T05:06:07.120Z")), "2026-03-04T05:06:07.12Z");
    EXPECT_EQ(riverqueue::format_rfc3339(at("2026-03-04T05:06:07.123456789Z")), "2026-03-04T05:06:07.123456Z");
    EXPECT_EQ(riverqueue::format_rfc3339(at("2026-03-04T05:06:07.000000999Z")), "2026-03-04T05:06:07Z");
}

TEST(FormatRfc3339, RoundTripsThroughParse) {
    for (const char* text : {"2026-03-04T05:06:07Z", "2000-02-29T23:59:59.000001Z", "1970-01-01T00:00:00Z",
                             "1969-07-20T20:17:40.5Z"}) {
        EXPECT_EQ(riverqueue::format_rfc3339(at(text)), text);
    }
}

TEST(FromPostgresMicros, CountsFrom2000) {
    EXPECT_EQ(format_rfc3339_micros(from_postgres_micros(0)), "2000-01-01T00:00:00.000000Z");
    EXPECT_EQ(format_rfc3339_micros(from_postgres_micros(1)), "2000-01-01T00:00:00.000001Z");
    EXPECT_EQ(format_rfc3339_micros(from_postgres_micros(-1)), "1999-12-31T23:59:59.999999Z");
    EXPECT_EQ(format_rfc3339_micros(from_postgres_micros(825303967891011LL)), "2026-02-25T03:06:07.891011Z");
}

}  // namespace
}  // namespace riverqueue::core
