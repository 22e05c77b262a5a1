// The one background-work class (app/gui/WorkerJob.h) and its users that have no model to train:
// the work runs on another thread and its result on the GUI thread, exceptions (LibTorch's
// included) become failed(message), progress reaches the GUI at most ~30 times a second without
// losing the last value, destroying a job cancels and joins it and drops a result not yet
// delivered, and the config editor's data preview (a detached thread before) joins when its
// editor goes, delivering nothing to it.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QPushButton>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <c10/util/Exception.h>

#include "app/gui/CoreBindings.h"
#include "app/gui/WorkerJob.h"
#include "widgets/ConfigEditor.h"
#include "widgets/ConfigForm.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_worker_job {

using namespace rgpb;
using namespace rgpb::app;
using namespace std::chrono_literals;

class TestWorkerJob : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void workRunsOffTheGuiThreadAndItsResultOnIt() {
        WorkerJob job;
        QSignalSpy succeeded(&job, &WorkerJob::succeeded), ended(&job, &WorkerJob::ended);
        std::thread::id worked_on, completed_on;
        int result = 0;
        QVERIFY(job.start([&](WorkerJob::Feedback&) -> WorkerJob::Completion {
            worked_on = std::this_thread::get_id();
            std::this_thread::sleep_for(50ms);
            const int value = 42;
            return [&, value] {
                completed_on = std::this_thread::get_id();
                result = value;
            };
        }));
        QVERIFY(job.isRunning());
        QVERIFY(!job.start([](WorkerJob::Feedback&) { return WorkerJob::Completion(); }));
        QTRY_COMPARE(ended.size(), 1);
        QCOMPARE(succeeded.size(), 1);
        QCOMPARE(result, 42);
        QVERIFY(worked_on != std::this_thread::get_id());
        QCOMPARE(completed_on, std::this_thread::get_id());
        QVERIFY(!job.isRunning());
        // A job runs again once it has ended.
        QVERIFY(job.start([](WorkerJob::Feedback&) { return WorkerJob::Completion(); }));
        QTRY_COMPARE(ended.size(), 2);
    }

    void exceptionsBecomeFailures() {
        WorkerJob job;
        QSignalSpy failed(&job, &WorkerJob::failed), ended(&job, &WorkerJob::ended);
        QVERIFY(job.start([](WorkerJob::Feedback&) -> WorkerJob::Completion {
            throw std::runtime_error("pairs.jsonl:3: missing key 'chosen'");
        }));
        QTRY_COMPARE(ended.size(), 1);
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.at(0).at(0).toString(), QString("pairs.jsonl:3: missing key 'chosen'"));
        // LibTorch's errors: the message without the C++ backtrace.
        QVERIFY(job.start([](WorkerJob::Feedback&) -> WorkerJob::Completion {
            TORCH_CHECK(false, "shape mismatch 3 vs 4");
            return {};
        }));
        QTRY_COMPARE(ended.size(), 2);
        const QString m = failed.at(1).at(0).toString();
        QVERIFY2(m.startsWith("LibTorch error: ") && m.contains("shape mismatch 3 vs 4"),
                 qPrintable(m));
        QVERIFY2(!m.contains("Exception raised from"), qPrintable(m));
        // A completion that throws fails too, and the event loop goes on.
        QVERIFY(job.start([](WorkerJob::Feedback&) -> WorkerJob::Completion {
            return [] { throw std::logic_error("bad result"); };
        }));
        QTRY_COMPARE(ended.size(), 3);
        QCOMPARE(failed.at(2).at(0).toString(), QString("bad result"));
    }

    void progressIsThrottledAndTheLastValueArrives() {
        WorkerJob job;
        QSignalSpy progress(&job, &WorkerJob::progress), ended(&job, &WorkerJob::ended);
        const qint64 steps = 200000;
        const auto t0 = std::chrono::steady_clock::now();
        QVERIFY(job.start([&](WorkerJob::Feedback& f) -> WorkerJob::Completion {
            for (qint64 i = 1; i <= steps; ++i) {
                f.setProgress(i, steps, "step");
                if (i % 1000 == 0)
                    std::this_thread::sleep_for(1ms);  // ~0.2 s of work
            }
            return {};
        }));
        QTRY_COMPARE(ended.size(), 1);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        QVERIFY(!progress.isEmpty());
        // At most one update per 33 ms (plus the first and the flush at the end).
        QVERIFY2(progress.size() <= 2 + seconds * 1000 / WorkerJob::kProgressIntervalMs,
                 qPrintable(QString("%1 updates in %2 s").arg(progress.size()).arg(seconds)));
        QCOMPARE(progress.last().at(0).toLongLong(), steps);
        QCOMPARE(progress.last().at(1).toLongLong(), steps);
        QCOMPARE(progress.last().at(2).toString(), QString("step"));
        // Two quick reports: both arrive (the second one a little later), in order.
        progress.clear();
        QVERIFY(job.start([](WorkerJob::Feedback& f) -> WorkerJob::Completion {
            f.setProgress(1, 2);
            f.setProgress(2, 2);
            std::this_thread::sleep_for(100ms);
            return {};
        }));
        QTRY_COMPARE(ended.size(), 2);
        QCOMPARE(progress.size(), 2);
        QCOMPARE(progress.at(0).at(0).toLongLong(), 1);
        QCOMPARE(progress.at(1).at(0).toLongLong(), 2);
    }

    void destroyingAJobCancelsJoinsAndDropsItsResult() {
        std::atomic<bool> saw_cancel{false}, returned{false};
        bool delivered = false;
        auto job = std::make_unique<WorkerJob>();
        QVERIFY(job->start([&](WorkerJob::Feedback& f) -> WorkerJob::Completion {
            while (!f.isCancelled())
                std::this_thread::sleep_for(1ms);
            saw_cancel = true;
            std::this_thread::sleep_for(50ms);
            returned = true;
            return [&] { delivered = true; };
        }));
        std::this_thread::sleep_for(20ms);
        job.reset();  // cancels and joins
        QVERIFY(saw_cancel);
        QVERIFY(returned);
        // The result was posted to a job that is gone: nothing runs.
        QTest::qWait(100);
        QVERIFY(!delivered);

        // A finished job whose result is waiting in the event queue: destroying it drops it.
        job = std::make_unique<WorkerJob>();
        QVERIFY(job->start([&](WorkerJob::Feedback&) -> WorkerJob::Completion {
            return [&] { delivered = true; };
        }));
        job->wait();  // the result is posted, not delivered (no event loop ran)
        job.reset();
        QTest::qWait(100);
        QVERIFY(!delivered);
    }

    void previewJoinsWhenItsReceiverGoesAndDeliversNothing() {
        std::atomic<bool> read_done{false};
        bool delivered = false;
        auto* receiver = new QObject;
        startPreview(
            receiver,
            [&] {
                std::this_thread::sleep_for(300ms);  // a slow source
                read_done = true;
                return widgets::DataPreview();
            },
            [&](const widgets::DataPreview&) { delivered = true; });
        std::this_thread::sleep_for(20ms);
        delete receiver;  // joins the reader: it has finished when delete returns
        QVERIFY(read_done);
        QTest::qWait(100);
        QVERIFY(!delivered);

        // With the receiver alive the preview arrives, and its job goes away after.
        receiver = new QObject;
        widgets::DataPreview got;
        QPointer<WorkerJob> job = startPreview(
            receiver,
            [] {
                widgets::DataPreview p;
                p.summary = "read";
                return p;
            },
            [&](const widgets::DataPreview& p) { got = p; });
        QTRY_COMPARE(got.summary, QString("read"));
        QTRY_VERIFY(job.isNull());
        delete receiver;
    }

    void editorDestroyedWhilePreviewReadsDoesNotCrash() {
        // A real preview of a large synthetic set, and the editor destroyed at once.
        auto* editor = new widgets::ConfigEditor(validateYaml);
        connectEditorToCore(editor);
        editor->setYaml(
            "name: big\ndata: {synthetic: {count: 200000}}\n"
            "stages: [{method: mle, steps: 1}]\n");
        QTRY_VERIFY(editor->form()->config().data.synthetic_count == 200000 &&
                    editor->form()->previewButton()->isEnabled());
        editor->form()->previewButton()->click();
        QVERIFY(!editor->findChildren<WorkerJob*>().isEmpty());  // reading
        delete editor;                                           // joins the reader
        QTest::qWait(50);
    }
};

RGPB_TEST_MAIN(TestWorkerJob)
}  // namespace rgpb_test_worker_job
#include "test_worker_job.moc"
