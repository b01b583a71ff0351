// Unique keys (key string and SHA-256) against vectors of River Go.
//
// The vectors are tests/unit/data/river_unique_key_vectors.json, read at run
// time (its path is RIVERQUEUE_UNIQUE_KEY_VECTORS, set by tests/CMakeLists.txt).
// Each case is a job as a C++ caller gives it: kind, args as JSON text (member
// order, whitespace, escapes and number spellings as a C++ serializer might
// write them), queue, unique options, scheduled_at and the clock's "now"; and
// what River stores for it. interop/unique_vectors (ctest -L interop,
// `interop.unique_vectors`) inserts every case with River v0.51.2's own client
// and checks that sha256 and states_mask are what River stored in river_job and
// that sha256 is the SHA-256 of key_string; `-write` regenerates them
// (docs/interop.md).
#include <gtest/gtest.h>

#include <charconv>
#include <chrono>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <riverqueue/errors.hpp>
#include <riverqueue/unique_key.hpp>

#include "core/json.hpp"
#include "core/sha256.hpp"
#include "core/time_format.hpp"
#include "core/unique_key_builder.hpp"
#include "support/small_stack.hpp"

namespace riverqueue {
namespace {

using namespace std::chrono_literals;

struct vector_opts {
    bool by_args = false;
    std::chrono::nanoseconds by_period{};
    bool by_queue = false;
    std::optional<std::vector<job_state>> by_state;
    bool exclude_kind = false;
};

struct river_vector {
    std::string name;
    std::string args;
    std::vector<std::string> subset_paths;  // empty: by_args over all keys
    std::string kind;
    std::string queue;
    vector_opts opts;
    std::string scheduled_at;  // RFC 3339, or empty
    std::string now;
    std::string key_string;
    std::string sha256;
    unsigned states_mask = 0;
};

std::optional<std::vector<job_state>> states(std::initializer_list<job_state> list) {
    return std::vector<job_state>(list);
}

// Reading the vector file: every field must be there with its type.
const core::json::value& field(const core::json::value& object, std::string_view name) {
    if (object.type != core::json::value_type::object) throw std::runtime_error("expected an object");
    const core::json::value* found = object.find(name);
    if (found == nullptr) throw std::runtime_error("missing member " + std::string(name));
    return *found;
}

const core::json::value& typed(const core::json::value& v, core::json::value_type type, std::string_view what) {
    if (v.type != type) throw std::runtime_error(std::string(what) + " has the wrong type");
    return v;
}

std::string string_member(const core::json::value& object, std::string_view name) {
    return typed(field(object, name), core::json::value_type::string, name).text;
}

bool bool_member(const core::json::value& object, std::string_view name) {
    return typed(field(object, name), core::json::value_type::boolean, name).text == "true";
}

long long integer_member(const core::json::value& object, std::string_view name) {
    const std::string& text = typed(field(object, name), core::json::value_type::number, name).text;
    long long number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || end != text.data() + text.size()) {
        throw std::runtime_error(std::string(name) + " is not an integer: " + text);
    }
    return number;
}

river_vector read_vector(const core::json::value& c) {
    river_vector v;
    v.name = string_member(c, "name");
    try {
        v.kind = string_member(c, "kind");
        v.args = string_member(c, "args");
        v.queue = string_member(c, "queue");
        const core::json::value& opts = field(c, "unique_opts");
        v.opts.by_args = bool_member(opts, "by_args");
        for (const auto& path : typed(field(opts, "by_args_paths"), core::json::value_type::array, "by_args_paths").items) {
            v.subset_paths.push_back(typed(path, core::json::value_type::string, "a path").text);
        }
        v.opts.by_period = std::chrono::nanoseconds(integer_member(opts, "by_period_ns"));
        v.opts.by_queue = bool_member(opts, "by_queue");
        const core::json::value& by_state = field(opts, "by_state");
        if (by_state.type != core::json::value_type::null) {
            v.opts.by_state.emplace();
            for (const auto& name : typed(by_state, core::json::value_type::array, "by_state").items) {
                const auto state = job_state_from_string(typed(name, core::json::value_type::string, "a state").text);
                if (!state) throw std::runtime_error("unknown state " + name.text);
                v.opts.by_state->push_back(*state);
            }
        }
        v.opts.exclude_kind = bool_member(opts, "exclude_kind");
        const core::json::value& scheduled_at = field(c, "scheduled_at");
        if (scheduled_at.type != core::json::value_type::null) {
            v.scheduled_at = typed(scheduled_at, core::json::value_type::string, "scheduled_at").text;
        }
        v.now = string_member(c, "now");
        v.key_string = string_member(c, "key_string");
        v.sha256 = string_member(c, "sha256");
        const long long mask = integer_member(c, "states_mask");
        if (mask < 0 || mask > 0xFF) throw std::runtime_error("states_mask is not a byte");
        v.states_mask = static_cast<unsigned>(mask);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error("case " + v.name + ": " + e.what());
    }
    return v;
}

std::vector<river_vector> read_vectors(const char* path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(std::string("cannot open ") + path);
    std::ostringstream text;
    text << in.rdbuf();
    const core::json::value file = core::json::parse(text.str());
    std::vector<river_vector> vectors;
    for (const auto& c : typed(field(file, "cases"), core::json::value_type::array, "cases").items) {
        vectors.push_back(read_vector(c));
    }
    return vectors;
}

// Throws (failing the test that asks) when the file is missing or malformed.
const std::vector<river_vector>& river_vectors() {
    static const std::vector<river_vector> vectors = read_vectors(RIVERQUEUE_UNIQUE_KEY_VECTORS);
    return vectors;
}

unique_opts to_unique_opts(const river_vector& v) {
    unique_opts opts;
    if (v.opts.by_args) {
        if (v.subset_paths.empty()) opts.by_args = unique_by_args_all{};
        else opts.by_args = v.subset_paths;
    }
    opts.by_period = v.opts.by_period;
    opts.by_queue = v.opts.by_queue;
    opts.by_state = v.opts.by_state;
    opts.exclude_kind = v.opts.exclude_kind;
    return opts;
}

time_point parse_time(const std::string& text) {
    const auto parsed = core::parse_rfc3339(text);
    EXPECT_TRUE(parsed) << text;
    return parsed.value_or(time_point{});
}

TEST(UniqueKeyVectors, AtLeastFortyCases) { EXPECT_GE(river_vectors().size(), 40u); }

TEST(UniqueKeyVectors, KeyStringDigestAndStatesMatchRiverGo) {
    for (const auto& v : river_vectors()) {
        SCOPED_TRACE(v.name);
        const unique_opts opts = to_unique_opts(v);
        unique_key_input input{v.kind, v.args, v.queue, std::nullopt, parse_time(v.now)};
        if (!v.scheduled_at.empty()) input.scheduled_at = parse_time(v.scheduled_at);
        const unique_key key = compute_unique_key(input, opts);
        EXPECT_EQ(key.key_string, v.key_string);
        EXPECT_EQ(key.hex(), v.sha256);
        EXPECT_EQ(unique_states_bitmask(opts), v.states_mask);
    }
}

// The file's expected digests are SHA-256 of its expected key strings, so a
// key string typo in the file cannot hide behind a matching digest.
TEST(UniqueKeyVectors, ExpectedDigestsHashExpectedStrings) {
    for (const auto& v : river_vectors()) {
        SCOPED_TRACE(v.name);
        unique_key key;
        key.digest = core::sha256(v.key_string);
        EXPECT_EQ(key.hex(), v.sha256);
    }
}

TEST(UniqueKey, HexIsLowerCaseOfDigest) {
    unique_key key;
    for (std::size_t i = 0; i < key.digest.size(); ++i) key.digest[i] = static_cast<std::uint8_t>(i * 8 + 0x0A);
    EXPECT_EQ(key.hex(), "0a121a222a323a424a525a626a727a828a929aa2aab2bac2cad2dae2eaf2fa02");
}

TEST(UniqueStatesBitmask, ForStateSets) {
    EXPECT_EQ(unique_states_bitmask({.by_queue = true}), 0xF5);
    EXPECT_EQ(unique_states_bitmask({.by_state = std::vector<job_state>{}}), 0xF5);
    EXPECT_EQ(unique_states_bitmask({.by_state = states({job_state::available, job_state::pending,
                                                         job_state::running, job_state::scheduled})}),
              0xD1);
    EXPECT_EQ(unique_states_bitmask({.by_state = states({job_state::scheduled, job_state::completed,
                                                         job_state::running, job_state::pending,
                                                         job_state::available})}),
              0xD5);
    EXPECT_EQ(unique_states_bitmask({.by_state = std::vector<job_state>(all_job_states.begin(), all_job_states.end())}),
              0xFF);
    EXPECT_EQ(unique_states_bitmask({.by_state = states({job_state::available, job_state::pending, job_state::running,
                                                         job_state::scheduled, job_state::retryable,
                                                         job_state::discarded})}),
              0xF9);
}

std::string rejected_field(const unique_opts& opts) {
    try {
        compute_unique_key(unique_key_input{"k", "{}", "default", std::nullopt, {}}, opts);
    } catch (const validation_error& e) {
        return e.field();
    }
    return "accepted";
}

TEST(UniqueKey, InvalidOptionsAreRejected) {
    EXPECT_EQ(rejected_field({.by_period = 999ms}), "unique_opts.by_period");
    EXPECT_EQ(rejected_field({.by_period = 999'999'999ns}), "unique_opts.by_period");
    EXPECT_EQ(rejected_field({.by_period = -1s}), "unique_opts.by_period");
    EXPECT_EQ(rejected_field({.by_period = 1s}), "accepted");
    EXPECT_EQ(rejected_field({.exclude_kind = true}), "unique_opts.exclude_kind");
    EXPECT_EQ(rejected_field({.by_state = std::vector<job_state>{}, .exclude_kind = true}), "unique_opts.exclude_kind");
    EXPECT_EQ(rejected_field({.by_period = 1s, .exclude_kind = true}), "accepted");
    EXPECT_EQ(rejected_field({.by_state = states({job_state::available, job_state::completed})}),
              "unique_opts.by_state");
    EXPECT_EQ(rejected_field({.by_state = states({job_state::available, job_state::pending, job_state::running})}),
              "unique_opts.by_state");
    EXPECT_EQ(rejected_field({.by_args = unique_by_args_all{}, .by_state = std::vector<job_state>{}}), "accepted");
}

TEST(UniqueKey, MissingRequiredStatesAreNamed) {
    try {
        core::validate_unique_opts({.by_state = states({job_state::pending, job_state::running})});
        FAIL() << "accepted";
    } catch (const validation_error& e) {
        EXPECT_NE(e.rule().find("available, scheduled"), std::string::npos) << e.rule();
    }
}

TEST(UniqueKey, ArgsMustBeAUtf8JsonObject) {
    for (const char* bad : {"[1]", "[[]]", "null", "\"s\"", "1", "{", "{} {}", "[", "{\"a\":\"\xc3\x28\"}"}) {
        EXPECT_THROW(compute_unique_key(unique_key_input{"k", bad, "default", std::nullopt, {}},
                                        {.by_args = unique_by_args_all{}}),
                     validation_error)
            << bad;
    }
    // Without by_args the args are not part of the key and are not read here.
    EXPECT_NO_THROW(compute_unique_key(unique_key_input{"k", "[", "default", std::nullopt, {}}, {.by_queue = true}));
}

TEST(UniqueKey, AnEmptyArrayIsHashedAsAnEmptyObject) {
    // River Go v0.51.2 (internal/dbunique, appendSortedObject): all-args
    // uniqueness over args that encode `[]` hashes `{}`, and River's
    // conformance fixture generator has the case (all_args_empty_array).
    const unique_opts by_args{.by_args = unique_by_args_all{}};
    const auto empty_array = compute_unique_key(unique_key_input{"k", " [ ] ", "default", std::nullopt, {}}, by_args);
    EXPECT_EQ(empty_array.key_string, "&kind=k&args={}");
    EXPECT_EQ(empty_array.hex(),
              compute_unique_key(unique_key_input{"k", "{}", "default", std::nullopt, {}}, by_args).hex());
}

TEST(UniqueKey, ASubsetIsLookedUpInArgsOfAnyShape) {
    // River looks the selected paths up with gjson whatever the args are:
    // nothing matches in null, a scalar or an array by name, and an array
    // element matches by index.
    const unique_opts by_label{.by_args = unique_by_args_subset{"label", "0"}};
    for (const char* args : {"null", "\"s\"", "1", "[]", "{}"}) {
        EXPECT_EQ(compute_unique_key(unique_key_input{"k", args, "default", std::nullopt, {}}, by_label).key_string,
                  "&kind=k&args=")
            << args;
    }
    EXPECT_EQ(compute_unique_key(unique_key_input{"k", "[5]", "default", std::nullopt, {}}, by_label).key_string,
              "&kind=k&args={\"0\":5}");
    // An index too long for any array (or for a 64-bit number) matches nothing.
    const unique_opts by_long_index{.by_args = unique_by_args_subset{"123456789012345678901234567890"}};
    EXPECT_EQ(compute_unique_key(unique_key_input{"k", "[5]", "default", std::nullopt, {}}, by_long_index).key_string,
              "&kind=k&args=");
}

// The deepest args an insert accepts get a key on a small stack too, all of
// them or a subset (found by fuzz/go_json_unique_key).
TEST(UniqueKey, TheDeepestArgsOnASmallStack) {
    const std::size_t depth = core::json::max_nesting_depth - 1;
    const std::string nested = std::string(depth, '[') + std::string(depth, ']');
    const std::string args = "{\"b\":" + nested + ",\"a\":1}";
    test::on_small_stack([&] {
        const auto all = compute_unique_key(unique_key_input{"k", args, "default", std::nullopt, {}},
                                            {.by_args = unique_by_args_all{}});
        EXPECT_EQ(all.key_string, "&kind=k&args={\"a\":1,\"b\":" + nested + "}");
        const auto subset = compute_unique_key(unique_key_input{"k", args, "default", std::nullopt, {}},
                                               {.by_args = unique_by_args_subset{"b"}});
        EXPECT_EQ(subset.key_string, "&kind=k&args={\"b\":" + nested + "}");
    });
}

// A period counted from an instant outside River's years overflowed (undefined
// behaviour) instead of being refused (found by fuzz/go_json_unique_key).
TEST(UniqueKey, APeriodFromBeyondRiversYearsIsRefused) {
    const unique_opts hourly{.by_period = std::chrono::hours(1)};
    const time_point first = core::earliest_river_time, last = core::latest_river_time;
    const auto field_refused = [&](std::optional<time_point> scheduled_at, time_point now) -> std::string {
        try {
            compute_unique_key(unique_key_input{"k", "{}", "default", scheduled_at, now}, hourly);
            return "accepted";
        } catch (const validation_error& e) {
            return e.field();
        }
    };
    EXPECT_EQ(field_refused(time_point::min(), {}), "scheduled_at");
    EXPECT_EQ(field_refused(first - std::chrono::microseconds(1), {}), "scheduled_at");
    EXPECT_EQ(field_refused(last + std::chrono::microseconds(1), {}), "scheduled_at");
    EXPECT_EQ(field_refused(time_point::max(), {}), "scheduled_at");
    EXPECT_EQ(field_refused(std::nullopt, time_point::min()), "now");
    EXPECT_EQ(field_refused(first, time_point::min()), "accepted");
    EXPECT_EQ(field_refused(last, {}), "accepted");
    EXPECT_EQ(compute_unique_key(unique_key_input{"k", "{}", "default", first, {}}, hourly).key_string,
              "&kind=k&period=0001-01-01T00:00:00Z");
    // Without a period the instant is not part of the key.
    EXPECT_NO_THROW(compute_unique_key(unique_key_input{"k", "{}", "default", time_point::min(), {}},
                                       {.by_queue = true}));
}

TEST(UniqueKey, EmptySubsetMeansAllKeys) {
    // A Go struct with no tagged field hashes all its keys.
    const unique_key_input input{"k", R"({"b":1,"a":2})", "default", std::nullopt, {}};
    EXPECT_EQ(compute_unique_key(input, {.by_args = unique_by_args_subset{}}).key_string,
              compute_unique_key(input, {.by_args = unique_by_args_all{}}).key_string);
}

TEST(UniqueKeyBuilder, SplitPathHonoursEscapes) {
    using paths = std::vector<std::string>;
    EXPECT_EQ(core::split_path("label"), paths{"label"});
    EXPECT_EQ(core::split_path("account.id"), (paths{"account", "id"}));
    EXPECT_EQ(core::split_path(R"(account\.id)"), paths{"account.id"});
    EXPECT_EQ(core::split_path(R"(a\\.b)"), (paths{"a\\", "b"}));
    EXPECT_EQ(core::split_path("path/key"), paths{"path/key"});
    EXPECT_EQ(core::split_path("a..b"), (paths{"a", "", "b"}));
}

TEST(UniqueKeyBuilder, CanonicalArgsAll) {
    const auto args = core::json::parse(R"({"b":{"y":1.0,"x":"<"},"a\"":[],"a":1,"b":2})");
    EXPECT_EQ(core::canonical_args_all(args), R"({"a":1,"a\"":[],"b":{"y":1,"x":"\u003c"}})");
    EXPECT_EQ(core::canonical_args_all(core::json::parse("{}")), "{}");
}

TEST(UniqueKeyBuilder, CanonicalArgsSubset) {
    const auto args = core::json::parse(R"({"z":{"b":2,"a":1},"list":[{"id":5}],"y":null})");
    EXPECT_EQ(core::canonical_args_subset(args, {"z.b", "y", "z.a"}), R"({"y":null,"z":{"a":1,"b":2}})");
    EXPECT_EQ(core::canonical_args_subset(args, {"z"}), R"({"z":{"b":2,"a":1}})");
    EXPECT_EQ(core::canonical_args_subset(args, {"missing", "z.missing"}), "");
}

}  // namespace
}  // namespace riverqueue
