#include "core/binary_array.hpp"

#include <limits>

#include <riverqueue/errors.hpp>

namespace riverqueue::core {
namespace {

void put_be(std::string& out, std::uint64_t value, int bytes) {
    for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

void write_be32_at(std::string& out, std::size_t at, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<char>((value >> (24 - 8 * i)) & 0xFF);
}

// Header: dimensions, has-NULL flag, element type, then per dimension its
// size and lower bound.
constexpr std::size_t has_null_offset = 4;
constexpr std::size_t count_offset = 12;

}  // namespace

binary_array::binary_array(std::uint32_t element_oid) {
    put_be(out_, 1, 4);  // one dimension
    put_be(out_, 0, 4);  // has NULLs: set by finish
    put_be(out_, element_oid, 4);
    put_be(out_, 0, 4);  // element count: set by finish
    put_be(out_, 1, 4);  // lower bound
}

void binary_array::put_length(std::size_t length) {
    // An element's length is a signed 32-bit word; PostgreSQL refuses any
    // value above 1 GB long before that.
    if (length > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
        throw error("an array element is larger than PostgreSQL's binary format can carry");
    }
    put_be(out_, length, 4);
    ++count_;
}

void binary_array::add_bytes(std::string_view bytes) {
    put_length(bytes.size());
    out_.append(bytes);
}

void binary_array::add_jsonb(std::string_view json) {
    put_length(json.size() + 1);
    out_.push_back('\x01');  // jsonb's binary format version
    out_.append(json);
}

void binary_array::add_int2(std::int16_t value) {
    put_length(2);
    put_be(out_, static_cast<std::uint16_t>(value), 2);
}

void binary_array::add_int4(std::int32_t value) {
    put_length(4);
    put_be(out_, static_cast<std::uint32_t>(value), 4);
}

void binary_array::add_int8(std::int64_t value) {
    put_length(8);
    put_be(out_, static_cast<std::uint64_t>(value), 8);
}

void binary_array::add_null() {
    put_be(out_, 0xFFFFFFFFu, 4);  // length -1
    ++count_;
    has_null_ = true;
}

std::string binary_array::finish() && {
    write_be32_at(out_, has_null_offset, has_null_ ? 1 : 0);
    write_be32_at(out_, count_offset, count_);
    return std::move(out_);
}

}  // namespace riverqueue::core
