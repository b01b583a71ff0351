// Passwords never reach a message: libpq echoes malformed connection strings.
#include <gtest/gtest.h>

#include <riverqueue/errors.hpp>

#include "core/redact.hpp"

namespace riverqueue::core {
namespace {

TEST(RedactPasswords, UriUserinfo) {
    EXPECT_EQ(redact_passwords(R"(bad URI: "postgresql://app:s3cret@[db/app")"), R"(bad URI: "postgresql://app:****@[db/app")");
    EXPECT_EQ(redact_passwords("postgres://app:p@ss@db:5432/app?x=1 more"), "postgres://app:****@db:5432/app?x=1 more");
    EXPECT_EQ(redact_passwords("postgresql://app@db/app"), "postgresql://app@db/app");  // no password
    EXPECT_EQ(redact_passwords("postgresql://db:5432/app"), "postgresql://db:5432/app");  // a port, no userinfo
    EXPECT_EQ(redact_passwords("a://u:one@h b://v:two@k"), "a://u:****@h b://v:****@k");
}

TEST(RedactPasswords, KeywordValues) {
    EXPECT_EQ(redact_passwords("host=db password=s3cret user=app"), "host=db password=**** user=app");
    EXPECT_EQ(redact_passwords("password = s3cret"), "password = ****");
    EXPECT_EQ(redact_passwords(R"(password='it\'s secret' dbname=x)"), "password=**** dbname=x");
    EXPECT_EQ(redact_passwords("password='unterminated"), "password=****");
    EXPECT_EQ(redact_passwords("password authentication failed for user \"app\""),
              "password authentication failed for user \"app\"");
    EXPECT_EQ(redact_passwords("no secrets here"), "no secrets here");
}

// libpq names a value it cannot percent-decode bare, the password included.
TEST(RedactPasswords, ThePasswordTheConninfoCarriesWhereverItAppears) {
    EXPECT_EQ(redact_passwords(R"(invalid percent-encoded token: "s3%zzcret")", "postgresql://app:s3%zzcret@db/app"),
              R"(invalid percent-encoded token: "****")");
    // Written encoded, echoed decoded (or the other way round).
    EXPECT_EQ(redact_passwords("a p@ss b p%40ss", "postgres://app:p%40ss@db/app"), "a **** b ****");
    // An unencoded '@': libpq's reading ("p") and a person's ("p@ss@x") both go.
    EXPECT_EQ(redact_passwords(R"("p" then "p@ss@x")", "postgres://app:p@ss@x@db/app"), R"("****" then "****")");
    EXPECT_EQ(redact_passwords("echo s3cret", "postgresql://db/app?user=app&password=s3cret"), "echo ****");
    EXPECT_EQ(redact_passwords("echo it's", R"(host=db password='it\'s' user=app)"), "echo ****");
    EXPECT_EQ(redact_passwords("echo s3cret", "host=db password = s3cret"), "echo ****");
    // The client key's passphrase is a secret too.
    EXPECT_EQ(redact_passwords("echo s3cret", "host=db sslpassword=s3cret"), "echo ****");
    EXPECT_EQ(redact_passwords("echo s3cret", "postgresql://db/app?sslpassword=s3cret"), "echo ****");
    EXPECT_EQ(redact_passwords("connection refused", "postgresql://app@db/app"), "connection refused");
}

TEST(RedactPasswords, EveryConnectionErrorIsRedacted) {
    const connection_error e("missing \"=\" after \"bogus\" in connection info string: password=s3cret bogus");
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace riverqueue::core
