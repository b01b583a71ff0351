// A small JSON reader that keeps what River's unique keys depend on.
//
// Why not a general JSON library: River hashes the args exactly as Go's
// encoding/json wrote them, so the reader must keep each number's text as
// written and each object's members in their original order, duplicates
// included. Boost.JSON and friends normalise both away. This reader validates
// (RFC 8259, UTF-8) and builds a plain tree; it does no I/O.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace riverqueue::core::json {

enum class value_type { null, boolean, number, string, array, object };

struct value;
using member = std::pair<std::string, value>;

struct value {
    value_type type = value_type::null;
    // number: the text as written; string: the decoded UTF-8; boolean: "true"/"false".
    std::string text;
    std::vector<value> items;     // array elements
    std::vector<member> members;  // object members: decoded names, in input order

    // The first member with this name, as River's JSON reader finds it; null when absent.
    const value* find(std::string_view name) const noexcept;
};

class parse_error : public std::runtime_error {
public:
    parse_error(std::size_t offset, const std::string& what)
        : std::runtime_error(what + " at byte " + std::to_string(offset)), offset_(offset) {}
    std::size_t offset() const noexcept { return offset_; }

private:
    std::size_t offset_;
};

// Parses one JSON document (surrounding whitespace allowed). Throws parse_error.
value parse(std::string_view text);

// Checks that `text` is one valid JSON document without building a tree.
// Returns the type of its top-level value. Throws parse_error. With
// `storable_in_jsonb`, also refuses what PostgreSQL's jsonb cannot store: the
// \u0000 escape and surrogate escapes that are not part of a pair.
value_type validate(std::string_view text, bool storable_in_jsonb = false);

}  // namespace riverqueue::core::json
