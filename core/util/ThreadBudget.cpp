#include "core/util/ThreadBudget.h"

#include <algorithm>
#include <thread>

namespace rgpb {

ThreadBudget::ThreadBudget(int cores) : cores_(std::max(1, cores)) {}

ThreadBudget& ThreadBudget::process() {
    static ThreadBudget budget(static_cast<int>(std::thread::hardware_concurrency()));
    return budget;
}

ThreadBudget::Lease ThreadBudget::acquire(int requested) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++leases_;
    return Lease(this, std::max(0, requested));
}

int ThreadBudget::leases() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return leases_;
}

void ThreadBudget::release() {
    std::lock_guard<std::mutex> lock(mutex_);
    leases_ = std::max(0, leases_ - 1);
}

ThreadBudget::Lease::Share ThreadBudget::shareFor(int requested) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const int fair = std::max(1, cores_ / std::max(1, leases_));
    return {requested > 0 ? std::min(requested, fair) : fair, leases_, cores_};
}

ThreadBudget::Lease::Lease(Lease&& other) noexcept
    : budget_(other.budget_), requested_(other.requested_) {
    other.budget_ = nullptr;
}

ThreadBudget::Lease& ThreadBudget::Lease::operator=(Lease&& other) noexcept {
    if (this != &other) {
        if (budget_ != nullptr)
            budget_->release();
        budget_ = other.budget_;
        requested_ = other.requested_;
        other.budget_ = nullptr;
    }
    return *this;
}

ThreadBudget::Lease::~Lease() {
    if (budget_ != nullptr)
        budget_->release();
}

ThreadBudget::Lease::Share ThreadBudget::Lease::share() const {
    return budget_ != nullptr ? budget_->shareFor(requested_) : Share{1, 0, 1};
}

}  // namespace rgpb
