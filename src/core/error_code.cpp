// riverqueue::errc's category and the exception-to-error_code mapping the
// non-throwing calls share.
#include <riverqueue/error_code.hpp>

#include <riverqueue/errors.hpp>

namespace riverqueue {
namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "riverqueue"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::validation: return "invalid input, nothing sent";
            case errc::schema_missing: return "River's tables are not in the schema";
            case errc::database: return "PostgreSQL refused the statement";
            case errc::connection: return "no connection to PostgreSQL, nothing committed";
            case errc::outcome_unknown: return "the connection was lost; the write may have committed";
            case errc::other: return "riverqueue error";
        }
        return "unknown riverqueue error";
    }
};

}  // namespace

const std::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

void diagnostics::clear() noexcept {
    message.clear();
    field.clear();
    sqlstate.clear();
    constraint.clear();
    schema.clear();
}

void to_error_code(const std::exception_ptr& error, std::error_code& ec, diagnostics& diag) {
    diag.clear();
    if (!error) {
        ec.clear();
        return;
    }
    try {
        std::rethrow_exception(error);
    } catch (const validation_error& e) {
        ec = errc::validation;
        diag.field = e.field();
        diag.message = e.what();
    } catch (const schema_error& e) {
        ec = errc::schema_missing;
        diag.sqlstate = e.sqlstate();
        diag.schema = e.schema();
        diag.message = e.what();
    } catch (const database_error& e) {
        ec = errc::database;
        diag.sqlstate = e.sqlstate();
        diag.constraint = e.constraint();
        diag.message = e.what();
    } catch (const connection_error& e) {
        ec = e.may_have_committed() ? errc::outcome_unknown : errc::connection;
        diag.message = e.what();
    } catch (const std::exception& e) {
        ec = errc::other;
        diag.message = e.what();
    } catch (...) {
        ec = errc::other;
        diag.message = "unknown exception";
    }
}

}  // namespace riverqueue
