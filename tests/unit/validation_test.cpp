// River's rules for single insert fields (River v0.51.2: validateQueueName's
// regex and 64-byte limit, tagRE and the 255-byte tag limit, and the
// river_job kind_length check on char_length).
#include <gtest/gtest.h>

#include <string>

#include <riverqueue/errors.hpp>

#include "core/validation.hpp"

namespace riverqueue::core {
namespace {

// The field a validation_error names, or "accepted".
template <typename Validate>
std::string verdict(Validate validate) {
    try {
        validate();
    } catch (const validation_error& e) {
        return e.field();
    }
    return "accepted";
}

std::string queue_verdict(std::string_view queue) {
    return verdict([&] { validate_queue(queue); });
}
std::string tag_verdict(std::string_view tag) {
    return verdict([&] { validate_tag(tag); });
}
std::string kind_verdict(std::string_view kind) {
    return verdict([&] { validate_kind(kind); });
}

std::string repeat(std::string_view piece, std::size_t times) {
    std::string out;
    for (std::size_t i = 0; i < times; ++i) out += piece;
    return out;
}

TEST(ValidateQueue, AcceptsRiversNames) {
    for (const std::string& queue :
         {std::string("default"), std::string("a"), std::string("0"), std::string("a|b"), std::string("a_b"),
          std::string("a-b"), std::string("queue1_b2-c3|d4"), std::string("99"), repeat("a", 64)}) {
        EXPECT_EQ(queue_verdict(queue), "accepted") << queue;
    }
}

TEST(ValidateQueue, RejectsOtherNames) {
    for (const std::string& queue :
         {std::string(""), repeat("a", 65), std::string("a--b"), std::string("a__b"), std::string("a_-b"),
          std::string("a||b"), std::string("-a"), std::string("a-"), std::string("_a"), std::string("|a"),
          std::string("Default"), std::string("A"), std::string("a b"), std::string("a.b"), std::string("a/b"),
          std::string("\u00e9"), std::string("a\n"), std::string(" a")}) {
        EXPECT_EQ(queue_verdict(queue), "queue") << queue;
    }
}

TEST(ValidateQueue, ErrorSaysWhatIsExpected) {
    try {
        validate_queue("Bad");
        FAIL() << "accepted";
    } catch (const validation_error& e) {
        EXPECT_NE(e.rule().find("\"Bad\""), std::string::npos) << e.rule();
    }
}

TEST(ValidateTag, AcceptsRiversTags) {
    for (const std::string& tag : {std::string("abc"), std::string("a-b"), std::string("a--b"), std::string("A_9"),
                                   std::string("___"), std::string("x-y-z"), repeat("t", 255)}) {
        EXPECT_EQ(tag_verdict(tag), "accepted") << tag;
    }
}

TEST(ValidateTag, RejectsOtherTags) {
    for (const std::string& tag :
         {std::string(""), std::string("a"), std::string("ab"), std::string("-ab"), std::string("ab-"),
          std::string("a b"), std::string("a,b"), std::string("a.b"), std::string("a\u00e9b"), repeat("t", 256),
          std::string("abc\n")}) {
        EXPECT_EQ(tag_verdict(tag), "tags") << tag;
    }
}

TEST(ValidateKind, CountsCharactersNotBytes) {
    EXPECT_EQ(kind_verdict("k"), "accepted");
    EXPECT_EQ(kind_verdict(repeat("k", 127)), "accepted");
    EXPECT_EQ(kind_verdict(repeat("k", 128)), "kind");
    EXPECT_EQ(kind_verdict(""), "kind");
    // 127 two-byte characters (254 bytes) fit; 128 do not.
    EXPECT_EQ(kind_verdict(repeat("\u00e9", 127)), "accepted");
    EXPECT_EQ(kind_verdict(repeat("\u00e9", 128)), "kind");
    EXPECT_EQ(kind_verdict(repeat("\U0001F600", 127)), "accepted");
    EXPECT_EQ(kind_verdict(repeat("\U0001F600", 128)), "kind");
    // Anything else goes, as long as it is UTF-8.
    EXPECT_EQ(kind_verdict("Kind with spaces/and.punctuation<>"), "accepted");
    EXPECT_EQ(kind_verdict("bad\xc3\x28utf8"), "kind");
    EXPECT_EQ(kind_verdict("\xc0\xaf"), "kind");
    EXPECT_EQ(kind_verdict("truncated\xe2\x82"), "kind");
}

// What PostgreSQL's UTF8 refuses (SQLSTATE 22021) is refused before sending:
// overlong forms, surrogates, code points above U+10FFFF.
TEST(ValidateKind, RejectsWhatPostgresRefuses) {
    EXPECT_EQ(kind_verdict("\xed\xa0\x80"), "kind");          // U+D800, a surrogate
    EXPECT_EQ(kind_verdict("\xed\xbf\xbf"), "kind");          // U+DFFF
    EXPECT_EQ(kind_verdict("\xe0\x80\xaf"), "kind");          // overlong '/'
    EXPECT_EQ(kind_verdict("\xf0\x82\x82\xac"), "kind");     // overlong euro sign
    EXPECT_EQ(kind_verdict("\xf4\x90\x80\x80"), "kind");     // U+110000
    EXPECT_EQ(kind_verdict("\xed\x9f\xbf"), "accepted");      // U+D7FF, just below
    EXPECT_EQ(kind_verdict("\xee\x80\x80"), "accepted");      // U+E000, just above
    EXPECT_EQ(kind_verdict("\xf4\x8f\xbf\xbf"), "accepted");  // U+10FFFF
}

// PostgreSQL's text holds no NUL: COPY refused the whole batch, and a text
// parameter, a C string, stored the kind cut at it (found by fuzz/copy_encoder).
TEST(ValidateKind, RejectsTheNulCharacter) {
    using namespace std::string_literals;
    EXPECT_EQ(kind_verdict("\0"s), "kind");
    EXPECT_EQ(kind_verdict("kind\0suffix"s), "kind");
    EXPECT_EQ(kind_verdict("kind\0"s), "kind");
    EXPECT_EQ(kind_verdict("kind\x01"), "accepted");  // other control characters are text
}

TEST(ValidateJsonObject, AcceptsOnlyStorableObjects) {
    const auto object_verdict = [](std::string_view text) {
        return verdict([&] { validate_json_object(text, "metadata"); });
    };
    EXPECT_EQ(object_verdict("{}"), "accepted");
    EXPECT_EQ(object_verdict(R"( {"a":[1,{"b":"\ud83d\ude00"}]} )"), "accepted");
    for (const char* bad : {"[]", "null", "1", "\"{}\"", "", "{", "{}}", R"({"a":"\u0000"})", R"({"a":"\ud800"})",
                            "{\"a\":\"\xff\"}"}) {
        EXPECT_EQ(object_verdict(bad), "metadata") << bad;
    }
}

}  // namespace
}  // namespace riverqueue::core
