// The workbench's run queue, without widgets: runs wait in the order they were queued and start
// while fewer than maxConcurrent() are running; a run that ends frees its slot and the next
// starts. Starting is the caller's (a callback), so the queue is tested without training.
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

    void enqueue(const QString& id);       // then starts what the slots allow
    bool removeQueued(const QString& id);  // false when `id` is not waiting
    void markEnded(const QString& id);     // a running run ended: its slot is free
    void setMaxConcurrent(int n);          // at least 1; more slots start more runs
    int maxConcurrent() const { return max_concurrent_; }
    int runningCount() const { return running_.size(); }
    int queuedCount() const { return queued_.size(); }
    bool isQueued(const QString& id) const { return queued_.contains(id); }
    bool isRunning(const QString& id) const { return running_.contains(id); }
    QStringList queued() const { return queued_; }

private:
    void startWhatFits();

    Starter start_;
    int max_concurrent_;
    QStringList queued_;  // oldest first
    QSet<QString> running_;
};

}  // namespace rgpb::app
