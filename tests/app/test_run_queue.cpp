// The run queue without widgets or training (app/gui/RunQueue.h): runs start in the order they
// were queued while slots are free, an ended run frees its slot for the next, more slots start
// more at once, a queued run can be removed, a run that cannot start takes no slot, a held queue
// starts nothing, and every change of the waiting list is heard (the window persists it).
#include <QtTest>

#include "tests/support/TestMain.h"

#include "app/gui/RunQueue.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_run_queue {

using rgpb::app::RunQueue;

class TestRunQueue : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void startsInOrderWithinTheSlots() {
        QStringList started;
        RunQueue q([&](const QString& id) {
            started << id;
            return true;
        });
        QCOMPARE(q.maxConcurrent(), 1);
        q.enqueue("a");
        q.enqueue("b");
        q.enqueue("c");
        QCOMPARE(started, QStringList({"a"}));
        QCOMPARE(q.runningCount(), 1);
        QCOMPARE(q.queuedCount(), 2);
        QVERIFY(q.isRunning("a") && q.isQueued("b") && !q.isQueued("a"));
        q.markEnded("a");
        QCOMPARE(started, QStringList({"a", "b"}));
        q.markEnded("x");  // not running: changes nothing
        QCOMPARE(started, QStringList({"a", "b"}));
        QCOMPARE(q.runningCount(), 1);
        q.enqueue("b");  // already running: not queued twice
        QCOMPARE(q.queued(), QStringList({"c"}));
    }

    void moreSlotsStartMoreRuns() {
        QStringList started;
        RunQueue q(
            [&](const QString& id) {
                started << id;
                return true;
            },
            2);
        for (const char* id : {"a", "b", "c", "d", "e"})
            q.enqueue(id);
        QCOMPARE(started, QStringList({"a", "b"}));
        q.setMaxConcurrent(4);
        QCOMPARE(started, QStringList({"a", "b", "c", "d"}));
        QCOMPARE(q.queuedCount(), 1);
        q.setMaxConcurrent(1);  // fewer slots stop nothing; no new run starts until below
        q.markEnded("a");
        q.markEnded("b");
        q.markEnded("c");
        QCOMPARE(started.size(), 4);
        q.markEnded("d");
        QCOMPARE(started.last(), QString("e"));
        q.setMaxConcurrent(0);  // at least one slot
        QCOMPARE(q.maxConcurrent(), 1);
    }

    void removingAQueuedRun() {
        QStringList started;
        RunQueue q([&](const QString& id) {
            started << id;
            return true;
        });
        q.enqueue("a");
        q.enqueue("b");
        q.enqueue("c");
        QVERIFY(q.removeQueued("b"));
        QVERIFY(!q.removeQueued("b"));
        QVERIFY(!q.removeQueued("a"));  // running, not queued
        q.markEnded("a");
        QCOMPARE(started, QStringList({"a", "c"}));
        QCOMPARE(q.queuedCount(), 0);
    }

    void aRunThatCannotStartTakesNoSlot() {
        QStringList started;
        RunQueue q([&](const QString& id) {
            if (id == "gone")
                return false;
            started << id;
            return true;
        });
        q.enqueue("a");
        q.enqueue("gone");
        q.enqueue("b");
        q.markEnded("a");
        QCOMPARE(started, QStringList({"a", "b"}));
        QCOMPARE(q.runningCount(), 1);
        QCOMPARE(q.queuedCount(), 0);
    }

    void aHeldQueueStartsNothingAndChangesAreHeard() {
        QStringList started;
        QList<QStringList> heard;  // the waiting list at each change
        RunQueue q([&](const QString& id) {
            started << id;
            return true;
        });
        q.setQueuedChanged([&] { heard << q.queued(); });
        q.enqueue("a");  // queued, then taken to start
        QCOMPARE(heard, QList<QStringList>({{"a"}, {}}));
        q.enqueue("b");
        q.enqueue("c");
        QCOMPARE(heard.last(), QStringList({"b", "c"}));
        q.setHeld(true);
        QVERIFY(q.isHeld());
        q.markEnded("a");  // a free slot, but held: b waits
        QCOMPARE(started, QStringList({"a"}));
        q.setMaxConcurrent(3);
        QCOMPARE(started, QStringList({"a"}));
        QCOMPARE(q.queued(), QStringList({"b", "c"}));
        heard.clear();
        QVERIFY(q.removeQueued("c"));
        QCOMPARE(heard, QList<QStringList>({{"b"}}));
        QVERIFY(!q.removeQueued("c"));  // no change, nothing heard
        QCOMPARE(heard.size(), 1);
        q.setHeld(false);
        QCOMPARE(started, QStringList({"a", "b"}));
        QCOMPARE(heard.last(), QStringList());
    }
};

RGPB_TEST_MAIN(TestRunQueue)
}  // namespace rgpb_test_run_queue
#include "test_run_queue.moc"
