// An insert middleware for tests: logs what it is asked, in the order asked,
// into a log it may share with others (to show their order); stamps metadata
// and a tag, rewrites args, or throws at a chosen job, as a test configures.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <riverqueue/insert_middleware.hpp>

namespace riverqueue::testing {

// Thread-safe: the asynchronous client may end a scope on another thread.
class middleware_log {
public:
    void add(std::string entry) {
        std::lock_guard lock(mutex_);
        entries_.push_back(std::move(entry));
    }
    std::vector<std::string> entries() const {
        std::lock_guard lock(mutex_);
        return entries_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> entries_;
};

// The error a recording_middleware throws at its `fail_at` job.
class middleware_refused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct recording_middleware : job_insert_middleware {
    recording_middleware(std::string name_in_log, std::shared_ptr<middleware_log> shared_log)
        : name(std::move(name_in_log)), log(std::move(shared_log)) {}

    std::string name;
    std::shared_ptr<middleware_log> log;
    // Written into each job's metadata as {"<name>": "<stamp>"}, merged in
    // front of what the job had; empty: metadata untouched.
    std::string stamp;
    // Appended to each job's tags (those of the call or, without, the args type's).
    std::string tag;
    // Replaces each job's args.
    std::function<void(insert_many_params&)> rewrite;
    // Throws middleware_refused at the job with this index.
    std::optional<std::size_t> fail_at;
    // Throws middleware_refused from begin_insert.
    bool fail_to_begin = false;

    std::unique_ptr<insert_scope> begin_insert(const insert_call& call) override {
        log->add("begin " + name + (call.jobs ? " jobs=" + std::to_string(*call.jobs) : " jobs=?") +
                 (call.in_caller_transaction ? " tx" : ""));
        if (fail_to_begin) throw middleware_refused(name + " refused to begin");
        return std::make_unique<scope>(*this);
    }

private:
    struct scope : insert_scope {
        explicit scope(recording_middleware& of) : owner(of) {}
        void job(insert_many_params& job, std::size_t index) override {
            owner.log->add("job " + owner.name + " " + std::to_string(index));
            if (owner.fail_at && *owner.fail_at == index) {
                throw middleware_refused(owner.name + " refused job " + std::to_string(index));
            }
            if (owner.rewrite) owner.rewrite(job);
            if (!owner.stamp.empty()) {
                const std::string had = job.opts.metadata.value_or("");
                const std::string field = "\"" + owner.name + "\":\"" + owner.stamp + "\"";
                // `had` is a JSON object or empty: its members go after ours.
                job.opts.metadata = had.empty() || had == "{}" ? "{" + field + "}" : "{" + field + "," + had.substr(1);
            }
            if (!owner.tag.empty()) {
                auto tags = job.opts.tags ? *job.opts.tags : job.args.defaults.tags.value_or(std::vector<std::string>{});
                tags.push_back(owner.tag);
                job.opts.tags = std::move(tags);
            }
        }
        void done(const insert_outcome& outcome) noexcept override {
            std::string what = "done " + owner.name + " jobs=" + std::to_string(outcome.jobs);
            if (outcome.error) {
                try {
                    std::rethrow_exception(outcome.error);
                } catch (const std::exception& e) {
                    what += std::string(" error=") + e.what();
                }
            }
            owner.log->add(std::move(what));
        }
        recording_middleware& owner;
    };
};

}  // namespace riverqueue::testing
