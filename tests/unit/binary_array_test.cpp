// PostgreSQL's binary array format, byte by byte (array_recv's input).
#include <gtest/gtest.h>

#include <string>

#include "core/binary_array.hpp"

namespace riverqueue::core {
namespace {

std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xFF), static_cast<char>((v >> 8) & 0xFF),
            static_cast<char>(v & 0xFF)};
}

std::string header(std::uint32_t has_null, std::uint32_t oid, std::uint32_t count) {
    return be32(1) + be32(has_null) + be32(oid) + be32(count) + be32(1);
}

TEST(BinaryArray, HeaderCountsElementsAndFlagsNulls) {
    binary_array text(type_oid::text);
    text.add_bytes("ab");
    text.add_bytes("");
    EXPECT_EQ(std::move(text).finish(), header(0, 25, 2) + be32(2) + "ab" + be32(0));

    binary_array keys(type_oid::bytea);
    keys.add_null();
    keys.add_bytes(std::string("\0\xff", 2));
    EXPECT_EQ(std::move(keys).finish(), header(1, 17, 2) + be32(0xFFFFFFFF) + be32(2) + std::string("\0\xff", 2));

    EXPECT_EQ(binary_array(type_oid::int4).finish(), header(0, 23, 0));
}

TEST(BinaryArray, JsonbIsVersionOneThenTheText) {
    binary_array args(type_oid::jsonb);
    args.add_jsonb(R"({"a": "b\"c"})");
    EXPECT_EQ(std::move(args).finish(), header(0, 3802, 1) + be32(14) + "\x01" + R"({"a": "b\"c"})");
}

TEST(BinaryArray, IntegersAreBigEndianOfTheirWidth) {
    binary_array small(type_oid::int2);
    small.add_int2(25);
    small.add_int2(-2);
    EXPECT_EQ(std::move(small).finish(), header(0, 21, 2) + be32(2) + std::string("\x00\x19", 2) + be32(2) + "\xff\xfe");

    binary_array states(type_oid::int4);
    states.add_int4(245);
    EXPECT_EQ(std::move(states).finish(), header(0, 23, 1) + be32(4) + be32(245));

    binary_array times(type_oid::timestamptz);
    times.add_int8(-1);
    times.add_int8(0x0102030405060708);
    EXPECT_EQ(std::move(times).finish(), header(0, 1184, 2) + be32(8) + std::string(8, '\xff') + be32(8) +
                                             std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
}

}  // namespace
}  // namespace riverqueue::core
