#include "core/job_columns.hpp"

namespace riverqueue::core {
namespace {

// `value` (an SQL expression of the column's type) as a text-format driver
// selects it.
std::string text_form(const job_column_info& column, const std::string& value) {
    switch (column.kind) {
        case cell_kind::timestamptz:
            return "(extract(epoch FROM " + value + ") * 1000000)::bigint";
        case cell_kind::jsonb_array:
        case cell_kind::text_array:
            return "array_to_json(" + value + ")::text";
        case cell_kind::bytea:
            return "encode(" + value + ", 'hex')";
        default:
            return value + "::text";
    }
}

std::string column_list(std::string_view table, driver::result_format format, int schema_version,
                        const job_column* replaced, std::string_view replacement) {
    const bool text = format == driver::result_format::text;
    std::string out;
    for (const job_column_info& column : job_column_table) {
        if (!out.empty()) out += ", ";
        const std::string name(column.name);
        if (schema_version < column.first_version) {
            out += "NULL::" + (text ? std::string("text") : std::string(column.null_type)) + " AS " + name;
            continue;
        }
        if (replaced != nullptr && &column == &column_info(*replaced)) {
            const std::string value = "(" + std::string(replacement) + ")";
            out += (text ? text_form(column, value) : value) + " AS " + name;
            continue;
        }
        std::string value = std::string(table) + "." + name;
        const bool coalesced = column.empty_object_before_version_4 && schema_version < 4;
        if (coalesced) value = "coalesce(" + value + ", '{}'::jsonb)";
        if (text) {
            out += text_form(column, value) + " AS " + name;
        } else {
            out += value;
            if (coalesced) out += " AS " + name;
        }
    }
    return out;
}

}  // namespace

std::string job_columns(std::string_view table, driver::result_format format, int schema_version) {
    // Every insert returns river_job's columns of the newest schema: made once
    // per format (building the list was a third of building an insert).
    if (table == "river_job" && schema_version == newest_schema_version) {
        static const std::string binary = column_list("river_job", driver::result_format::binary,
                                                      newest_schema_version, nullptr, {});
        static const std::string text = column_list("river_job", driver::result_format::text,
                                                    newest_schema_version, nullptr, {});
        return format == driver::result_format::text ? text : binary;
    }
    return column_list(table, format, schema_version, nullptr, {});
}

std::string job_columns_replacing(std::string_view table, driver::result_format format, job_column column,
                                  std::string_view expression) {
    return column_list(table, format, newest_schema_version, &column, expression);
}

}  // namespace riverqueue::core
