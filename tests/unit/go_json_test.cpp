// The Go-style JSON writer: strings, member names and numbers written as Go's
// encoding/json writes the equivalent Go value. Expected float texts were
// printed by Go 1.26 (json.Marshal of strconv.ParseFloat(input, 64)).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/go_json.hpp"
#include "core/json.hpp"
#include "support/small_stack.hpp"

namespace riverqueue::core {
namespace {

std::string go_string(std::string_view text) {
    std::string out;
    go_json::append_string(out, text);
    return out;
}

std::string go_member_name(std::string_view name) {
    std::string out;
    go_json::append_member_name(out, name);
    return out;
}

std::string go_number(std::string_view text) {
    std::string out;
    go_json::append_number(out, text);
    return out;
}

std::string rewritten(std::string_view json_text) {
    std::string out;
    go_json::append_value(out, json::parse(json_text));
    return out;
}

TEST(GoJsonString, EscapesAsEncodingJson) {
    EXPECT_EQ(go_string(""), R"("")");
    EXPECT_EQ(go_string("plain / text"), R"("plain / text")");
    EXPECT_EQ(go_string("<a>&"), R"("\u003ca\u003e\u0026")");
    EXPECT_EQ(go_string("q\"b\\"), R"("q\"b\\")");
    EXPECT_EQ(go_string("\b\f\n\r\t"), R"("\b\f\n\r\t")");
    EXPECT_EQ(go_string(std::string("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
    EXPECT_EQ(go_string("\x0b"), R"("\u000b")");
    // DEL and other non-ASCII characters are written as they are.
    EXPECT_EQ(go_string("\x7f"), "\"\x7f\"");
    EXPECT_EQ(go_string("h\u00e9llo \u2713 \U0001F600"), "\"h\u00e9llo \u2713 \U0001F600\"");
    // U+2028 and U+2029 are escaped, their neighbours U+2027 and U+202A are not.
    EXPECT_EQ(go_string("\u2027\u2028\u2029\u202A"), "\"\u2027\\u2028\\u2029\u202A\"");
}

TEST(GoJsonMemberName, VerbatimUnlessItNeedsEncoding) {
    EXPECT_EQ(go_member_name("a<b&c>"), R"("a<b&c>")");
    EXPECT_EQ(go_member_name("path/key.with:syntax@"), R"("path/key.with:syntax@")");
    EXPECT_EQ(go_member_name(""), R"("")");
    EXPECT_EQ(go_member_name("del\x7f"), "\"del\x7f\"");
    // Anything with a quote, backslash, control character or non-ASCII byte
    // is encoded whole, as encoding/json does (so `<` is escaped then too).
    EXPECT_EQ(go_member_name("a\"b<"), R"("a\"b\u003c")");
    EXPECT_EQ(go_member_name("a\\b"), R"("a\\b")");
    EXPECT_EQ(go_member_name("line\n"), R"("line\n")");
    EXPECT_EQ(go_member_name("\u00e9&"), "\"\u00e9\\u0026\"");
    EXPECT_EQ(go_member_name("a\u2028b"), R"("a\u2028b")");
}

TEST(GoJsonNumber, IntegersKeepTheirDigits) {
    for (const char* text : {"0", "-1", "42", "9223372036854775807", "-9223372036854775808", "18446744073709551615",
                             "123456789012345678901234567890"}) {
        EXPECT_EQ(go_number(text), text);
    }
}

TEST(GoJsonNumber, FloatsAsGoWritesAFloat64) {
    const std::vector<std::pair<const char*, const char*>> cases = {
        {"0.1", "0.1"},
        {"1.0", "1"},
        {"100.0", "100"},
        {"3.0e0", "3"},
        {"123e-2", "1.23"},
        {"-1.5E+3", "-1500"},
        {"0.30000000000000004", "0.30000000000000004"},
        {"123456789.123456789", "123456789.12345679"},
        {"1e21", "1e+21"},
        {"1E21", "1e+21"},
        {"999999999999999999999.0", "1e+21"},
        {"1e20", "100000000000000000000"},
        {"9.999999999999999e20", "999999999999999900000"},
        {"12345678901234567890.0", "12345678901234567000"},
        {"1e+100", "1e+100"},
        {"1.7976931348623157e308", "1.7976931348623157e+308"},
        {"0.000001", "0.000001"},
        {"1e-6", "0.000001"},
        {"2.5e-5", "0.000025"},
        {"9.99e-7", "9.99e-7"},
        {"1e-7", "1e-7"},
        {"2e-7", "2e-7"},
        {"1.0e-10", "1e-10"},
        {"1.5e-10", "1.5e-10"},
        {"5e-324", "5e-324"},
        {"4.9e-324", "5e-324"},
        {"0.0", "0"},
        {"0e0", "0"},
        {"-0.0", "-0"},
    };
    for (const auto& [input, go] : cases) EXPECT_EQ(go_number(input), go) << input;
}

TEST(GoJsonNumber, UnderflowBecomesZeroAsInGo) {
    // Go parses these to (signed) zero without an error.
    EXPECT_EQ(go_number("1e-400"), "0");
    EXPECT_EQ(go_number("2e-324"), "0");
    EXPECT_EQ(go_number("-1e-400"), "-0");
    EXPECT_EQ(go_number("0.0000e-99999999999999999999999"), "0");
    EXPECT_EQ(go_number("-2.4703282292062327e-324"), "-0");
    // Half the smallest denormal and a hair more rounds up to it.
    EXPECT_EQ(go_number("2.4703282292062328e-324"), "5e-324");
}

TEST(GoJsonNumber, OverflowIsRejected) {
    // Go cannot hold these in a float64 either (json.Unmarshal fails).
    for (const char* text : {"1e400", "-1e400", "1.7976931348623159e308", "0.001e999999999999999999"}) {
        EXPECT_THROW(go_number(text), validation_error) << text;
    }
}

TEST(GoJsonValue, CompactKeepingOrderAndDuplicates) {
    EXPECT_EQ(rewritten(" { \"b\" : [ 1.0 , true , null , { } , [ ] ] ,\n \"a\" : \"<\" , \"b\" : -0 } "),
              R"({"b":[1,true,null,{},[]],"a":"\u003c","b":-0})");
    // Nested member names are written as encoding/json writes map keys.
    EXPECT_EQ(rewritten(R"({"a<b":{"\u00e9":1}})"), "{\"a\\u003cb\":{\"\u00e9\":1}}");
    EXPECT_EQ(rewritten(R"("\u00e9\/")"), "\"\u00e9/\"");
    EXPECT_EQ(rewritten("12.50"), "12.5");
}

TEST(GoJsonValue, GoOutputIsAFixedPoint) {
    for (const char* go_output : {R"({"a":0.1,"b":1e+21,"c":"\u003c\u2028","d":[null,false,-0]})", R"([])", R"("")"}) {
        EXPECT_EQ(rewritten(go_output), go_output);
    }
}

// Args may nest json::max_nesting_depth levels; writing them (for a unique key)
// took a call per level, more than a 256 KiB stack holds (found by
// fuzz/go_json_unique_key).
TEST(GoJsonValue, WritesTheDeepestArgsOnASmallStack) {
    const std::size_t depth = json::max_nesting_depth;
    std::string objects;
    for (std::size_t i = 0; i < depth; ++i) objects += "{\"a\":";
    objects += "1.50" + std::string(depth, '}');
    const std::string arrays = std::string(depth - 2, '[') + "[1.0,{}]" + std::string(depth - 2, ']');
    test::on_small_stack([&] {
        std::string expected;
        for (std::size_t i = 0; i < depth; ++i) expected += "{\"a\":";
        expected += "1.5" + std::string(depth, '}');
        EXPECT_EQ(rewritten(objects), expected);
        EXPECT_EQ(rewritten(arrays), std::string(depth - 2, '[') + "[1,{}]" + std::string(depth - 2, ']'));
    });
}

}  // namespace
}  // namespace riverqueue::core
