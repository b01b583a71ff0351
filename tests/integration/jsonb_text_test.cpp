// core::jsonb_text against PostgreSQL's own jsonb output: for hand-picked and
// generated JSON, the client's rendering is what `$1::jsonb::text` returns,
// and its digest is the server's sha256 of that text. The insert relies on
// both to leave large args out of the returned row (core/insert_sql.hpp).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/hex.hpp"
#include "core/jsonb_text.hpp"
#include "support/test_database.hpp"

namespace riverqueue::testing {
namespace {

class jsonb_text_test : public ::testing::Test {
protected:
    void SetUp() override {
        conn_.reset(PQconnectdb(database_url().c_str()));
        ASSERT_EQ(PQstatus(conn_.get()), CONNECTION_OK) << PQerrorMessage(conn_.get());
    }

    // The server's text of `json` as jsonb and the hex SHA-256 of that text.
    std::pair<std::string, std::string> server_text(const std::string& json) {
        const char* values[] = {json.c_str()};
        std::unique_ptr<PGresult, decltype(&PQclear)> result(
            PQexecParams(conn_.get(),
                         "SELECT $1::jsonb::text, encode(sha256(convert_to($1::jsonb::text, 'UTF8')), 'hex')", 1,
                         nullptr, values, nullptr, nullptr, 0),
            &PQclear);
        EXPECT_EQ(PQresultStatus(result.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get()) << " for " << json;
        if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) return {};
        return {PQgetvalue(result.get(), 0, 0), PQgetvalue(result.get(), 0, 1)};
    }

    void expect_same(const std::string& json) {
        const auto [text, sha] = server_text(json);
        const auto rendered = core::jsonb_text(json);
        ASSERT_TRUE(rendered) << json;
        EXPECT_EQ(*rendered, text) << "from " << json;
        const auto digest = core::digest_jsonb_text(json);
        ASSERT_TRUE(digest);
        EXPECT_EQ(digest->size, text.size());
        EXPECT_EQ(core::to_hex(digest->sha256), sha) << json;
    }

    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_{nullptr, &PQfinish};
};

TEST_F(jsonb_text_test, HandPickedCasesMatchTheServer) {
    const char* cases[] = {
        R"({})",
        R"([])",
        R"({"b":1,"a":2,"aa":3,"":4,"a":5})",
        R"({"é":1,"z":2,"zz":3,"\u00e9":4})",
        R"([1e2, 1.50, -0, -0.0, 1E-3, 12e-1, 1.5e1, 0.0e-2, -1.25e+2, 1200e-2, 0e5, 1e1000, 1e-1000, 9.99e-7])",
        R"([123456789012345678901234567890, 0.1000000000000000055511151231257827, -5e-5, 1E+3, 2e0])",
        R"(["\/", "a\tb\n", "\u001f\u0007\u007f", "\"\\", "\ud83d\ude00", "</script>\u2028\u2029", "\b\f\r"])",
        R"({"nested":{"z":[{"b":null,"a":true}],"a":false},"list":[[],[{}],[[1]]]})",
        R"("just a string")",
        "  {\n\t\"spaced\" :\r\n [ 1 , 2 ]\n}  ",
        R"({"k":"\u00e9\u00E9\u4e2d\ud834\udd1e"})",
    };
    for (const char* json : cases) expect_same(json);
}

// Random documents of the shapes args take, with the awkward parts made
// likely: repeated and escaped names, numbers in every spelling, control
// characters and escapes in strings.
class document_maker {
public:
    explicit document_maker(std::uint32_t seed) : random_(seed) {}

    std::string document() {
        std::string out;
        object(out, 0);
        return out;
    }

private:
    std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }

    void value(std::string& out, int depth) {
        switch (below(depth >= 4 ? 4 : 6)) {
            case 0: return number(out);
            case 1: return string(out, 12);
            case 2: out += below(2) == 0 ? "true" : (below(2) == 0 ? "false" : "null"); return;
            case 3: return number(out);
            case 4: return array(out, depth + 1);
            default: return object(out, depth + 1);
        }
    }

    void number(std::string& out) {
        if (below(4) == 0) out += '-';
        const std::size_t integer_digits = 1 + below(below(3) == 0 ? 25 : 3);
        out += below(3) == 0 ? '0' : static_cast<char>('1' + below(9));
        if (out.back() != '0' || integer_digits == 1) {
            for (std::size_t i = 1; i < integer_digits && out.back() != '0'; ++i) out += static_cast<char>('0' + below(10));
        }
        if (below(2) == 0) {
            out += '.';
            for (std::size_t i = 0, n = 1 + below(8); i < n; ++i) out += static_cast<char>('0' + below(10));
        }
        if (below(3) == 0) {
            out += below(2) == 0 ? 'e' : 'E';
            if (below(2) == 0) out += below(2) == 0 ? '-' : '+';
            out += std::to_string(below(40));
        }
    }

    void string(std::string& out, std::size_t max_length) {
        static const char* const pieces[] = {"a", "b", "z", "A", " ", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n",
                                             "\\r", "\\t", "\\u0001", "\\u001F", "\\u007f", "\\u00e9", "é",
                                             "\\u4E2D", "中", "\\ud83d\\ude00", "😀", "<", "&", "\\u2028", "~"};
        out += '"';
        for (std::size_t i = 0, n = below(max_length + 1); i < n; ++i) out += pieces[below(std::size(pieces))];
        out += '"';
    }

    void array(std::string& out, int depth) {
        out += '[';
        for (std::size_t i = 0, n = below(5); i < n; ++i) {
            if (i > 0) out += below(2) == 0 ? "," : " , ";
            value(out, depth);
        }
        out += ']';
    }

    void object(std::string& out, int depth) {
        out += '{';
        std::vector<std::string> names;
        for (std::size_t i = 0, n = below(6); i < n; ++i) {
            if (i > 0) out += below(2) == 0 ? "," : ",\n ";
            std::string name;
            if (!names.empty() && below(4) == 0) name = names[below(names.size())];  // repeated
            else string(name, 3);
            names.push_back(name);
            out += name;
            out += below(2) == 0 ? ":" : " : ";
            value(out, depth);
        }
        out += '}';
    }

    std::mt19937 random_;
};

TEST_F(jsonb_text_test, GeneratedDocumentsMatchTheServer) {
    document_maker maker(20261204);
    for (int i = 0; i < 3000; ++i) {
        expect_same(maker.document());
        if (HasFailure()) return;  // the first difference says enough
    }
}

TEST_F(jsonb_text_test, ALargeValueMatchesTheServer) {
    std::string json = R"({"blob":")";
    json.append(3 << 20, 'x');
    json += R"(\n\u00e9","n":[1.0e2,-0],"a":{"b":"c"}})";
    expect_same(json);
}

}  // namespace
}  // namespace riverqueue::testing
