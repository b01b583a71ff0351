// PostgreSQL's binary form of a one-dimensional array (what array_recv
// reads), built element by element: a batch's columns as binary-format
// parameters, which the client copies instead of quoting and the server
// reads instead of parsing (core/insert_sql.cpp, for drivers that take them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace riverqueue::core {

// The element types a batch's arrays hold (pg_type's OIDs, fixed since
// PostgreSQL 9.4 added jsonb).
namespace type_oid {
inline constexpr std::uint32_t bytea = 17;
inline constexpr std::uint32_t int2 = 21;
inline constexpr std::uint32_t int4 = 23;
inline constexpr std::uint32_t text = 25;
inline constexpr std::uint32_t timestamptz = 1184;
inline constexpr std::uint32_t jsonb = 3802;
}  // namespace type_oid

class binary_array {
public:
    explicit binary_array(std::uint32_t element_oid);

    // Elements in their type's binary form: text and bytea are their bytes,
    // jsonb is a version byte (1) and the JSON text, integers and
    // timestamptz (microseconds since 2000-01-01 UTC) are big-endian.
    void add_bytes(std::string_view bytes);
    void add_jsonb(std::string_view json);
    void add_int2(std::int16_t value);
    void add_int4(std::int32_t value);
    void add_int8(std::int64_t value);
    void add_null();

    // The array's bytes, its header completed with the element count.
    std::string finish() &&;

private:
    void put_length(std::size_t length);

    std::string out_;
    std::uint32_t count_ = 0;
    bool has_null_ = false;
};

}  // namespace riverqueue::core
