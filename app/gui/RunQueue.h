// The workbench's run queue, without widgets: runs wait in the order they were queued and start
// while fewer than maxConcurrent() are running; a run that ends frees its slot and the next
// starts. Starting is the caller's (a callback), so the queue is tested without training. A held
// queue starts nothing (the window holds it while it quits, so the queued runs stay queued for
// the next start), and a listener hears every change of the waiting list (to persist it).
#pragma once

#include <QSet>
#include <QString>
#include <QStringList>
#include <functional>

namespace rgpb::app {

class RunQueue {
public:
    // Starts the run `id`; false when it cannot (e.g. it is gone): it then takes no slot.
    using Starter = std::function<bool(const QString& id)>;

    explicit RunQueue(Starter start, int max_concurrent = 1);

    // Called after every change of queued(): a run queued, removed or taken to start.
    void setQueuedChanged(std::function<void()> listener) { changed_ = std::move(listener); }

    void enqueue(const QString& id);       // then starts what the slots allow
    bool removeQueued(const QString& id);  // false when `id` is not waiting
    void markEnded(const QString& id);     // a running run ended: its slot is free
    void setMaxConcurrent(int n);          // at least 1; more slots start more runs
    int maxConcurrent() const { return max_concurrent_; }
    void setHeld(bool held);  // held: nothing starts; released: starts what the slots allow
    bool isHeld() const { return held_; }
    int runningCount() const { return running_.size(); }
    int queuedCount() const { return queued_.size(); }
    bool isQueued(const QString& id) const { return queued_.contains(id); }
    bool isRunning(const QString& id) const { return running_.contains(id); }
    QStringList queued() const { return queued_; }

private:
    void startWhatFits();
    void notifyChanged();

    Starter start_;
    std::function<void()> changed_;
    bool held_ = false;
    int max_concurrent_;
    QStringList queued_;  // oldest first
    QSet<QString> running_;
};

}  // namespace rgpb::app
