// Unique keys as River Go v0.48+ builds them (internal/dbunique), byte for byte.
#include <riverqueue/unique_key.hpp>

#include <algorithm>
#include <memory>

#include <riverqueue/errors.hpp>

#include "core/go_json.hpp"
#include "core/hex.hpp"
#include "core/sha256.hpp"
#include "core/time_format.hpp"
#include "core/unique_key_builder.hpp"

namespace riverqueue {

bool unique_opts::empty() const noexcept {
    return std::holds_alternative<std::monostate>(by_args) && by_period.count() == 0 && !by_queue &&
           !by_state.has_value() && !exclude_kind;
}

std::string unique_key::hex() const { return core::to_hex(digest); }

namespace {

// River's default ByState: every state but cancelled and discarded.
constexpr std::uint8_t default_states_mask = 0xF5;

std::uint8_t state_bit(job_state state) noexcept {
    // available is the lowest bit, scheduled the highest; the enum is in that order.
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(state));
}

}  // namespace

std::uint8_t unique_states_bitmask(const unique_opts& opts) {
    if (!opts.by_state || opts.by_state->empty()) return default_states_mask;
    std::uint8_t mask = 0;
    for (job_state state : *opts.by_state) mask = static_cast<std::uint8_t>(mask | state_bit(state));
    return mask;
}

std::vector<job_state> unique_states_from_bitmask(std::uint8_t mask) {
    std::vector<job_state> states;
    for (job_state state : all_job_states) {
        if ((mask & state_bit(state)) != 0) states.push_back(state);
    }
    return states;
}

unique_key compute_unique_key(const unique_key_input& input, const unique_opts& opts) {
    core::validate_unique_opts(opts);
    unique_key key;
    std::string& s = key.key_string;
    if (!opts.exclude_kind) {
        s += "&kind=";
        s += input.kind;
    }
    if (!std::holds_alternative<std::monostate>(opts.by_args)) {
        core::json::value args;
        try {
            args = core::json::parse(input.args_json);
        } catch (const core::json::parse_error& e) {
            throw validation_error("args", std::string("must be valid JSON: ") + e.what());
        }
        s += "&args=";
        const auto* subset = std::get_if<unique_by_args_subset>(&opts.by_args);
        if (subset != nullptr && !subset->empty()) {
            // River looks each path up (gjson), whatever the args are: in
            // args that are not an object, only array indexes can match.
            core::append_canonical_args_subset(s, args, *subset);
        } else if (args.type == core::json::value_type::object) {
            // An empty subset is what a Go struct without tagged fields yields: all keys.
            // Written straight into the key string, sized for them first: for
            // a very large value, the key string and the parsed args are then
            // the only copies held at once.
            s.reserve(s.size() + input.args_json.size() + 64);
            core::append_canonical_args_all(s, args);
        } else if (args.type == core::json::value_type::array && args.items.empty()) {
            s += "{}";  // River hashes an empty array as an empty object
        } else {
            throw validation_error("args", "must be a JSON object (or an empty array) to be unique by all args");
        }
    }
    if (opts.by_period.count() != 0) {
        const time_point base = input.scheduled_at.value_or(input.now);
        // River's years only: the period's arithmetic and its RFC 3339 text
        // hold nothing else (an insert refuses such a scheduled_at anyway).
        if (!core::within_river_range(base)) {
            throw validation_error(input.scheduled_at ? "scheduled_at" : "now",
                                   "must be between 0001-01-01 and 9999-12-31 (UTC) for a unique period");
        }
        s += "&period=";
        s += core::format_rfc3339_seconds(core::truncate_like_go(base, opts.by_period));
    }
    if (opts.by_queue) {
        s += "&queue=";
        s += input.queue;
    }
    key.digest = core::sha256(s);
    return key;
}

namespace core {

void validate_unique_opts(const unique_opts& opts) {
    if (opts.empty()) return;
    if (opts.by_period.count() != 0 && opts.by_period < std::chrono::seconds(1)) {
        throw validation_error("unique_opts.by_period", "must be at least one second");
    }
    const bool by_args = !std::holds_alternative<std::monostate>(opts.by_args);
    if (opts.exclude_kind && !by_args && !opts.by_queue && opts.by_period.count() == 0) {
        throw validation_error("unique_opts.exclude_kind", "requires by_args, by_queue or by_period");
    }
    if (opts.by_state && !opts.by_state->empty()) {
        std::string missing;
        for (job_state required : {job_state::available, job_state::pending, job_state::running, job_state::scheduled}) {
            if (std::find(opts.by_state->begin(), opts.by_state->end(), required) == opts.by_state->end()) {
                missing += missing.empty() ? "" : ", ";
                missing += to_string(required);
            }
        }
        if (!missing.empty()) {
            throw validation_error("unique_opts.by_state", "must contain all required states, missing: " + missing);
        }
    }
}

void append_canonical_args_all(std::string& out, const json::value& args) {
    std::vector<const json::member*> members;
    members.reserve(args.members.size());
    for (const auto& member : args.members) {
        const bool seen = std::any_of(members.begin(), members.end(),
                                      [&](const json::member* m) { return m->first == member.first; });
        if (!seen) members.push_back(&member);
    }
    std::stable_sort(members.begin(), members.end(),
                     [](const json::member* a, const json::member* b) { return a->first < b->first; });
    out.push_back('{');
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out.push_back(',');
        go_json::append_member_name(out, members[i]->first);
        out.push_back(':');
        go_json::append_value(out, members[i]->second);
    }
    out.push_back('}');
}

std::string canonical_args_all(const json::value& args) {
    std::string out;
    append_canonical_args_all(out, args);
    return out;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> components(1);
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '\\' && i + 1 < path.size()) {
            components.back().push_back(path[++i]);
        } else if (path[i] == '.') {
            components.emplace_back();
        } else {
            components.back().push_back(path[i]);
        }
    }
    return components;
}

namespace {

// River's gjson.Escape of one path component, used only to break ties in
// sorting exactly as River does.
std::string escape_component(std::string_view component) {
    std::string out;
    for (char ch : component) {
        const auto c = static_cast<unsigned char>(ch);
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           c == '_' || c == '-' || c == ':' || c <= ' ' || c > '~';
        if (!plain) out.push_back('\\');
        out.push_back(ch);
    }
    if (!out.empty() && out.front() == ':') out.insert(out.begin(), '\\');
    return out;
}

struct selected_path {
    std::vector<std::string> components;
    std::string sort_key;  // components joined with '.'
    std::string escaped;   // River's escaped path
};

// Finds the value at `components` the way River's JSON path lookup does:
// object members by name (first match), array elements by index.
const json::value* lookup(const json::value& root, const std::vector<std::string>& components) {
    const json::value* current = &root;
    for (const auto& component : components) {
        if (current->type == json::value_type::object) {
            current = current->find(component);
        } else if (current->type == json::value_type::array && !component.empty() && component.size() <= 18 &&
                   std::all_of(component.begin(), component.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            // At most 18 digits: a longer index is past any array's end, and
            // would not fit the conversion.
            const std::size_t index = std::stoul(component);
            current = index < current->items.size() ? &current->items[index] : nullptr;
        } else {
            current = nullptr;
        }
        if (current == nullptr) return nullptr;
    }
    return current;
}

// The object River builds by setting each selected value at its path, in
// order: a tree of members in insertion order whose leaves are input values.
struct built_node {
    const json::value* leaf = nullptr;  // set for a leaf
    std::vector<std::pair<std::string, std::unique_ptr<built_node>>> children;

    built_node* child(const std::string& name) {
        for (auto& [child_name, node] : children) {
            if (child_name == name) return node.get();
        }
        children.emplace_back(name, std::make_unique<built_node>());
        return children.back().second.get();
    }

    // Setting a path below a value that is itself an object descends into
    // that object, as River's JSON setter edits the value in place.
    void expand_leaf() {
        if (leaf == nullptr) return;
        const json::value* value = leaf;
        leaf = nullptr;
        children.clear();
        if (value->type != json::value_type::object) return;
        for (const auto& [name, member_value] : value->members) {
            bool exists = false;
            for (auto& existing : children) exists = exists || existing.first == name;
            if (exists) continue;
            auto node = std::make_unique<built_node>();
            node->leaf = &member_value;
            children.emplace_back(name, std::move(node));
        }
    }

    void write(std::string& out) const {
        if (leaf != nullptr) {
            go_json::append_value(out, *leaf);
            return;
        }
        out.push_back('{');
        for (std::size_t i = 0; i < children.size(); ++i) {
            if (i > 0) out.push_back(',');
            go_json::append_member_name(out, children[i].first);
            out.push_back(':');
            children[i].second->write(out);
        }
        out.push_back('}');
    }
};

}  // namespace

bool append_canonical_args_subset(std::string& out, const json::value& args, const std::vector<std::string>& paths) {
    std::vector<selected_path> selected;
    selected.reserve(paths.size());
    for (const auto& path : paths) {
        selected_path entry;
        entry.components = split_path(path);
        for (std::size_t i = 0; i < entry.components.size(); ++i) {
            if (i > 0) {
                entry.sort_key.push_back('.');
                entry.escaped.push_back('.');
            }
            entry.sort_key += entry.components[i];
            entry.escaped += escape_component(entry.components[i]);
        }
        selected.push_back(std::move(entry));
    }
    std::stable_sort(selected.begin(), selected.end(), [](const selected_path& a, const selected_path& b) {
        return a.sort_key != b.sort_key ? a.sort_key < b.sort_key : a.escaped < b.escaped;
    });

    built_node root;
    bool any = false;
    for (const auto& entry : selected) {
        const json::value* found = lookup(args, entry.components);
        if (found == nullptr) continue;
        any = true;
        built_node* node = &root;
        for (std::size_t i = 0; i < entry.components.size(); ++i) {
            node->expand_leaf();
            node = node->child(entry.components[i]);
        }
        node->children.clear();
        node->leaf = found;
    }
    if (!any) return false;
    root.write(out);
    return true;
}

std::string canonical_args_subset(const json::value& args, const std::vector<std::string>& paths) {
    std::string out;
    append_canonical_args_subset(out, args, paths);
    return out;
}

}  // namespace core
}  // namespace riverqueue
