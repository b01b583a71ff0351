// The JSON reader (src/core/json.cpp): parse(), validate() and
// validate(storable_in_jsonb) on any bytes.
//
// Beyond not crashing:
// - all three agree with a second, recursive reader written from RFC 8259 and
//   RFC 3629 (reference_json.hpp) on what is valid, and parse() builds the
//   same tree, number text, member order and duplicates included;
// - the nesting limit is core::json::max_nesting_depth, neither less nor more;
// - storable_in_jsonb refuses exactly the \u0000 and lone surrogate escapes;
// - an error's offset, line and column agree with each other and between
//   parse() and validate();
// - the tree written back in another spelling (whitespace, escapes) parses to
//   the same tree;
// - inputs that may be deep are read, compared and destroyed on a 256 KiB stack.
#include <optional>
#include <string>

#include "fuzz_support.hpp"
#include "reference_json.hpp"

namespace {

using namespace riverqueue::fuzz;
namespace json = riverqueue::core::json;

struct outcome {
    bool ok = false;
    json::value_type type = json::value_type::null;
    std::size_t offset = 0, line = 0, column = 0;
    std::string reason, message;
};

template <typename Read>
outcome attempt(Read read) {
    outcome out;
    try {
        out.type = read();
        out.ok = true;
    } catch (const json::parse_error& e) {
        out.offset = e.offset();
        out.line = e.line();
        out.column = e.column();
        out.reason = e.reason();
        out.message = e.what();
    }
    return out;
}

// The line and column of `offset`, counted here as an editor counts them.
void check_location(std::string_view text, const outcome& error) {
    FUZZ_CHECK(error.offset <= text.size(), "offset past the end: " + std::to_string(error.offset));
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < error.offset; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++line;
            column = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++column;
        }
    }
    FUZZ_CHECK(error.line == line && error.column == column,
               "line " + std::to_string(error.line) + " column " + std::to_string(error.column) + ", expected " +
                   std::to_string(line) + " " + std::to_string(column));
    const std::string where = " at line " + std::to_string(line) + ", column " + std::to_string(column);
    FUZZ_CHECK(error.message == error.reason + where, error.message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = as_text(data, size);

    json::value expected;
    bool expected_ok = false;
    bool nul_escape = false, lone_surrogate = false, too_deep = false;
    std::string respelled;
    run_reference_part(text, [&] {
        reference_reader reader(text);
        expected_ok = reader.document(expected);
        nul_escape = reader.saw_nul_escape();
        lone_surrogate = reader.saw_lone_surrogate();
        too_deep = reader.too_deep();
        if (expected_ok) {
            random_source random(text);
            respelling_writer writer(random);
            writer.whitespace(respelled);
            writer.value(respelled, expected);
        }
    });

    run_library_part(text, [&] {
        json::value tree;
        const outcome parsed = attempt([&] {
            tree = json::parse(text);
            return tree.type;
        });
        const outcome validated = attempt([&] { return json::validate(text); });
        const outcome storable = attempt([&] { return json::validate(text, true); });

        FUZZ_CHECK(parsed.ok == expected_ok, "parse " + std::string(parsed.ok ? "accepted" : "refused: " + parsed.message) +
                                                 " what the reference " + (expected_ok ? "accepts" : "refuses"));
        FUZZ_CHECK(validated.ok == parsed.ok, "validate and parse disagree: " + validated.message + parsed.message);
        const bool storable_expected = expected_ok && !nul_escape && !lone_surrogate;
        FUZZ_CHECK(storable.ok == storable_expected, "validate(storable): " + storable.message);
        if (parsed.ok) {
            FUZZ_CHECK(validated.type == tree.type && (!storable.ok || storable.type == tree.type), "top-level types differ");
            std::string where;
            FUZZ_CHECK(same_tree(tree, expected, &where), "parse() and the reference build different trees: " + where);
            json::value again;
            try {
                again = json::parse(respelled);
            } catch (const json::parse_error& e) {
                FUZZ_CHECK(false, std::string("the tree written back does not parse: ") + e.what() + " in " +
                                      printable(respelled));
            }
            FUZZ_CHECK(same_tree(again, tree, &where), "the tree written back reads differently: " + where);
        } else {
            check_location(text, parsed);
            check_location(text, validated);
            FUZZ_CHECK(validated.offset == parsed.offset && validated.reason == parsed.reason,
                       "validate: " + validated.message + "; parse: " + parsed.message);
            if (too_deep) {
                FUZZ_CHECK(parsed.reason == "nesting deeper than " + std::to_string(json::max_nesting_depth) + " levels",
                           parsed.message);
            }
        }
        if (!storable.ok) {
            check_location(text, storable);
            if (validated.ok) FUZZ_CHECK(storable.reason.find("jsonb") != std::string::npos, storable.message);
        }
    });
    return 0;
}
