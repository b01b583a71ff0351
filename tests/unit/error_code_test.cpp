// Each exception family maps to its riverqueue::errc and diagnostics, as the
// non-throwing calls report them.
#include <gtest/gtest.h>

#include <stdexcept>

#include <riverqueue/error_code.hpp>
#include <riverqueue/errors.hpp>

namespace riverqueue {
namespace {

template <typename E>
std::pair<std::error_code, diagnostics> mapped(const E& e) {
    std::error_code ec;
    diagnostics diag;
    to_error_code(std::make_exception_ptr(e), ec, diag);
    return {ec, diag};
}

TEST(ErrorCode, EachExceptionFamilyHasItsCode) {
    const auto [v, vd] = mapped(validation_error("queue", "must be short"));
    EXPECT_EQ(v, errc::validation);
    EXPECT_EQ(vd.field, "queue");
    EXPECT_NE(vd.message.find("must be short"), std::string::npos);

    const database_error refused("23514", "new row violates check constraint", "", "", "no_rejected");
    const auto [d, dd] = mapped(refused);
    EXPECT_EQ(d, errc::database);
    EXPECT_EQ(dd.sqlstate, "23514");
    EXPECT_EQ(dd.constraint, "no_rejected");

    const auto [s, sd] = mapped(schema_error(database_error("42P01", "relation does not exist", "", "", ""), "app"));
    EXPECT_EQ(s, errc::schema_missing);
    EXPECT_EQ(sd.schema, "app");
    EXPECT_EQ(sd.sqlstate, "42P01");

    EXPECT_EQ(mapped(connection_error("gone", false)).first, errc::connection);
    EXPECT_EQ(mapped(connection_error("gone while committing", true)).first, errc::outcome_unknown);
    EXPECT_EQ(mapped(error("other")).first, errc::other);
    EXPECT_EQ(mapped(std::runtime_error("std")).first, errc::other);
}

TEST(ErrorCode, SuccessClearsWhatAnEarlierFailureLeft) {
    std::error_code ec = errc::database;
    diagnostics diag;
    diag.sqlstate = "23505";
    const int value = detail::without_throwing(ec, diag, [] { return 7; });
    EXPECT_EQ(value, 7);
    EXPECT_FALSE(ec);
    EXPECT_TRUE(diag.sqlstate.empty());

    const int failed = detail::without_throwing(ec, diag, []() -> int { throw validation_error("kind", "rule"); });
    EXPECT_EQ(failed, 0) << "value-initialised on failure";
    EXPECT_EQ(ec, errc::validation);
    EXPECT_EQ(ec.category().name(), std::string("riverqueue"));
    EXPECT_FALSE(ec.message().empty());
}

}  // namespace
}  // namespace riverqueue
