// `rgpb judge-stats` end to end on a judgments database the test writes: the JSON output
// carries JudgeStats' numbers, the table and Table 1 layouts, --set, the exports, and clear
// errors (exit code 1) for a missing or foreign file, which is left untouched.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "store/JudgmentStore.h"
#include "tests/judging/JudgingFixtures.h"
#include "tests/support/CliRun.h"
#include "tests/support/SmallDisk.h"
#include "tests/support/TestMain.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_judge_cli {

using namespace rgpb::judging;

namespace {

using Result = rgpb::test::CliResult;

Result runCli(const QStringList& args) {
    return rgpb::test::runCli(args, 120000);
}

bool near(const QJsonValue& v, double x) {
    if (std::isnan(x))
        return v.isNull();
    return std::abs(v.toDouble() - x) < 1e-9 * std::max(1.0, std::abs(x));
}

}  // namespace

class TestJudgeCli : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString db_;
    JudgeStatsReport expected_;

private Q_SLOTS:
    void initTestCase() {
        rgpb::test::writeComparisonSet(tmp_.filePath("cmp"), rgpb::test::plainItems(12));
        rgpb::test::writeComparisonSet(tmp_.filePath("other"), rgpb::test::plainItems(4), "exmate",
                                       "dpo");
        db_ = tmp_.filePath("judgments.sqlite");
        JudgmentStore store(db_.toStdString());
        ImportOptions o;
        o.repeat_fraction = 0.25;
        const int64_t set =
            store.importSet(readComparisonSet(tmp_.filePath("cmp").toStdString()), o);
        store.importSet(readComparisonSet(tmp_.filePath("other").toStdString()));
        // ann: left on everything; bob: model_a on even items, tie on odd ones.
        for (const Presentation& p : store.presentations(set)) {
            store.recordVote(p.id, "ann", winnerOf(SideChoice::Left, p.model_a_left));
            store.recordVote(p.id, "bob", p.item_index % 2 ? Winner::Tie : Winner::ModelA);
        }
        expected_ = computeJudgeStats(store.statsVotes(set));
    }

    void jsonCarriesTheStatistics() {
        Result r = runCli({"judge-stats", db_, "--set", "cmp", "--format", "json"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j["bootstrap_resamples"].toInt(), 2000);
        const QJsonArray pairs = j["pairs"].toArray();
        QCOMPARE(pairs.size(), static_cast<int>(expected_.pairs.size()));
        QCOMPARE(pairs.size(), 3);  // ann, bob, all judges
        for (int i = 0; i < pairs.size(); ++i) {
            const QJsonObject o = pairs[i].toObject();
            const PairResult& e = expected_.pairs[static_cast<std::size_t>(i)];
            QCOMPARE(o["judge"].toString().toStdString(), e.judge);
            QCOMPARE(o["model_a"].toString(), QString("exmate-dpo"));
            QCOMPARE(o["votes"].toInt(), static_cast<int>(e.votes));
            QVERIFY(near(o["win_rate"], e.win_rate));
            QVERIFY(near(o["win_ci"].toArray()[0], e.win_ci.low));
            QVERIFY(near(o["win_ci"].toArray()[1], e.win_ci.high));
            QVERIFY(near(o["adjusted_win_rate"], e.adjusted_win_rate));
            QVERIFY(near(o["sign_test_p"], e.sign_test_p));
            QVERIFY(near(o["mean_length_a"], e.mean_length_a));
        }
        // bob: 6 wins and 6 ties of 12: win 0.5, adjusted 0.75, sign test 2 * 1/64.
        const QJsonObject bob = pairs[1].toObject();
        QVERIFY(near(bob["win_rate"], 0.5));
        QVERIFY(near(bob["adjusted_win_rate"], 0.75));
        QVERIFY(near(bob["sign_test_p"], 2.0 / 64));
        const QJsonArray kappa = j["cohen_kappa"].toArray();
        QCOMPARE(kappa.size(), 1);
        QVERIFY(near(kappa[0].toObject()["kappa"], expected_.cohen[0].kappa));
        QCOMPARE(kappa[0].toObject()["items"].toInt(), 12);
        // ann always picks the left side: 3 repeats, all inconsistent.
        const QJsonObject ann_pc = j["position_consistency"].toArray()[0].toObject();
        QCOMPARE(ann_pc["repeated"].toInt(), 3);
        QCOMPARE(ann_pc["consistent"].toInt(), 0);
        QVERIFY(near(ann_pc["left_win_rate"], 1.0));
        QVERIFY(j["fleiss_kappa"].isNull());
    }

    void tableAndTable1Layouts() {
        Result t = runCli({"judge-stats", db_, "--set", "cmp"});
        QVERIFY2(t.code == 0, qPrintable(t.err));
        QVERIFY(t.out.contains("exmate-dpo vs sft-dpo"));
        QVERIFY(t.out.contains("Cohen's kappa ann vs bob:"));
        QVERIFY(t.out.contains("ann: 0/3 = 0.000 consistent"));
        QVERIFY(t.out.contains("all judges"));
        Result t1 = runCli({"judge-stats", db_, "--set", "cmp", "--table1"});
        QVERIFY2(t1.code == 0, qPrintable(t1.err));
        const PairResult& ann = expected_.pairs[0];
        QVERIFY(t1.out.contains("Table 1 layout"));
        const QString row = QString("exmate-dpo vs sft-dpo").leftJustified(30) +
                            QString::number(ann.win_rate, 'f', 2).leftJustified(7) +
                            QString::number(ann.lose_rate, 'f', 2).leftJustified(7) +
                            QString("0.50").leftJustified(7) + QString("0.00");
        QVERIFY2(t1.out.contains(row), qPrintable(t1.out + "\nexpected row:\n" + row));
        // No --set: every set; the second set has no votes.
        Result all = runCli({"judge-stats", db_, "--format", "csv"});
        QVERIFY2(all.code == 0, qPrintable(all.err));
        QVERIFY(all.out.startsWith("model_a,model_b,judge,votes,wins,losses,"));
        QCOMPARE(all.out.trimmed().split('\n').size(), 4);  // header + 3 rows
    }

    void exportsThroughTheCli() {
        const QString csv = tmp_.filePath("votes.csv"), battles = tmp_.filePath("b.jsonl"),
                      alpaca = tmp_.filePath("a.json");
        Result r = runCli({"judge-stats", db_, "--export-csv", csv, "--export-fastchat", battles,
                           "--export-alpaca", alpaca, "--format", "csv"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.err.contains(csv + ": 30 votes (CSV)"));  // 15 showings x 2 judges
        QVERIFY(r.err.contains(battles + ": 30 battles"));
        QFile a(alpaca);
        QVERIFY(a.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(a.readAll()).array().size(), 30);
    }

    void importWithTheAutomaticJudge() {
        std::vector<rgpb::test::FixtureItem> items;
        for (int i = 0; i < 6; ++i) {
            rgpb::test::FixtureItem it;
            it.prompt = rgpb::test::syntheticPrompt(i);
            it.reference = rgpb::test::syntheticAnswerFor(i);
            it.response_0 = *it.reference;                                   // always right
            it.response_1 = i < 2 ? *it.reference : std::string(" Maybe?");  // right twice
            items.push_back(it);
        }
        rgpb::test::writeComparisonSet(tmp_.filePath("synthetic"), items);
        const QString db = tmp_.filePath("headless.sqlite");
        Result r = runCli({"judge-import", db, tmp_.filePath("synthetic"), "--repeat-fraction",
                           "0.5", "--seed", "3"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.out.trimmed(), "imported 'synthetic' into " + db +
                                      ": 6 items, 9 showings, exmate-dpo vs sft-dpo; automatic "
                                      "judge: 6 votes");
        Result s = runCli({"judge-stats", db, "--format", "json"});
        QVERIFY2(s.code == 0, qPrintable(s.err));
        const QJsonObject row =
            QJsonDocument::fromJson(s.out.toUtf8()).object()["pairs"].toArray()[0].toObject();
        QCOMPARE(row["judge"].toString(), QString("auto"));
        QCOMPARE(row["wins"].toInt(), 4);
        QCOMPARE(row["ties"].toInt(), 2);
        Result bad =
            runCli({"judge-import", db, tmp_.filePath("synthetic"), "--repeat-fraction", "2"});
        QCOMPARE(bad.code, 1);
        QVERIFY(bad.err.contains("--repeat-fraction must be in [0, 1]"));
    }

    // A database in a folder nobody may write (a read-only share): read, not refused as
    // "not an SQLite database" (issue #17).
    void aDatabaseInAReadOnlyFolderIsRead() {
        QTemporaryDir mount;
        rgpb::test::SmallDisk disk(mount.path().toStdString(), "4m");
        if (!disk.mounted())
            QSKIP(disk.skipMessage().c_str());
        const QString db = mount.filePath("judgments.sqlite");
        QVERIFY(QFile::copy(db_, db));
        QVERIFY(disk.makeReadOnly());
        Result r = runCli({"judge-stats", db, "--format", "json"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject row =
            QJsonDocument::fromJson(r.out.toUtf8()).object()["pairs"].toArray()[0].toObject();
        QVERIFY2(!row.isEmpty(), qPrintable(r.out));
        QVERIFY(!QFile::exists(db + "-shm"));
    }

    void errors() {
        Result missing = runCli({"judge-stats", tmp_.filePath("none.sqlite")});
        QCOMPARE(missing.code, 1);
        QCOMPARE(missing.err.trimmed(), "rgpb judge-stats: " + tmp_.filePath("none.sqlite") +
                                            ": does not exist (expected a judgments database)");
        QVERIFY(!QFile::exists(tmp_.filePath("none.sqlite")));
        const QString text = tmp_.filePath("cmp/items.jsonl");
        QFile f(text);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray before = f.readAll();
        f.close();
        Result foreign = runCli({"judge-stats", text});
        QCOMPARE(foreign.code, 1);
        QVERIFY2(foreign.err.contains(text + ": is not an SQLite database"),
                 qPrintable(foreign.err));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
        Result set = runCli({"judge-stats", db_, "--set", "nope"});
        QCOMPARE(set.code, 1);
        QVERIFY(set.err.contains("has no comparison set named 'nope' (sets: 'cmp', 'other')"));
        Result format = runCli({"judge-stats", db_, "--format", "xml"});
        QCOMPARE(format.code, 1);
        QVERIFY(format.err.contains("--format must be table, json or csv, got 'xml'"));
        // A resample count that would grow without bound is refused before any work.
        Result huge = runCli({"judge-stats", db_, "--resamples", "1e9"});
        QCOMPARE(huge.code, 1);
        QVERIFY2(huge.err.contains("--resamples must be between 1 and 100000, got 1000000000"),
                 qPrintable(huge.err));
    }
};

RGPB_TEST_MAIN(TestJudgeCli)
}  // namespace rgpb_test_judge_cli
#include "test_judge_cli.moc"
