#include "app/gui/RunQueue.h"

#include <algorithm>

namespace rgpb::app {

RunQueue::RunQueue(Starter start, int max_concurrent)
    : start_(std::move(start)), max_concurrent_(std::max(1, max_concurrent)) {}

void RunQueue::enqueue(const QString& id) {
    if (queued_.contains(id) || running_.contains(id))
        return;
    queued_ << id;
    notifyChanged();
    startWhatFits();
}

bool RunQueue::removeQueued(const QString& id) {
    if (queued_.removeAll(id) == 0)
        return false;
    notifyChanged();
    return true;
}

void RunQueue::markEnded(const QString& id) {
    if (running_.remove(id))
        startWhatFits();
}

void RunQueue::setMaxConcurrent(int n) {
    max_concurrent_ = std::max(1, n);
    startWhatFits();
}

void RunQueue::setHeld(bool held) {
    held_ = held;
    startWhatFits();
}

void RunQueue::startWhatFits() {
    bool took = false;
    while (!held_ && running_.size() < max_concurrent_ && !queued_.isEmpty()) {
        const QString id = queued_.takeFirst();
        took = true;
        if (start_(id))
            running_.insert(id);
    }
    if (took)
        notifyChanged();
}

void RunQueue::notifyChanged() {
    if (changed_)
        changed_();
}

}  // namespace rgpb::app
