// A small JSON reader that keeps what River's unique keys depend on.
//
// Why not a general JSON library: River hashes the args exactly as Go's
// encoding/json wrote them, so the reader must keep each number's text as
// written and each object's members in their original order, duplicates
// included. Boost.JSON and friends normalise both away. This reader validates
// (RFC 8259, UTF-8) and builds a plain tree; it does no I/O.
//
// It reads iteratively, with a stack of open arrays and objects on the heap, so
// that no input, however deep, can exhaust the call stack; trees are destroyed
// the same way.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace riverqueue::core::json {

// How many arrays and objects may be open at once, in every JSON reader of the
// project: this one (job args and metadata, unique keys, rows) and the tools'
// (`--args`, insert-many's JSON Lines, the conformance adapter's JSON-RPC).
// Go's encoding/json, with which River Go's workers decode args, accepts 10000
// levels and refuses the next: the same number here, so that a job River Go can
// read is never refused and one it cannot read is never stored.
inline constexpr std::size_t max_nesting_depth = 10000;

enum class value_type { null, boolean, number, string, array, object };

struct value;
using member = std::pair<std::string, value>;

struct value {
    value_type type = value_type::null;
    // number: the text as written; string: the decoded UTF-8; boolean: "true"/"false".
    std::string text;
    std::vector<value> items;     // array elements
    std::vector<member> members;  // object members: decoded names, in input order

    value() = default;
    value(const value&) = default;
    value(value&&) noexcept = default;
    value& operator=(const value& other);
    // The value given up is destroyed as the destructor does, one level at a time.
    value& operator=(value&& other) noexcept;
    // Without recursion: a tree max_nesting_depth deep would otherwise take a
    // call per level, more than a small thread stack holds under a sanitizer.
    ~value();

    // The first member with this name, as River's JSON reader finds it; null when absent.
    const value* find(std::string_view name) const noexcept;
};

// What is wrong and where: what() reads "nesting deeper than 10000 levels at
// line 1, column 10001", the column counting characters as an editor does.
class parse_error : public std::runtime_error {
public:
    parse_error(std::size_t offset, std::size_t line, std::size_t column, const std::string& reason)
        : std::runtime_error(reason + " at line " + std::to_string(line) + ", column " + std::to_string(column)),
          reason_(reason), offset_(offset), line_(line), column_(column) {}
    // What is wrong, without where: for callers that say where in their own terms.
    const std::string& reason() const noexcept { return reason_; }
    std::size_t offset() const noexcept { return offset_; }  // bytes before the error
    std::size_t line() const noexcept { return line_; }      // from 1
    std::size_t column() const noexcept { return column_; }  // from 1, in characters

private:
    std::string reason_;
    std::size_t offset_;
    std::size_t line_;
    std::size_t column_;
};

// The character a one-letter escape (\" \\ \/ \b \f \n \r \t) stands for,
// `escape` being the letter after the backslash; 0 for any other letter.
char simple_escape_value(char escape) noexcept;

// Parses one JSON document (surrounding whitespace allowed). Throws parse_error.
value parse(std::string_view text);

// Checks that `text` is one valid JSON document without building a tree.
// Returns the type of its top-level value. Throws parse_error. With
// `storable_in_jsonb`, also refuses what PostgreSQL's jsonb cannot store: the
// \u0000 escape and surrogate escapes that are not part of a pair.
value_type validate(std::string_view text, bool storable_in_jsonb = false);

}  // namespace riverqueue::core::json
