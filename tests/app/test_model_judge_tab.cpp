// The Judge tab's model judge against a real OpenAI-compatible server: `rgpb serve`'s Server
// (core/serve) serving a run, in-process on a free loopback port, judges a comparison set from
// the window's "Model judge…" dialog (a deliberately weak judge, a random micro model, but a
// real one): both orders of every item reach the server, the model's votes land in the tab's
// database under model:<name>, the summary says what happened, and a second start sends
// nothing (every prompt is in the cache). A dialog without an endpoint says what is missing.
#include "tests/support/MicroRun.h"

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>

#include "app/gui/MainWindow.h"
#include "store/JudgmentStore.h"
#include "tests/judging/JudgingFixtures.h"
#include "widgets/JudgingView.h"
#include "widgets/ModelJudgeDialog.h"
#ifdef RGPB_TEST_SERVE
#include "core/serve/Server.h"
#endif

namespace rgpb_test_model_judge_tab {

using namespace rgpb;

class TestModelJudgeTab : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aServedRunJudgesTheSetFromTheDialog() {
#ifndef RGPB_TEST_SERVE
        QSKIP("this build has no `rgpb serve` (cpp-httplib was not found)");
#else
        QStandardPaths::setTestModeEnabled(true);
        QTemporaryDir tmp;
        const QString runs = tmp.filePath("runs");
        QDir().mkpath(runs);
        ServerOptions options;
        options.model_path = test::makeMicroRun(tmp.filePath("judge").toStdString());
        options.max_tokens_limit = 64;
        Server server(options);
        server.start();
        test::writeComparisonSet(tmp.filePath("cmp"), test::plainItems(3));

        app::MainWindow w(runs, RGPB_SOURCE_DIR "/presets");
        widgets::JudgingView* view = w.judgingView();
        QVERIFY2(view->importComparison(tmp.filePath("cmp")), qPrintable(view->errorText()));
        w.openModelJudge();
        widgets::ModelJudgeDialog* dialog = w.modelJudgeDialog();
        QVERIFY(dialog);
        QCOMPARE(dialog->setName(), QString("cmp"));
        // Nothing filled in: Start says what is missing and sends nothing.
        dialog->endpoint()->clear();
        dialog->startButton()->click();
        QVERIFY(!dialog->running());
        QVERIFY2(dialog->summaryText().contains("base URL"), qPrintable(dialog->summaryText()));

        judging::ModelJudgeSettings s = dialog->settings();
        s.endpoint = server.url() + "/v1";
        s.model = server.modelName();
        s.api_key_env.clear();  // a local server without a key
        s.max_tokens = 16;
        s.concurrency = 2;
        s.retries = 0;
        dialog->setSettings(s);
        dialog->startButton()->click();
        QVERIFY(dialog->running());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->running(), 120000);
        const QString summary = dialog->summaryText();
        const QString judge = QString("model:%1").arg(QString::fromStdString(server.modelName()));
        QVERIFY2(summary.contains(judge) && summary.contains("3 votes on 3 items"),
                 qPrintable(summary));
        QCOMPARE(server.counters().completions, int64_t(6));  // 3 items x 2 orders
        QVERIFY2(dialog->progressText().startsWith("6 / 6 prompts"),
                 qPrintable(dialog->progressText()));
        int64_t model_votes = 0;
        for (const judging::StoredVote& v : view->store()->liveVotes(*view->currentSetId()))
            model_votes += v.judge == judge.toStdString() ? 1 : 0;
        QCOMPARE(model_votes, int64_t(3));

        // Again: every prompt is answered already, the server gets nothing new.
        dialog->startButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->running(), 60000);
        QCOMPARE(server.counters().completions, int64_t(6));
        QVERIFY2(dialog->summaryText().contains("6 judged before"),
                 qPrintable(dialog->summaryText()));
#endif
    }

    // An endpoint nothing answers: every prompt fails with its reason, the batch still ends and
    // says so, and nothing is voted. RGPB_JUDGE_DIALOG_SCREENSHOT=file.png saves the dialog.
    void anUnreachableEndpointIsReportedPerPrompt() {
        QStandardPaths::setTestModeEnabled(true);
        QTemporaryDir tmp;
        const QString runs = tmp.filePath("runs");
        QDir().mkpath(runs);
        test::writeComparisonSet(tmp.filePath("cmp"), test::plainItems(2));
        app::MainWindow w(runs, RGPB_SOURCE_DIR "/presets");
        QVERIFY(w.judgingView()->importComparison(tmp.filePath("cmp")));
        w.openModelJudge();
        widgets::ModelJudgeDialog* dialog = w.modelJudgeDialog();
        judging::ModelJudgeSettings s = dialog->settings();
        s.endpoint = "http://127.0.0.1:1/v1";  // port 1: refused on loopback
        s.model = "nobody";
        s.api_key_env.clear();
        s.retries = 0;
        s.timeout_s = 5;
        dialog->setSettings(s);
        dialog->startButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->running(), 60000);
        const QString summary = dialog->summaryText();
        QVERIFY2(summary.contains("0 votes on 2 items") && summary.contains("Failed: 4"),
                 qPrintable(summary));
        QVERIFY2(summary.contains("Start again to retry"), qPrintable(summary));
        const QString png = qEnvironmentVariable("RGPB_JUDGE_DIALOG_SCREENSHOT");
        if (!png.isEmpty()) {
            dialog->resize(720, dialog->sizeHint().height());
            QVERIFY(dialog->grab().save(png));
        }
    }
};

RGPB_TEST_MAIN(TestModelJudgeTab)
}  // namespace rgpb_test_model_judge_tab
#include "test_model_judge_tab.moc"
