// One behavioural suite, run against every driver, so that drivers cannot
// drift apart: the libpq driver (the client's default), the libpqxx driver, and
// the example driver over an application's own pool (examples/).
#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <riverqueue/client.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>
#include <riverqueue/time.hpp>

#include "application_pool_driver.hpp"
#include "core/insert_sql.hpp"
#include "core/row_decoder.hpp"
#include "support/notification_listener.hpp"
#include "support/test_database.hpp"

#ifdef RIVERQUEUE_TEST_PQXX
#include <pqxx/pqxx>
#include <riverqueue/pqxx.hpp>
#endif

namespace riverqueue::testing {
namespace {

struct email_args {
    std::string to;
    static constexpr std::string_view kind() { return "email"; }
    std::string to_json() const { return R"({"to":")" + to + R"("})"; }
};

// An open transaction of the caller's, through the driver's own _tx overloads.
class caller_transaction {
public:
    virtual ~caller_transaction() = default;
    virtual insert_result insert(client& c, const email_args& args, const insert_opts& opts) = 0;
    virtual std::vector<insert_result> insert_many(client& c, std::span<const insert_many_params> jobs) = 0;
    virtual std::size_t insert_many_fast(client& c, std::span<const insert_many_params> jobs) = 0;
    virtual void commit() = 0;
    virtual void rollback() = 0;
};

// What differs between drivers: where the client's own sessions come from, and
// how a caller opens a transaction.
class driver_under_test {
public:
    virtual ~driver_under_test() = default;
    // nullptr: the client's default (its own libpq pool from the conninfo).
    virtual std::shared_ptr<driver::session_source> sessions(const std::string& conninfo) = 0;
    // A caller's transaction; without `block`, a connection with no
    // transaction open (which the _tx calls must refuse).
    virtual std::unique_ptr<caller_transaction> begin(const std::string& conninfo, bool block = true) = 0;
};

class libpq_transaction final : public caller_transaction {
public:
    libpq_transaction(const std::string& conninfo, bool block) : conn_(connection::open(conninfo)), tx_(conn_) {
        if (!block) tx_.commit();
    }
    insert_result insert(client& c, const email_args& args, const insert_opts& opts) override {
        return c.insert_tx(tx_, args, opts);
    }
    std::vector<insert_result> insert_many(client& c, std::span<const insert_many_params> jobs) override {
        return c.insert_many_tx(tx_, jobs);
    }
    std::size_t insert_many_fast(client& c, std::span<const insert_many_params> jobs) override {
        return c.insert_many_fast_tx(tx_.native_handle(), jobs);
    }
    void commit() override { tx_.commit(); }
    void rollback() override { tx_.rollback(); }

private:
    connection conn_;
    transaction tx_;
};

class libpq_driver final : public driver_under_test {
public:
    std::shared_ptr<driver::session_source> sessions(const std::string&) override { return nullptr; }
    std::unique_ptr<caller_transaction> begin(const std::string& conninfo, bool block) override {
        return std::make_unique<libpq_transaction>(conninfo, block);
    }
};

class application_pool_transaction final : public caller_transaction {
public:
    application_pool_transaction(const std::string& conninfo, bool block)
        : pool_(conninfo, 1), conn_(pool_.borrow()), session_(conn_) {
        if (block) session_.query({"BEGIN", {}});
    }
    ~application_pool_transaction() override { pool_.give_back(conn_); }
    insert_result insert(client& c, const email_args& args, const insert_opts& opts) override {
        return c.insert_tx(session_, args, opts);
    }
    std::vector<insert_result> insert_many(client& c, std::span<const insert_many_params> jobs) override {
        return c.insert_many_tx(session_, jobs);
    }
    std::size_t insert_many_fast(client& c, std::span<const insert_many_params> jobs) override {
        return c.insert_many_fast_tx(session_, jobs);
    }
    void commit() override { session_.query({"COMMIT", {}}); }
    void rollback() override { session_.query({"ROLLBACK", {}}); }

private:
    app::pg_pool pool_;
    PGconn* conn_;
    app::pool_session session_;
};

class application_pool_driver final : public driver_under_test {
public:
    std::shared_ptr<driver::session_source> sessions(const std::string& conninfo) override {
        pool_ = std::make_unique<app::pg_pool>(conninfo, 2);
        return std::make_shared<app::pool_sessions>(*pool_);
    }
    std::unique_ptr<caller_transaction> begin(const std::string& conninfo, bool block) override {
        return std::make_unique<application_pool_transaction>(conninfo, block);
    }

private:
    std::unique_ptr<app::pg_pool> pool_;
};

#ifdef RIVERQUEUE_TEST_PQXX
template <typename Transaction>
class pqxx_transaction final : public caller_transaction {
public:
    explicit pqxx_transaction(const std::string& conninfo) : conn_(conninfo), work_(conn_) {}
    insert_result insert(client& c, const email_args& args, const insert_opts& opts) override {
        return c.insert_tx(work_, args, opts);
    }
    std::vector<insert_result> insert_many(client& c, std::span<const insert_many_params> jobs) override {
        return c.insert_many_tx(work_, jobs);
    }
    std::size_t insert_many_fast(client& c, std::span<const insert_many_params> jobs) override {
        return c.insert_many_fast_tx(work_, jobs);
    }
    void commit() override { work_.commit(); }
    void rollback() override { work_.abort(); }

private:
    pqxx::connection conn_;
    Transaction work_;
};

class pqxx_driver final : public driver_under_test {
public:
    std::shared_ptr<driver::session_source> sessions(const std::string& conninfo) override {
        return libpqxx::sessions_from(
            [conninfo]() -> std::shared_ptr<pqxx::connection_base> {
                return std::make_shared<pqxx::connection>(conninfo);
            },
            2);
    }
    std::unique_ptr<caller_transaction> begin(const std::string& conninfo, bool block) override {
        if (!block) return std::make_unique<pqxx_transaction<pqxx::nontransaction>>(conninfo);
        return std::make_unique<pqxx_transaction<pqxx::work>>(conninfo);
    }
};
#endif

using driver_factory = std::function<std::unique_ptr<driver_under_test>()>;

struct named_driver {
    std::string name;
    driver_factory make;
    friend void PrintTo(const named_driver& driver, std::ostream* out) { *out << driver.name; }
};

class DriverBehaviour : public migrated_schema_test, public ::testing::WithParamInterface<named_driver> {
protected:
    void SetUp() override {
        migrated_schema_test::SetUp();
        driver_ = GetParam().make();
    }

    client make_client(const std::string& schema) {
        client_options options;
        options.conninfo = database_url();
        options.schema = schema;
        options.notify_cooldown = std::chrono::milliseconds(0);
        auto sessions = driver_->sessions(database_url());
        return sessions ? client(options, std::move(sessions)) : client(options);
    }
    client make_client() { return make_client(schema_.name()); }

    std::string table() const { return "\"" + schema_.name() + "\".river_job"; }

    long job_count() { return std::stol(scalar("SELECT count(*) FROM " + table())); }

    // The stored row, read in binary by the admin connection: what every
    // driver's decoded row must equal.
    job_row stored_row(std::int64_t id) {
        const std::string sql = "SELECT " + core::job_columns("j") + " FROM " + table() + " j WHERE id = $1";
        const std::string id_text = std::to_string(id);
        const char* values[] = {id_text.c_str()};
        PGresult* result = PQexecParams(admin_.native_handle(), sql.c_str(), 1, nullptr, values, nullptr, nullptr, 1);
        EXPECT_EQ(PQntuples(result), 1) << PQerrorMessage(admin_.native_handle());
        std::vector<core::binary_cell> cells;
        for (int column = 0; column < core::job_column_count; ++column) {
            if (PQgetisnull(result, 0, column) != 0) cells.emplace_back(std::nullopt);
            else cells.emplace_back(std::string_view(PQgetvalue(result, 0, column),
                                                     static_cast<std::size_t>(PQgetlength(result, 0, column))));
        }
        job_row row = core::decode_job_row(cells);
        PQclear(result);
        return row;
    }

    // Every column a caller sets away from its default (unique aside).
    static insert_opts every_option_set() {
        insert_opts opts;
        opts.queue = "mail";
        opts.priority = 3;
        opts.max_attempts = 9;
        opts.tags = std::vector<std::string>{"alpha", "b-c"};
        opts.metadata = R"({"trace": "x\"y", "n": 1.5})";
        opts.scheduled_at = *parse_rfc3339("2031-02-03T04:05:06.789012Z");
        return opts;
    }

    static insert_many_params job(const std::string& to, bool unique = false) {
        insert_opts opts;
        if (unique) opts.unique = unique_opts{.by_args = unique_by_args_all{}};
        return make_insert_many_params(email_args{to}, opts);
    }

    std::unique_ptr<driver_under_test> driver_;
};

TEST_P(DriverBehaviour, InsertReturnsTheStoredRow) {
    client c = make_client();
    const insert_result result = c.insert(email_args{"ada@example.com"}, every_option_set());
    EXPECT_FALSE(result.unique_skipped_as_duplicated);
    EXPECT_EQ(result.job.kind, "email");
    EXPECT_EQ(result.job.queue, "mail");
    EXPECT_EQ(result.job.state, job_state::scheduled);
    EXPECT_EQ(result.job.tags, (std::vector<std::string>{"alpha", "b-c"}));
    EXPECT_EQ(result.job.scheduled_at, *parse_rfc3339("2031-02-03T04:05:06.789012Z"));
    EXPECT_EQ(result.job, stored_row(result.job.id));
}

// Args large enough for the server to leave them out of its answer
// (core/insert_sql.hpp) come back as stored, in either result format.
TEST_P(DriverBehaviour, LargeArgsComeBackAsStored) {
    client c = make_client();
    const std::string args = R"({"blob":")" + std::string(core::returned_args_digest_bytes, 'x') +
                             R"(\u00e9","n":[1.50e1,-0],"a":{"z":1,"b":2}})";
    const insert_result result = c.insert(dynamic_args{"big", args, {}});
    EXPECT_EQ(result.job.args.substr(0, 40), R"({"a": {"b": 2, "z": 1}, "n": [15.0, 0], )");
    EXPECT_EQ(result.job, stored_row(result.job.id));
}

TEST_P(DriverBehaviour, UniqueDuplicateReturnsTheExistingRowInFull) {
    client c = make_client();
    insert_opts opts;
    opts.unique = unique_opts{.by_args = unique_by_args_all{}};
    const insert_result first = c.insert(email_args{"u@example.com"}, opts);
    ASSERT_FALSE(first.unique_skipped_as_duplicated);
    // Give the existing row what only a worker writes, so that every column's
    // decoding is compared.
    scalar("UPDATE " + table() + " SET attempt = 1, attempted_at = '2030-01-02 03:04:05.123456+00',"
           " attempted_by = '{\"w-1\",\"w 2\"}', errors = ARRAY['{\"at\": \"2030-01-02T03:04:05.5Z\", \"attempt\": 1,"
           " \"error\": \"boom \\\"quoted\\\"\", \"trace\": \"line\\nline\"}']::jsonb[] WHERE id = " +
           std::to_string(first.job.id) + " RETURNING id");
    const insert_result second = c.insert(email_args{"u@example.com"}, opts);
    EXPECT_TRUE(second.unique_skipped_as_duplicated);
    EXPECT_EQ(second.job.id, first.job.id);
    ASSERT_EQ(second.job.errors.size(), 1u);
    EXPECT_EQ(second.job.errors[0].error, "boom \"quoted\"");
    EXPECT_EQ(second.job.attempted_by, (std::vector<std::string>{"w-1", "w 2"}));
    EXPECT_TRUE(second.job.unique_key.has_value());
    EXPECT_EQ(second.job, stored_row(first.job.id));
    EXPECT_EQ(job_count(), 1);
}

// A batch whose jobs differ in every column River lets a caller set, so that
// each column is sent (as binary arrays by drivers that take binary
// parameters, as text arrays by the others) and must be stored as given.
TEST_P(DriverBehaviour, InsertManyStoresEveryColumnAsGiven) {
    client c = make_client();
    const insert_opts detailed = every_option_set();
    insert_opts pending;
    pending.pending = true;
    const std::vector<insert_many_params> jobs = {
        insert_many_params{dynamic_args{"email", R"({"to": "quote \" backslash \\ \u00e9 {brace}, comma"})", {}},
                           detailed},
        job("unique", true), make_insert_many_params(email_args{"held"}, pending), job("plain")};
    const auto results = c.insert_many(jobs);
    ASSERT_EQ(results.size(), 4u);
    for (const insert_result& result : results) EXPECT_EQ(result.job, stored_row(result.job.id));
    const job_row& first = results[0].job;
    EXPECT_EQ(first.args, "{\"to\": \"quote \\\" backslash \\\\ \u00e9 {brace}, comma\"}");
    EXPECT_EQ(first.queue, "mail");
    EXPECT_EQ(first.priority, 3);
    EXPECT_EQ(first.max_attempts, 9);
    EXPECT_EQ(first.tags, (std::vector<std::string>{"alpha", "b-c"}));
    EXPECT_EQ(first.metadata, R"({"n": 1.5, "trace": "x\"y"})");
    EXPECT_EQ(first.scheduled_at, *parse_rfc3339("2031-02-03T04:05:06.789012Z"));
    EXPECT_EQ(first.state, job_state::scheduled);
    EXPECT_FALSE(first.unique_key.has_value());
    EXPECT_TRUE(results[1].job.unique_key.has_value());
    EXPECT_TRUE(results[1].job.unique_states.has_value());
    EXPECT_EQ(results[2].job.state, job_state::pending);
    EXPECT_EQ(results[3].job.state, job_state::available);
    EXPECT_EQ(results[3].job.max_attempts, 25);
    EXPECT_TRUE(results[3].job.tags.empty());
}

TEST_P(DriverBehaviour, InsertManyDeduplicatesWithinTheBatch) {
    client c = make_client();
    const std::vector<insert_many_params> jobs = {job("a"), job("b", true), job("b", true), job("c")};
    const auto results = c.insert_many(jobs);
    ASSERT_EQ(results.size(), 4u);
    EXPECT_FALSE(results[1].unique_skipped_as_duplicated);
    EXPECT_TRUE(results[2].unique_skipped_as_duplicated);
    EXPECT_EQ(results[2].job.id, results[1].job.id);
    EXPECT_EQ(job_count(), 3);
}

TEST_P(DriverBehaviour, StreamedInsertManyCrossesChunks) {
    client c = make_client();
    std::size_t produced = 0;
    std::size_t seen = 0;
    const auto summary = c.insert_many(
        [&]() -> std::optional<insert_many_params> {
            if (produced == 12000) return std::nullopt;
            ++produced;
            // Every thousandth job repeats one unique key.
            return produced % 1000 == 0 ? job("same", true) : job("n" + std::to_string(produced));
        },
        [&](std::size_t, const insert_result&) { ++seen; });
    EXPECT_EQ(summary.jobs, 12000u);
    EXPECT_EQ(summary.duplicates, 11u);
    EXPECT_EQ(seen, 12000u);
    EXPECT_EQ(job_count(), 11989);
}

TEST_P(DriverBehaviour, InsertManyFastSkipsDuplicates) {
    client c = make_client();
    c.insert_many(std::vector<insert_many_params>{job("dup", true)});
    std::vector<insert_many_params> jobs;
    for (int i = 0; i < 5000; ++i) jobs.push_back(job("fast" + std::to_string(i)));
    jobs.push_back(job("dup", true));
    jobs.push_back(job("new", true));
    EXPECT_EQ(c.insert_many_fast(jobs), 5001u);
    EXPECT_EQ(job_count(), 5002);
}

TEST_P(DriverBehaviour, RollingBackTheCallersTransactionLeavesNothing) {
    client c = make_client();
    auto tx = driver_->begin(database_url());
    tx->insert(c, email_args{"one"}, {});
    tx->insert_many(c, std::vector<insert_many_params>{job("two"), job("three", true)});
    tx->insert_many_fast(c, std::vector<insert_many_params>{job("four"), job("five")});
    tx->rollback();
    EXPECT_EQ(job_count(), 0);
}

TEST_P(DriverBehaviour, CommitDeliversTheNotification) {
    client c = make_client();
    notification_listener listener(schema_.name() + ".river_insert");
    auto tx = driver_->begin(database_url());
    const insert_result inserted = tx->insert(c, email_args{"n"}, {});
    EXPECT_GT(inserted.job.id, 0);
    EXPECT_TRUE(listener.drain(std::chrono::milliseconds(100)).empty()) << "delivered before the commit";
    tx->commit();
    const auto received = listener.drain(std::chrono::milliseconds(2000));
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].second, R"({"queue": "default"})");
    EXPECT_EQ(job_count(), 1);
}

TEST_P(DriverBehaviour, InsertTxRefusesAConnectionWithoutATransaction) {
    client c = make_client();
    auto tx = driver_->begin(database_url(), false);
    EXPECT_THROW(tx->insert(c, email_args{"late"}, {}), validation_error);
    EXPECT_EQ(job_count(), 0);
}

TEST_P(DriverBehaviour, ErrorsCarrySqlstate) {
    // A schema without River's tables: undefined_table, from the client's own
    // session and from the caller's transaction alike.
    scratch_schema empty;
    client c = make_client(empty.name());
    try {
        c.insert(email_args{"x"});
        FAIL() << "insert into a schema without river_job succeeded";
    } catch (const database_error& e) {
        EXPECT_EQ(e.sqlstate(), "42P01") << e.what();
    }
    auto tx = driver_->begin(database_url());
    try {
        tx->insert(c, email_args{"x"}, {});
        FAIL() << "insert_tx into a schema without river_job succeeded";
    } catch (const database_error& e) {
        EXPECT_EQ(e.sqlstate(), "42P01") << e.what();
    }
}

// Schemas at River versions 4 and 5 (River 0.11): every driver, in binary or
// text format, reads the version and inserts through River 0.11's paths.
TEST_P(DriverBehaviour, OldSchemasTakeRiverElevensPaths) {
    for (int version : {4, 5}) {
        SCOPED_TRACE(version);
        scratch_schema old_schema;
        migrator(old_schema.name()).migrate_up(admin_, version);
        client c = make_client(old_schema.name());
        const std::string old_table = "\"" + old_schema.name() + "\".river_job";
        insert_opts fast;
        fast.unique = unique_opts{.by_args = unique_by_args_all{}};
        insert_opts advisory;
        advisory.unique = unique_opts{.by_args = unique_by_args_all{},
                                      .by_state = std::vector<job_state>{job_state::available, job_state::pending,
                                                                         job_state::running, job_state::scheduled}};
        const insert_result plain = c.insert(email_args{"plain"}, {});
        EXPECT_FALSE(plain.job.unique_key);
        const insert_result first = c.insert(email_args{"f"}, fast);
        EXPECT_EQ(first.job.unique_key.has_value(), version == 5);
        EXPECT_TRUE(c.insert(email_args{"f"}, fast).unique_skipped_as_duplicated);
        {
            auto tx = driver_->begin(database_url());
            const insert_result a = tx->insert(c, email_args{"a"}, advisory);
            const insert_result again = tx->insert(c, email_args{"a"}, advisory);
            EXPECT_TRUE(again.unique_skipped_as_duplicated);
            EXPECT_EQ(again.job.id, a.job.id);
            const auto many = tx->insert_many(c, std::vector<insert_many_params>{job("m"), job("f", true)});
            ASSERT_EQ(many.size(), 2u);
            EXPECT_TRUE(many[1].unique_skipped_as_duplicated);
            EXPECT_EQ(many[1].job.id, first.job.id);
            EXPECT_EQ(tx->insert_many_fast(c, std::vector<insert_many_params>{job("x"), job("f", true)}), 1u);
            tx->commit();
        }
        EXPECT_EQ(scalar("SELECT count(*) FROM " + old_table), "5");
    }
}

std::vector<named_driver> drivers() {
    std::vector<named_driver> all = {
        {"libpq", [] { return std::make_unique<libpq_driver>(); }},
        {"application_pool", [] { return std::make_unique<application_pool_driver>(); }},
    };
#ifdef RIVERQUEUE_TEST_PQXX
    all.push_back({"libpqxx", [] { return std::make_unique<pqxx_driver>(); }});
#endif
    return all;
}

INSTANTIATE_TEST_SUITE_P(Drivers, DriverBehaviour, ::testing::ValuesIn(drivers()),
                         [](const ::testing::TestParamInfo<named_driver>& param) { return param.param.name; });

}  // namespace
}  // namespace riverqueue::testing
