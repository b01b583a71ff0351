// How job arguments reach the library.
//
// A user type models `job_args` when it has a kind and renders itself as a JSON
// object (River Go's JobArgs):
//
//     struct send_email {
//         std::string to;
//         static constexpr std::string_view kind() { return "send_email"; }
//         std::string to_json() const { return R"({"to":")" + to + R"("})"; }
//     };
//
// It may also provide `insert_opts()` with per-kind defaults (River Go's
// JobArgsWithInsertOpts). Callers without a type use `dynamic_args`.
// The library never parses JSON with a third-party library on the caller's
// behalf: args arrive as text and are validated by the library itself.
#pragma once

#include <concepts>
#include <string>
#include <string_view>

#include <riverqueue/insert_opts.hpp>

namespace riverqueue {

template <typename T>
concept job_args = requires(const T& args) {
    { args.kind() } -> std::convertible_to<std::string_view>;
    { args.to_json() } -> std::convertible_to<std::string>;
};

template <typename T>
concept job_args_with_insert_opts = job_args<T> && requires(const T& args) {
    { args.insert_opts() } -> std::convertible_to<riverqueue::insert_opts>;
};

// Job args known only at run time: a kind and a JSON object as text, plus the
// per-kind defaults a typed args would provide.
struct dynamic_args {
    std::string kind_name;
    std::string json;
    riverqueue::insert_opts defaults{};

    std::string_view kind() const noexcept { return kind_name; }
    const std::string& to_json() const noexcept { return json; }
    const riverqueue::insert_opts& insert_opts() const noexcept { return defaults; }
};

// The per-kind defaults of a value with kind() and, optionally, insert_opts()
// (a job_args, or a type the JSON adapters in <riverqueue/json/> convert):
// its insert_opts(), or none.
template <typename T>
riverqueue::insert_opts default_insert_opts_of(const T& args) {
    if constexpr (requires {
                      { args.insert_opts() } -> std::convertible_to<riverqueue::insert_opts>;
                  }) {
        return riverqueue::insert_opts(args.insert_opts());
    } else {
        return {};
    }
}

// Turns any job_args into dynamic_args.
template <job_args T>
dynamic_args to_dynamic_args(const T& args) {
    return dynamic_args{std::string(args.kind()), std::string(args.to_json()), default_insert_opts_of(args)};
}

inline dynamic_args to_dynamic_args(dynamic_args args) { return args; }

// One element of an insert_many batch.
struct insert_many_params {
    dynamic_args args;
    insert_opts opts{};
};

template <job_args T>
insert_many_params make_insert_many_params(const T& args, insert_opts opts = {}) {
    return insert_many_params{to_dynamic_args(args), std::move(opts)};
}

}  // namespace riverqueue
