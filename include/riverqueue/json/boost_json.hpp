// Job args and metadata as Boost.JSON values (Boost 1.81; Debian:
// libboost-json1.81-dev), for programs that already use that library.
//
// Header-only, and included by no other riverqueue header: the library itself
// needs no JSON library. A program that includes this header links Boost.JSON
// as it would for any use of it (CMake: Boost::json from
// find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS json); or
// <boost/json/src.hpp> in one source file).
//
//     #include <riverqueue/json/boost_json.hpp>
//     namespace rq_json = riverqueue::boost_json;
//
//     // A kind and a value:
//     client.insert(rq_json::args("send_email", {{"to", "ada@example.com"}}));
//
//     // A type with a kind and Boost.JSON's own conversions (a described
//     // struct, or tag_invoke overloads): no to_json() to write.
//     struct send_email {
//         std::string to;
//         static constexpr std::string_view kind() { return "send_email"; }
//         // For riverqueue::workers::add<send_email>:
//         static send_email from_json(std::string_view text) { return rq_json::decode<send_email>(text); }
//     };
//     BOOST_DESCRIBE_STRUCT(send_email, (), (to))
//     client.insert(rq_json::args(send_email{"ada@example.com"}));
//
//     riverqueue::insert_opts opts;
//     opts.metadata = rq_json::metadata({{"source", "import"}});
//     boost::json::value stored = rq_json::args_of(result.job);
//
// The text the library gets is boost::json::serialize's; the library then
// validates it as any args (a JSON object of valid UTF-8, nesting at most
// 10,000 levels) and River's unique keys are computed from it as from any
// other args text. The value must be an object, and NaN or an infinity
// anywhere in it is refused (Boost.JSON would write NaN or Infinity, which
// are not JSON; River Go's encoding/json refuses them): both are
// validation_errors naming the field, thrown here, before anything is sent.
// Boost.JSON writes doubles in exponent form (1.0 as 1E0); River's unique
// keys take numbers by value, as River Go does, so the key is the one of 1.0
// or 1. Reading back (args_of,
// metadata_of, parse, decode) allows the same 10,000 levels as the library's
// reader, not Boost.JSON's default of 32.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include <riverqueue/errors.hpp>
#include <riverqueue/insert_opts.hpp>
#include <riverqueue/job_args.hpp>
#include <riverqueue/job_row.hpp>

namespace riverqueue::boost_json {

// How deep parse() lets arrays and objects nest: the library's limit, Go's.
inline constexpr std::size_t max_depth = 10000;

// The JSON text for `value` as args or metadata: `field` ("args" or
// "metadata") names it in the validation_error thrown when `value` is not an
// object or holds NaN or an infinity.
inline std::string to_text(const ::boost::json::value& value, const char* field) {
    if (!value.is_object()) throw validation_error(field, "must be a JSON object");
    // Walked with a stack of its own: nesting costs no call depth.
    std::vector<const ::boost::json::value*> pending{&value};
    while (!pending.empty()) {
        const ::boost::json::value* v = pending.back();
        pending.pop_back();
        if (v->is_double()) {
            if (!std::isfinite(v->get_double())) {
                throw validation_error(field, "NaN and infinities have no JSON form (River Go refuses them too)");
            }
        } else if (v->is_object()) {
            for (const auto& member : v->get_object()) pending.push_back(&member.value());
        } else if (v->is_array()) {
            for (const auto& element : v->get_array()) pending.push_back(&element);
        }
    }
    return ::boost::json::serialize(value);
}

// Args of kind `kind` with `value` (an object) as their JSON, and the per-kind
// defaults a typed args would give (insert_opts at the call still win).
inline dynamic_args args(std::string kind, const ::boost::json::value& value, insert_opts defaults = {}) {
    return dynamic_args{std::move(kind), to_text(value, "args"), std::move(defaults)};
}

// A type with kind() that Boost.JSON converts to a value (described with
// Boost.Describe, or a tag_invoke(value_from_tag, value&, const T&) overload),
// and optionally insert_opts() with its kind's defaults.
template <typename T>
concept convertible_args = !std::is_convertible_v<const T&, const ::boost::json::value&> &&
                           ::boost::json::has_value_from<T>::value && requires(const T& value) {
                               { value.kind() } -> std::convertible_to<std::string_view>;
                           };

// Args from such a type: its kind, its JSON as Boost.JSON writes it, its
// insert_opts() when it has them.
template <convertible_args T>
dynamic_args args(const T& value) {
    return args(std::string(value.kind()), ::boost::json::value_from(value), default_insert_opts_of(value));
}

// Text for insert_opts::metadata.
inline std::string metadata(const ::boost::json::value& value) { return to_text(value, "metadata"); }

// `text` as a value, nesting up to max_depth; throws boost::system::system_error
// when it is not JSON.
inline ::boost::json::value parse(std::string_view text) {
    ::boost::json::parse_options options;
    options.max_depth = max_depth;
    return ::boost::json::parse(::boost::json::string_view(text.data(), text.size()), {}, options);
}

// A stored job's args and metadata (job_row's JSON text, as PostgreSQL's
// jsonb returns it) as values.
inline ::boost::json::value args_of(const job_row& job) { return parse(job.args); }
inline ::boost::json::value metadata_of(const job_row& job) { return parse(job.metadata); }

// `text` (a job's args) decoded to T with Boost.JSON's conversions: what a
// static T::from_json(std::string_view) for riverqueue::workers can return.
// Throws Boost.JSON's exceptions when the text does not fit T (a worker's
// exception fails the attempt).
template <typename T>
T decode(std::string_view text) {
    return ::boost::json::value_to<T>(parse(text));
}

}  // namespace riverqueue::boost_json
