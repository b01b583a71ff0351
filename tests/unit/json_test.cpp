// The JSON reader: RFC 8259 with UTF-8 validation, keeping number text,
// member order and duplicate members as written.
#include <gtest/gtest.h>

#include <string>

#include <riverqueue/errors.hpp>

#include "core/json.hpp"
#include "core/validation.hpp"
#include "support/small_stack.hpp"

namespace riverqueue::core::json {
namespace {

std::string decoded_string(std::string_view document) {
    const value v = parse(document);
    EXPECT_EQ(v.type, value_type::string) << document;
    return v.text;
}

TEST(JsonReader, ParsesEveryValueType) {
    const value v = parse(R"( {"n":null,"t":true,"f":false,"i":-12,"s":"x","a":[1,[]],"o":{}} )");
    ASSERT_EQ(v.type, value_type::object);
    ASSERT_EQ(v.members.size(), 7u);
    EXPECT_EQ(v.find("n")->type, value_type::null);
    EXPECT_EQ(v.find("t")->type, value_type::boolean);
    EXPECT_EQ(v.find("t")->text, "true");
    EXPECT_EQ(v.find("f")->text, "false");
    EXPECT_EQ(v.find("i")->type, value_type::number);
    EXPECT_EQ(v.find("s")->type, value_type::string);
    const value& a = *v.find("a");
    ASSERT_EQ(a.type, value_type::array);
    ASSERT_EQ(a.items.size(), 2u);
    EXPECT_EQ(a.items[1].type, value_type::array);
    EXPECT_TRUE(a.items[1].items.empty());
    EXPECT_EQ(v.find("o")->type, value_type::object);
    EXPECT_EQ(v.find("missing"), nullptr);
}

TEST(JsonReader, AcceptsAnyTopLevelValueAndJsonWhitespace) {
    EXPECT_EQ(parse("\t\r\n 7 \n").text, "7");
    EXPECT_EQ(parse("null").type, value_type::null);
    EXPECT_EQ(parse("\"\"").type, value_type::string);
    EXPECT_EQ(parse("[ ]").type, value_type::array);
}

TEST(JsonReader, KeepsNumberTextAsWritten) {
    for (const char* number : {"0", "-0", "-0.0", "1.0", "1.50", "1E21", "1e+21", "1e-07", "123456789012345678901234567890",
                               "0.000001", "-9223372036854775808"}) {
        EXPECT_EQ(parse(number).text, number);
    }
}

TEST(JsonReader, KeepsMemberOrderAndDuplicates) {
    const value v = parse(R"({"z":1,"a":2,"z":3,"m":{"y":1,"b":2}})");
    ASSERT_EQ(v.members.size(), 4u);
    EXPECT_EQ(v.members[0].first, "z");
    EXPECT_EQ(v.members[1].first, "a");
    EXPECT_EQ(v.members[2].first, "z");
    EXPECT_EQ(v.members[2].second.text, "3");
    EXPECT_EQ(v.members[3].second.members[0].first, "y");
    // find() returns the first of duplicated members, as River's reader does.
    EXPECT_EQ(v.find("z")->text, "1");
}

TEST(JsonReader, DecodesEscapes) {
    EXPECT_EQ(decoded_string(R"("\"\\\/\b\f\n\r\t")"), "\"\\/\b\f\n\r\t");
    EXPECT_EQ(decoded_string(R"("\u0041\u00e9\u00E9\u20ac\ud83d\ude00")"), "A\u00e9\u00e9\u20ac\U0001F600");
    EXPECT_EQ(decoded_string(R"("\u0000")"), std::string(1, '\0'));
    // Member names are decoded too.
    EXPECT_EQ(parse(R"({"a\u003cb":1})").members[0].first, "a<b");
}

TEST(JsonReader, LoneSurrogatesBecomeReplacementCharacterLikeGo) {
    const std::string replacement = "\uFFFD";
    EXPECT_EQ(decoded_string(R"("\ud800")"), replacement);
    EXPECT_EQ(decoded_string(R"("\udc00")"), replacement);
    EXPECT_EQ(decoded_string(R"("a\ud800b")"), "a" + replacement + "b");
    // A high surrogate followed by an escape that is not a low surrogate:
    // the high one is replaced, the next escape read on its own.
    EXPECT_EQ(decoded_string(R"("\ud800\u0041")"), replacement + "A");
    EXPECT_EQ(decoded_string(R"("\ud800\ud800\udc00")"), replacement + "\U00010000");
    // Low before high is two lone surrogates.
    EXPECT_EQ(decoded_string(R"("\udc00\ud800")"), replacement + replacement);
}

TEST(JsonReader, AcceptsValidUtf8AndRawDel) {
    EXPECT_EQ(decoded_string("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\""),
              "\u00e9\u20ac\U0001F600\U0010FFFF");
    EXPECT_EQ(decoded_string("\"\x7f\""), "\x7f");
}

class JsonRejects : public ::testing::TestWithParam<std::string> {};

TEST_P(JsonRejects, InvalidDocument) {
    EXPECT_THROW(parse(GetParam()), parse_error);
    EXPECT_THROW(validate(GetParam()), parse_error);
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, JsonRejects,
    ::testing::Values("", " ", "{", "}", "[1,]", "[1 2]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}", "{'a':1}",
                      "{\"a\" 1}", "[", "\"open", "tru", "nul", "True", "NaN", "Infinity", "undefined", "\f{}"));

INSTANTIATE_TEST_SUITE_P(TrailingData, JsonRejects, ::testing::Values("{} {}", "{}x", "1 2", "[]]", "null,", "\"a\"\"b\""));

INSTANTIATE_TEST_SUITE_P(Numbers, JsonRejects,
                         ::testing::Values("01", "-01", "1.", ".5", "+1", "-", "1e", "1e+", "1.e3", "0x10", "1_000",
                                           "--1", "1.5.5"));

INSTANTIATE_TEST_SUITE_P(Escapes, JsonRejects,
                         ::testing::Values(R"("\x")", R"("\a")", R"("\'")", R"("\u12")", R"("\u12G4")", R"("\U0041")",
                                           R"("\")", R"("\u")"));

INSTANTIATE_TEST_SUITE_P(ControlCharacters, JsonRejects,
                         ::testing::Values(std::string("\"a\nb\""), std::string("\"\t\""), std::string("\"\x01\""),
                                           std::string("\"\x1f\""), std::string("\"\0\"", 3)));

INSTANTIATE_TEST_SUITE_P(
    InvalidUtf8, JsonRejects,
    ::testing::Values("\"\xc3\x28\"",          // bad continuation
                      "\"\xff\"",              // never valid
                      "\"\x80\"",              // lone continuation
                      "\"\xe2\x82\"",          // truncated sequence
                      "\"\xc3",                // truncated at end of input
                      "\"\xc0\xaf\"",          // overlong '/'
                      "\"\xc1\xbf\"",          // overlong
                      "\"\xe0\x80\xaf\"",      // overlong, 3 bytes
                      "\"\xf0\x80\x80\xaf\"",  // overlong, 4 bytes
                      "\"\xed\xa0\x80\"",      // UTF-8 encoded surrogate
                      "\"\xf4\x90\x80\x80\"",  // above U+10FFFF
                      "{\"\xc3\x28\":1}"));    // in a member name

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

using test::on_small_stack;

TEST(JsonReader, AcceptsNestingUpToGosLimit) {
    // Go's encoding/json reads 10000 levels and refuses the next.
    static_assert(max_nesting_depth == 10000);
    on_small_stack([] {
        const std::string text = nested_arrays(max_nesting_depth);
        EXPECT_EQ(validate(text), value_type::array);
        const value root = parse(text);
        std::size_t depth = 1;
        for (const value* v = &root; !v->items.empty(); v = &v->items.front()) ++depth;
        EXPECT_EQ(depth, max_nesting_depth);

        std::string objects;
        for (std::size_t i = 0; i < max_nesting_depth; ++i) objects += "{\"a\":";
        objects += "1" + std::string(max_nesting_depth, '}');
        EXPECT_EQ(parse(objects).find("a")->type, value_type::object);
        // Moving over a deep tree gives the old one up without recursing either.
        value replaced = parse(objects);
        replaced = parse(text);
        EXPECT_EQ(replaced.type, value_type::array);
    });
}

TEST(JsonReader, RefusesOneLevelMoreWithWhereAndWhy) {
    for (const std::string& text : {nested_arrays(max_nesting_depth + 1), "{\"a\":" + nested_arrays(max_nesting_depth)}) {
        for (const bool build : {true, false}) {
            try {
                if (build) parse(text);
                else validate(text);
                ADD_FAILURE() << "accepted " << max_nesting_depth + 1 << " levels";
            } catch (const parse_error& e) {
                // The '[' that opens the level too many.
                EXPECT_EQ(text[e.offset()], '[');
                EXPECT_EQ(e.line(), 1u);
                EXPECT_EQ(e.column(), e.offset() + 1);
                EXPECT_EQ(std::string(e.what()), "nesting deeper than 10000 levels at line 1, column " +
                                                     std::to_string(e.offset() + 1));
            }
        }
    }
}

TEST(JsonReader, RefusesAMillionLevelsWithoutExhaustingTheStack) {
    on_small_stack([] {
        const std::size_t million = 1'000'000;
        std::string objects;
        for (std::size_t i = 0; i < million; ++i) objects += "{\"a\":";
        for (const std::string& text : {nested_arrays(million), std::string(million, '['), objects}) {
            EXPECT_THROW(parse(text), parse_error);
            EXPECT_THROW(validate(text, /*storable_in_jsonb=*/true), parse_error);
        }
    });
}

TEST(JsonReader, DepthIsALibraryValidationError) {
    // What insert and compute_unique_key report for args nested too deep.
    try {
        validate_json_object("{\"a\":" + nested_arrays(1'000'000) + "}", "args");
        FAIL() << "accepted";
    } catch (const validation_error& e) {
        EXPECT_EQ(e.field(), "args");
        EXPECT_NE(e.rule().find("nesting deeper than 10000 levels at line 1, column 10005"), std::string::npos)
            << e.rule();
    }
    EXPECT_NO_THROW(validate_json_object("{\"a\":" + nested_arrays(max_nesting_depth - 1) + "}", "args"));
}

TEST(JsonReader, ErrorsSayWhereInLinesAndCharacters) {
    try {
        parse(R"({"a":1,"b":tru})");
        FAIL() << "accepted";
    } catch (const parse_error& e) {
        EXPECT_EQ(e.offset(), 11u);
        EXPECT_EQ(std::string(e.what()), "invalid literal at line 1, column 12");
    }
    try {
        parse("{\n  \"\xc3\xa9\": tru}");  // é is two bytes, one column
        FAIL() << "accepted";
    } catch (const parse_error& e) {
        EXPECT_EQ(e.offset(), 10u);
        EXPECT_EQ(e.line(), 2u);
        EXPECT_EQ(e.column(), 8u);
    }
}

TEST(JsonValidate, ReturnsTheTopLevelType) {
    EXPECT_EQ(validate(R"({"a":[1,2]})"), value_type::object);
    EXPECT_EQ(validate("[]"), value_type::array);
    EXPECT_EQ(validate("\"s\""), value_type::string);
    EXPECT_EQ(validate("-1.5e3"), value_type::number);
    EXPECT_EQ(validate("false"), value_type::boolean);
    EXPECT_EQ(validate(" null "), value_type::null);
}

TEST(JsonValidate, StorableInJsonbRefusesWhatPostgresRefuses) {
    for (const char* text : {R"({"a":"\u0000"})", R"({"a":"\ud800"})", R"({"a":"\udc00x"})", R"({"\u0000":1})"}) {
        EXPECT_NO_THROW(validate(text)) << text;
        EXPECT_THROW(validate(text, /*storable_in_jsonb=*/true), parse_error) << text;
    }
    EXPECT_NO_THROW(validate(R"({"a":"\ud83d\ude00\u0001"})", /*storable_in_jsonb=*/true));
}

}  // namespace
}  // namespace riverqueue::core::json
