// The Judge tab's ratings beside the win rates (widgets/JudgingResults through JudgingView):
// the "LC win" column (with equal response lengths the length-controlled win rate is the raw
// one, wins + ties / 2 over the votes), and, with "every set" ticked, Bradley-Terry ratings of
// three models judged pairwise in three sets (best first, centred on 1000 so the middle model
// of a symmetric design sits at 1000).
#include <QtTest>

#include <QCheckBox>
#include <QLabel>
#include <QTableWidget>
#include <QTemporaryDir>

#include "store/JudgmentStore.h"
#include "tests/judging/JudgingFixtures.h"
#include "tests/support/TestMain.h"
#include "widgets/JudgingResults.h"
#include "widgets/JudgingView.h"

namespace rgpb_test_judging_ratings {

using namespace rgpb;
using namespace rgpb::judging;

namespace {

// A set of `a` vs `b` with 4 items of equal lengths, judged by "ana": `a` wins 3, `b` wins 1.
void addJudgedSet(JudgmentStore& store, const QTemporaryDir& tmp, const QString& a,
                  const QString& b) {
    std::vector<test::FixtureItem> items = test::plainItems(4);
    for (auto& it : items)
        it.tokens_0 = it.tokens_1 = 5;
    const QString dir = tmp.filePath(a + "-" + b);
    test::writeComparisonSet(dir, items, a, b);
    ImportOptions o;
    o.auto_judge = false;
    const int64_t set = store.importSet(readComparisonSet(dir.toStdString()), o);
    int n = 0;
    for (const Presentation& p : store.presentations(set))
        store.recordVote(p.id, "ana", n++ < 3 ? Winner::ModelA : Winner::ModelB);
}

double cell(const QTableWidget* t, int row, int column) {
    return t->item(row, column)->data(Qt::UserRole).toDouble();
}

}  // namespace

class TestJudgingRatings : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void lengthControlledWinAndRatingsAcrossSets() {
        QTemporaryDir tmp;
        const QString db = tmp.filePath("j.sqlite");
        {
            JudgmentStore store(db.toStdString());
            addJudgedSet(store, tmp, "x", "y");
            addJudgedSet(store, tmp, "y", "z");
            addJudgedSet(store, tmp, "x", "z");
        }
        widgets::JudgingView view(db);
        QVERIFY2(view.selectSet("x-y"), qPrintable(view.errorText()));
        widgets::JudgingResults* results = view.results();
        const QTableWidget* t = results->table();
        QCOMPARE(t->rowCount(), 1);  // one judge: no pooled row
        QCOMPARE(t->item(0, widgets::JudgingResults::Judge)->text(), QString("ana"));
        QCOMPARE(cell(t, 0, widgets::JudgingResults::LcWin), 0.75);
        QCOMPARE(cell(t, 0, widgets::JudgingResults::AdjustedWin), 0.75);
        QVERIFY(results->ratingsLabel()->isHidden());  // one set: two models, no ratings
        results->setAllSets(true);
        const QString line = results->ratingsLabel()->text();
        QVERIFY2(!results->ratingsLabel()->isHidden(), qPrintable(line));
        QVERIFY2(line.contains("ana"), qPrintable(line));
        const int x = line.indexOf(" x "), y = line.indexOf(" y "), z = line.indexOf(" z ");
        QVERIFY2(x >= 0 && x < y && y < z, qPrintable(line));  // best first
        // y beats z as often as x beats y: it sits at the centre, 1000.
        QVERIFY2(line.contains(" y 1000 "), qPrintable(line));
        QCOMPARE(t->rowCount(), 3);  // three pairs
    }
};

RGPB_TEST_MAIN(TestJudgingRatings)
}  // namespace rgpb_test_judging_ratings
#include "test_judging_ratings.moc"
