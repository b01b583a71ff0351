// riverqueue::worker_client: one producer per queue, one batch completer, all
// on a driver's sessions (a libpq pool by default), all database work through
// the core's operations (core/ops/worker_ops.hpp).
#include <riverqueue/worker_client.hpp>

#include <unistd.h>

#include <climits>
#include <list>
#include <map>

#include "core/identifiers.hpp"
#include "core/validation.hpp"
#include "core/worker/client_id.hpp"
#include "core/worker/notifications.hpp"
#include "drivers/libpq/notification_listener.hpp"
#include "drivers/libpq/session.hpp"
#include "worker/completer.hpp"
#include "worker/leader.hpp"
#include "worker/producer.hpp"

namespace riverqueue {
namespace {

std::string host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "localhost";
    return name;
}

worker_options validated(worker_options options, const workers& registry) {
    if (options.queues.empty()) throw validation_error("queues", "at least one queue is required");
    for (const auto& [name, queue] : options.queues) {
        core::validate_queue(name);
        if (queue.max_workers < 1 || queue.max_workers > 10'000) {
            throw validation_error("queues." + name + ".max_workers", "must be between 1 and 10000");
        }
    }
    core::validate_schema_name(options.schema);
    if (options.client_id.empty()) {
        options.client_id = core::default_client_id(host_name(), riverqueue::now());
    }
    if (options.client_id.size() > 100) throw validation_error("client_id", "must be at most 100 characters");
    if (options.poll_interval < std::chrono::milliseconds(1)) {
        throw validation_error("poll_interval", "must be at least 1 ms");
    }
    if (options.fetch_cooldown < std::chrono::milliseconds(1) || options.fetch_cooldown > options.poll_interval) {
        throw validation_error("fetch_cooldown", "must be at least 1 ms and at most poll_interval");
    }
    if (options.pool_size < 1) throw validation_error("pool_size", "must be at least 1");
    if (options.rescue_stuck_jobs_after < options.job_timeout) {
        throw validation_error("rescue_stuck_jobs_after", "must be at least job_timeout");
    }
    if (registry.empty()) throw validation_error("workers", "at least one worker is required");
    return options;
}

}  // namespace

struct worker_client::impl {
    impl(worker_options opts, workers registry, std::shared_ptr<driver::session_source> sessions) {
        context.options = validated(std::move(opts), registry);
        context.registry = std::move(registry);
        context.client_id = context.options.client_id;
        if (context.options.fetch_only_known_kinds) context.fetch_kinds = context.registry.kinds();
        listens = !sessions && !context.options.poll_only;
        context.sessions = sessions ? std::move(sessions)
                                    : std::make_shared<libpq::pool_source>(
                                          context.options.conninfo, context.options.pool_size,
                                          context.options.prepared_statements, std::chrono::milliseconds{0});
        outcomes = std::make_unique<worker_runtime::completer>(context.sessions, context.options.schema,
                                                               context.options.on_error);
        context.outcomes = outcomes.get();
    }

    void stop(bool cancel) {
        if (listener) listener->stop();
        listener.reset();
        by_queue.clear();
        for (auto& p : producers) p->stop(cancel);
        producers.clear();
        outcomes->stop();  // after the producers: their last outcomes are written
        if (elector) elector->stop();  // last, as River: resigns with a notification
        elector.reset();
    }

    worker_runtime::runtime_context context;
    std::unique_ptr<worker_runtime::completer> outcomes;
    std::list<std::unique_ptr<worker_runtime::producer>> producers;
    std::unique_ptr<worker_runtime::leader> elector;
    bool listens = false;
    std::map<std::string, worker_runtime::producer*, std::less<>> by_queue;
    std::unique_ptr<libpq::notification_listener> listener;

    // River's notifications, on the listener's thread.
    void on_notification(std::string_view topic, std::string_view payload) {
        const auto notification = core::parse_notification(topic, payload);
        if (!notification) return;
        const auto each = [&](auto&& act) {
            for (auto& [name, p] : by_queue) {
                if (notification->queue == name || notification->queue == "*") act(*p);
            }
        };
        using kind = core::river_notification::kind;
        switch (notification->what) {
            case kind::insert:
                if (auto found = by_queue.find(notification->queue); found != by_queue.end()) found->second->fetch_soon();
                return;
            case kind::cancel:
                if (auto found = by_queue.find(notification->queue); found != by_queue.end()) {
                    found->second->cancel_running(notification->job_id);
                }
                return;
            case kind::pause:
                each([](worker_runtime::producer& p) { p.set_paused(true); });
                return;
            case kind::resume:
                each([](worker_runtime::producer& p) { p.set_paused(false); });
                return;
        }
    }
};

worker_client::worker_client(worker_options options, workers registry)
    : impl_(std::make_unique<impl>(std::move(options), std::move(registry), nullptr)) {}

worker_client::worker_client(worker_options options, workers registry,
                             std::shared_ptr<driver::session_source> sessions) {
    if (!sessions) throw validation_error("sessions", "must not be null");
    impl_ = std::make_unique<impl>(std::move(options), std::move(registry), std::move(sessions));
}

worker_client::~worker_client() { impl_->stop(false); }

void worker_client::start() {
    if (!impl_->producers.empty()) throw error("the worker client is already started");
    impl_->outcomes->start();
    try {
        for (const auto& [name, queue] : impl_->context.options.queues) {
            auto p = std::make_unique<worker_runtime::producer>(name, queue.max_workers, impl_->context);
            impl_->by_queue.emplace(name, p.get());
            impl_->producers.push_back(std::move(p));
        }
        // Listening before the first fetch: a job inserted meanwhile wakes it.
        if (impl_->listens) {
            impl_->listener = std::make_unique<libpq::notification_listener>(
                impl_->context.options.conninfo, impl_->context.options.schema,
                std::vector<std::string>{std::string(core::insert_topic), std::string(core::control_topic)},
                [impl = impl_.get()](std::string_view topic, std::string_view payload) {
                    impl->on_notification(topic, payload);
                },
                impl_->context.options.on_error);
            impl_->listener->start();
        }
        for (auto& p : impl_->producers) p->start();
        if (impl_->context.options.leader_election) {
            impl_->elector = std::make_unique<worker_runtime::leader>(impl_->context);
            impl_->elector->start();
        }
    } catch (...) {
        impl_->stop(false);
        throw;
    }
}

void worker_client::stop() { impl_->stop(false); }

void worker_client::stop_and_cancel() { impl_->stop(true); }

const std::string& worker_client::client_id() const noexcept { return impl_->context.client_id; }

bool worker_client::leading() const noexcept { return impl_->elector && impl_->elector->leading(); }

}  // namespace riverqueue
