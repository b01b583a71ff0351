// Unique keys against vectors computed by River Go itself.
//
// Each expected SHA-256 below was produced by River v0.51.2's own key code
// (internal/dbunique.UniqueKey) for the equivalent Go value: the args a Go
// service would pass (a struct whose `river:"unique"` tags give the subset
// paths, or a map), encoded by encoding/json as River does. The JSON text in
// each case is what a C++ caller might pass for the same value: other member
// order, whitespace, escapes and number spellings, which must not matter.
// The interop tests (interop/) cross-check keys against a running River.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>
#include <riverqueue/unique_key.hpp>

#include "core/time_format.hpp"

namespace riverqueue {
namespace {

using namespace std::chrono_literals;

struct vector_opts {
    bool by_args;
    std::chrono::nanoseconds by_period;
    bool by_queue;
    std::optional<std::vector<job_state>> by_state;
    bool exclude_kind;
};

struct river_vector {
    const char* name;
    std::string args;
    std::vector<std::string> subset_paths;
    const char* kind;
    const char* queue;
    vector_opts opts;
    const char* scheduled_at;  // RFC 3339, or empty
    const char* now;
    const char* sha256;
    unsigned states_mask;
};

const std::vector<river_vector>& river_vectors() {
    static const std::vector<river_vector> vectors = {
    {"empty_object", R"rq({})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "d026a0e77690d998a8d30de64cf9ebbe233ea8eca4498287e1da4d202202d8ce", 0xF5},
    {"sorted_top_level", R"rq({"c":3,"a":2,"b":1})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "0534538a26ab7e5e91ebc7b8a5fb7173a11866f9e4c6bf4ad460d52d56dad7fe", 0xF5},
    {"whitespace_in_input", R"rq({
  "b" : "x",
	"a" : [ 1 , 2 ]
}
)rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "9701fcaabefe6fab6db9d913a39731d7b7ae819b7d13430103ab8909045a49c6", 0xF5},
    {"html_characters_escaped", R"rq({"s":"<a href=\"x\">&amp;</a>"})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "496803e06335160fb01c23fb5571e677d52a926ebd2c75f9746e84398d7cc2dd", 0xF5},
    {"html_escapes_in_input_kept", R"rq({"s":"\u003c\u003e\u0026"})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "4a2670d5865b4b91892243f1d47f30a19ccbc4e7c15ed794d463f277eac2a567", 0xF5},
    {"line_separators", R"rq({"s":"a\u2028b\u2029c"})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "3a3d8c6a304bd53cdccc56d04700cc9361c88f35baef3822128e6862c05fb7c8", 0xF5},
    {"short_escapes", R"rq({"s":"\b\f\n\r\t"})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "22114238e07a544b9a2d7d0c6dce4368b2bd8b38efc8f1d94e26ddc7b9012bec", 0xF5},
    {"control_characters", R"rq({"s":"\u0000\u0001\u001F\u007F"})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "07b6e285303afb672bcfe00468b6903e8f66910534a76a8885b3f8ebaee5d613", 0xF5},
    {"non_ascii_raw", R"rq({"s":"héllo wörld ✓ 😀"})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "a9e622f6a155a0eee55c5b6174b3627fc68d67fa9d1348eb1bac764cf2902138", 0xF5},
    {"non_ascii_from_escapes", R"rq({"s":"\u00e9\ud83d\ude00"})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "d4072554333e3ee507b1e5f0d5e5b703aef9fe1ab1569bf9d6da0022ccfd068f", 0xF5},
    {"quotes_and_backslashes", R"rq({"s":"say \"hi\" \\ bye"})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "d5ebc571099f12be48351d358b7ed8dd26bb4bed543e976c6038d858989c198d", 0xF5},
    {"slash_not_escaped", R"rq({"s":"a\/b"})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "4dba721910db72f9c22950106f80c1c590d27d960e51c8738b92f4b9868ce693", 0xF5},
    {"member_names_verbatim_ascii", R"rq({"x y":3,"a<b":1,"a&b":2})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "71d6a1d082c2b7d2e506cf24b19c5be1643c8f4ec282409a6e1328e6c565f94c", 0xF5},
    {"member_names_reencoded", R"rq({"line\n":3,"a\"b":2,"\u00e9&":1})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "0aacf46a4bf59de8eefb8583549919ac04e8ad3b8d17670576ce2af890d9ebcd", 0xF5},
    {"large_integers", R"rq({"big":18446744073709551615,"min":-9223372036854775808,"max":9223372036854775807,"zero":0})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "d312f5330085ef9dd60940aa77c149bacd3c1f964fddaac166eb5f6e662f1a88", 0xF5},
    {"floats", R"rq({"a":0.1,"b":1.0,"c":1e21,"d":1E-7,"e":15e-11,"f":0.000001,"g":-0.0,"h":1.23456789e5})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "c8bacf75be04fc28ff9b8f4232a6e3f107965e5b386f0094169499c66d440822", 0xF5},
    {"float_boundaries", R"rq({"x":100000000000000000000.0,"y":9.999999999999999e20,"z":1e+100})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "11ffee2de165d2817144af5ffec4b0d12cd92646b519665383c360da1f02b03a", 0xF5},
    {"nested_order_kept", R"rq({"nested":{"z":1,"a":"x"},"b":[true,null,2.5,"s"]})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "db767987555c070d4ed2128c77a94ddf9adf8fe82ce9ca9fe77b1ef276715cb7", 0xF5},
    {"duplicate_top_level_first_wins", R"rq({"a":1,"a":2,"b":3})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "59675e3cfe363fa2b911f743ad06cc95dfaa98dbb1ef48e08c0a720a91810080", 0xF5},
    {"subset_some_present", R"rq({"customer":{"id":7,"name":"n"},"label":"l","other":9})rq", {R"rq(customer.id)rq", R"rq(label)rq"}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "6fbdf7e804cc4fb6be65dabc1c82de3dd55152d42dcee964894eb0fa9572015a", 0xF5},
    {"subset_one_absent", R"rq({"customer":{"id":8,"name":""},"other":1})rq", {R"rq(label)rq", R"rq(customer.id)rq"}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "910a36ffa8dccf8d300e4ca4bf2dc029d64aa3d3ee55918c3ea7d9c095ffde7b", 0xF5},
    {"subset_none_present", R"rq({"b":5})rq", {R"rq(a)rq"}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "70ab42edf270b9908d32b8371d5a69c81169c9d26384ac7cb549c89a24998a3f", 0xF5},
    {"subset_explicit_null", R"rq({"label":null,"m":1})rq", {R"rq(label)rq"}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "ba1fcc586f07a0866143552f29555ee9e1827d01878907751e73d28683da8116", 0xF5},
    {"subset_escaped_dot", R"rq({"account.id":"acct","x":1})rq", {R"rq(account\.id)rq"}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "3354d972102b12f8742ae8ac229bea542e54ada365740487e04b831044b5d5df", 0xF5},
    {"subset_slash_key", R"rq({"path/key":"p","y":2})rq", {R"rq(path/key)rq"}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "cbb362719d99b7e428d22b438483eb2a72c3f1bf6117f5a17e2e9cbfe67839f7", 0xF5},
    {"exclude_kind_by_args", R"rq({"id":1})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, true}, "", "2026-03-04T05:06:07.891011Z", "c949f3f9dc5298b6bfedb321bf2f20470e8e787291393d6e7588dd556d1a027d", 0xF5},
    {"exclude_kind_by_queue", R"rq({})rq", {}, "vector_kind", "priority_emails", {false, 0ns, true, std::nullopt, true}, "", "2026-03-04T05:06:07.891011Z", "d20ce47da8e8015e68b020bbca2b17494139519ae05f8985e5992db4d8dd8a09", 0xF5},
    {"by_queue", R"rq({})rq", {}, "vector_kind", "emails", {false, 0ns, true, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "ab8cad2e84de0303eb6566cf9c0913734bb15fbaa503d2778e5a897dc30adb78", 0xF5},
    {"by_queue_other_queue", R"rq({})rq", {}, "vector_kind", "emails_2", {false, 0ns, true, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "919430c8e1d60c2f6cb8ba1b363aedcda784a93524d2d0be5a9030a5e2a9ae64", 0xF5},
    {"other_kind", R"rq({})rq", {}, "other_kind", "default", {false, 0ns, true, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "2488a37f65e47bb6f32aa5ffeaf426c7db71611e5af49ae9f77d3d065fa89435", 0xF5},
    {"period_hour_from_now", R"rq({})rq", {}, "vector_kind", "default", {false, 3600000000000ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "60064eab6dff493e4f687ab8b687f88c80730b7f534229f84db3c806dd477d72", 0xF5},
    {"period_7s", R"rq({})rq", {}, "vector_kind", "default", {false, 7000000000ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "cd92c87fd8676e732ad37d4d7e94af3ed9c488192a69c828a0dbb80f8ac3b948", 0xF5},
    {"period_11min", R"rq({})rq", {}, "vector_kind", "default", {false, 660000000000ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "27e6d55bae1ba4b082a7eec839bfbd316d1f4ab399ecc0bb44ccb5c0bfea21a2", 0xF5},
    {"period_week", R"rq({})rq", {}, "vector_kind", "default", {false, 604800000000000ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "6f24a3705131da559696ffca78b8fababa851176348cdd10382783a6e843138c", 0xF5},
    {"period_90min", R"rq({})rq", {}, "vector_kind", "default", {false, 5400000000000ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "28f0f8e696683e9a4ba04807e69a2f0d1a252069360f03456bb7bbcfdc27c9e8", 0xF5},
    {"period_from_scheduled_at", R"rq({})rq", {}, "vector_kind", "default", {false, 3600000000000ns, false, std::nullopt, false}, "2027-08-09T10:59:59.999Z", "2026-03-04T05:06:07.891011Z", "7a89dbfa8915becf173886d4d1f7b983d61ba693731eca02f8c28ed58f045033", 0xF5},
    {"period_from_non_utc_scheduled_at", R"rq({})rq", {}, "vector_kind", "default", {false, 3600000000000ns, false, std::nullopt, false}, "2027-08-09T16:29:59.999+05:30", "2026-03-04T05:06:07.891011Z", "7a89dbfa8915becf173886d4d1f7b983d61ba693731eca02f8c28ed58f045033", 0xF5},
    {"period_day_before_epoch_boundary", R"rq({})rq", {}, "vector_kind", "default", {false, 86400000000000ns, false, std::nullopt, false}, "", "1969-12-31T23:59:59Z", "00c099e2320da4db79f50e3773f9794ca5bac5976ca0dc50c8420e51adc43bb8", 0xF5},
    {"all_dimensions", R"rq({"id":42})rq", {}, "vector_kind", "priority_emails", {true, 60000000000ns, true, std::vector<job_state>{job_state::available, job_state::pending, job_state::running, job_state::scheduled, job_state::completed}, false}, "2026-01-02T05:21:05.6789Z", "2026-03-04T05:06:07.891011Z", "17701ceb08c5174e936dfca28d2a1bd636764e82684e6d06e2cd40e345224099", 0xD5},
    {"by_state_only", R"rq({"x":1})rq", {}, "vector_kind", "default", {false, 0ns, false, std::vector<job_state>{job_state::available, job_state::pending, job_state::running, job_state::scheduled}, false}, "", "2026-03-04T05:06:07.891011Z", "a8b14f417352be0a99614f3bc82e4a0c5a29cc622b321859b7ed56a9993d0b4a", 0xD1},
    {"by_state_all_states", R"rq({})rq", {}, "vector_kind", "default", {false, 0ns, true, std::vector<job_state>{job_state::available, job_state::cancelled, job_state::completed, job_state::discarded, job_state::pending, job_state::retryable, job_state::running, job_state::scheduled}, false}, "", "2026-03-04T05:06:07.891011Z", "6f10a2d252f763c77704042a6e52e9676bde444b5c69be14b3b2c8e261e9be0e", 0xFF},
    {"by_state_empty_list", R"rq({})rq", {}, "vector_kind", "default", {false, 0ns, false, std::vector<job_state>{}, false}, "", "2026-03-04T05:06:07.891011Z", "a8b14f417352be0a99614f3bc82e4a0c5a29cc622b321859b7ed56a9993d0b4a", 0xF5},
    {"array_and_nested_values", R"rq({"list":[{"k":"v"},[],{}]})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "7dc34dbc2b4a5aacd636bce9fcb7086f4f379c06bdcbe4007b23c4282c4c6fb0", 0xF5},
    {"booleans_and_null", R"rq({"t":true,"f":false,"n":null})rq", {}, "vector_kind", "default", {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z", "16faf7ec61edda8534e1e008eb641e28162dec0366a2884ac57ba3aafcb5b64d", 0xF5},
    };
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

time_point parse_time(const char* text) {
    const auto parsed = core::parse_rfc3339(text);
    EXPECT_TRUE(parsed) << text;
    return parsed.value_or(time_point{});
}

TEST(UniqueKeyVectors, AtLeastFortyCases) { EXPECT_GE(river_vectors().size(), 40u); }

TEST(UniqueKeyVectors, MatchRiverGo) {
    for (const auto& v : river_vectors()) {
        SCOPED_TRACE(v.name);
        const unique_opts opts = to_unique_opts(v);
        unique_key_input input{v.kind, v.args, v.queue, std::nullopt, parse_time(v.now)};
        if (*v.scheduled_at != '\0') input.scheduled_at = parse_time(v.scheduled_at);
        const unique_key key = compute_unique_key(input, opts);
        EXPECT_EQ(key.hex(), v.sha256) << "key string: " << key.key_string;
        EXPECT_EQ(unique_states_bitmask(opts), v.states_mask);
    }
}

TEST(UniqueKey, KeyStringsHaveRiversShape) {
    const auto now = parse_time("2026-01-02T03:04:05.6789Z");
    const auto key = [&](std::string_view args, const unique_opts& opts, std::string_view queue = "default") {
        return compute_unique_key(unique_key_input{"k", args, queue, std::nullopt, now}, opts).key_string;
    };
    EXPECT_EQ(key(R"({"b":1,"a":{"z":1,"y":2}})", {.by_args = unique_by_args_all{}}),
              R"(&kind=k&args={"a":{"z":1,"y":2},"b":1})");
    EXPECT_EQ(key("{}", {.by_args = unique_by_args_subset{"missing"}}), "&kind=k&args=");
    EXPECT_EQ(key("{}", {.by_period = 90min}), "&kind=k&period=2026-01-02T03:00:00Z");
    EXPECT_EQ(key("{}", {.by_queue = true, .exclude_kind = true}, "q"), "&queue=q");
    EXPECT_EQ(key(R"({"n":1.0})", {.by_args = unique_by_args_all{}, .by_period = 1h, .by_queue = true}),
              R"(&kind=k&args={"n":1}&period=2026-01-02T03:00:00Z&queue=default)");
    // A week counted from Go's zero time (a Monday), not from the Unix epoch (a Thursday).
    EXPECT_EQ(key("{}", {.by_period = 7 * 24h}), "&kind=k&period=2025-12-29T00:00:00Z");
}

TEST(UniqueKey, StatesBitmask) {
    EXPECT_EQ(unique_states_bitmask({.by_queue = true}), 0xF5);
    EXPECT_EQ(unique_states_bitmask({.by_state = std::vector<job_state>{}}), 0xF5);
    EXPECT_EQ(unique_states_bitmask({.by_state = std::vector<job_state>{job_state::available, job_state::pending,
                                                                         job_state::running, job_state::scheduled}}),
              0xD1);
    EXPECT_EQ(unique_states_bitmask({.by_state = std::vector<job_state>(all_job_states.begin(), all_job_states.end())}),
              0xFF);
}

TEST(UniqueKey, InvalidOptionsAreRejected) {
    const unique_key_input input{"k", "{}", "default", std::nullopt, {}};
    auto field_of = [&](const unique_opts& opts) {
        try {
            compute_unique_key(input, opts);
        } catch (const validation_error& e) {
            return e.field();
        }
        return std::string("no error");
    };
    EXPECT_EQ(field_of({.by_period = 999ms}), "unique_opts.by_period");
    EXPECT_EQ(field_of({.by_period = -1s}), "unique_opts.by_period");
    EXPECT_EQ(field_of({.exclude_kind = true}), "unique_opts.exclude_kind");
    EXPECT_EQ(field_of({.by_state = std::vector<job_state>{job_state::available, job_state::completed}}),
              "unique_opts.by_state");
    EXPECT_EQ(field_of({.by_args = unique_by_args_all{}, .by_state = std::vector<job_state>{}}), "no error");
}

TEST(UniqueKey, ArgsMustBeAJsonObject) {
    for (const char* bad : {"[]", "null", "\"s\"", "{", "{\"a\":\"\xc3\x28\"}"}) {
        EXPECT_THROW(compute_unique_key(unique_key_input{"k", bad, "default", std::nullopt, {}},
                                        {.by_args = unique_by_args_all{}}),
                     validation_error)
            << bad;
    }
}

}  // namespace
}  // namespace riverqueue
