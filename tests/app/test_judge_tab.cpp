// The workbench's Judge tab: the main window shows the judging view in a tab beside the
// training view, on <runs dir>/judgments.sqlite, and a set imported there is judged and stored.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTabWidget>
#include <QTemporaryDir>

#include "app/gui/MainWindow.h"
#include "tests/judging/JudgingFixtures.h"
#include "widgets/JudgingView.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_judge_tab {

using namespace rgpb;

class TestJudgeTab : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void judgeTabUsesTheRunsFolder() {
        QStandardPaths::setTestModeEnabled(true);
        QTemporaryDir tmp;
        const QString runs = tmp.filePath("runs");
        QDir().mkpath(runs);
        rgpb::test::writeComparisonSet(tmp.filePath("cmp"), rgpb::test::plainItems(3));
        app::MainWindow w(runs, RGPB_SOURCE_DIR "/presets");
        auto* tabs = qobject_cast<QTabWidget*>(w.centralWidget());
        QVERIFY(tabs);
        QCOMPARE(tabs->count(), 5);
        QCOMPARE(tabs->tabText(0), QString("Train"));
        QCOMPARE(tabs->tabText(1), QString("Gradient lab"));
        QCOMPARE(tabs->tabText(2), QString("Judge"));
        QCOMPARE(tabs->tabText(3), QString("Chat"));
        QCOMPARE(tabs->tabText(4), QString("Study"));
        auto* view = qobject_cast<widgets::JudgingView*>(tabs->widget(2));
        QVERIFY(view);
        QCOMPARE(view->databasePath(), QDir(runs).filePath("judgments.sqlite"));
        QVERIFY(!QFile::exists(view->databasePath()));  // nothing written before an import
        QVERIFY2(view->importComparison(tmp.filePath("cmp")), qPrintable(view->errorText()));
        view->setJudge("tab-test");
        view->vote(judging::SideChoice::Tie);
        QCOMPARE(view->store()->liveVotes(*view->currentSetId()).size(), std::size_t(1));
        QVERIFY(QFile::exists(QDir(runs).filePath("judgments.sqlite")));
    }
};

RGPB_TEST_MAIN(TestJudgeTab)
}  // namespace rgpb_test_judge_tab
#include "test_judge_tab.moc"
