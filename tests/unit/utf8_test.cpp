// The strict UTF-8 decoder shared by the JSON reader and validation.
#include <gtest/gtest.h>

#include "core/utf8.hpp"

namespace riverqueue::core {
namespace {

TEST(Utf8, SequenceLengths) {
    EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
    EXPECT_EQ(utf8_sequence_length("\xc3\xa9", 0), 2u);
    EXPECT_EQ(utf8_sequence_length("\xe2\x82\xac", 0), 3u);
    EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80", 0), 4u);
    EXPECT_EQ(utf8_sequence_length("x\xc3\xa9", 1), 2u);
    EXPECT_EQ(utf8_sequence_length("a", 1), 0u);  // past the end
}

TEST(Utf8, RefusesIllFormedSequences) {
    for (const char* bad : {"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xc3", "\xc3\x28", "\xe0\x80\xaf",
                            "\xed\xa0\x80", "\xed\xbf\xbf", "\xe2\x82", "\xf0\x82\x82\xac", "\xf4\x90\x80\x80",
                            "\xf5\x80\x80\x80", "\xff"}) {
        EXPECT_EQ(utf8_sequence_length(bad, 0), 0u) << testing::PrintToString(std::string(bad));
        EXPECT_FALSE(utf8_code_points(bad).has_value());
    }
}

TEST(Utf8, CountsCodePoints) {
    EXPECT_EQ(utf8_code_points(""), 0u);
    EXPECT_EQ(utf8_code_points("abc"), 3u);
    EXPECT_EQ(utf8_code_points("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 3u);
    EXPECT_FALSE(utf8_code_points("ok\xed\xa0\x80").has_value());
}

}  // namespace
}  // namespace riverqueue::core
