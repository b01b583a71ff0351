// Job args and metadata as nlohmann::json values (nlohmann/json 3; Debian:
// nlohmann-json3-dev), for programs that already use that library.
//
// Header-only, and included by no other riverqueue header: the library itself
// needs no JSON library, and only a program that includes this header needs
// nlohmann/json on its include path.
//
//     #include <riverqueue/json/nlohmann.hpp>
//     namespace rq_json = riverqueue::nlohmann_json;
//
//     // A kind and a value:
//     client.insert(rq_json::args("send_email", {{"to", "ada@example.com"}}));
//
//     // A type with a kind and nlohmann's own conversions: no to_json() to write.
//     struct send_email {
//         std::string to;
//         static constexpr std::string_view kind() { return "send_email"; }
//         NLOHMANN_DEFINE_TYPE_INTRUSIVE(send_email, to)
//         // For riverqueue::workers::add<send_email>:
//         static send_email from_json(std::string_view text) { return rq_json::decode<send_email>(text); }
//     };
//     client.insert(rq_json::args(send_email{"ada@example.com"}));
//
//     riverqueue::insert_opts opts;
//     opts.metadata = rq_json::metadata({{"source", "import"}});
//     nlohmann::json stored = rq_json::args_of(result.job);
//
// The text the library gets is nlohmann's compact dump(); the library then
// validates it as any args (a JSON object of valid UTF-8, nesting at most
// 10,000 levels) and River's unique keys are computed from it as from any
// other args text. The value must be an object, and NaN or an infinity
// anywhere in it is refused (nlohmann would write null; River Go's
// encoding/json refuses them): both are validation_errors naming the field,
// thrown here, before anything is sent. nlohmann::ordered_json (keys in
// insertion order) works the same as nlohmann::json.
#pragma once

#include <cmath>
#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <riverqueue/errors.hpp>
#include <riverqueue/insert_opts.hpp>
#include <riverqueue/job_args.hpp>
#include <riverqueue/job_row.hpp>

namespace riverqueue::nlohmann_json {

// nlohmann::json, nlohmann::ordered_json or another nlohmann::basic_json.
template <typename Json>
concept basic_json = ::nlohmann::detail::is_basic_json<Json>::value;

// The JSON text for `value` as args or metadata: `field` ("args" or
// "metadata") names it in the validation_error thrown when `value` is not an
// object, holds NaN or an infinity, or has a string that is not UTF-8.
template <basic_json Json>
std::string to_text(const Json& value, const char* field) {
    if (!value.is_object()) throw validation_error(field, "must be a JSON object");
    // Walked with a stack of its own: nesting costs no call depth.
    std::vector<const Json*> pending{&value};
    while (!pending.empty()) {
        const Json* v = pending.back();
        pending.pop_back();
        if (v->is_number_float()) {
            if (!std::isfinite(v->template get<double>())) {
                throw validation_error(field, "NaN and infinities have no JSON form (River Go refuses them too)");
            }
        } else if (v->is_structured()) {
            for (const auto& element : *v) pending.push_back(&element);
        }
    }
    try {
        return value.dump();
    } catch (const typename Json::type_error& e) {  // 316: a string that is not UTF-8
        throw validation_error(field, std::string("must be valid UTF-8 JSON: ") + e.what());
    }
}

// Args of kind `kind` with `value` (an object) as their JSON, and the per-kind
// defaults a typed args would give (insert_opts at the call still win).
inline dynamic_args args(std::string kind, const ::nlohmann::json& value, insert_opts defaults = {}) {
    return dynamic_args{std::move(kind), to_text(value, "args"), std::move(defaults)};
}
template <basic_json Json>
    requires(!std::same_as<Json, ::nlohmann::json>)
dynamic_args args(std::string kind, const Json& value, insert_opts defaults = {}) {
    return dynamic_args{std::move(kind), to_text(value, "args"), std::move(defaults)};
}

// A type with kind() that nlohmann converts to JSON (a to_json(json&, const T&)
// found by ADL, NLOHMANN_DEFINE_TYPE_*, or an adl_serializer), and optionally
// insert_opts() with its kind's defaults.
template <typename T>
concept convertible_args = !basic_json<T> && std::is_constructible_v<::nlohmann::json, const T&> &&
                           requires(const T& value) {
                               { value.kind() } -> std::convertible_to<std::string_view>;
                           };

// Args from such a type: its kind, its JSON as nlohmann writes it, its
// insert_opts() when it has them.
template <convertible_args T>
dynamic_args args(const T& value) {
    return args(std::string(value.kind()), ::nlohmann::json(value), default_insert_opts_of(value));
}

// Text for insert_opts::metadata.
inline std::string metadata(const ::nlohmann::json& value) { return to_text(value, "metadata"); }
template <basic_json Json>
    requires(!std::same_as<Json, ::nlohmann::json>)
std::string metadata(const Json& value) {
    return to_text(value, "metadata");
}

// A stored job's args and metadata (job_row's JSON text, as PostgreSQL's
// jsonb returns it) as values.
template <basic_json Json = ::nlohmann::json>
Json args_of(const job_row& job) {
    return Json::parse(job.args);
}
template <basic_json Json = ::nlohmann::json>
Json metadata_of(const job_row& job) {
    return Json::parse(job.metadata);
}

// `text` (a job's args) decoded to T with nlohmann's conversions: what a
// static T::from_json(std::string_view) for riverqueue::workers can return.
// Throws nlohmann's exceptions when the text does not fit T (a worker's
// exception fails the attempt).
template <typename T>
T decode(std::string_view text) {
    return ::nlohmann::json::parse(text).template get<T>();
}

}  // namespace riverqueue::nlohmann_json
