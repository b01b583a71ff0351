// Statement names derive from the text, so that poolers sharing a server
// connection between clients can never run another statement under a name.
#include <gtest/gtest.h>

#include <string>

#include "core/prepared_statement_names.hpp"

namespace riverqueue::core {
namespace {

TEST(PreparedStatementNames, SameTextSameNameOtherTextOtherName) {
    const std::string insert = "INSERT INTO river_job (kind) VALUES ($1)";
    EXPECT_EQ(prepared_statement_name(insert), prepared_statement_name(std::string(insert)));
    EXPECT_NE(prepared_statement_name(insert), prepared_statement_name(insert + " RETURNING id"));
    EXPECT_NE(prepared_statement_name(""), prepared_statement_name(" "));
}

TEST(PreparedStatementNames, FitPostgresIdentifierLimit) {
    const std::string name = prepared_statement_name(std::string(10'000, 'x'));
    EXPECT_EQ(name.rfind("riverqueue_", 0), 0u);
    EXPECT_EQ(name.size(), std::string("riverqueue_").size() + 32);
    EXPECT_LT(name.size(), 64u);  // NAMEDATALEN - 1: longer names are truncated by PostgreSQL
    EXPECT_EQ(name.find_first_not_of("riverqueue_0123456789abcdef"), std::string::npos);
}

TEST(PreparedStatementNames, AdviceOnlyForLostOrSharedStatements) {
    EXPECT_NE(prepared_statement_advice("42P05").find("prepared_statements = false"), std::string::npos);
    EXPECT_NE(prepared_statement_advice("26000").find("PgBouncer"), std::string::npos);
    EXPECT_TRUE(prepared_statement_advice("23505").empty());
    EXPECT_TRUE(prepared_statement_advice("").empty());
}

}  // namespace
}  // namespace riverqueue::core
