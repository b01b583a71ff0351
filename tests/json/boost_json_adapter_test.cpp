// <riverqueue/json/boost_json.hpp>: Boost.JSON values as job args and
// metadata, typed args through Boost.JSON's conversions, reading rows back.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>

#include <boost/describe.hpp>
#include <riverqueue/json/boost_json.hpp>
#include <riverqueue/unique_key.hpp>
#include <riverqueue/worker.hpp>

namespace {

namespace rq_json = riverqueue::boost_json;

// The header's example: a described struct, no to_json().
struct send_email {
    std::string to;
    int attempts_hint = 0;
    static constexpr std::string_view kind() { return "send_email"; }
    static send_email from_json(std::string_view text) { return rq_json::decode<send_email>(text); }
};
BOOST_DESCRIBE_STRUCT(send_email, (), (to, attempts_hint))

// Converted by a tag_invoke overload, with per-kind defaults.
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
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const nightly_report& r) {
    v = {{"customer", r.customer}};
}

struct no_conversion {
    static constexpr std::string_view kind() { return "no_conversion"; }
};

static_assert(!riverqueue::job_args<send_email>, "send_email has no to_json(): the adapter makes its args");
static_assert(rq_json::convertible_args<send_email>);
static_assert(rq_json::convertible_args<nightly_report>);
static_assert(!rq_json::convertible_args<no_conversion>, "no Boost.JSON conversion, so no args");
static_assert(!rq_json::convertible_args<boost::json::object>, "a bare value has no kind");
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

std::string str(const boost::json::value& v) {
    const boost::json::string& s = v.as_string();
    return std::string(s.data(), s.size());
}

std::string key_hex(std::string_view args) {
    return riverqueue::compute_unique_key({"k", args, "default", std::nullopt, {}},
                                          {.by_args = riverqueue::unique_by_args_all{}})
        .hex();
}

TEST(boost_json_adapter, ArgsFromAValueCarryKindTextAndDefaults) {
    riverqueue::insert_opts defaults;
    defaults.queue = "mail";
    const riverqueue::dynamic_args args =
        rq_json::args("send_email", {{"to", "ada@example.com"}, {"n", 1}}, defaults);
    EXPECT_EQ(args.kind(), "send_email");
    EXPECT_EQ(args.to_json(), R"({"to":"ada@example.com","n":1})");  // in the order written
    EXPECT_EQ(args.insert_opts().queue, "mail");

    boost::json::object object;
    object["z"] = 1;
    object["a"] = boost::json::array{true, nullptr, "s"};
    EXPECT_EQ(rq_json::args("k", object).to_json(), R"({"z":1,"a":[true,null,"s"]})");
    EXPECT_EQ(rq_json::metadata(object), R"({"z":1,"a":[true,null,"s"]})");
}

TEST(boost_json_adapter, TypedArgsNeedNoToJson) {
    const riverqueue::dynamic_args args = rq_json::args(send_email{"ada@example.com", 2});
    EXPECT_EQ(args.kind(), "send_email");
    EXPECT_EQ(args.to_json(), R"({"to":"ada@example.com","attempts_hint":2})");
    EXPECT_FALSE(args.insert_opts().queue.has_value());

    const riverqueue::dynamic_args report = rq_json::args(nightly_report{7});
    EXPECT_EQ(report.kind(), "nightly_report");
    EXPECT_EQ(report.to_json(), R"({"customer":7})");
    EXPECT_EQ(report.insert_opts().queue, "reports");
    EXPECT_EQ(report.insert_opts().priority, 3);
}

TEST(boost_json_adapter, DecodeReadsTypedArgsBack) {
    const send_email decoded = send_email::from_json(R"({"to":"grace@example.com","attempts_hint":4})");
    EXPECT_EQ(decoded.to, "grace@example.com");
    EXPECT_EQ(decoded.attempts_hint, 4);
    EXPECT_THROW(send_email::from_json(R"({"attempts_hint":4})"), std::exception);  // no "to"
    EXPECT_THROW(send_email::from_json("{"), boost::system::system_error);
}

TEST(boost_json_adapter, ReadsAStoredRowsArgsAndMetadata) {
    riverqueue::job_row row;
    row.args = R"({"to": "ada@example.com", "nested": {"z": 1, "a": [1, 2.5]}})";
    row.metadata = R"({"source": "import"})";
    EXPECT_EQ(boost::json::serialize(rq_json::args_of(row)), R"({"to":"ada@example.com","nested":{"z":1,"a":[1,2.5E0]}})");
    EXPECT_EQ(rq_json::metadata_of(row), (boost::json::value{{"source", "import"}}));
}

TEST(boost_json_adapter, ReadsNestingToTheLibrarysLimitNotBoostsDefault) {
    // Boost.JSON stops at 32 levels by default; args nest up to 10,000 (Go's limit).
    const auto nested = [](std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); };
    riverqueue::job_row row;
    row.args = "{\"a\":" + nested(rq_json::max_depth - 1) + "}";
    EXPECT_TRUE(rq_json::args_of(row).at("a").is_array());
    row.args = "{\"a\":" + nested(rq_json::max_depth) + "}";
    EXPECT_THROW(rq_json::args_of(row), boost::system::system_error);
}

TEST(boost_json_adapter, OnlyObjectsAreArgsOrMetadata) {
    for (const boost::json::value& value :
         {boost::json::value(boost::json::array{1}), boost::json::value(42), boost::json::value("text"),
          boost::json::value(nullptr)}) {
        const auto e = validation_error_of([&] { rq_json::args("k", value); });
        EXPECT_EQ(e.field(), "args") << value;
        EXPECT_EQ(e.rule(), "must be a JSON object") << value;
        EXPECT_EQ(validation_error_of([&] { rq_json::metadata(value); }).field(), "metadata") << value;
    }
    EXPECT_EQ(rq_json::args("k", boost::json::object()).to_json(), "{}");
}

TEST(boost_json_adapter, NaNAndInfinitiesAnywhereAreRefused) {
    // Boost.JSON would write NaN and Infinity, which are not JSON; River Go's
    // encoding/json refuses them.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (const boost::json::value& value :
         {boost::json::value{{"a", nan}}, boost::json::value{{"a", boost::json::array{1, {{"b", -inf}}}}},
          boost::json::value{{"deep", {{"x", inf}}}}}) {
        const auto e = validation_error_of([&] { rq_json::args("k", value); });
        EXPECT_EQ(e.field(), "args") << value;
        EXPECT_NE(e.rule().find("NaN and infinities"), std::string::npos) << e.rule();
        EXPECT_EQ(validation_error_of([&] { rq_json::metadata(value); }).field(), "metadata");
    }
}

TEST(boost_json_adapter, DoublesInExponentFormHashAsRiverGoHashesTheirValue) {
    const riverqueue::dynamic_args args = rq_json::args("k", {{"a", 1.0}, {"b", 0.1}, {"c", 1e21}});
    EXPECT_EQ(args.to_json(), R"({"a":1E0,"b":1E-1,"c":1E21})");
    EXPECT_EQ(key_hex(args.to_json()), key_hex(R"({"a":1.0,"b":0.1,"c":1e21})"));
}

// The River Go vectors (tests/unit/data/river_unique_key_vectors.json) whose
// args survive a JSON library unchanged: read with Boost.JSON and written back
// by the adapter, they hash to the key River Go stored.
TEST(boost_json_adapter, UniqueKeysOfAdapterArgsAreRiverGos) {
    std::ifstream file(RIVERQUEUE_UNIQUE_KEY_VECTORS);
    ASSERT_TRUE(file) << RIVERQUEUE_UNIQUE_KEY_VECTORS;
    const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const boost::json::value vectors = rq_json::parse(text);
    const std::set<std::string> names = {"html_characters",   "member_names_reencoded", "non_ascii_raw",
                                         "nested_order_kept", "top_level_sorted",       "arrays_and_nested_objects",
                                         "booleans_and_null", "compact_input",          "integers_64_bit_limits",
                                         "pretty_printed_input", "float_fractions"};
    std::set<std::string> seen;
    for (const boost::json::value& c : vectors.at("cases").as_array()) {
        const std::string name = str(c.at("name"));
        if (names.count(name) == 0) continue;
        seen.insert(name);
        ASSERT_TRUE(c.at("unique_opts").at("by_args").as_bool()) << name;
        ASSERT_TRUE(c.at("unique_opts").at("by_args_paths").as_array().empty()) << name;
        const std::string kind = str(c.at("kind"));
        const std::string queue = str(c.at("queue"));
        const riverqueue::dynamic_args args = rq_json::args(kind, rq_json::parse(str(c.at("args"))));
        const riverqueue::unique_key key = riverqueue::compute_unique_key(
            {kind, args.to_json(), queue, std::nullopt, {}}, {.by_args = riverqueue::unique_by_args_all{}});
        EXPECT_EQ(key.hex(), str(c.at("sha256"))) << name << ": " << args.to_json();
    }
    EXPECT_EQ(seen, names);
}

}  // namespace
