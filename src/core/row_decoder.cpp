#include "core/row_decoder.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>

#include <riverqueue/errors.hpp>
#include <riverqueue/unique_key.hpp>

#include "core/hex.hpp"
#include "core/insert_sql.hpp"
#include "core/job_columns.hpp"
#include "core/json.hpp"
#include "core/time_format.hpp"

namespace riverqueue::core {
namespace {

[[noreturn]] void malformed(const char* what) {
    throw error(std::string("malformed river_job row from PostgreSQL: ") + what);
}

// Reads big-endian integers from a byte string.
class byte_reader {
public:
    explicit byte_reader(std::string_view bytes) : bytes_(bytes) {}

    std::uint64_t read_unsigned(std::size_t width) {
        if (pos_ + width > bytes_.size()) malformed("truncated value");
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < width; ++i) {
            value = (value << 8) | static_cast<unsigned char>(bytes_[pos_ + i]);
        }
        pos_ += width;
        return value;
    }
    std::int32_t read_int32() { return static_cast<std::int32_t>(static_cast<std::uint32_t>(read_unsigned(4))); }
    std::string_view read_bytes(std::size_t length) {
        if (pos_ + length > bytes_.size()) malformed("truncated value");
        const auto out = bytes_.substr(pos_, length);
        pos_ += length;
        return out;
    }
    std::size_t remaining() const noexcept { return bytes_.size() - pos_; }

private:
    std::string_view bytes_;
    std::size_t pos_ = 0;
};

std::int64_t int_of_width(std::string_view bytes, std::size_t width) {
    if (bytes.size() != width) malformed("integer of unexpected width");
    byte_reader reader(bytes);
    const std::uint64_t raw = reader.read_unsigned(width);
    const unsigned shift = static_cast<unsigned>(64 - 8 * width);
    // Sign-extend from `width` bytes.
    return static_cast<std::int64_t>(raw << shift) >> shift;
}

time_point timestamp(std::string_view bytes) { return from_postgres_micros(int_of_width(bytes, 8)); }

std::string jsonb_text(std::string_view bytes) {
    // jsonb's binary form is a version byte (1) followed by the JSON text.
    if (bytes.empty() || bytes.front() != 1) malformed("unknown jsonb version");
    return std::string(bytes.substr(1));
}

// Elements of a one-dimensional binary array (NULL elements are std::nullopt).
std::vector<binary_cell> array_elements(std::string_view bytes) {
    byte_reader reader(bytes);
    const std::int32_t dimensions = reader.read_int32();
    reader.read_int32();  // has-nulls flag
    reader.read_int32();  // element type oid
    if (dimensions == 0) return {};
    if (dimensions != 1) malformed("multi-dimensional array");
    const std::int32_t count = reader.read_int32();
    reader.read_int32();  // lower bound
    if (count < 0) malformed("negative array length");
    // Each element takes at least its 4-byte length: a count beyond that is
    // malformed, and must not size the reservation below.
    if (static_cast<std::size_t>(count) > reader.remaining() / 4) malformed("array length beyond its data");
    std::vector<binary_cell> elements;
    elements.reserve(static_cast<std::size_t>(count));
    for (std::int32_t i = 0; i < count; ++i) {
        const std::int32_t length = reader.read_int32();
        if (length < 0) elements.emplace_back(std::nullopt);
        else elements.emplace_back(reader.read_bytes(static_cast<std::size_t>(length)));
    }
    return elements;
}

std::vector<std::string> text_array(std::string_view bytes) {
    std::vector<std::string> out;
    for (const auto& element : array_elements(bytes)) {
        if (!element) malformed("NULL in a text array");
        out.emplace_back(*element);
    }
    return out;
}

json::value parse_json(std::string_view text, const char* what) {
    try {
        return json::parse(text);
    } catch (const json::parse_error&) {
        malformed(what);
    }
}

attempt_error decode_attempt_error(const json::value& error_json) {
    attempt_error out;
    if (const auto* at = error_json.find("at"); at != nullptr && at->type == json::value_type::string) {
        const auto parsed = parse_rfc3339(at->text);
        if (!parsed) malformed("errors[].at is not an RFC 3339 time");
        out.at = *parsed;
    }
    if (const auto* attempt = error_json.find("attempt"); attempt != nullptr && attempt->type == json::value_type::number) {
        const char* end = attempt->text.data() + attempt->text.size();
        const auto [ptr, ec] = std::from_chars(attempt->text.data(), end, out.attempt);
        if (ec != std::errc() || ptr != end) malformed("errors[].attempt is not an int");
    }
    if (const auto* message = error_json.find("error"); message != nullptr && message->type == json::value_type::string) {
        out.error = message->text;
    }
    if (const auto* trace = error_json.find("trace"); trace != nullptr && trace->type == json::value_type::string) {
        out.trace = trace->text;
    }
    return out;
}

job_state state_named(std::string_view name) {
    const auto state = job_state_from_string(name);
    if (!state) malformed("unknown state");
    return *state;
}

// Text forms (see job_columns): decimal integers, microseconds since the Unix
// epoch, JSON arrays, hex bytea, bit strings.
std::int64_t text_int(std::string_view text) {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) malformed("integer expected");
    return value;
}

time_point text_time(std::string_view text) {
    return time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::microseconds(text_int(text))));
}

std::vector<std::string> text_json_strings(std::string_view text) {
    const json::value array = parse_json(text, "array is not JSON");
    if (array.type != json::value_type::array) malformed("array expected");
    std::vector<std::string> out;
    for (const auto& item : array.items) {
        if (item.type != json::value_type::string) malformed("string array expected");
        out.push_back(item.text);
    }
    return out;
}

int hex_digit(char c) {
    const int value = hex_digit_value(c);
    if (value < 0) malformed("unique_key is not hex");
    return value;
}

// The cells of each kind in PostgreSQL's binary format ...
struct binary_cells {
    static std::int64_t int8(std::string_view v) { return int_of_width(v, 8); }
    static int int2(std::string_view v) { return static_cast<int>(int_of_width(v, 2)); }
    static std::string jsonb(std::string_view v) { return jsonb_text(v); }
    static time_point time(std::string_view v) { return timestamp(v); }
    static std::vector<std::string> strings(std::string_view v) { return text_array(v); }
    static std::vector<attempt_error> errors(std::string_view v) {
        std::vector<attempt_error> out;
        for (const auto& element : array_elements(v)) {
            if (!element) malformed("NULL in errors");
            out.push_back(decode_attempt_error(parse_json(jsonb_text(*element), "errors[] is not JSON")));
        }
        return out;
    }
    static std::array<std::uint8_t, 32> key(std::string_view v) {
        if (v.size() != 32) malformed("unique_key is not 32 bytes");
        std::array<std::uint8_t, 32> key{};
        std::memcpy(key.data(), v.data(), key.size());
        return key;
    }
    static std::uint8_t bits(std::string_view v) {
        // bit(8): a 32-bit length (8) then one byte, most significant bit first.
        byte_reader reader(v);
        if (reader.read_int32() != 8) malformed("unique_states is not bit(8)");
        return static_cast<std::uint8_t>(reader.read_unsigned(1));
    }
};

// ... and in the text forms job_columns() selects (see job_columns.cpp).
struct text_cells {
    static std::int64_t int8(std::string_view v) { return text_int(v); }
    static int int2(std::string_view v) {
        // What the binary format's width enforces: a smallint.
        const std::int64_t value = text_int(v);
        if (value < INT16_MIN || value > INT16_MAX) malformed("smallint out of range");
        return static_cast<int>(value);
    }
    static std::string jsonb(std::string_view v) { return std::string(v); }
    static time_point time(std::string_view v) { return text_time(v); }
    static std::vector<std::string> strings(std::string_view v) { return text_json_strings(v); }
    static std::vector<attempt_error> errors(std::string_view v) {
        const json::value errors = parse_json(v, "errors is not JSON");
        if (errors.type != json::value_type::array) malformed("errors is not an array");
        std::vector<attempt_error> out;
        for (const auto& element : errors.items) out.push_back(decode_attempt_error(element));
        return out;
    }
    static std::array<std::uint8_t, 32> key(std::string_view v) {
        if (v.size() != 64) malformed("unique_key is not 32 bytes");
        std::array<std::uint8_t, 32> key{};
        for (std::size_t i = 0; i < key.size(); ++i) {
            key[i] = static_cast<std::uint8_t>(hex_digit(v[2 * i]) * 16 + hex_digit(v[2 * i + 1]));
        }
        return key;
    }
    static std::uint8_t bits(std::string_view v) {
        if (v.size() != 8 || v.find_first_not_of("01") != std::string_view::npos) {
            malformed("unique_states is not bit(8)");
        }
        std::uint8_t mask = 0;
        for (char bit : v) mask = static_cast<std::uint8_t>((mask << 1) | (bit == '1' ? 1 : 0));
        return mask;
    }
};

// One decoder for both formats: the table says where each column is and
// which may be NULL; Cells reads each kind in its format.
template <typename Cells>
job_row decode_columns(std::span<const binary_cell> cells, args_cell args = args_cell::required) {
    if (cells.size() < job_column_table.size()) malformed("too few columns");
    for (std::size_t i = 0; i < job_column_table.size(); ++i) {
        const bool elided = i == column_index(job_column::args) && args == args_cell::may_be_elided;
        if (!cells[i] && !job_column_table[i].nullable && !elided) {
            malformed((std::string(job_column_table[i].name) + " is NULL").c_str());
        }
    }
    const auto at = [&](job_column column) { return cells[column_index(column)]; };
    const auto value = [&](job_column column) { return *at(column); };
    job_row row;
    row.id = Cells::int8(value(job_column::id));
    if (at(job_column::args)) row.args = Cells::jsonb(value(job_column::args));
    row.attempt = Cells::int2(value(job_column::attempt));
    if (at(job_column::attempted_at)) row.attempted_at = Cells::time(value(job_column::attempted_at));
    if (at(job_column::attempted_by)) row.attempted_by = Cells::strings(value(job_column::attempted_by));
    row.created_at = Cells::time(value(job_column::created_at));
    if (at(job_column::errors)) row.errors = Cells::errors(value(job_column::errors));
    if (at(job_column::finalized_at)) row.finalized_at = Cells::time(value(job_column::finalized_at));
    row.kind = std::string(value(job_column::kind));
    row.max_attempts = Cells::int2(value(job_column::max_attempts));
    row.metadata = Cells::jsonb(value(job_column::metadata));
    row.priority = Cells::int2(value(job_column::priority));
    row.queue = std::string(value(job_column::queue));
    row.state = state_named(value(job_column::state));
    row.scheduled_at = Cells::time(value(job_column::scheduled_at));
    if (at(job_column::tags)) row.tags = Cells::strings(value(job_column::tags));
    if (at(job_column::unique_key)) row.unique_key = Cells::key(value(job_column::unique_key));
    if (at(job_column::unique_states)) {
        row.unique_states = unique_states_from_bitmask(Cells::bits(value(job_column::unique_states)));
    }
    return row;
}

}  // namespace

std::optional<std::int64_t> decode_integer_cell(binary_cell cell, driver::result_format format) {
    if (!cell) return std::nullopt;
    if (format == driver::result_format::text) return text_int(*cell);
    if (cell->size() != 2 && cell->size() != 4 && cell->size() != 8) malformed("integer of unexpected width");
    return int_of_width(*cell, cell->size());
}

time_point decode_time_cell(binary_cell cell, driver::result_format format) {
    if (!cell) malformed("time is NULL");
    return format == driver::result_format::text ? text_time(*cell) : timestamp(*cell);
}

bool decode_bool_cell(binary_cell cell, driver::result_format format) {
    if (!cell) malformed("boolean is NULL");
    return format == driver::result_format::text ? decode_bool_text(*cell) : decode_bool(*cell);
}

bool decode_bool(std::string_view bytes) {
    if (bytes.size() != 1) malformed("boolean of unexpected width");
    return bytes.front() != 0;
}

bool decode_bool_text(std::string_view text) {
    if (text == "t") return true;
    if (text == "f") return false;
    malformed("boolean expected");
}

std::vector<job_row> decode_job_rows(const driver::rows& rows, driver::result_format format) {
    if (rows.column_count() != static_cast<std::size_t>(job_column_count)) {
        throw error("unexpected column count in a river_job result");
    }
    std::vector<job_row> out;
    out.reserve(rows.row_count());
    std::vector<binary_cell> cells(job_column_count);
    for (std::size_t row = 0; row < rows.row_count(); ++row) {
        for (std::size_t column = 0; column < cells.size(); ++column) cells[column] = rows.cell(row, column);
        out.push_back(format == driver::result_format::text ? decode_job_row_text(cells) : decode_job_row(cells));
    }
    return out;
}

std::vector<insert_result> decode_insert_rows(const driver::rows& rows, driver::result_format format,
                                              args_cell args) {
    if (rows.column_count() != static_cast<std::size_t>(job_column_count) + 1) {
        throw error("unexpected column count in insert result");
    }
    const bool text = format == driver::result_format::text;
    std::vector<insert_result> out;
    out.reserve(rows.row_count());
    std::vector<binary_cell> cells(job_column_count + 1);
    for (std::size_t row = 0; row < rows.row_count(); ++row) {
        for (std::size_t column = 0; column < cells.size(); ++column) cells[column] = rows.cell(row, column);
        insert_result item;
        item.job = text ? decode_columns<text_cells>(cells, args) : decode_columns<binary_cells>(cells, args);
        if (!cells[job_column_count]) malformed("duplicate flag is NULL");
        const std::string_view duplicate = *cells[job_column_count];
        item.unique_skipped_as_duplicated = text ? decode_bool_text(duplicate) : decode_bool(duplicate);
        out.push_back(std::move(item));
    }
    return out;
}

job_row decode_job_row(std::span<const binary_cell> cells) { return decode_columns<binary_cells>(cells); }

job_row decode_job_row_text(std::span<const binary_cell> cells) { return decode_columns<text_cells>(cells); }

}  // namespace riverqueue::core
