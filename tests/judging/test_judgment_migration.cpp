// Schema version 2 over a version-1 judgments database written by the version-1 code (commit
// 6107f59; tests/data/judging/judgments-v1.sqlite: one set of 6 items with 3 swapped repeats,
// the automatic judge's vote, ann's and bob's votes and one undone vote). Read-only it stays
// version 1 and is not touched; opened for writing it is migrated in place and keeps every
// vote, undone ones included; model answers can then be recorded.
#include <QCryptographicHash>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include "store/JudgmentStore.h"
#include "tests/support/TestMain.h"

namespace rgpb_test_judgment_migration {

using namespace rgpb::judging;

namespace {

// The live votes the version-1 code left (presentation, judge, winner), as it printed them.
const std::vector<std::tuple<int64_t, std::string, Winner>> kLiveVotes = {
    {1, "auto", Winner::ModelA}, {1, "ann", Winner::ModelA}, {1, "bob", Winner::ModelA},
    {2, "ann", Winner::ModelB},  {2, "bob", Winner::Tie},    {3, "ann", Winner::ModelA},
    {3, "bob", Winner::Tie},     {4, "ann", Winner::ModelB}, {4, "bob", Winner::ModelA},
    {5, "ann", Winner::ModelA},  {6, "ann", Winner::ModelB}, {7, "ann", Winner::ModelB},
    {7, "bob", Winner::Tie},     {8, "ann", Winner::ModelB}, {9, "ann", Winner::ModelA},
};

QByteArray sha(const QString& path) {
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

void checkVotes(const JudgmentStore& store) {
    const int64_t set = store.set("cmp").id;
    const std::vector<StoredVote> live = store.liveVotes(set);
    QCOMPARE(live.size(), kLiveVotes.size());
    for (std::size_t i = 0; i < live.size(); ++i) {
        QCOMPARE(live[i].presentation_id, std::get<0>(kLiveVotes[i]));
        QCOMPARE(live[i].judge, std::get<1>(kLiveVotes[i]));
        QCOMPARE(live[i].winner, std::get<2>(kLiveVotes[i]));
    }
    QCOMPARE(store.presentations(set).size(), std::size_t(9));
}

int scalar(const QString& file, const QString& sql) {
    int value = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", "migration-probe");
        db.setDatabaseName(file);
        db.open();
        QSqlQuery q(db);
        if (q.exec(sql) && q.next())
            value = q.value(0).toInt();
        db.close();
    }
    QSqlDatabase::removeDatabase("migration-probe");
    return value;
}

}  // namespace

class TestJudgmentMigration : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString db_;

private Q_SLOTS:
    void init() {
        db_ = tmp_.filePath("v1.sqlite");
        QFile::remove(db_);
        QVERIFY(QFile::copy(RGPB_TEST_DATA_DIR "/judging/judgments-v1.sqlite", db_));
        QFile(db_).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }

    void readOnlyStaysVersionOne() {
        const QByteArray before = sha(db_);
        {
            JudgmentStore store(db_.toStdString(), JudgmentStore::Mode::ReadOnly);
            QCOMPARE(store.schemaVersion(), 1);
            checkVotes(store);
            QVERIFY(store.modelJudgeConsistency().empty());
            QVERIFY(store.modelAnswers(store.set("cmp").id, "model:x").empty());
        }
        QCOMPARE(sha(db_), before);
    }

    void writingMigratesAndKeepsEveryVote() {
        {
            JudgmentStore store(db_.toStdString());
            QCOMPARE(store.schemaVersion(), 2);
            checkVotes(store);
        }
        QCOMPARE(scalar(db_, "PRAGMA user_version"), 2);
        QCOMPARE(scalar(db_, "SELECT COUNT(*) FROM votes"), 16);  // 15 live + 1 undone
        QCOMPARE(scalar(db_, "SELECT COUNT(*) FROM votes WHERE undone = 1"), 1);
        QCOMPARE(scalar(db_, "SELECT COUNT(*) FROM model_answers"), 0);
        // Reopened: already version 2, nothing to do; model answers and their vote work.
        JudgmentStore store(db_.toStdString());
        QCOMPARE(store.schemaVersion(), 2);
        checkVotes(store);
        const int64_t set = store.set("cmp").id;
        ModelAnswer a;
        a.set_id = set;
        a.item_index = 1;
        a.judge = "model:m";
        a.template_text = "t";
        a.endpoint = "http://127.0.0.1:9/v1";
        a.user_prompt = "u1";
        a.raw_answer = "Preferred: Response 2";
        a.verdict = "response_2";
        a.model_a_first = true;
        QVERIFY(!store.recordModelAnswer(a));  // one order: no vote yet
        a.model_a_first = false;
        a.user_prompt = "u2";
        a.raw_answer = "[[A]]";
        a.verdict = "response_1";
        const auto vote = store.recordModelAnswer(a);  // model_b in both orders
        QVERIFY(vote);
        QCOMPARE(*vote, Winner::ModelB);
        QCOMPARE(store.liveVotes(set).size(), kLiveVotes.size() + 1);
        QVERIFY(store.cachedModelAnswer("model:m", "t", "", "u2"));
        QVERIFY(!store.cachedModelAnswer("model:m", "t", "", "u2 "));  // exact text only
        QVERIFY(!store.cachedModelAnswer("model:other", "t", "", "u2"));
    }
};

RGPB_TEST_MAIN(TestJudgmentMigration)
}  // namespace rgpb_test_judgment_migration
#include "test_judgment_migration.moc"
