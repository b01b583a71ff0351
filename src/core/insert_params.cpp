#include "core/insert_params.hpp"

#include <limits>
#include <utility>

#include <riverqueue/errors.hpp>
#include <riverqueue/unique_key.hpp>

#include "core/time_format.hpp"
#include "core/validation.hpp"

namespace riverqueue::core {
namespace {

// River picks the first non-zero of call, args type, default (Go's cmp.Or).
int first_nonzero(const std::optional<int>& call, const std::optional<int>& type_default, int fallback) {
    if (call && *call != 0) return *call;
    if (type_default && *type_default != 0) return *type_default;
    return fallback;
}

// `args_json` is the args' text, borrowed from `args` or taken out of it.
resolved_job resolve(const dynamic_args& args, json_text args_json, const insert_opts& call,
                     const insert_defaults& defaults, time_point now) {
    const insert_opts& type_opts = args.insert_opts();
    resolved_job job;

    validate_kind(args.kind());
    job.kind = std::string(args.kind());
    validate_json_object(args_json.view(), "args");
    job.args = std::move(args_json);

    job.max_attempts = first_nonzero(call.max_attempts, type_opts.max_attempts, defaults.max_attempts);
    if (job.max_attempts < 1 || job.max_attempts > std::numeric_limits<std::int16_t>::max()) {
        throw validation_error("max_attempts", "must be between 1 and 32767");
    }
    job.priority = first_nonzero(call.priority, type_opts.priority, 1);
    if (job.priority < 1 || job.priority > 4) throw validation_error("priority", "must be between 1 and 4");

    if (call.queue && !call.queue->empty()) job.queue = *call.queue;
    else if (type_opts.queue && !type_opts.queue->empty()) job.queue = *type_opts.queue;
    else job.queue = "default";
    validate_queue(job.queue);

    // A list given at the call replaces the args type's entirely, even when empty.
    if (call.tags) job.tags = *call.tags;
    else if (type_opts.tags) job.tags = *type_opts.tags;
    for (const auto& tag : job.tags) validate_tag(tag);

    // Like River Go, metadata and pending come from the call only.
    if (call.metadata && !call.metadata->empty()) {
        validate_json_object(*call.metadata, "metadata");
        job.metadata = *call.metadata;
    } else {
        job.metadata = "{}";
    }

    job.created_at = now;
    job.scheduled_at = now;
    std::optional<time_point> scheduled_at = call.scheduled_at ? call.scheduled_at : type_opts.scheduled_at;
    if (scheduled_at) {
        if (!within_river_range(*scheduled_at)) {
            throw validation_error("scheduled_at", "must be between 0001-01-01 and 9999-12-31 (UTC), the years River stores");
        }
        job.scheduled_at = *scheduled_at;
        job.state = job_state::scheduled;
    }
    if (call.pending) job.state = job_state::pending;

    const unique_opts* unique = nullptr;
    if (call.unique && !call.unique->empty()) unique = &*call.unique;
    else if (type_opts.unique && !type_opts.unique->empty()) unique = &*type_opts.unique;
    if (unique != nullptr) {
        // The period counts from scheduled_at when one was given (River Go 0.48+).
        const unique_key key = compute_unique_key(
            unique_key_input{job.kind, job.args.view(), job.queue, scheduled_at, now}, *unique);
        job.unique_key = key.digest;
        job.unique_states = unique_states_bitmask(*unique);
        job.unique = *unique;
    }
    return job;
}

template <typename Resolve>
resolved_job at_index(std::size_t index, Resolve&& resolve_job) {
    try {
        return resolve_job();
    } catch (const validation_error& e) {
        throw validation_error("jobs[" + std::to_string(index) + "]." + e.field(), e.rule());
    }
}

}  // namespace

resolved_job resolve_insert(const dynamic_args& args, const insert_opts& call, const insert_defaults& defaults,
                            time_point now, args_text text) {
    return resolve(args, text == args_text::borrow ? json_text::borrow(args.json) : json_text(args.json), call,
                   defaults, now);
}

resolved_job resolve_insert(dynamic_args&& args, const insert_opts& call, const insert_defaults& defaults,
                            time_point now) {
    json_text owned(std::move(args.json));
    return resolve(args, std::move(owned), call, defaults, now);
}

resolved_job resolve_insert_at(const insert_many_params& job, std::size_t index, const insert_defaults& defaults,
                               time_point now, args_text text) {
    return at_index(index, [&] { return resolve_insert(job.args, job.opts, defaults, now, text); });
}

resolved_job resolve_insert_at(insert_many_params&& job, std::size_t index, const insert_defaults& defaults,
                               time_point now) {
    return at_index(index, [&] { return resolve_insert(std::move(job.args), job.opts, defaults, now); });
}

std::vector<resolved_job> resolve_insert_many(std::span<const insert_many_params> jobs,
                                              const insert_defaults& defaults, time_point now, args_text text) {
    if (jobs.empty()) throw validation_error("jobs", "at least one job is required");
    std::vector<resolved_job> resolved;
    resolved.reserve(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) resolved.push_back(resolve_insert_at(jobs[i], i, defaults, now, text));
    return resolved;
}

}  // namespace riverqueue::core
