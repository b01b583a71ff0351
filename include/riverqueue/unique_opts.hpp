// Options that make a job unique, mirroring River's UniqueOpts.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <riverqueue/job_state.hpp>

namespace riverqueue {

// by_args: not at all, all top-level keys of the args, or a subset of keys.
//
// A subset entry is a path: `subject` names a top-level key and
// `addresses.recipient` a key inside a nested object (River Go's fields tagged
// `river:"unique"`, including those inside nested structs). A dot that is part
// of a key is escaped with a backslash: `account\.id` names the key `account.id`.
struct unique_by_args_all {
    bool operator==(const unique_by_args_all&) const = default;
};
using unique_by_args_subset = std::vector<std::string>;
using unique_by_args = std::variant<std::monostate, unique_by_args_all, unique_by_args_subset>;

struct unique_opts {
    unique_by_args by_args{};
    // Zero means "not unique by period". Otherwise at least one second.
    std::chrono::nanoseconds by_period{0};
    bool by_queue = false;
    // When set, must contain available, pending, running and scheduled.
    // Unset means River's default set (every state but cancelled and discarded).
    std::optional<std::vector<job_state>> by_state{};
    // Leave the kind out of the key, so that jobs of different kinds collide.
    bool exclude_kind = false;

    // True when no option is set at all; such options make a job non-unique.
    bool empty() const noexcept;

    bool operator==(const unique_opts&) const = default;
};

}  // namespace riverqueue
