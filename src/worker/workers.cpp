// The registry of workers by kind.
#include <riverqueue/worker.hpp>

#include <algorithm>

namespace riverqueue {
namespace {

class function_worker final : public worker {
public:
    explicit function_worker(std::function<void(const job_context&)> fn) : fn_(std::move(fn)) {}
    void work(const job_context& context) override { fn_(context); }

private:
    std::function<void(const job_context&)> fn_;
};

}  // namespace

void workers::add(std::string kind, std::function<void(const job_context&)> fn) {
    if (!fn) throw validation_error("worker", "must not be empty");
    add(std::move(kind), std::make_shared<function_worker>(std::move(fn)));
}

void workers::add(std::string kind, std::shared_ptr<worker> w) {
    if (kind.empty()) throw validation_error("kind", "is required");
    if (!w) throw validation_error("worker", "must not be null");
    if (!by_kind_.emplace(kind, std::move(w)).second) {
        throw validation_error("kind", "already has a worker: " + kind);
    }
}

worker* workers::find(std::string_view kind) const {
    const auto found = by_kind_.find(std::string(kind));
    return found == by_kind_.end() ? nullptr : found->second.get();
}

std::vector<std::string> workers::kinds() const {
    std::vector<std::string> out;
    out.reserve(by_kind_.size());
    for (const auto& [kind, w] : by_kind_) out.push_back(kind);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace riverqueue
