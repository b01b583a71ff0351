// <riverqueue/json/nlohmann.hpp>: nlohmann::json values as job args and
// metadata, typed args through nlohmann's conversions, reading rows back.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>

#include <riverqueue/json/nlohmann.hpp>
#include <riverqueue/unique_key.hpp>
#include <riverqueue/worker.hpp>

namespace {

namespace rq_json = riverqueue::nlohmann_json;
using nlohmann::json;
using nlohmann::ordered_json;

// The header's example: a kind and nlohmann's conversions, no to_json().
struct send_email {
    std::string to;
    int attempts_hint = 0;
    static constexpr std::string_view kind() { return "send_email"; }
    NLOHMANN_DEFINE_TYPE_INTRUSIVE(send_email, to, attempts_hint)
    static send_email from_json(std::string_view text) { return rq_json::decode<send_email>(text); }
};

// With per-kind defaults, as River Go's JobArgsWithInsertOpts.
struct nightly_report {
    int customer = 0;
    static constexpr std::string_view kind() { return "nightly_report"; }
    riverqueue::insert_opts insert_opts() const {
        riverqueue::insert_opts opts;
        opts.queue = "reports";
        opts.priority = 3;
        return opts;
    }
};
void to_json(json& j, const nightly_report& r) { j = json{{"customer", r.customer}}; }

struct no_conversion {
    static constexpr std::string_view kind() { return "no_conversion"; }
};

static_assert(!riverqueue::job_args<send_email>, "send_email has no to_json(): the adapter makes its args");
static_assert(rq_json::convertible_args<send_email>);
static_assert(rq_json::convertible_args<nightly_report>);
static_assert(!rq_json::convertible_args<no_conversion>, "no nlohmann conversion, so no args");
static_assert(!rq_json::convertible_args<json>, "a bare value has no kind");
static_assert(riverqueue::decodable_job_args<send_email>, "workers::add<send_email> decodes with the adapter");

template <typename F>
riverqueue::validation_error validation_error_of(F&& f) {
    try {
        f();
    } catch (const riverqueue::validation_error& e) {
        return e;
    }
    ADD_FAILURE() << "no validation_error";
    return riverqueue::validation_error("", "");
}

TEST(nlohmann_adapter, ArgsFromAValueCarryKindTextAndDefaults) {
    riverqueue::insert_opts defaults;
    defaults.queue = "mail";
    const riverqueue::dynamic_args args =
        rq_json::args("send_email", {{"to", "ada@example.com"}, {"n", 1}}, defaults);
    EXPECT_EQ(args.kind(), "send_email");
    EXPECT_EQ(args.to_json(), R"({"n":1,"to":"ada@example.com"})");  // nlohmann::json sorts its keys
    EXPECT_EQ(args.insert_opts().queue, "mail");
}

TEST(nlohmann_adapter, OrderedJsonKeepsTheOrderWritten) {
    const ordered_json value = {{"z", 1}, {"a", ordered_json{{"y", true}, {"b", nullptr}}}};
    EXPECT_EQ(rq_json::args("k", value).to_json(), R"({"z":1,"a":{"y":true,"b":null}})");
    EXPECT_EQ(rq_json::metadata(value), R"({"z":1,"a":{"y":true,"b":null}})");
}

TEST(nlohmann_adapter, TypedArgsNeedNoToJson) {
    const riverqueue::dynamic_args args = rq_json::args(send_email{"ada@example.com", 2});
    EXPECT_EQ(args.kind(), "send_email");
    EXPECT_EQ(args.to_json(), R"({"attempts_hint":2,"to":"ada@example.com"})");
    EXPECT_FALSE(args.insert_opts().queue.has_value());

    const riverqueue::dynamic_args report = rq_json::args(nightly_report{7});
    EXPECT_EQ(report.kind(), "nightly_report");
    EXPECT_EQ(report.to_json(), R"({"customer":7})");
    EXPECT_EQ(report.insert_opts().queue, "reports");
    EXPECT_EQ(report.insert_opts().priority, 3);
}

TEST(nlohmann_adapter, DecodeReadsTypedArgsBack) {
    const send_email decoded = send_email::from_json(R"({"to":"grace@example.com","attempts_hint":4})");
    EXPECT_EQ(decoded.to, "grace@example.com");
    EXPECT_EQ(decoded.attempts_hint, 4);
    EXPECT_THROW(send_email::from_json(R"({"attempts_hint":4})"), json::exception);  // no "to"
    EXPECT_THROW(send_email::from_json("{"), json::exception);
}

TEST(nlohmann_adapter, ReadsAStoredRowsArgsAndMetadata) {
    riverqueue::job_row row;
    row.args = R"({"to": "ada@example.com", "nested": {"z": 1, "a": [1, 2.5]}})";
    row.metadata = R"({"source": "import"})";
    EXPECT_EQ(rq_json::args_of(row), (json{{"to", "ada@example.com"}, {"nested", {{"z", 1}, {"a", {1, 2.5}}}}}));
    EXPECT_EQ(rq_json::metadata_of(row), (json{{"source", "import"}}));
    EXPECT_EQ(rq_json::args_of<ordered_json>(row)["nested"].dump(), R"({"z":1,"a":[1,2.5]})");
}

TEST(nlohmann_adapter, OnlyObjectsAreArgsOrMetadata) {
    for (const json& value : {json::array({1}), json(42), json("text"), json(nullptr)}) {
        const auto e = validation_error_of([&] { rq_json::args("k", value); });
        EXPECT_EQ(e.field(), "args") << value;
        EXPECT_EQ(e.rule(), "must be a JSON object") << value;
        EXPECT_EQ(validation_error_of([&] { rq_json::metadata(value); }).field(), "metadata") << value;
    }
    EXPECT_EQ(rq_json::args("k", json::object()).to_json(), "{}");
}

TEST(nlohmann_adapter, NaNAndInfinitiesAnywhereAreRefused) {
    // nlohmann would write them as null; River Go's encoding/json refuses them.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (const json& value : {json{{"a", nan}}, json{{"a", {1, {{"b", -inf}}}}}, json{{"deep", {{{"x", inf}}}}}}) {
        const auto e = validation_error_of([&] { rq_json::args("k", value); });
        EXPECT_EQ(e.field(), "args");
        EXPECT_NE(e.rule().find("NaN and infinities"), std::string::npos) << e.rule();
        EXPECT_EQ(validation_error_of([&] { rq_json::metadata(value); }).field(), "metadata");
    }
    EXPECT_EQ(rq_json::args("k", {{"a", 1.5}, {"b", -0.0}}).to_json(), R"({"a":1.5,"b":-0.0})");
}

TEST(nlohmann_adapter, StringsThatAreNotUtf8AreRefused) {
    const auto e = validation_error_of([] { rq_json::args("k", {{"s", std::string("a\xff")}}); });
    EXPECT_EQ(e.field(), "args");
    EXPECT_EQ(e.rule().rfind("must be valid UTF-8 JSON: ", 0), 0U) << e.rule();
}

// The River Go vectors (tests/unit/data/river_unique_key_vectors.json) whose
// args survive a JSON library unchanged: read into ordered_json and written
// back by the adapter, they hash to the key River Go stored. (Number
// spellings such as 1e21 or -0 are the library's to keep: they reach the key
// only as text, which is why args are text.)
TEST(nlohmann_adapter, UniqueKeysOfAdapterArgsAreRiverGos) {
    std::ifstream file(RIVERQUEUE_UNIQUE_KEY_VECTORS);
    ASSERT_TRUE(file) << RIVERQUEUE_UNIQUE_KEY_VECTORS;
    const json vectors = json::parse(file);
    const std::set<std::string> names = {"html_characters",   "member_names_reencoded", "non_ascii_raw",
                                         "nested_order_kept", "top_level_sorted",       "arrays_and_nested_objects",
                                         "booleans_and_null", "compact_input",          "integers_64_bit_limits",
                                         "pretty_printed_input"};
    std::set<std::string> seen;
    for (const json& c : vectors.at("cases")) {
        const std::string name = c.at("name");
        if (names.count(name) == 0) continue;
        seen.insert(name);
        ASSERT_TRUE(c.at("unique_opts").at("by_args").get<bool>()) << name;
        ASSERT_TRUE(c.at("unique_opts").at("by_args_paths").empty()) << name;
        const std::string kind = c.at("kind");
        const riverqueue::dynamic_args args = rq_json::args(kind, ordered_json::parse(c.at("args").get<std::string>()));
        const riverqueue::unique_key key =
            riverqueue::compute_unique_key({kind, args.to_json(), c.at("queue").get<std::string>(), std::nullopt, {}},
                                           {.by_args = riverqueue::unique_by_args_all{}});
        EXPECT_EQ(key.hex(), c.at("sha256").get<std::string>()) << name << ": " << args.to_json();
    }
    EXPECT_EQ(seen, names);
}

TEST(nlohmann_adapter, SortedKeysReachNestedObjectsWhichRiverHashesAsWritten) {
    // nlohmann::json sorts nested keys too, and River hashes nested objects in
    // the order written: the key is that of the text sent, as River Go would
    // compute it for that text; ordered_json keeps the order.
    const char* text = R"({"nested":{"z":1,"a":"x"}})";
    const auto key = [](const std::string& args) {
        return riverqueue::compute_unique_key({"k", args, "default", std::nullopt, {}},
                                              {.by_args = riverqueue::unique_by_args_all{}})
            .hex();
    };
    EXPECT_EQ(key(rq_json::args("k", ordered_json::parse(text)).to_json()), key(text));
    EXPECT_EQ(rq_json::args("k", json::parse(text)).to_json(), R"({"nested":{"a":"x","z":1}})");
    EXPECT_NE(key(rq_json::args("k", json::parse(text)).to_json()), key(text));
}

}  // namespace
