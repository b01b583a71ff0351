// Everything riverqueue offers, in one include.
#pragma once

#include <riverqueue/client.hpp>
#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/insert_opts.hpp>
#include <riverqueue/job_args.hpp>
#include <riverqueue/job_row.hpp>
#include <riverqueue/job_state.hpp>
#include <riverqueue/migrator.hpp>
#include <riverqueue/time.hpp>
#include <riverqueue/unique_key.hpp>
#include <riverqueue/unique_opts.hpp>
