// Times: Go's Truncate (counted from Go's zero time, 0001-01-01), RFC 3339
// parsing and the text forms sent to PostgreSQL. Expected truncations were
// printed by Go 1.26 (time.Parse(RFC3339Nano, t).Truncate(d).UTC()).
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
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
        // (Periods under a second, which unique_opts refuses, would see the
        // input's nanoseconds, which a time_point, in microseconds, drops.)
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
    // Nanoseconds are rounded down to a microsecond, as pgx sends a Go time.
    EXPECT_EQ(unix_nanos(at("2024-01-02T03:04:05.123456789Z")), 1704164645LL * 1'000'000'000 + 123'456'000);
    EXPECT_EQ(unix_nanos(at("1969-12-31T23:59:59.9999999Z")), -1000);
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
    // Every field at its widest, and years beyond four digits as printf's %04d writes them.
    EXPECT_EQ(format_rfc3339_micros(at("0001-01-01T00:00:00Z")), "0001-01-01T00:00:00.000000Z");
    EXPECT_EQ(format_rfc3339_micros(at("9999-12-31T23:59:59.999999Z")), "9999-12-31T23:59:59.999999Z");
    using namespace std::chrono;
    EXPECT_EQ(format_rfc3339_micros(time_point_cast<microseconds>(sys_days{year{12345} / 6 / 7})),
              "12345-06-07T00:00:00.000000Z");
    EXPECT_EQ(format_rfc3339_micros(time_point_cast<microseconds>(sys_days{year{-1} / 1 / 1} + 1s)),
              "-001-01-01T00:00:01.000000Z");
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

// The whole range River Go stores, across the edges of 64-bit nanoseconds
// since 1970 (1677-09-21 and 2262-04-11), which the time type must not wrap at.
TEST(TimeRange, EveryEdgeRoundTripsThroughTextAndPostgresMicros) {
    for (const char* text : {"0001-01-01T00:00:00Z", "1677-09-21T00:12:43Z", "1677-09-21T00:12:44Z",
                             "1678-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z",
                             "2262-04-11T23:47:16Z", "2262-04-11T23:47:17Z", "2263-01-01T00:00:00Z",
                             "9999-12-31T23:59:59.999999Z"}) {
        SCOPED_TRACE(text);
        const time_point t = at(text);
        EXPECT_EQ(riverqueue::format_rfc3339(t), text);
        EXPECT_EQ(format_rfc3339_micros(t).substr(0, 19), std::string(text).substr(0, 19));
        // As PostgreSQL's binary timestamptz would carry it.
        const auto micros_since_2000 = (t - std::chrono::sys_days{std::chrono::year{2000} / 1 / 1}).count();
        EXPECT_EQ(from_postgres_micros(micros_since_2000), t);
    }
    // Ordered, as instants, across the old wrap points.
    EXPECT_LT(at("2262-04-11T23:47:16Z"), at("2262-04-11T23:47:17Z"));
    EXPECT_LT(at("1677-09-21T00:12:43Z"), at("1677-09-21T00:12:44Z"));
    EXPECT_LT(at("0001-01-01T00:00:00Z"), at("9999-12-31T23:59:59Z"));
}

TEST(TimeRange, TruncationBeyondNanosecondRangeIsGos) {
    // Go: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Truncate(time.Hour), and so on.
    EXPECT_EQ(format_rfc3339_seconds(truncate_like_go(at("9999-12-31T23:59:59Z"), 1h)), "9999-12-31T23:00:00Z");
    EXPECT_EQ(format_rfc3339_seconds(truncate_like_go(at("0001-01-01T05:00:00Z"), 24h)), "0001-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339_seconds(truncate_like_go(at("2262-04-11T23:47:17Z"), 1h)), "2262-04-11T23:00:00Z");
    EXPECT_EQ(format_rfc3339_seconds(truncate_like_go(at("1677-09-21T00:12:43Z"), 1h)), "1677-09-21T00:00:00Z");
}

TEST(TimeRange, RiverRangeIsYearsOneToNineThousandNineHundredNinetyNine) {
    EXPECT_TRUE(within_river_range(at("0001-01-01T00:00:00Z")));
    EXPECT_TRUE(within_river_range(at("9999-12-31T23:59:59.999999Z")));
    EXPECT_FALSE(within_river_range(earliest_river_time - std::chrono::microseconds{1}));
    EXPECT_FALSE(within_river_range(latest_river_time + std::chrono::microseconds{1}));
    // PostgreSQL's 'infinity' (the largest int64) reads as the largest time, not a wrapped one.
    EXPECT_EQ(from_postgres_micros(std::numeric_limits<std::int64_t>::max()), time_point::max());
}

}  // namespace
}  // namespace riverqueue::core
