// The synchronous library in one include: the client over libpq, its
// options and results, the migrator, unique keys, the driver interface.
// The optional components have their own headers: <riverqueue/async_client.hpp>
// (riverqueue::async, Boost.Asio) and <riverqueue/pqxx.hpp> (riverqueue::pqxx).
#pragma once

#include <riverqueue/client.hpp>
#include <riverqueue/client_options.hpp>
#include <riverqueue/connection.hpp>
#include <riverqueue/driver.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/insert_many.hpp>
#include <riverqueue/insert_middleware.hpp>
#include <riverqueue/insert_opts.hpp>
#include <riverqueue/job_args.hpp>
#include <riverqueue/job_row.hpp>
#include <riverqueue/job_state.hpp>
#include <riverqueue/migrator.hpp>
#include <riverqueue/time.hpp>
#include <riverqueue/transaction_ref.hpp>
#include <riverqueue/unique_key.hpp>
#include <riverqueue/unique_opts.hpp>
#include <riverqueue/version.hpp>
