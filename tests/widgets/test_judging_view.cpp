// The judging view, offscreen: blinding (no model name on screen before the vote), the sides
// shown match the sides stored in the database, keyboard-only judging of 20 items, undo,
// progress, and the results table holding exactly JudgeStats' numbers for the stored votes.
#include <QApplication>
#include <QCheckBox>
#include <QFileDialog>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <cmath>

#include "tests/judging/JudgingFixtures.h"
#include "tests/support/TestMain.h"
#include "widgets/JudgingResults.h"
#include "widgets/JudgingView.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_judging_view {

using namespace rgpb::judging;
using rgpb::widgets::JudgingResults;
using rgpb::widgets::JudgingView;

namespace {

// Every text the view shows: labels, group titles, buttons, text views, table cells.
QStringList visibleTexts(const QWidget& w) {
    QStringList out;
    for (auto* l : w.findChildren<QLabel*>())
        out << l->text() << l->toolTip();
    for (auto* g : w.findChildren<QGroupBox*>())
        out << g->title();
    for (auto* b : w.findChildren<QPushButton*>())
        out << b->text();
    for (auto* t : w.findChildren<QPlainTextEdit*>())
        out << t->toPlainText();
    for (auto* t : w.findChildren<QTableWidget*>())
        for (int r = 0; r < t->rowCount(); ++r)
            for (int c = 0; c < t->columnCount(); ++c)
                if (t->item(r, c))
                    out << t->item(r, c)->text();
    return out;
}

QString text(const JudgingView& v, const char* name) {
    if (auto* t = v.findChild<QPlainTextEdit*>(name))
        return t->toPlainText();
    if (auto* l = v.findChild<QLabel*>(name))
        return l->text();
    return {};
}

}  // namespace

class TestJudgingView : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("rgpb-tests");
        QCoreApplication::setApplicationName("test_judging_view");
        rgpb::test::writeComparisonSet(tmp_.filePath("demo-compare"), rgpb::test::plainItems(20));
    }

    void keyboardOnlyJudgingWithBlindingAndSides() {
        JudgingView view(tmp_.filePath("judgments.sqlite"));
        view.resize(1100, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowActive(&view));
        QVERIFY(!QFile::exists(tmp_.filePath("judgments.sqlite")));  // created on import
        view.setRepeatPercent(0);
        QVERIFY2(view.importComparison(tmp_.filePath("demo-compare")),
                 qPrintable(view.errorText()));
        QVERIFY(QFile::exists(tmp_.filePath("judgments.sqlite")));

        // The judge name typed with the keyboard, Enter to start (and remembered).
        auto* judge = view.findChild<QLineEdit*>("judge");
        judge->clear();
        judge->setFocus();
        QTest::keyClicks(judge, "kim");
        QTest::keyClick(judge, Qt::Key_Return);
        QCOMPARE(view.judge(), QString("kim"));
        QCOMPARE(QSettings().value("judging/judge").toString(), QString("kim"));
        QVERIFY(view.hasFocus());
        QCOMPARE(text(view, "progressText"), QString("0 / 20"));

        const int64_t set = *view.currentSetId();
        JudgmentStore& store = *view.store();
        const Qt::Key keys[] = {Qt::Key_1, Qt::Key_2,    Qt::Key_3,
                                Qt::Key_4, Qt::Key_Left, Qt::Key_Right};
        const SideChoice choices[] = {SideChoice::Left,    SideChoice::Right, SideChoice::Tie,
                                      SideChoice::BothBad, SideChoice::Left,  SideChoice::Right};
        std::vector<Winner> expected;
        for (int k = 0; k < 20; ++k) {
            QVERIFY(view.current());
            const Presentation shown = *view.current();
            // Blinding: before the vote no model name is anywhere on screen, except in the
            // results table, which names the pair (not the sides) once votes exist.
            QStringList texts = visibleTexts(view);
            if (k == 0) {
                QVERIFY(!texts.join('\n').contains("exmate-dpo"));
                QVERIFY(!texts.join('\n').contains("sft-dpo"));
            }
            QCOMPARE(view.findChild<QGroupBox*>("boxA")->title(), QString("A"));
            QCOMPARE(view.findChild<QGroupBox*>("boxB")->title(), QString("B"));
            QVERIFY(!text(view, "reveal").contains(QString("Item %1:").arg(shown.item_index)));
            // What is on screen matches the side stored in the database: model 0 wrote
            // "zero i", model 1 "one i".
            const Presentation stored = store.presentation(shown.id);
            const QString left = text(view, "responseA"), right = text(view, "responseB");
            QCOMPARE(
                left,
                QString("%1 %2").arg(stored.model_a_left ? "zero" : "one").arg(stored.item_index));
            QCOMPARE(
                right,
                QString("%1 %2").arg(stored.model_a_left ? "one" : "zero").arg(stored.item_index));
            QCOMPARE(text(view, "prompt"), QString("prompt %1").arg(stored.item_index));

            QTest::keyClick(&view, keys[k % 6]);
            expected.push_back(winnerOf(choices[k % 6], stored.model_a_left));
            // After the vote the names are revealed in the history line.
            QVERIFY(text(view, "reveal").startsWith(QString("Item %1:").arg(stored.item_index)));
            QVERIFY(text(view, "reveal")
                        .contains(QString("A was %1, B was %2")
                                      .arg(stored.model_a_left ? "exmate-dpo" : "sft-dpo",
                                           stored.model_a_left ? "sft-dpo" : "exmate-dpo")));
            QCOMPARE(text(view, "progressText"), QString("%1 / 20").arg(k + 1));
            QCOMPARE(view.findChild<QProgressBar*>("progress")->value(), k + 1);
        }
        QVERIFY(!view.current());
        QVERIFY(text(view, "prompt").startsWith("All 20 showings judged"));
        const auto votes = store.liveVotes(set);
        QCOMPARE(votes.size(), std::size_t(20));
        for (std::size_t i = 0; i < votes.size(); ++i) {
            QCOMPARE(votes[i].judge, std::string("kim"));
            QCOMPARE(votes[i].winner, expected[i]);
        }
        // Both sides occurred (seeded draw over 20 items).
        int left_a = 0;
        for (const Presentation& p : store.presentations(set))
            left_a += p.model_a_left ? 1 : 0;
        QVERIFY(left_a > 0 && left_a < 20);

        // Undo with the keyboard: the last vote leaves the database, its item comes back.
        const int64_t last_show = votes.back().presentation_id;
        QTest::keyClick(&view, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(store.liveVotes(set).size(), std::size_t(19));
        QVERIFY(view.current());
        QCOMPARE(view.current()->id, last_show);
        QCOMPARE(text(view, "progressText"), QString("19 / 20"));
        QTest::keyClick(&view, Qt::Key_Backspace);
        QCOMPARE(store.liveVotes(set).size(), std::size_t(18));
        QCOMPARE(text(view, "progressText"), QString("18 / 20"));
        QTest::keyClick(&view, Qt::Key_S);  // skip
        QTest::keyClick(&view, Qt::Key_5);  // skip
        QCOMPARE(store.liveVotes(set).size(), std::size_t(20));
        QCOMPARE(store.liveVotes(set).back().winner, Winner::Skip);

        // The results table holds JudgeStats' numbers for the stored votes.
        const JudgeStatsReport r = computeJudgeStats(store.statsVotes(set));
        QTableWidget* table = view.results()->table();
        QCOMPARE(table->rowCount(), static_cast<int>(r.pairs.size()));
        QCOMPARE(table->rowCount(), 1);
        const PairResult& p = r.pairs[0];
        auto cell = [&](int column) {
            return table->item(0, column)->data(Qt::UserRole).toDouble();
        };
        QCOMPARE(table->item(0, JudgingResults::Judge)->text(), QString("kim"));
        QCOMPARE(cell(JudgingResults::Votes), static_cast<double>(p.votes));
        QCOMPARE(cell(JudgingResults::Win), p.win_rate);
        QCOMPARE(cell(JudgingResults::Lose), p.lose_rate);
        QCOMPARE(cell(JudgingResults::Tie), p.tie_rate);
        QCOMPARE(cell(JudgingResults::BothBad), p.both_bad_rate);
        QCOMPARE(cell(JudgingResults::AdjustedWin), p.adjusted_win_rate);
        QCOMPARE(cell(JudgingResults::SignP), p.sign_test_p);
        QCOMPARE(cell(JudgingResults::LengthA), p.mean_length_a);
        QCOMPARE(table->item(0, JudgingResults::Win)->text(), QString("%1 [%2, %3]")
                                                                  .arg(p.win_rate, 0, 'f', 3)
                                                                  .arg(p.win_ci.low, 0, 'f', 3)
                                                                  .arg(p.win_ci.high, 0, 'f', 3));
        // 18 judged + 2 skips: 18 votes; the 18 follow keys 1,2,3,4,L,R,...: tie 3, both bad 3.
        QCOMPARE(p.votes, std::size_t(18));
        QCOMPARE(p.ties, std::size_t(3));
        QCOMPARE(p.both_bad, std::size_t(3));
        // Table 1 layout: win and lose per judge.
        view.results()->setTable1Layout(true);
        QCOMPARE(table->columnCount(), 3);
        QCOMPARE(table->item(0, 1)->data(Qt::UserRole).toDouble(), p.win_rate);
        QCOMPARE(table->item(0, 2)->data(Qt::UserRole).toDouble(), p.lose_rate);
        view.results()->setTable1Layout(false);
    }

    void kappaAgainstAutomaticJudge() {
        // Synthetic items with references: the automatic judge votes at import; a person
        // agreeing on every item gives kappa 1 in the kappa line.
        std::vector<rgpb::test::FixtureItem> items;
        for (int i = 0; i < 8; ++i) {
            rgpb::test::FixtureItem it;
            it.prompt = rgpb::test::syntheticPrompt(i);
            it.reference = rgpb::test::syntheticAnswerFor(i);
            it.response_0 = i % 2 ? *it.reference : std::string(" I think teal.");
            it.response_1 = i % 2 ? std::string(" I think teal.") : *it.reference;
            items.push_back(it);
        }
        rgpb::test::writeComparisonSet(tmp_.filePath("synthetic"), items);
        JudgingView view(tmp_.filePath("kappa.sqlite"));
        view.setRepeatPercent(25);
        QVERIFY2(view.importComparison(tmp_.filePath("synthetic")), qPrintable(view.errorText()));
        view.setJudge("ann");
        QCOMPARE(text(view, "progressText"), QString("0 / 10"));  // 8 + 2 repeats
        while (view.current()) {
            const Presentation p = *view.current();
            // The correct response is the one equal to the reference.
            const bool left_correct = p.left_response == *p.reference;
            view.vote(left_correct ? SideChoice::Left : SideChoice::Right);
        }
        const QString kappa = view.results()->agreementLabel()->text();
        QVERIFY2(kappa.contains("Cohen's kappa auto vs ann: 1.000 (8 items)"), qPrintable(kappa));
        QVERIFY2(kappa.contains("position consistency ann: 2/2"), qPrintable(kappa));
    }

    // Issue #18: a kappa over too few items read as a number; the pooled row's n looked like
    // items.
    void kappaWithTooFewItemsIsNotApplicableAndPooledRowsCountVotes() {
        JudgeStatsReport r;
        PairResult ann;
        ann.model_a = "a";
        ann.model_b = "b";
        ann.judge = "ann";
        ann.items = ann.votes = 3;
        PairResult pooled = ann;
        pooled.judge = JudgeStatsOptions{}.pooled_judge;
        pooled.items = 3;
        pooled.votes = 6;
        r.pairs = {ann, pooled};
        CohenResult few{"ann", "bob", 3, 1.0, 0.5, 1.0};  // kappa 1 from 3 items
        CohenResult undefined{"ann", "cat", 9, 1.0, 1.0, std::nan("")};
        CohenResult enough{"bob", "cat", 9, 0.9, 0.5, 0.8};
        r.cohen = {few, undefined, enough};
        FleissResult fleiss;
        fleiss.judges = {"ann", "bob", "cat"};
        fleiss.items = 2;
        fleiss.kappa = 0.7;
        r.fleiss = fleiss;
        JudgingResults results;
        results.setReport(r);
        const QString line = results.agreementLabel()->text();
        QVERIFY2(line.contains("Cohen's kappa ann vs bob: n/a (3 items)"), qPrintable(line));
        QVERIFY2(line.contains("Cohen's kappa ann vs cat: n/a (9 items)"), qPrintable(line));
        QVERIFY2(line.contains("Cohen's kappa bob vs cat: 0.800 (9 items)"), qPrintable(line));
        QVERIFY2(line.contains("Fleiss' kappa (3 judges): n/a (2 items)"), qPrintable(line));
        QVERIFY2(!line.contains("1.000") && !line.contains("0.700"), qPrintable(line));
        // The reasons are in the tooltip.
        const QString why = results.agreementLabel()->toolTip();
        QVERIFY2(why.contains("Cohen's kappa ann vs bob: n/a, 3 common item(s); a kappa needs at "
                              "least 5"),
                 qPrintable(why));
        QVERIFY2(why.contains("ann vs cat: n/a, undefined"), qPrintable(why));
        QVERIFY2(why.contains("Fleiss' kappa (3 judges): n/a, 2 common"), qPrintable(why));
        QVERIFY2(!why.contains("bob vs cat"), qPrintable(why));
        // The pooled row says it counts votes; a judge's row counts its items as before.
        QTableWidget* t = results.table();
        QCOMPARE(t->item(0, JudgingResults::Judge)->text(), QString("ann"));
        QCOMPARE(t->item(0, JudgingResults::Votes)->text(), QString("3"));
        QCOMPARE(t->item(1, JudgingResults::Judge)->text(), QString("all judges (pooled votes)"));
        QCOMPARE(t->item(1, JudgingResults::Votes)->text(), QString("6 votes"));
        QCOMPARE(t->item(1, JudgingResults::Votes)->data(Qt::UserRole).toDouble(), 6.0);
        QVERIFY2(t->item(1, JudgingResults::Votes)->toolTip().contains("counts votes"),
                 qPrintable(t->item(1, JudgingResults::Votes)->toolTip()));
        QVERIFY(t->item(1, JudgingResults::Votes)->toolTip().contains("over 3 items"));
    }

    // Issue #18: "Open database..." was a save dialog (it offered to create a file).
    void openDatabaseIsAnOpenDialog() {
        JudgingView view(tmp_.filePath("open.sqlite"));
        auto dialogOf = [&](const char* button) {
            QFileDialog::AcceptMode mode = QFileDialog::AcceptSave;
            QFileDialog::FileMode files = QFileDialog::AnyFile;
            bool seen = false;
            auto* poll = new QTimer(&view);
            connect(poll, &QTimer::timeout, &view, [&] {
                if (auto* d = qobject_cast<QFileDialog*>(QApplication::activeModalWidget())) {
                    seen = true;
                    mode = d->acceptMode();
                    files = d->fileMode();
                    d->reject();
                }
            });
            poll->start(20);
            view.findChild<QPushButton*>(button)->click();
            delete poll;
            return std::make_tuple(seen, mode, files);
        };
        const auto [opened, open_mode, open_files] = dialogOf("openDatabase");
        QVERIFY(opened);
        QCOMPARE(open_mode, QFileDialog::AcceptOpen);
        QCOMPARE(open_files, QFileDialog::ExistingFile);
        // Creating one is its own button, with a save dialog.
        const auto [created, new_mode, new_files] = dialogOf("newDatabase");
        QVERIFY(created);
        QCOMPARE(new_mode, QFileDialog::AcceptSave);
        Q_UNUSED(new_files);
    }

    // docs/judging.png: RGPB_JUDGING_SCREENSHOT=path saves the view mid-session.
    void screenshot() {
        const QString png = qEnvironmentVariable("RGPB_JUDGING_SCREENSHOT");
        if (png.isEmpty())
            QSKIP("set RGPB_JUDGING_SCREENSHOT=file.png to save a screenshot");
        std::vector<rgpb::test::FixtureItem> items;
        const char* wrong[] = {" I think teal.", " Maybe red?", " Jo has navy.", " Probably gold."};
        for (int i = 0; i < 40; ++i) {
            rgpb::test::FixtureItem it;
            it.prompt = rgpb::test::syntheticPrompt(i);
            it.reference = rgpb::test::syntheticAnswerFor(i);
            it.response_0 = i % 3 ? *it.reference : std::string(wrong[i % 4]);
            it.response_1 = i % 4 ? std::string(wrong[(i + 1) % 4]) : *it.reference;
            it.tokens_0 = static_cast<int>(it.response_0.size());
            it.tokens_1 = static_cast<int>(it.response_1.size());
            items.push_back(it);
        }
        rgpb::test::writeComparisonSet(tmp_.filePath("exmate_dpo-vs-sft_dpo"), items,
                                       "micro_exmate_dpo", "micro_mle_dpo");
        JudgingView view(tmp_.filePath("shot.sqlite"));
        view.resize(1200, 860);
        view.show();
        QVERIFY(view.importComparison(tmp_.filePath("exmate_dpo-vs-sft_dpo")));
        view.setJudge("ann");
        for (int k = 0; k < 12; ++k) {
            const Presentation p = *view.current();
            const bool left_correct = p.left_response == *p.reference;
            view.vote(k == 5 ? SideChoice::Tie
                             : (left_correct ? SideChoice::Left : SideChoice::Right));
        }
        QVERIFY(view.grab().save(png));
    }

    void errorsAreShownAndFilesKept() {
        JudgingView view(tmp_.filePath("errors.sqlite"));
        QVERIFY(!view.importComparison(tmp_.filePath("no-such-dir")));
        QVERIFY(view.errorText().contains("no-such-dir: is not a directory"));
        const QString foreign = tmp_.filePath("notes.txt");
        {
            QFile f(foreign);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("not a database");
        }
        QVERIFY(!view.openDatabase(foreign));
        QVERIFY(view.errorText().contains("is not an SQLite database"));
        QFile f(foreign);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("not a database"));
    }
};

RGPB_TEST_MAIN(TestJudgingView)
}  // namespace rgpb_test_judging_view
#include "test_judging_view.moc"
