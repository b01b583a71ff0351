// River's own unique-key goldens (conformance/fixtures/unique_keys.json in
// River's repository), when a copy is at hand.
//
// River's files are not copied into this repository, and CI cannot download
// them (see docs/conformance.md), so this test runs only when
// RIVER_UNIQUE_KEYS_FIXTURE names a copy of the file; otherwise it is skipped.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <riverqueue/unique_key.hpp>

#include "core/go_json.hpp"
#include "core/json.hpp"
#include "core/time_format.hpp"

namespace riverqueue {
namespace {

using core::json::value;
using core::json::value_type;

// River's reference adapter selects these fields of its typed struct for this kind.
const std::vector<std::string> selected_args_paths = {"account.id", "account.region", "label", "path/key"};

const value& member(const value& object, const char* name) {
    static const value null_value;
    const value* found = object.find(name);
    return found != nullptr ? *found : null_value;
}

bool flag(const value& options, const char* name) {
    const value& v = member(options, name);
    return v.type == value_type::boolean && v.text == "true";
}

void check_case(const value& fixture_case) {
    const std::string name = member(fixture_case, "name").text;
    SCOPED_TRACE(name);
    ASSERT_EQ(member(fixture_case, "expected_sha256").text.size(), 64u) << "case without expected_sha256";
    ASSERT_EQ(member(fixture_case, "expected_state_mask").type, value_type::number);
    const value& options = member(fixture_case, "options");
    unique_opts opts;
    const std::string kind = member(fixture_case, "kind").text;
    if (flag(options, "by_args")) {
        if (kind == "conformance_selected_args") opts.by_args = selected_args_paths;
        else opts.by_args = unique_by_args_all{};
    }
    if (const value& period = member(options, "by_period_nanos"); period.type == value_type::number) {
        opts.by_period = std::chrono::nanoseconds(std::stoll(period.text));
    }
    opts.by_queue = flag(options, "by_queue");
    opts.exclude_kind = flag(options, "exclude_kind");
    if (const value& states = member(options, "by_state"); states.type == value_type::array && !states.items.empty()) {
        opts.by_state.emplace();
        for (const auto& state : states.items) opts.by_state->push_back(*job_state_from_string(state.text));
    }
    std::string args;
    core::go_json::append_value(args, member(fixture_case, "args"));
    const auto now = core::parse_rfc3339(member(fixture_case, "now").text);
    ASSERT_TRUE(now) << "now: " << member(fixture_case, "now").text;
    unique_key_input input{kind, args, member(fixture_case, "queue").text, std::nullopt, *now};
    if (const value& scheduled = member(fixture_case, "scheduled_at"); scheduled.type == value_type::string) {
        input.scheduled_at = core::parse_rfc3339(scheduled.text);
        ASSERT_TRUE(input.scheduled_at) << "scheduled_at: " << scheduled.text;
    }
    const unique_key key = compute_unique_key(input, opts);
    EXPECT_EQ(key.hex(), member(fixture_case, "expected_sha256").text) << "key string: " << key.key_string;
    EXPECT_EQ(std::to_string(unique_states_bitmask(opts)), member(fixture_case, "expected_state_mask").text);
}

TEST(RiverUniqueKeyFixture, EveryCaseMatches) {
    const char* path = std::getenv("RIVER_UNIQUE_KEYS_FIXTURE");
    if (path == nullptr || *path == '\0') {
        GTEST_SKIP() << "to run it, point RIVER_UNIQUE_KEYS_FIXTURE at a copy of River's "
                        "conformance/fixtures/unique_keys.json, e.g. "
                        "RIVER_UNIQUE_KEYS_FIXTURE=/path/to/unique_keys.json ctest -L unit -R RiverUniqueKeyFixture";
    }
    std::ifstream file(path);
    ASSERT_TRUE(file) << "cannot read " << path;
    std::stringstream text;
    text << file.rdbuf();
    const value fixture = core::json::parse(text.str());
    // Every version of the fixture has `cases`; newer ones add `typed_only_cases`.
    ASSERT_EQ(member(fixture, "cases").type, value_type::array) << path << " has no cases";
    std::size_t count = 0;
    for (const char* list : {"cases", "typed_only_cases"}) {
        for (const auto& fixture_case : member(fixture, list).items) {
            check_case(fixture_case);
            ++count;
        }
    }
    EXPECT_GT(count, 0u);
    std::cout << "checked " << count << " cases of " << path << "\n";
}

}  // namespace
}  // namespace riverqueue
