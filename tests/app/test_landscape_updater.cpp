// Landscape points off the GUI thread (app/gui/LandscapeUpdater.h), with a stand-in computation
// so the timing is the test's: the computation runs on another thread while the GUI thread
// keeps serving events, the point arrives on the GUI thread, the latest request per run wins,
// a forgotten run delivers nothing, and destroying the updater mid-computation joins.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "app/gui/LandscapeUpdater.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_landscape_updater {

using namespace rgpb;
using namespace rgpb::app;
using namespace std::chrono_literals;

namespace {

RunSummary run(const std::string& dir, int64_t step) {
    RunSummary s;
    s.dir = dir;
    s.step = step;
    return s;
}

widgets::LandscapePoint pointOf(const RunSummary& s) {
    widgets::LandscapePoint p;
    p.run = QString::fromStdString(s.dir);
    p.step = s.step;
    return p;
}

// Holds computations until opened (or 10 s pass, so a failing test never hangs).
struct Gate {
    std::atomic<bool> open{false};
    void wait() const {
        for (int i = 0; i < 10000 && !open; ++i)
            std::this_thread::sleep_for(1ms);
    }
};

}  // namespace

class TestLandscapeUpdater : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void computesOffTheGuiThreadWhileTheGuiStaysResponsive() {
        std::atomic<bool> computing{false};
        std::thread::id computed_on;
        LandscapeUpdater updater(nullptr, [&](const RunSummary& s) {
            computed_on = std::this_thread::get_id();
            computing = true;
            std::this_thread::sleep_for(300ms);  // a large eval_pairs.csv
            return std::optional<widgets::LandscapePoint>(pointOf(s));
        });
        QSignalSpy ready(&updater, &LandscapeUpdater::pointReady);
        int ticks = 0;
        QTimer timer;
        connect(&timer, &QTimer::timeout, this, [&] { ticks += computing ? 1 : 0; });
        timer.start(10);
        updater.request(run("runs/a", 10));
        QVERIFY(!updater.isIdle());
        QTRY_COMPARE(ready.size(), 1);
        QVERIFY2(ticks >= 5, qPrintable(QString("%1 GUI timer ticks while computing").arg(ticks)));
        QVERIFY(computed_on != std::this_thread::get_id());
        const auto p = ready.at(0).at(0).value<widgets::LandscapePoint>();
        QCOMPARE(p.run, QString("runs/a"));
        QCOMPARE(p.step, qint64(10));
        QTRY_VERIFY(updater.isIdle());
    }

    void theLatestRequestPerRunWins() {
        Gate gate;
        QVector<qint64> computed;  // written on the worker, read after it is idle
        LandscapeUpdater updater(nullptr, [&](const RunSummary& s) {
            gate.wait();
            computed.append(s.step);
            return std::optional<widgets::LandscapePoint>(pointOf(s));
        });
        QSignalSpy ready(&updater, &LandscapeUpdater::pointReady);
        updater.request(run("runs/a", 5));   // computing (held at the gate)
        updater.request(run("runs/b", 5));   // waiting
        updater.request(run("runs/a", 10));  // waiting
        updater.request(run("runs/a", 15));  // replaces step 10
        gate.open = true;
        QTRY_VERIFY(updater.isIdle());
        QCOMPARE(computed, QVector<qint64>({5, 5, 15}));
        // a@5 was computed while a newer request waited: dropped. b and the latest a arrive.
        QCOMPARE(ready.size(), 2);
        QCOMPARE(ready.at(0).at(0).value<widgets::LandscapePoint>().run, QString("runs/b"));
        const auto a = ready.at(1).at(0).value<widgets::LandscapePoint>();
        QCOMPARE(a.run, QString("runs/a"));
        QCOMPARE(a.step, qint64(15));
    }

    void aForgottenRunDeliversNothing() {
        Gate gate;
        LandscapeUpdater updater(nullptr, [&](const RunSummary& s) {
            gate.wait();
            return std::optional<widgets::LandscapePoint>(pointOf(s));
        });
        QSignalSpy ready(&updater, &LandscapeUpdater::pointReady);
        updater.request(run("runs/a", 5));  // computing
        updater.request(run("runs/b", 5));  // waiting
        updater.forget("runs/a");
        updater.forget("runs/b");
        gate.open = true;
        QTRY_VERIFY(updater.isIdle());
        QTest::qWait(50);
        QCOMPARE(ready.size(), 0);
        // No point (a run not evaluated yet): nothing either.
        LandscapeUpdater none(
            nullptr, [](const RunSummary&) { return std::optional<widgets::LandscapePoint>(); });
        QSignalSpy nothing(&none, &LandscapeUpdater::pointReady);
        none.request(run("runs/c", 0));
        QTRY_VERIFY(none.isIdle());
        QCOMPARE(nothing.size(), 0);
    }

    void destroyingTheUpdaterJoins() {
        std::atomic<bool> finished{false};
        auto updater = std::make_unique<LandscapeUpdater>(nullptr, [&](const RunSummary& s) {
            std::this_thread::sleep_for(200ms);
            finished = true;
            return std::optional<widgets::LandscapePoint>(pointOf(s));
        });
        updater->request(run("runs/a", 1));
        std::this_thread::sleep_for(20ms);
        updater.reset();
        QVERIFY(finished);
        QTest::qWait(50);  // the undelivered point goes nowhere
    }
};

RGPB_TEST_MAIN(TestLandscapeUpdater)
}  // namespace rgpb_test_landscape_updater
#include "test_landscape_updater.moc"
