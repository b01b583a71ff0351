// core::jsonb_text and digest_jsonb_text without a server. That the rendering
// is PostgreSQL's own is shown against a real server in
// tests/integration/jsonb_text_test.cpp; these pin the rules it follows.
#include <gtest/gtest.h>

#include <string>

#include "core/jsonb_text.hpp"
#include "core/sha256.hpp"

namespace riverqueue::core {
namespace {

std::string rendered(std::string_view json) {
    const auto text = jsonb_text(json);
    EXPECT_TRUE(text.has_value()) << json;
    return text.value_or("(none)");
}

TEST(JsonbText, OrdersMembersByLengthThenBytesAndKeepsTheLastOfARepeatedName) {
    EXPECT_EQ(rendered(R"({"b":1,"a":2})"), R"({"a": 2, "b": 1})");
    EXPECT_EQ(rendered(R"({"aa":1,"b":2,"":3})"), R"({"": 3, "b": 2, "aa": 1})");
    EXPECT_EQ(rendered(R"({"a":1,"b":0,"a":{"z":[],"y":{}}})"), R"({"a": {"y": {}, "z": []}, "b": 0})");
    EXPECT_EQ(rendered(R"({"\u00e9":1,"z":2})"), R"({"z": 2, "é": 1})");  // two bytes: longer than "z"
}

TEST(JsonbText, SeparatesItemsAsJsonbWritesThem) {
    EXPECT_EQ(rendered(" [ 1 ,\n2,[ ] , { } ,true,false,null ] "), "[1, 2, [], {}, true, false, null]");
    EXPECT_EQ(rendered("{}"), "{}");
    EXPECT_EQ(rendered(R"("top")"), R"("top")");
}

TEST(JsonbText, WritesNumbersAsNumericDoes) {
    EXPECT_EQ(rendered("[1e2, 1.50, -0, -0.0, 1E-3, 12e-1, 1.5e1, 0.0e-2, -1.25e+2, 1200e-2, 0e5, 7]"),
              "[100, 1.50, 0, 0.0, 0.001, 1.2, 15, 0.000, -125, 12.00, 0, 7]");
    EXPECT_EQ(rendered("123456789012345678901234567890.000000000000000000001"),
              "123456789012345678901234567890.000000000000000000001");
    EXPECT_EQ(rendered("-5e-5"), "-0.00005");
}

TEST(JsonbText, DecodesStringsAndEscapesAsPostgreSQLDoes) {
    EXPECT_EQ(rendered(R"(["\/", "a\tb\n", "\u001f\u0007", "\"\\", "\u00e9", "\ud83d\ude00", "</script>\u2028"])"),
              "[\"/\", \"a\\tb\\n\", \"\\u001f\\u0007\", \"\\\"\\\\\", \"\xC3\xA9\", \"\xF0\x9F\x98\x80\", "
              "\"</script>\xE2\x80\xA8\"]");
    EXPECT_EQ(rendered("\"\\b\\f\\r\""), "\"\\b\\f\\r\"");
}

TEST(JsonbText, AnswersNothingBeyondItsReach) {
    EXPECT_FALSE(jsonb_text(std::string(jsonb_text_max_depth + 1, '[') + std::string(jsonb_text_max_depth + 1, ']')));
    EXPECT_TRUE(jsonb_text(std::string(jsonb_text_max_depth, '[') + std::string(jsonb_text_max_depth, ']')));
    EXPECT_FALSE(jsonb_text("1e1001"));
    EXPECT_TRUE(jsonb_text("1e1000"));
    EXPECT_FALSE(jsonb_text("1e-16384"));
    EXPECT_FALSE(jsonb_text(R"("\u0000")"));  // jsonb refuses it
    EXPECT_FALSE(jsonb_text(R"("\ud800")"));
    EXPECT_FALSE(jsonb_text("{\"a\":1"));
    EXPECT_FALSE(jsonb_text("[1] x"));
    // Found by fuzz/jsonb_text.cpp: bytes that are not UTF-8 were rendered.
    EXPECT_FALSE(jsonb_text("[\"\xc3\xb8\xb8\"]"));
    EXPECT_FALSE(jsonb_text("[\"\xed\xa0\x80\"]"));  // an encoded surrogate
    EXPECT_TRUE(jsonb_text("[\"\xc3\xb8\"]"));
    EXPECT_FALSE(jsonb_text("[01]"));
    EXPECT_FALSE(digest_jsonb_text("1e1001"));
}

TEST(JsonbText, TheDigestIsThatOfTheRendering) {
    std::string large = R"({"z":")";
    large.append(300'000, 'x');
    large += R"(\n","a":[1.0e1,"\u00e9"],"blob":")";
    large.append(200'000, 'y');
    large += "\"}";
    const std::string text = rendered(large);
    const auto digest = digest_jsonb_text(large);
    ASSERT_TRUE(digest);
    EXPECT_EQ(digest->size, text.size());
    EXPECT_EQ(digest->sha256, sha256(text));
    EXPECT_EQ(text.rfind(R"({"a": [10, "é"], "z": "xxxxxxx)", 0), 0U) << text.substr(0, 40);
}

}  // namespace
}  // namespace riverqueue::core
