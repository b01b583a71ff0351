// Unique keys (key string and SHA-256) against vectors computed by River Go.
//
// How the expected values were produced: a throwaway Go program (kept out of
// this repository) ran River v0.51.2's own dbunique algorithm
// (internal/dbunique/db_unique.go and rivershared/structtag, copied into the
// program because internal packages cannot be imported) on the equivalent Go
// values of each case: the JSON text below turned into the typed Go value a
// Go service would pass (structs keeping member order, integers as
// int64/uint64, other numbers as float64, strings as encoding/json decodes
// them, `river:"unique"` tags on the subset paths), encoded by
// encoding/json.Marshal as River does. Top-level names that cannot be struct
// tags used a map, and duplicate keys a MarshalJSON returning the text (as
// River's own fixture does). So the JSON text here may differ from what Go
// wrote (member order, whitespace, escapes, number spellings) while the
// expected key is River's.
#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>
#include <riverqueue/unique_key.hpp>

#include "core/json.hpp"
#include "core/sha256.hpp"
#include "core/time_format.hpp"
#include "core/unique_key_builder.hpp"

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
    unsigned states_mask;
};

std::optional<std::vector<job_state>> states(std::initializer_list<job_state> list) {
    return std::vector<job_state>(list);
}

// Generated; see the comment at the top of the file.
// GCC 12 at -O2 wrongly reports the optionals copied out of this table's
// initializer list as maybe uninitialized.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
const std::vector<river_vector>& river_vectors() {
    static const std::vector<river_vector> vectors = {
    {"html_characters", "{\"s\":\"<a href=\\\"x\\\">&amp;</a>\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"\\u003ca href=\\\"x\\\"\\u003e\\u0026amp;\\u003c/a\\u003e\"}",
     "496803e06335160fb01c23fb5571e677d52a926ebd2c75f9746e84398d7cc2dd", 0xF5},
    {"html_escapes_in_input", "{\"s\":\"\\u003c\\u003e\\u0026\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"\\u003c\\u003e\\u0026\"}",
     "4a2670d5865b4b91892243f1d47f30a19ccbc4e7c15ed794d463f277eac2a567", 0xF5},
    {"line_separators_escaped", "{\"s\":\"a\\u2028b\\u2029c\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"a\\u2028b\\u2029c\"}",
     "3a3d8c6a304bd53cdccc56d04700cc9361c88f35baef3822128e6862c05fb7c8", 0xF5},
    {"line_separators_raw", "{\"s\":\"a\u2028b\u2029c\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"a\\u2028b\\u2029c\"}",
     "3a3d8c6a304bd53cdccc56d04700cc9361c88f35baef3822128e6862c05fb7c8", 0xF5},
    {"short_escapes", "{\"s\":\"\\b\\f\\n\\r\\t\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"\\b\\f\\n\\r\\t\"}",
     "22114238e07a544b9a2d7d0c6dce4368b2bd8b38efc8f1d94e26ddc7b9012bec", 0xF5},
    {"control_characters", "{\"s\":\"\\u0000\\u0001\\u001F\\u007f\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"\\u0000\\u0001\\u001f\177\"}",
     "07b6e285303afb672bcfe00468b6903e8f66910534a76a8885b3f8ebaee5d613", 0xF5},
    {"del_raw", "{\"s\":\"a\177b\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"a\177b\"}",
     "7b2c7ca52e5761e6f32328072e9d85986434289fce8c0b36047fb0ec935401fe", 0xF5},
    {"non_ascii_raw", "{\"s\":\"héllo wörld \u2713 \U0001F600\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"héllo wörld \u2713 \U0001F600\"}",
     "a9e622f6a155a0eee55c5b6174b3627fc68d67fa9d1348eb1bac764cf2902138", 0xF5},
    {"non_ascii_from_escapes", "{\"s\":\"\\u00e9\\u00E9\\ud83d\\ude00\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"éé\U0001F600\"}",
     "99adced42c9a02e8e2c8b0984450c228b17ab572d221ecd81e36f4dc5265e22b", 0xF5},
    {"lone_surrogate_becomes_replacement", "{\"s\":\"\\ud800x\\udc00\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"\uFFFDx\uFFFD\"}",
     "cdc12a1a4e1be7105ef691a86c5b181c56ae3b948968aa02dbf14d859063b6fa", 0xF5},
    {"quotes_and_backslashes", "{\"s\":\"say \\\"hi\\\" \\\\ bye\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"say \\\"hi\\\" \\\\ bye\"}",
     "d5ebc571099f12be48351d358b7ed8dd26bb4bed543e976c6038d858989c198d", 0xF5},
    {"slash_not_escaped", "{\"s\":\"a\\/b/c\"}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"s\":\"a/b/c\"}",
     "b266e3647dd5bfbcf1af5007e33b1449bf07f0a425440af21aba8f3c57fb3877", 0xF5},
    {"member_names_verbatim_ascii", "{\"x y\":3,\"a<b\":1,\"a&b\":2,\"a>b\":4}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"a&b\":2,\"a<b\":1,\"a>b\":4,\"x y\":3}",
     "ca429966c88615d725d08679412c7c583f83981eb7f840962b284cb6a3fe6d32", 0xF5},
    {"member_names_reencoded", "{\"line\\n\":3,\"a\\\"b\":2,\"\\u00e9&\":1,\"back\\\\slash\":5,\"tab\\t\":6}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"a\\\"b\":2,\"back\\\\slash\":5,\"line\\n\":3,\"tab\\t\":6,\"é\\u0026\":1}",
     "bce642c56e2825d5ad1a64ca4207661885c02a81c56adb7d533ed2bd779973c5", 0xF5},
    {"member_names_non_ascii_raw", "{\"é\":1,\"e\":2}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"e\":2,\"é\":1}",
     "9b5d2add3ad5d3381bd8463d933f7608f3738bf3c377c75e5c0d688374149a05", 0xF5},
    {"nested_member_names_go_escaped", "{\"o\":{\"a<b\":1,\"é\":2,\"a&b\":3}}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"o\":{\"a\\u003cb\":1,\"é\":2,\"a\\u0026b\":3}}",
     "a4013c02f18ddb7baed9982c50183746e3ff0d66ca0c3efcc84510877d0dda30", 0xF5},
    {"integers_64_bit_limits", "{\"big\":18446744073709551615,\"min\":-9223372036854775808,\"max\":9223372036854775807,\"zero\":0}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"big\":18446744073709551615,\"max\":9223372036854775807,\"min\":-9223372036854775808,\"zero\":0}",
     "d312f5330085ef9dd60940aa77c149bacd3c1f964fddaac166eb5f6e662f1a88", 0xF5},
    {"float_fractions", "{\"a\":0.1,\"b\":1.0,\"c\":1.25,\"d\":123456.789e0,\"e\":123e-2}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"a\":0.1,\"b\":1,\"c\":1.25,\"d\":123456.789,\"e\":1.23}",
     "93d365d3276f58b9e47a55465a5ab26950cc3986871b6da42fb9ab037c326027", 0xF5},
    {"float_large_exponent_form", "{\"a\":1e21,\"b\":1E21,\"c\":1e+100,\"d\":1.7976931348623157e308}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"a\":1e+21,\"b\":1e+21,\"c\":1e+100,\"d\":1.7976931348623157e+308}",
     "e9b17020855af57b6bbd6475ae51994a1af26cb12b83e83907ad26425c88546a", 0xF5},
    {"float_large_plain_form", "{\"a\":999999999999999900000,\"b\":1e20,\"c\":9.999999999999999e20,\"d\":100000000000000000000.0}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"a\":999999999999999900000,\"b\":100000000000000000000,\"c\":999999999999999900000,\"d\":100000000000000000000}",
     "0914ade6fc1ab3e7c5fcbef45d73656f704868846fec707711464b063071e44d", 0xF5},
    {"float_small", "{\"a\":1e-7,\"b\":1.5e-10,\"c\":0.000001,\"d\":0.0000001,\"e\":5e-324,\"f\":-1.5E-9}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"a\":1e-7,\"b\":1.5e-10,\"c\":0.000001,\"d\":1e-7,\"e\":5e-324,\"f\":-1.5e-9}",
     "e7171dba73702345819954e09c06d6759a895b88bfbecd7c6fefc8f73bf6c22f", 0xF5},
    {"float_underflow_to_zero", "{\"a\":1e-400,\"b\":-1e-400}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"a\":0,\"b\":-0}",
     "1397e2cb7c31f71303f737d330033ec97aa0bd518170fee465eb207a70a86899", 0xF5},
    {"negative_zero", "{\"int_text\":-0,\"float_text\":-0.0,\"exp_text\":-0e5}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"exp_text\":-0,\"float_text\":-0,\"int_text\":-0}",
     "1411616fbb1ca0da5ffb2ca0cda9acb06a5f6c2fe1d1abbcc657b2366e5984cf", 0xF5},
    {"empty_object", "{}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={}",
     "d026a0e77690d998a8d30de64cf9ebbe233ea8eca4498287e1da4d202202d8ce", 0xF5},
    {"top_level_sorted", "{\"c\":3,\"a\":2,\"b\":1}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"a\":2,\"b\":1,\"c\":3}",
     "0534538a26ab7e5e91ebc7b8a5fb7173a11866f9e4c6bf4ad460d52d56dad7fe", 0xF5},
    {"nested_order_kept", "{\"nested\":{\"z\":1,\"a\":\"x\"},\"b\":[true,null,2.5,\"s\"]}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"b\":[true,null,2.5,\"s\"],\"nested\":{\"z\":1,\"a\":\"x\"}}",
     "db767987555c070d4ed2128c77a94ddf9adf8fe82ce9ca9fe77b1ef276715cb7", 0xF5},
    {"arrays_and_nested_objects", "{\"list\":[{\"k\":\"v\",\"a\":[1,[2]]},[],{}],\"empty\":[]}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"empty\":[],\"list\":[{\"k\":\"v\",\"a\":[1,[2]]},[],{}]}",
     "37d327ce07b66ef8f8dfa51ff396be4ed01220d775b23557a9878e0bad727c7d", 0xF5},
    {"booleans_and_null", "{\"t\":true,\"f\":false,\"n\":null}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"f\":false,\"n\":null,\"t\":true}",
     "16faf7ec61edda8534e1e008eb641e28162dec0366a2884ac57ba3aafcb5b64d", 0xF5},
    {"compact_input", "{\"b\":\"x\",\"a\":[1,2],\"c\":{\"y\":null,\"x\":{}}}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"a\":[1,2],\"b\":\"x\",\"c\":{\"y\":null,\"x\":{}}}",
     "35c0f120882dee5ef86500926c5db298eb3f28677c684668c3dd4e253e2d662e", 0xF5},
    {"pretty_printed_input", "{\n  \"b\" : \"x\",\n\t\"a\" : [ 1 , 2 ],\r\n  \"c\": { \"y\": null , \"x\" : { } }\n}\n", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"a\":[1,2],\"b\":\"x\",\"c\":{\"y\":null,\"x\":{}}}",
     "35c0f120882dee5ef86500926c5db298eb3f28677c684668c3dd4e253e2d662e", 0xF5},
    {"duplicate_top_level_first_wins", "{\"a\":1,\"a\":2,\"b\":3}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"a\":1,\"b\":3}",
     "59675e3cfe363fa2b911f743ad06cc95dfaa98dbb1ef48e08c0a720a91810080", 0xF5},
    {"subset_some_present", "{\"customer\":{\"id\":7,\"name\":\"n\"},\"label\":\"l\",\"other\":9}", {"customer.id", "label"}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"customer\":{\"id\":7},\"label\":\"l\"}",
     "6fbdf7e804cc4fb6be65dabc1c82de3dd55152d42dcee964894eb0fa9572015a", 0xF5},
    {"subset_one_absent", "{\"customer\":{\"id\":8,\"name\":\"\"},\"other\":1}", {"label", "customer.id"}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"customer\":{\"id\":8}}",
     "910a36ffa8dccf8d300e4ca4bf2dc029d64aa3d3ee55918c3ea7d9c095ffde7b", 0xF5},
    {"subset_none_present", "{\"b\":5}", {"a", "c.d"}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args=",
     "70ab42edf270b9908d32b8371d5a69c81169c9d26384ac7cb549c89a24998a3f", 0xF5},
    {"subset_explicit_null", "{\"label\":null,\"m\":1}", {"label"}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"label\":null}",
     "ba1fcc586f07a0866143552f29555ee9e1827d01878907751e73d28683da8116", 0xF5},
    {"subset_nested_siblings", "{\"account\":{\"region\":\"west\",\"name\":\"x\",\"id\":\"acct\"},\"label\":\"l\"}", {"account.region", "account.id"}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"account\":{\"id\":\"acct\",\"region\":\"west\"}}",
     "62b31d440d422463d4e542e1ea53519469b733676cbce98509c2a6e4831731fb", 0xF5},
    {"subset_escaped_dot", "{\"account.id\":\"flat\",\"account\":{\"id\":\"nested\"},\"x\":1}", {"account\\.id"}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"account.id\":\"flat\"}",
     "0e93eaf66aba22c24fcab6145d8037cc4e5a93ca97e71a3a49625712fb864cd8", 0xF5},
    {"subset_slash_key", "{\"path/key\":\"p\",\"y\":2}", {"path/key"}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"path/key\":\"p\"}",
     "cbb362719d99b7e428d22b438483eb2a72c3f1bf6117f5a17e2e9cbfe67839f7", 0xF5},
    {"subset_whole_object", "{\"meta\":{\"z\":1,\"a\":[1.0,\"<\"]},\"other\":true}", {"meta"}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"meta\":{\"z\":1,\"a\":[1,\"\\u003c\"]}}",
     "bae3eb10579541f894b3e7ffb37326c6d5f6a7e3692450789c5591b2c3b822ac", 0xF5},
    {"exclude_kind_by_args", "{\"id\":1}", {}, "vector_kind", "default",
     {true, 0ns, false, std::nullopt, true}, "", "2026-03-04T05:06:07.891011Z",
     "&args={\"id\":1}",
     "c949f3f9dc5298b6bfedb321bf2f20470e8e787291393d6e7588dd556d1a027d", 0xF5},
    {"exclude_kind_by_queue", "{}", {}, "vector_kind", "priority_emails",
     {false, 0ns, true, std::nullopt, true}, "", "2026-03-04T05:06:07.891011Z",
     "&queue=priority_emails",
     "d20ce47da8e8015e68b020bbca2b17494139519ae05f8985e5992db4d8dd8a09", 0xF5},
    {"by_queue", "{}", {}, "vector_kind", "emails",
     {false, 0ns, true, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&queue=emails",
     "ab8cad2e84de0303eb6566cf9c0913734bb15fbaa503d2778e5a897dc30adb78", 0xF5},
    {"by_queue_other_queue", "{}", {}, "vector_kind", "emails_2",
     {false, 0ns, true, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&queue=emails_2",
     "919430c8e1d60c2f6cb8ba1b363aedcda784a93524d2d0be5a9030a5e2a9ae64", 0xF5},
    {"other_kind", "{}", {}, "other_kind", "default",
     {false, 0ns, true, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=other_kind&queue=default",
     "2488a37f65e47bb6f32aa5ffeaf426c7db71611e5af49ae9f77d3d065fa89435", 0xF5},
    {"period_hour", "{}", {}, "vector_kind", "default",
     {false, 3600000000000ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&period=2026-03-04T05:00:00Z",
     "60064eab6dff493e4f687ab8b687f88c80730b7f534229f84db3c806dd477d72", 0xF5},
    {"period_7s", "{}", {}, "vector_kind", "default",
     {false, 7000000000ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&period=2026-03-04T05:06:03Z",
     "cd92c87fd8676e732ad37d4d7e94af3ed9c488192a69c828a0dbb80f8ac3b948", 0xF5},
    {"period_11min", "{}", {}, "vector_kind", "default",
     {false, 660000000000ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&period=2026-03-04T05:02:00Z",
     "27e6d55bae1ba4b082a7eec839bfbd316d1f4ab399ecc0bb44ccb5c0bfea21a2", 0xF5},
    {"period_90min", "{}", {}, "vector_kind", "default",
     {false, 5400000000000ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&period=2026-03-04T04:30:00Z",
     "28f0f8e696683e9a4ba04807e69a2f0d1a252069360f03456bb7bbcfdc27c9e8", 0xF5},
    {"period_week", "{}", {}, "vector_kind", "default",
     {false, 604800000000000ns, false, std::nullopt, false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&period=2026-03-02T00:00:00Z",
     "6f24a3705131da559696ffca78b8fababa851176348cdd10382783a6e843138c", 0xF5},
    {"period_day_before_unix_epoch", "{}", {}, "vector_kind", "default",
     {false, 86400000000000ns, false, std::nullopt, false}, "", "1969-12-31T23:59:59Z",
     "&kind=vector_kind&period=1969-12-31T00:00:00Z",
     "00c099e2320da4db79f50e3773f9794ca5bac5976ca0dc50c8420e51adc43bb8", 0xF5},
    {"period_from_scheduled_at", "{}", {}, "vector_kind", "default",
     {false, 3600000000000ns, false, std::nullopt, false}, "2027-08-09T10:59:59.999Z", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&period=2027-08-09T10:00:00Z",
     "7a89dbfa8915becf173886d4d1f7b983d61ba693731eca02f8c28ed58f045033", 0xF5},
    {"period_from_non_utc_scheduled_at", "{}", {}, "vector_kind", "default",
     {false, 3600000000000ns, false, std::nullopt, false}, "2027-08-09T16:29:59.999+05:30", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&period=2027-08-09T10:00:00Z",
     "7a89dbfa8915becf173886d4d1f7b983d61ba693731eca02f8c28ed58f045033", 0xF5},
    {"period_from_non_utc_now", "{}", {}, "vector_kind", "default",
     {false, 7000000000ns, false, std::nullopt, false}, "", "2026-03-04T00:06:07.891011-05:00",
     "&kind=vector_kind&period=2026-03-04T05:06:03Z",
     "cd92c87fd8676e732ad37d4d7e94af3ed9c488192a69c828a0dbb80f8ac3b948", 0xF5},
    {"by_state_required_only", "{\"x\":1}", {}, "vector_kind", "default",
     {false, 0ns, false, states({job_state::available, job_state::pending, job_state::running, job_state::scheduled}), false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind",
     "a8b14f417352be0a99614f3bc82e4a0c5a29cc622b321859b7ed56a9993d0b4a", 0xD1},
    {"by_state_empty_list", "{}", {}, "vector_kind", "default",
     {false, 0ns, false, states({}), false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind",
     "a8b14f417352be0a99614f3bc82e4a0c5a29cc622b321859b7ed56a9993d0b4a", 0xF5},
    {"by_state_all_states", "{}", {}, "vector_kind", "default",
     {false, 0ns, true, states({job_state::available, job_state::cancelled, job_state::completed, job_state::discarded, job_state::pending, job_state::retryable, job_state::running, job_state::scheduled}), false}, "", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&queue=default",
     "6f10a2d252f763c77704042a6e52e9676bde444b5c69be14b3b2c8e261e9be0e", 0xFF},
    {"all_dimensions_required_plus_completed", "{\"id\":42}", {}, "vector_kind", "priority_emails",
     {true, 60000000000ns, true, states({job_state::available, job_state::pending, job_state::running, job_state::scheduled, job_state::completed}), false}, "2026-01-02T05:21:05.6789Z", "2026-03-04T05:06:07.891011Z",
     "&kind=vector_kind&args={\"id\":42}&period=2026-01-02T05:21:00Z&queue=priority_emails",
     "17701ceb08c5174e936dfca28d2a1bd636764e82684e6d06e2cd40e345224099", 0xD5},
    };
    return vectors;
}
#pragma GCC diagnostic pop

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

// The table's expected digests are SHA-256 of its expected key strings, so a
// key string typo in the table cannot hide behind a matching digest.
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
    for (const char* bad : {"[]", "null", "\"s\"", "1", "{", "{} {}", "{\"a\":\"\xc3\x28\"}"}) {
        EXPECT_THROW(compute_unique_key(unique_key_input{"k", bad, "default", std::nullopt, {}},
                                        {.by_args = unique_by_args_all{}}),
                     validation_error)
            << bad;
    }
    // Without by_args the args are not part of the key and are not read here.
    EXPECT_NO_THROW(compute_unique_key(unique_key_input{"k", "[", "default", std::nullopt, {}}, {.by_queue = true}));
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
