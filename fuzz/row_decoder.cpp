// The row decoder (src/core/row_decoder.cpp) over the job_columns() cells
// (src/core/job_columns.hpp), in PostgreSQL's binary format and in the text
// forms job_columns() selects.
//
// Input: one byte (bit 0: text format; bit 1: an insert row, with the
// duplicate flag as a 19th cell), then the cells. Binary: each a 2-byte
// big-endian length (0xFFFF: NULL) and that many bytes. Text: separated by
// 0x1F bytes, a cell of the one byte 0xFF being NULL.
//
// Beyond not crashing:
// - malformed cells are refused with riverqueue::error only, and never by
//   trying to allocate what a length field claims;
// - a decoded row, encoded again here (by an encoder of each format written
//   from PostgreSQL's documented wire forms) decodes to the same row, in
//   either format;
// - the text decoder accepts exactly the text forms that say something the
//   binary format can say: each text cell is translated here into its binary
//   cell (integers of the column's width, microseconds since 2000-01-01, arrays
//   with headers, jsonb's version byte...) and the binary decoder must give the
//   same row; a text cell with no binary equivalent (a smallint out of range, a
//   time outside the time_point's range) must be refused.
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/job_columns.hpp"
#include "core/json.hpp"
#include "core/row_decoder.hpp"
#include "fuzz_support.hpp"
#include "reference_json.hpp"
#include "reference_time.hpp"

namespace {

using namespace riverqueue::fuzz;
namespace core = riverqueue::core;
namespace json = core::json;
using riverqueue::job_row;
using riverqueue::job_state;
using cells = std::vector<std::optional<std::string>>;

constexpr std::int64_t postgres_epoch_micros = 946'684'800'000'000;  // 2000-01-01 after 1970-01-01

// ---- Binary wire forms -------------------------------------------------

void put_be(std::string& out, std::uint64_t value, std::size_t width) {
    for (std::size_t i = width; i-- > 0;) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::string be(std::int64_t value, std::size_t width) {
    std::string out;
    put_be(out, static_cast<std::uint64_t>(value), width);
    return out;
}

// A one-dimensional array (an empty one has no dimensions, as PostgreSQL sends it).
std::string binary_array(const std::vector<std::string>& elements, std::uint32_t element_oid) {
    std::string out;
    put_be(out, elements.empty() ? 0 : 1, 4);
    put_be(out, 0, 4);  // no NULLs
    put_be(out, element_oid, 4);
    if (elements.empty()) return out;
    put_be(out, elements.size(), 4);
    put_be(out, 1, 4);  // lower bound
    for (const auto& element : elements) {
        put_be(out, element.size(), 4);
        out += element;
    }
    return out;
}

std::int64_t unix_micros_of(riverqueue::time_point t) { return t.time_since_epoch().count(); }

// Whether the binary form (microseconds since 2000-01-01 in an int64) holds `t`.
bool fits_binary(riverqueue::time_point t) {
    return unix_micros_of(t) >= std::numeric_limits<std::int64_t>::min() + postgres_epoch_micros;
}

std::string json_string(std::string_view text) {
    random_source random(text);
    respelling_writer writer(random);
    std::string out;
    writer.string(out, text);
    return out;
}

std::string error_json(const riverqueue::attempt_error& e) {
    return "{\"at\":\"" + rfc3339_micros(unix_micros_of(e.at)) + "\",\"attempt\":" + std::to_string(e.attempt) +
           ",\"error\":" + json_string(e.error) + ",\"trace\":" + json_string(e.trace) + "}";
}

std::uint8_t mask_of(const std::vector<job_state>& states) {
    unsigned mask = 0;
    for (job_state state : states) mask |= 1u << static_cast<unsigned>(state);
    return static_cast<std::uint8_t>(mask);
}

std::optional<std::string> optional_time(const std::optional<riverqueue::time_point>& t, bool text) {
    if (!t) return std::nullopt;
    const std::int64_t micros = unix_micros_of(*t);
    return text ? std::to_string(micros) : be(micros - postgres_epoch_micros, 8);
}

// The row's cells in job_columns() order, in either format.
cells encode(const job_row& row, bool text) {
    FUZZ_CHECK(row.attempt >= INT16_MIN && row.attempt <= INT16_MAX && row.max_attempts >= INT16_MIN &&
                   row.max_attempts <= INT16_MAX && row.priority >= INT16_MIN && row.priority <= INT16_MAX,
               "a smallint column decoded out of its range");
    const auto int8 = [&](std::int64_t v) { return text ? std::to_string(v) : be(v, 8); };
    const auto int2 = [&](int v) { return text ? std::to_string(v) : be(v, 2); };
    const auto jsonb = [&](const std::string& v) { return text ? v : "\x01" + v; };
    const auto time = [&](riverqueue::time_point t) { return *optional_time(t, text); };
    const auto strings = [&](const std::vector<std::string>& items) -> std::string {
        if (!text) return binary_array(items, 25);
        std::string out = "[";
        for (std::size_t i = 0; i < items.size(); ++i) out += (i > 0 ? "," : "") + json_string(items[i]);
        return out + "]";
    };
    cells out(core::job_column_table.size());
    const auto set = [&](core::job_column column, std::optional<std::string> value) {
        out[core::column_index(column)] = std::move(value);
    };
    set(core::job_column::id, int8(row.id));
    set(core::job_column::args, jsonb(row.args));
    set(core::job_column::attempt, int2(row.attempt));
    set(core::job_column::attempted_at, optional_time(row.attempted_at, text));
    // NULL and an empty list decode alike; an empty list is sent.
    set(core::job_column::attempted_by, strings(row.attempted_by));
    set(core::job_column::created_at, time(row.created_at));
    std::vector<std::string> errors;
    for (const auto& e : row.errors) errors.push_back(text ? error_json(e) : "\x01" + error_json(e));
    if (text) {
        std::string array = "[";
        for (std::size_t i = 0; i < errors.size(); ++i) array += (i > 0 ? "," : "") + errors[i];
        set(core::job_column::errors, array + "]");
    } else {
        set(core::job_column::errors, binary_array(errors, 3802));
    }
    set(core::job_column::finalized_at, optional_time(row.finalized_at, text));
    set(core::job_column::kind, row.kind);
    set(core::job_column::max_attempts, int2(row.max_attempts));
    set(core::job_column::metadata, jsonb(row.metadata));
    set(core::job_column::priority, int2(row.priority));
    set(core::job_column::queue, row.queue);
    set(core::job_column::state, std::string(riverqueue::to_string(row.state)));
    set(core::job_column::scheduled_at, time(row.scheduled_at));
    set(core::job_column::tags, strings(row.tags));
    if (row.unique_key) {
        std::string key(reinterpret_cast<const char*>(row.unique_key->data()), row.unique_key->size());
        if (text) {
            std::string hex;
            for (const char byte : key) {
                const auto c = static_cast<unsigned char>(byte);
                static constexpr char digits[] = "0123456789abcdef";
                hex.push_back(digits[c >> 4]);
                hex.push_back(digits[c & 0xF]);
            }
            key = hex;
        }
        set(core::job_column::unique_key, key);
    }
    if (row.unique_states) {
        const std::uint8_t mask = mask_of(*row.unique_states);
        std::string bits;
        if (text) {
            for (int bit = 7; bit >= 0; --bit) bits.push_back(((mask >> bit) & 1) != 0 ? '1' : '0');
        } else {
            bits = be(8, 4) + std::string(1, static_cast<char>(mask));
        }
        set(core::job_column::unique_states, bits);
    }
    return out;
}

// ---- Text forms, translated into binary cells --------------------------

// '-'? digits, fitting `Int` (from_chars' form: no '+', no spaces).
template <typename Int>
std::optional<Int> decimal(std::string_view text) {
    std::size_t i = text.size() > 0 && text[0] == '-' ? 1 : 0;
    if (i == text.size()) return std::nullopt;
    __extension__ typedef __int128 int128;
    int128 value = 0;
    for (; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + (text[i] - '0');
        if (value > static_cast<int128>(std::numeric_limits<Int>::max()) + 1) return std::nullopt;
    }
    if (text[0] == '-') value = -value;
    if (value < std::numeric_limits<Int>::min() || value > std::numeric_limits<Int>::max()) return std::nullopt;
    return static_cast<Int>(value);
}

// A text time (microseconds since the Unix epoch) in binary; `out_of_range`
// when it is an integer too early for the binary form, which has the same
// int64 counted from 2000 (PostgreSQL itself sends neither).
std::optional<std::string> text_time_to_binary(std::string_view text, bool& out_of_range) {
    const auto micros = decimal<std::int64_t>(text);
    if (!micros) return std::nullopt;
    if (*micros < std::numeric_limits<std::int64_t>::min() + postgres_epoch_micros) {
        out_of_range = true;
        return std::nullopt;
    }
    return be(*micros - postgres_epoch_micros, 8);
}

// A text jsonb[] or text[] cell read as a JSON array; std::nullopt when it is not one.
std::optional<json::value> parse_json_array(std::string_view text) {
    json::value array;
    try {
        array = json::parse(text);
    } catch (const json::parse_error&) {
        return std::nullopt;
    }
    if (array.type != json::value_type::array) return std::nullopt;
    return array;
}

std::optional<std::string> text_strings_to_binary(std::string_view text) {
    const std::optional<json::value> array = parse_json_array(text);
    if (!array) return std::nullopt;
    std::vector<std::string> items;
    for (const auto& item : array->items) {
        if (item.type != json::value_type::string) return std::nullopt;
        items.push_back(item.text);
    }
    return binary_array(items, 25);
}

std::optional<std::string> text_errors_to_binary(std::string_view text) {
    const std::optional<json::value> array = parse_json_array(text);
    if (!array) return std::nullopt;
    std::vector<std::string> items;
    random_source random(text);
    respelling_writer writer(random);
    for (const auto& item : array->items) {
        std::string element = "\x01";
        writer.value(element, item);
        items.push_back(element);
    }
    return binary_array(items, 3802);
}

// Every cell of a text row in binary; std::nullopt when one has no binary
// form (with `out_of_range` when that is only a time beyond the binary range).
std::optional<cells> text_to_binary(const cells& text, bool& out_of_range) {
    cells out(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!text[i]) continue;
        const std::string& v = *text[i];
        if (i >= core::job_column_table.size()) {  // the duplicate flag
            out[i] = v == "t" ? "\x01" : v == "f" ? std::string(1, '\0') : std::string("bad");
            continue;
        }
        std::optional<std::string> cell;
        switch (core::job_column_table[i].kind) {
            case core::cell_kind::int8:
                if (const auto n = decimal<std::int64_t>(v)) cell = be(*n, 8);
                break;
            case core::cell_kind::int2:
                if (const auto n = decimal<std::int16_t>(v)) cell = be(*n, 2);
                break;
            case core::cell_kind::text:
            case core::cell_kind::job_state: cell = v; break;
            case core::cell_kind::jsonb: cell = "\x01" + v; break;
            case core::cell_kind::jsonb_array: cell = text_errors_to_binary(v); break;
            case core::cell_kind::text_array: cell = text_strings_to_binary(v); break;
            case core::cell_kind::timestamptz: cell = text_time_to_binary(v, out_of_range); break;
            case core::cell_kind::bytea: {
                if (v.size() != 64) break;
                std::string bytes;
                bool hex = true;
                for (std::size_t j = 0; j < 64 && hex; j += 2) {
                    unsigned byte = 0;
                    const auto [end, error] = std::from_chars(v.data() + j, v.data() + j + 2, byte, 16);
                    hex = error == std::errc() && end == v.data() + j + 2 && v[j] != '+' && v[j] != '-';
                    bytes.push_back(static_cast<char>(byte));
                }
                if (hex) cell = bytes;
                break;
            }
            case core::cell_kind::bit8: {
                if (v.size() != 8 || v.find_first_not_of("01") != std::string::npos) break;
                unsigned mask = 0;
                for (char bit : v) mask = (mask << 1) | (bit == '1' ? 1u : 0u);
                cell = be(8, 4) + std::string(1, static_cast<char>(mask));
                break;
            }
        }
        if (!cell) return std::nullopt;
        out[i] = std::move(cell);
    }
    return out;
}

// ---- Decoding ----------------------------------------------------------

std::vector<core::binary_cell> views(const cells& c) {
    std::vector<core::binary_cell> out;
    for (const auto& cell : c) out.push_back(cell ? core::binary_cell(*cell) : std::nullopt);
    return out;
}

std::optional<job_row> decode(const cells& c, bool text, std::string* error = nullptr) {
    const auto v = views(c);
    try {
        return text ? core::decode_job_row_text(v) : core::decode_job_row(v);
    } catch (const riverqueue::error& e) {
        if (error != nullptr) *error = e.what();
        return std::nullopt;
    }
}

std::string describe(const cells& c) {
    std::string out;
    for (const auto& cell : c) out += (cell ? "[" + printable(*cell) + "]" : std::string("NULL")) + " ";
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = as_text(data, size);
    if (input.empty()) return 0;
    const bool text = (input[0] & 1) != 0;
    const bool insert_row = (input[0] & 2) != 0;
    const std::size_t wanted = core::job_column_table.size() + (insert_row ? 1 : 0);
    cells row_cells;
    if (text) {
        for (const auto cell : split(input.substr(1), '\x1f')) {
            if (row_cells.size() == wanted) break;
            row_cells.emplace_back(cell == "\xff" ? std::nullopt : std::optional<std::string>(cell));
        }
    }
    std::size_t pos = 1;
    while (!text && row_cells.size() < wanted && pos + 2 <= input.size()) {
        const std::size_t length = (std::size_t{static_cast<unsigned char>(input[pos])} << 8) |
                                   std::size_t{static_cast<unsigned char>(input[pos + 1])};
        pos += 2;
        if (length == 0xFFFF) {
            row_cells.emplace_back(std::nullopt);
            continue;
        }
        row_cells.emplace_back(std::string(input.substr(pos, length)));
        pos += std::min(length, input.size() - pos);
    }

    // The single-cell decoders, on the first cells.
    const auto format = text ? riverqueue::driver::result_format::text : riverqueue::driver::result_format::binary;
    for (std::size_t i = 0; i < row_cells.size() && i < 3; ++i) {
        const core::binary_cell cell = row_cells[i] ? core::binary_cell(*row_cells[i]) : std::nullopt;
        try {
            core::decode_integer_cell(cell, format);
        } catch (const riverqueue::error&) {
        }
        try {
            core::decode_time_cell(cell, format);
        } catch (const riverqueue::error&) {
        }
        try {
            core::decode_bool_cell(cell, format);
        } catch (const riverqueue::error&) {
        }
    }

    std::string error;
    const std::optional<job_row> row = decode(row_cells, text, &error);
    if (insert_row && row_cells.size() == wanted && row_cells.back()) {
        try {
            text ? core::decode_bool_text(*row_cells.back()) : core::decode_bool(*row_cells.back());
        } catch (const riverqueue::error&) {
        }
    }

    if (text) {
        // The text decoder against the binary one.
        bool out_of_range = false;
        const std::optional<cells> binary = row_cells.size() >= core::job_column_table.size()
                                                ? text_to_binary(row_cells, out_of_range)
                                                : std::nullopt;
        if (row && !out_of_range) {
            FUZZ_CHECK(binary.has_value(), "the text decoder accepted cells with no binary form: " + describe(row_cells));
        }
        if (binary) {
            std::string binary_error;
            const std::optional<job_row> from_binary = decode(*binary, false, &binary_error);
            FUZZ_CHECK(row.has_value() == from_binary.has_value(),
                       "text: " + (row ? std::string("decoded") : error) + "; binary: " +
                           (from_binary ? std::string("decoded") : binary_error) + "; cells " + describe(row_cells));
            if (row) FUZZ_CHECK(*row == *from_binary, "the text and binary decoders differ on " + describe(row_cells));
        }
    }
    if (!row) return 0;

    // Encoded again, in each format, the row decodes to itself.
    const bool binary_holds_it = fits_binary(row->created_at) && fits_binary(row->scheduled_at) &&
                                 (!row->attempted_at || fits_binary(*row->attempted_at)) &&
                                 (!row->finalized_at || fits_binary(*row->finalized_at));
    // The text forms of arrays are JSON: they hold UTF-8 only (the binary
    // decoder passes bytes through as PostgreSQL sent them).
    bool text_holds_it = true;
    for (const auto* list : {&row->attempted_by, &row->tags}) {
        for (const auto& item : *list) text_holds_it = text_holds_it && reference_utf8_valid(item);
    }
    for (const bool as_text_cells : {false, true}) {
        if (!as_text_cells && !binary_holds_it) continue;
        if (as_text_cells && !text_holds_it) continue;
        const cells again = encode(*row, as_text_cells);
        std::string again_error;
        const std::optional<job_row> decoded = decode(again, as_text_cells, &again_error);
        FUZZ_CHECK(decoded.has_value(), "a row encoded again is refused: " + again_error + "; " + describe(again));
        FUZZ_CHECK(*decoded == *row, std::string("a row encoded again decodes differently (") +
                                         (as_text_cells ? "text" : "binary") + "): " + describe(again));
    }
    return 0;
}
