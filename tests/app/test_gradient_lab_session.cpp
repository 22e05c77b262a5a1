// The gradient lab's adapter (app/gui/GradientMeasureSession) and its place in the main window,
// offscreen: a measurement on a micro run comes back on the GUI thread with progress, a bad run
// comes back as a failure naming it, cancel stops it, and the "Gradient lab" tab's measured view
// fills from the adapter; the Replay tab beside it runs a replay through the same session and
// fills its three plots, which export CSV and PNG.
#include "tests/support/MicroRun.h"

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>

#include "app/gui/GradientMeasureSession.h"
#include "app/gui/MainWindow.h"
#include "widgets/GradientLab.h"
#include "widgets/GradientLabMeasured.h"
#include "widgets/GradientLabReplay.h"

#include <QComboBox>
#include <QFile>

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_gradient_lab_session {

using namespace rgpb;
using namespace rgpb::app;

class TestGradientLabSession : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void measurementArrivesOnTheGuiThread() {
        QTemporaryDir tmp;
        GradientMeasureRequest req;
        req.model_path = test::makeMicroRun(tmp.filePath("run").toStdString());
        req.data_path = "synthetic";
        req.max_pairs = 4;
        req.batch_size = 2;
        GradientMeasureSession session;
        QSignalSpy progress(&session, &GradientMeasureSession::progress);
        GradientMeasureResult got;
        bool finished = false;
        QThread* delivered_on = nullptr;
        connect(&session, &GradientMeasureSession::finished, this,
                [&](const GradientMeasureResult& r) {
                    got = r;
                    finished = true;
                    delivered_on = QThread::currentThread();
                });
        QVERIFY(session.start(req));
        QVERIFY(!session.start(req));  // one at a time
        QTRY_VERIFY_WITH_TIMEOUT(finished, 60000);
        QCOMPARE(delivered_on, QThread::currentThread());
        QCOMPARE(got.pairs, std::size_t(4));
        QCOMPARE(got.method, std::string("exmate"));  // the run's stage
        QCOMPARE(progress.size(), 2);                 // two batches of two
        QCOMPARE(progress.last().at(0).toLongLong(), 4);
        QVERIFY(!session.running());
    }

    void failureNamesTheRun() {
        GradientMeasureSession session;
        QString message;
        connect(&session, &GradientMeasureSession::failed, this,
                [&](const QString& m) { message = m; });
        GradientMeasureRequest req;
        req.model_path = "/no/such/run";
        req.data_path = "synthetic";
        QVERIFY(session.start(req));
        QTRY_VERIFY_WITH_TIMEOUT(!message.isEmpty(), 30000);
        QVERIFY2(message.contains("/no/such/run"), qPrintable(message));
    }

    void cancelStops() {
        QTemporaryDir tmp;
        GradientMeasureRequest req;
        req.model_path = test::makeMicroRun(tmp.filePath("run").toStdString());
        req.data_path = "synthetic";
        req.max_pairs = 200;
        req.batch_size = 1;
        GradientMeasureSession session;
        QString message;
        connect(&session, &GradientMeasureSession::failed, this,
                [&](const QString& m) { message = m; });
        connect(&session, &GradientMeasureSession::progress, &session,
                &GradientMeasureSession::cancel);
        QVERIFY(session.start(req));
        QTRY_VERIFY_WITH_TIMEOUT(!message.isEmpty(), 60000);
        QCOMPARE(message, QString("cancelled by the user"));
    }

    void mainWindowHasTheLab() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        auto* tabs = qobject_cast<QTabWidget*>(w.centralWidget());
        QVERIFY(tabs);
        int lab_index = -1;
        for (int i = 0; i < tabs->count(); ++i)
            if (tabs->tabText(i) == "Gradient lab")
                lab_index = i;
        QVERIFY(lab_index >= 0);
        QCOMPARE(tabs->widget(lab_index), static_cast<QWidget*>(w.gradientLab()));
        widgets::GradientLabMeasured* view = w.gradientLab()->measured();
        GradientMeasureRequest req = view->request();
        req.model_path = test::makeMicroRun(tmp.filePath("run").toStdString());
        req.data_path = "context-contrast";
        req.max_pairs = 3;
        view->setRequest(req);
        view->measureButton()->click();
        QVERIFY(view->running());
        QTRY_VERIFY_WITH_TIMEOUT(!view->running(), 60000);
        QCOMPARE(view->result().pairs, std::size_t(3));
        QVERIFY(!view->verdict().isEmpty());
    }

    void replayViewFillsItsPlots() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        widgets::GradientLabReplay* view = w.gradientLab()->replay();
        QVERIFY(view);
        GradientReplayRequest req = view->request();
        QCOMPARE(req.methods, (std::vector<std::string>{"mle", "dpo", "ul", "exmate"}));
        QCOMPARE(req.lrs, (std::vector<double>{1e-4, 1e-3, 1e-2}));
        req.model_path = test::makeMicroRun(tmp.filePath("run").toStdString());
        req.data_path = "synthetic";
        req.max_pairs = 3;
        req.methods = {"mle", "dpo", "exmate"};
        req.lrs = {1e-3, 1e-1};
        view->setRequest(req);
        QCOMPARE(view->request().methods, req.methods);
        QCOMPARE(view->request().lrs, req.lrs);
        view->replayButton()->click();
        QVERIFY(view->running());
        QTRY_VERIFY_WITH_TIMEOUT(!view->running(), 60000);
        QVERIFY2(view->result().pairs == 3, qPrintable(view->status()));
        using Plot = widgets::GradientLabReplay::Plot;
        // Norms: 3 methods x 3 layer groups (embeddings, layer 1, head); cosines: 3 x 3; the
        // effects: 3 methods x 3 pairs x (S+, S-) at the picked lr.
        QCOMPARE(view->shownValues(Plot::Norms), 9);
        QCOMPARE(view->shownValues(Plot::Cosines), 9);
        QCOMPARE(view->shownValues(Plot::Effects), 18);
        QCOMPARE(view->lrChoice()->count(), 2);
        view->lrChoice()->setCurrentIndex(1);
        QCOMPARE(view->shownValues(Plot::Effects), 18);

        const QString csv = tmp.filePath("effects.csv");
        QVERIFY(view->exportCsv(Plot::Effects, csv));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).trimmed().split('\n');
        QCOMPARE(lines.size(), 1 + 3 * 3 * 2);
        QVERIFY(lines[0].startsWith("pair,method,lr,d_pos_pred,d_pos_actual"));
        for (Plot p : {Plot::Norms, Plot::Cosines, Plot::Effects}) {
            const QString png = tmp.filePath(QString("p%1.png").arg(static_cast<int>(p)));
            QVERIFY(view->exportPng(p, png));
            QVERIFY(QFile(png).size() > 1000);
        }
        // A look at the view, when asked for (RGPB_TEST_GRAB_DIR).
        const QString grab_dir = qEnvironmentVariable("RGPB_TEST_GRAB_DIR");
        if (!grab_dir.isEmpty()) {
            view->resize(1280, 800);
            view->grab().save(grab_dir + "/replay_view.png");
        }

        // A bad lr comes back as the core's message in the view.
        req.lrs = {-1};
        view->setRequest(req);
        view->replayButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(!view->running(), 60000);
        QVERIFY2(view->status().contains("lr"), qPrintable(view->status()));
    }
};

RGPB_TEST_MAIN(TestGradientLabSession)
}  // namespace rgpb_test_gradient_lab_session
#include "test_gradient_lab_session.moc"
