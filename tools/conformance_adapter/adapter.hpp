// River's insert-only-v1 conformance profile over the public riverqueue API.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <riverqueue/client.hpp>
#include <riverqueue/connection.hpp>

#include "json_input.hpp"

namespace riverqueue::conformance {

struct adapter_config {
    std::string database_url;      // RIVER_CONFORMANCE_DATABASE_URL
    std::string application_name;  // RIVER_CONFORMANCE_APPLICATION_NAME
    // RIVER_CONFORMANCE_SCHEMA: the schema of every method that names none
    // (the contract has a `schema` param on `insert` only). Empty means the
    // connection's search_path, as River's reference does.
    std::string schema;
};

class adapter {
public:
    explicit adapter(adapter_config config);

    // Runs one method. `raw_params` is the request's params as written, so that
    // job args reach the library with their number spellings intact. Returns
    // the result as JSON text; throws rpc_error.
    std::string call(std::string_view method, const tools::json::value& params, std::string_view raw_params);

private:
    std::string handshake(const tools::json::value& params);
    std::string insert(const tools::json::value& params, std::string_view raw_params);
    std::string insert_many(const tools::json::value& params, std::string_view raw_params);
    std::string tx_begin(const tools::json::value& params);
    std::string tx_insert(const tools::json::value& params, std::string_view raw_params);
    std::string tx_insert_many(const tools::json::value& params, std::string_view raw_params);
    std::string tx_end(const tools::json::value& params, bool commit);
    std::string unique_key(const tools::json::value& params, std::string_view raw_params);

    client& client_for(const std::string& schema);
    connection& transaction_for(const tools::json::value& params);
    std::string conninfo() const;

    adapter_config config_;
    std::map<std::string, std::unique_ptr<client>> clients_;  // by schema
    std::map<std::string, connection> transactions_;          // by handle
};

}  // namespace riverqueue::conformance
