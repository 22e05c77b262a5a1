// The judgments store: importing comparison sets (seeded sides, swapped repeats, the automatic
// judge), votes and undo, refusing files that are not ours without touching them, the
// exports, and a vote surviving a process killed right after recording it.
#include <sys/types.h>
#include <unistd.h>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <map>
#include <set>
#include <string>
#include "tests/support/TestMain.h"

#include "core/util/Error.h"
#include "store/JudgmentStore.h"
#include "tests/judging/JudgingFixtures.h"
#include "tests/support/ErrorText.h"
#include "tests/support/SmallDisk.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_judgment_store {

using namespace rgpb::judging;
using rgpb::test::FixtureItem;

namespace {

QByteArray bytesOf(const QString& path) {
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return f.readAll();
}

void rawSql(const QString& path, const QStringList& statements) {
    {
        QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", "raw");
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        for (const QString& s : statements)
            QVERIFY2(q.exec(s), qPrintable(s));
        db.close();
    }
    QSqlDatabase::removeDatabase("raw");
}

}  // namespace

class TestJudgmentStore : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString dir(const QString& name) const { return tmp_.filePath(name); }

private Q_SLOTS:
    void readsComparisonSetAndNamesErrors() {
        rgpb::test::writeComparisonSet(dir("set1"), rgpb::test::plainItems(3));
        ComparisonSet s = readComparisonSet(dir("set1").toStdString());
        QCOMPARE(s.items.size(), std::size_t(3));
        QCOMPARE(s.models[0].name, std::string("exmate-dpo"));
        QCOMPARE(s.models[1].checkpoint, std::string("final"));
        QCOMPARE(s.items[2].responses[1], std::string("one 2"));
        QCOMPARE(s.items[2].new_tokens[0], int64_t(3));
        QVERIFY(!s.items[0].reference);
        QVERIFY(s.generation_json.find("max_new_tokens") != std::string::npos);

        // A broken line names the file and line.
        QFile f(dir("set1") + "/items.jsonl");
        QVERIFY(f.open(QIODevice::Append));
        f.write("{\"index\": 3, \"prompt\": \"p\", \"responses\": [\"only one\"]}\n");
        f.close();
        const std::string items = dir("set1").toStdString() + "/items.jsonl";
        QCOMPARE(rgpb::test::messageOf<rgpb::InputError>(
                     [&] { readComparisonSet(dir("set1").toStdString()); }),
                 items + ":4 (responses): expected an array of 2 strings");
        QCOMPARE(rgpb::test::messageOf<rgpb::InputError>(
                     [&] { readComparisonSet(dir("nothing").toStdString()); }),
                 dir("nothing").toStdString() +
                     ": is not a directory (expected a comparison set folder with "
                     "comparison.json and items.jsonl)");
    }

    // Found by fuzz_comparison_set (tests/fuzz/corpus/comparison_set/regression_number_overflow):
    // a number beyond a double made nlohmann throw out_of_range.406 past the parse_error
    // handlers. Both files name themselves (and the line) instead.
    void aNumberBeyondADoubleIsInvalidJson() {
        rgpb::test::writeComparisonSet(dir("big"), rgpb::test::plainItems(2));
        const std::string set = dir("big").toStdString();
        QFile items(dir("big") + "/items.jsonl");
        QVERIFY(items.open(QIODevice::Append));
        items.write("{\"index\": 1e400}\n");
        items.close();
        std::string m = rgpb::test::messageOf<rgpb::InputError>([&] { readComparisonSet(set); });
        QVERIFY2(rgpb::test::contains(m, set + "/items.jsonl:3: is not valid JSON") &&
                     rgpb::test::contains(m, "number overflow"),
                 m.c_str());
        QFile meta(dir("big") + "/comparison.json");
        QVERIFY(meta.open(QIODevice::WriteOnly | QIODevice::Truncate));
        meta.write("{\"version\": 91651e2222}");
        meta.close();
        m = rgpb::test::messageOf<rgpb::InputError>([&] { readComparisonSet(set); });
        QVERIFY2(rgpb::test::contains(m, set + "/comparison.json: is not valid JSON") &&
                     rgpb::test::contains(m, "number overflow"),
                 m.c_str());
    }

    void importStoresSidesAndRepeats() {
        rgpb::test::writeComparisonSet(dir("set2"), rgpb::test::plainItems(20));
        const ComparisonSet cs = readComparisonSet(dir("set2").toStdString());
        JudgmentStore store(dir("a.sqlite").toStdString());
        ImportOptions o;
        o.seed = 5;
        o.repeat_fraction = 0.25;
        const int64_t id = store.importSet(cs, o);
        const SetInfo info = store.set("set2");
        QCOMPARE(info.id, id);
        QCOMPARE(info.items, int64_t(20));
        QCOMPARE(info.presentations, int64_t(25));  // 20 + round(0.25 * 20)
        QCOMPARE(info.models[0], std::string("exmate-dpo"));

        const auto shows = store.presentations(id);
        QCOMPARE(shows.size(), std::size_t(25));
        int left_a = 0;
        std::map<int64_t, bool> first_side;
        for (const Presentation& p : shows) {
            const ComparisonItem& item = cs.items[static_cast<std::size_t>(p.item_index)];
            // What is shown left/right is the stored side applied to the item's responses.
            QCOMPARE(p.left_response, item.responses[p.model_a_left ? 0 : 1]);
            QCOMPARE(p.right_response, item.responses[p.model_a_left ? 1 : 0]);
            QCOMPARE(p.left_model, std::string(p.model_a_left ? "exmate-dpo" : "sft-dpo"));
            if (!p.swapped_repeat) {
                QCOMPARE(p.position, p.item_index);  // first showings in file order
                first_side[p.item_index] = p.model_a_left;
                left_a += p.model_a_left ? 1 : 0;
            } else {
                QVERIFY(p.position >= 20);  // repeats after every first showing
                QCOMPARE(p.model_a_left, !first_side.at(p.item_index));  // sides swapped
            }
        }
        QVERIFY2(left_a > 3 && left_a < 17, qPrintable(QString::number(left_a)));
        // Same seed: same sides; another seed: a different pattern; default name made unique.
        const int64_t again = store.importSet(cs, o);
        QCOMPARE(store.sets()[1].name, std::string("set2 (2)"));
        o.seed = 6;
        const int64_t other = store.importSet(cs, o);
        std::vector<bool> s1, s2, s3;
        for (const Presentation& p : store.presentations(id))
            s1.push_back(p.model_a_left);
        for (const Presentation& p : store.presentations(again))
            s2.push_back(p.model_a_left);
        for (const Presentation& p : store.presentations(other))
            s3.push_back(p.model_a_left);
        QVERIFY(s1 == s2);
        QVERIFY(s1 != s3);
        QCOMPARE(rgpb::test::messageOf<rgpb::InputError>([&] { store.set("nope"); }),
                 dir("a.sqlite").toStdString() +
                     ": has no comparison set named 'nope' (sets: 'set2', 'set2 (2)', 'set2 (3)')");
    }

    void automaticJudgeFromReference() {
        // The verdict table: correct beats incorrect, both correct tie, both wrong both bad.
        const std::string p = rgpb::test::syntheticPrompt(1);  // asks Cy: " Cy has pink."
        const std::string ref = rgpb::test::syntheticAnswerFor(1);
        QCOMPARE(ref, std::string(" Cy has pink."));
        QCOMPARE(autoJudge(p, ref, " cy has pink", " Cy has blue."), Winner::ModelA);
        QCOMPARE(autoJudge(p, ref, " Bo has blue.", " Cy  has pink!\nUser: more"), Winner::ModelB);
        QCOMPARE(autoJudge(p, ref, " Cy has pink.", " Cy has pink."), Winner::Tie);
        QCOMPARE(autoJudge(p, ref, " I think red.", " Maybe?"), Winner::BothBad);
        QCOMPARE(autoJudge(p, "", " Cy has pink.", "no"), Winner::ModelA);  // from the prompt

        std::vector<FixtureItem> items;
        const char* verdicts[] = {"a", "b", "tie", "bad", "none"};
        for (int i = 0; i < 5; ++i) {
            FixtureItem it;
            it.prompt = rgpb::test::syntheticPrompt(i);
            const std::string right = rgpb::test::syntheticAnswerFor(i);
            const std::string wrong = " I think teal.";
            const std::string v = verdicts[i];
            it.response_0 = (v == "a" || v == "tie") ? right : wrong;
            it.response_1 = (v == "b" || v == "tie") ? right : wrong;
            if (v != "none")
                it.reference = right;
            items.push_back(it);
        }
        rgpb::test::writeComparisonSet(dir("synthetic"), items);
        JudgmentStore store(dir("auto.sqlite").toStdString());
        const int64_t id = store.importSet(readComparisonSet(dir("synthetic").toStdString()));
        std::map<int64_t, Winner> got;
        for (const Vote& v : store.statsVotes(id)) {
            QCOMPARE(v.judge, std::string("auto"));
            QVERIFY(!v.swapped_repeat);
            got[std::stoll(v.item.substr(v.item.rfind(':') + 1))] = v.winner;
        }
        QCOMPARE(got.size(), std::size_t(4));  // no reference, no automatic vote
        QCOMPARE(got[0], Winner::ModelA);
        QCOMPARE(got[1], Winner::ModelB);
        QCOMPARE(got[2], Winner::Tie);
        QCOMPARE(got[3], Winner::BothBad);
        // The automatic judge has judged 4 of 5 showings: the person still sees all 5.
        QCOMPARE(store.judgedCount(id, "auto"), int64_t(4));
        QCOMPARE(store.nextFor(id, "ann")->position, int64_t(0));
    }

    void votesUndoAndStatistics() {
        rgpb::test::writeComparisonSet(dir("set3"), rgpb::test::plainItems(6));
        JudgmentStore store(dir("b.sqlite").toStdString());
        const int64_t id = store.importSet(readComparisonSet(dir("set3").toStdString()));
        // ann presses Left on every showing: the model shown left wins.
        int64_t wins_a = 0;
        for (int k = 0; k < 6; ++k) {
            auto p = store.nextFor(id, "ann");
            QVERIFY(p);
            QCOMPARE(p->position, int64_t(k));
            store.recordVote(p->id, "ann", winnerOf(SideChoice::Left, p->model_a_left));
            wins_a += p->model_a_left ? 1 : 0;
            QCOMPARE(store.judgedCount(id, "ann"), int64_t(k + 1));
        }
        QVERIFY(!store.nextFor(id, "ann"));
        // Undo removes the latest vote from the live votes and puts its showing back in line.
        auto undone = store.undoLastVote(id, "ann");
        QVERIFY(undone);
        QCOMPARE(store.judgedCount(id, "ann"), int64_t(5));
        QCOMPARE(store.nextFor(id, "ann")->position, int64_t(5));
        QCOMPARE(store.liveVotes(id).size(), std::size_t(5));
        const Presentation last = store.presentation(undone->presentation_id);
        store.recordVote(last.id, "ann", Winner::Tie);
        // Voting again on a showing replaces the earlier vote.
        store.recordVote(last.id, "ann", winnerOf(SideChoice::Left, last.model_a_left));
        QCOMPARE(store.liveVotes(id).size(), std::size_t(6));
        QVERIFY(!store.undoLastVote(id, "bob"));
        QCOMPARE(rgpb::test::messageOf<rgpb::ArgumentError>(
                     [&] { store.recordVote(last.id, "auto", Winner::Tie); }),
                 std::string("recordVote: argument 'judge' must be a non-empty judge name other "
                             "than 'auto' (the automatic judge's), got 'auto'"));

        const std::vector<Vote> votes = store.statsVotes(id);
        QCOMPARE(votes.size(), std::size_t(6));
        const JudgeStatsReport r = computeJudgeStats(votes);
        QCOMPARE(r.pairs.size(), std::size_t(1));
        QCOMPARE(static_cast<int64_t>(r.pairs[0].wins), wins_a);
        QCOMPARE(static_cast<int64_t>(r.pairs[0].losses), 6 - wins_a);
        // Lengths are the stored new-token counts: (1 + 2 + 3 + 1 + 2 + 3) / 6 = 2.
        QCOMPARE(r.pairs[0].mean_length_a, 2.0);
        QCOMPARE(r.pairs[0].mean_length_b, 2.0);
        // Always-left judge: left side won every decisive vote.
        QCOMPARE(r.consistency[0].left_win_rate, 1.0);
    }

    void refusesFilesThatAreNotOurs() {
        // Not SQLite at all.
        const QString text = dir("notes.sqlite");
        {
            QFile f(text);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("hello, these are my notes\n");
        }
        const QByteArray text_before = bytesOf(text);
        QCOMPARE(
            rgpb::test::messageOf<rgpb::InputError>([&] { JudgmentStore s(text.toStdString()); }),
            text.toStdString() +
                ": is not an SQLite database (it starts with \"hello, these "
                "are\"); expected an RGPB judgments database");
        QCOMPARE(bytesOf(text), text_before);

        // An SQLite database of another application.
        const QString foreign = dir("shop.db");
        rawSql(foreign,
               {"CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)",
                "INSERT INTO customers (name) VALUES ('Ada')", "CREATE TABLE orders (id INTEGER)"});
        const QByteArray foreign_before = bytesOf(foreign);
        QCOMPARE(rgpb::test::messageOf<rgpb::InputError>(
                     [&] { JudgmentStore s(foreign.toStdString()); }),
                 foreign.toStdString() +
                     ": is an SQLite database of another application (application_id 0, "
                     "tables: customers, orders), not an RGPB judgments database");
        QCOMPARE(bytesOf(foreign), foreign_before);

        // Ours, but from a newer build.
        const QString newer = dir("newer.sqlite");
        { JudgmentStore s(newer.toStdString()); }
        rawSql(newer, {"PRAGMA journal_mode = DELETE",
                       QString("PRAGMA user_version = %1").arg(JudgmentStore::kSchemaVersion + 1)});
        const QByteArray newer_before = bytesOf(newer);
        QCOMPARE(
            rgpb::test::messageOf<rgpb::InputError>([&] { JudgmentStore s(newer.toStdString()); }),
            newer.toStdString() + ": has judgments schema version " +
                std::to_string(JudgmentStore::kSchemaVersion + 1) +
                ", newer than this build reads (" + std::to_string(JudgmentStore::kSchemaVersion) +
                "); open it with a newer rgpb");
        QCOMPARE(bytesOf(newer), newer_before);

        // Truncated SQLite file: header right, rest garbage.
        const QString broken = dir("broken.sqlite");
        {
            QFile f(broken);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray("SQLite format 3\0", 16) + QByteArray(200, 'x'));
        }
        const QByteArray broken_before = bytesOf(broken);
        const std::string msg =
            rgpb::test::messageOf<rgpb::InputError>([&] { JudgmentStore s(broken.toStdString()); });
        QVERIFY2(msg.rfind(broken.toStdString() + ": cannot be read as an SQLite database", 0) == 0,
                 msg.c_str());
        QCOMPARE(bytesOf(broken), broken_before);

        // Read-only mode never creates a file.
        QCOMPARE(rgpb::test::messageOf<rgpb::InputError>([&] {
                     JudgmentStore s(dir("absent.sqlite").toStdString(),
                                     JudgmentStore::Mode::ReadOnly);
                 }),
                 dir("absent.sqlite").toStdString() +
                     ": does not exist (expected a judgments database)");
        QVERIFY(!QFile::exists(dir("absent.sqlite")));
        // An existing store reopens, and is in WAL mode with our schema version.
        {
            JudgmentStore s(dir("b.sqlite").toStdString(), JudgmentStore::Mode::ReadOnly);
            QCOMPARE(s.sets().size(), std::size_t(1));
        }
        QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", "check");
        db.setDatabaseName(dir("b.sqlite"));
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec("PRAGMA journal_mode") && q.next());
        QCOMPARE(q.value(0).toString(), QString("wal"));
        QVERIFY(q.exec("PRAGMA user_version") && q.next());
        QCOMPARE(q.value(0).toInt(), JudgmentStore::kSchemaVersion);
        q = QSqlQuery();
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase("check");
    }

    void exports() {
        std::vector<FixtureItem> items = rgpb::test::plainItems(4);
        items[0].prompt = "a \"quoted\", multi\nline prompt";
        rgpb::test::writeComparisonSet(dir("set4"), items);
        JudgmentStore store(dir("c.sqlite").toStdString());
        const int64_t id = store.importSet(readComparisonSet(dir("set4").toStdString()));
        const auto shows = store.presentations(id);
        // Votes: item 0 model_a, item 1 model_b, item 2 tie, item 3 both bad, plus bob skips 0.
        const Winner w[] = {Winner::ModelA, Winner::ModelB, Winner::Tie, Winner::BothBad};
        for (int i = 0; i < 4; ++i)
            store.recordVote(shows[static_cast<std::size_t>(i)].id, "ann", w[i]);
        store.recordVote(shows[0].id, "bob", Winner::Skip);

        QCOMPARE(store.exportCsv(dir("out.csv").toStdString(), id), std::size_t(5));
        const QString csv = QString::fromUtf8(bytesOf(dir("out.csv")));
        QVERIFY(
            csv.startsWith("set,item,position,swapped_repeat,judge,winner,model_a,model_b,"
                           "left_model,right_model,"));
        QVERIFY(csv.contains("\"a \"\"quoted\"\", multi\nline prompt\""));
        QVERIFY(csv.contains(",bob,skip,"));
        QVERIFY(!QFile::exists(dir("out.csv") + ".tmp"));

        QCOMPARE(store.exportFastChat(dir("battles.jsonl").toStdString(), id), std::size_t(4));
        const QList<QByteArray> lines = bytesOf(dir("battles.jsonl")).trimmed().split('\n');
        QCOMPARE(lines.size(), 4);
        const char* fastchat[] = {"model_a", "model_b", "tie", "tie (bothbad)"};
        for (int i = 0; i < 4; ++i) {
            const QJsonObject o = QJsonDocument::fromJson(lines[i]).object();
            const Presentation& p = shows[static_cast<std::size_t>(i)];
            // model_a is the model shown left; the winner is relative to that.
            QCOMPARE(o["model_a"].toString().toStdString(), p.left_model);
            QCOMPARE(o["model_b"].toString().toStdString(), p.right_model);
            QString expected = fastchat[i];
            if (i < 2 && !p.model_a_left)
                expected = i == 0 ? "model_b" : "model_a";
            QCOMPARE(o["winner"].toString(), expected);
            QCOMPARE(o["judge"].toString(), QString("ann"));
            QVERIFY(o["tstamp"].toDouble() > 1.7e9);
            QCOMPARE(o["shown_order"].toArray()[0].toString().toStdString(), p.left_model);
            QCOMPARE(
                o["conversation_a"].toArray()[1].toObject()["content"].toString().toStdString(),
                p.left_response);
        }

        QCOMPARE(store.exportAlpacaEval(dir("alpaca.json").toStdString(), id), std::size_t(4));
        const QJsonArray a = QJsonDocument::fromJson(bytesOf(dir("alpaca.json"))).array();
        QCOMPARE(a.size(), 4);
        const double pref[] = {1, 2, 1.5, 1.5};
        for (int i = 0; i < 4; ++i) {
            const QJsonObject o = a[i].toObject();
            QCOMPARE(o["preference"].toDouble(), pref[i]);
            QCOMPARE(o["generator_1"].toString(), QString("exmate-dpo"));
            QCOMPARE(o["output_2"].toString().toStdString(),
                     items[static_cast<std::size_t>(i)].response_1);
            QCOMPARE(o["annotator"].toString(), QString("ann"));
        }
    }

    // A disk that fills up while judging (a small tmpfs): a vote, an import and an export each
    // fail with the database's path and the reason; every vote recorded before is still there,
    // the database passes SQLite's integrity check, and once space is back judging goes on
    // (issue #17's fault injection).
    void aFullDiskLosesNoVote() {
        QTemporaryDir mount;
        rgpb::test::SmallDisk disk(mount.path().toStdString(), "2m");
        if (!disk.mounted())
            QSKIP(disk.skipMessage().c_str());
        rgpb::test::writeComparisonSet(dir("set6"), rgpb::test::plainItems(6));
        std::vector<FixtureItem> big = rgpb::test::plainItems(400);
        for (FixtureItem& it : big)
            it.response_0 = std::string(4000, 'w');
        rgpb::test::writeComparisonSet(dir("set7"), big);
        const std::string db = mount.filePath("votes.sqlite").toStdString();
        std::vector<Presentation> shows;
        {
            // The judging session is open when the disk fills up.
            JudgmentStore store(db);
            const int64_t set_id = store.importSet(readComparisonSet(dir("set6").toStdString()));
            shows = store.presentations(set_id);
            for (int k = 0; k < 3; ++k)
                store.recordVote(shows[static_cast<std::size_t>(k)].id, "ann", Winner::ModelA);
            disk.fill(0);
            const std::string vote = rgpb::test::messageOf<rgpb::Error>(
                [&] { store.recordVote(shows[3].id, "ann", Winner::ModelB); });
            QVERIFY2(vote.find(db) != std::string::npos && vote.find("full") != std::string::npos,
                     vote.c_str());
            const std::string import = rgpb::test::messageOf<rgpb::Error>(
                [&] { store.importSet(readComparisonSet(dir("set7").toStdString())); });
            QVERIFY2(
                import.find(db) != std::string::npos && import.find("full") != std::string::npos,
                import.c_str());
            disk.fill(0);  // what the failed import's rollback gave back
            const std::string out = mount.filePath("votes.csv").toStdString();
            const std::string csv =
                rgpb::test::messageOf<rgpb::Error>([&] { store.exportCsv(out, set_id); });
            QVERIFY2(csv.find(out) != std::string::npos, csv.c_str());
            QCOMPARE(store.liveVotes(set_id).size(), std::size_t(3));
            QCOMPARE(store.sets().size(), std::size_t(1));
        }
        QVERIFY(QDir(mount.path()).entryList({"*.tmp*"}, QDir::Files).isEmpty());
        // Opened again while the disk is still full: for reading, every vote is there; for
        // writing, the reason is the disk.
        {
            JudgmentStore store(db, JudgmentStore::Mode::ReadOnly);
            QCOMPARE(store.liveVotes(store.set("set6").id).size(), std::size_t(3));
        }
        // For writing it opens or not, depending on the room SQLite's -shm file still finds;
        // either way the reason given is the disk.
        std::string reopen;
        try {
            JudgmentStore store(db);
            reopen = rgpb::test::messageOf<rgpb::Error>(
                [&] { store.recordVote(shows[4].id, "ann", Winner::ModelB); });
        } catch (const rgpb::Error& e) {
            reopen = e.what();
        }
        QVERIFY2(reopen.find(db) != std::string::npos && reopen.find("full") != std::string::npos,
                 reopen.c_str());

        QVERIFY(QFile::remove(mount.filePath("filler")));
        {
            JudgmentStore store(db);
            const int64_t set_id = store.set("set6").id;
            QCOMPARE(store.liveVotes(set_id).size(), std::size_t(3));
            store.recordVote(shows[3].id, "ann", Winner::ModelB);
            QCOMPARE(store.liveVotes(set_id).size(), std::size_t(4));
        }
        {
            QSqlDatabase raw = QSqlDatabase::addDatabase("QSQLITE", "integrity");
            raw.setDatabaseName(QString::fromStdString(db));
            QVERIFY(raw.open());
            QSqlQuery q(raw);
            QVERIFY(q.exec("PRAGMA integrity_check") && q.next());
            QCOMPARE(q.value(0).toString(), QString("ok"));
            raw.close();
        }
        QSqlDatabase::removeDatabase("integrity");
    }

    void voteSurvivesKilledProcess() {
        rgpb::test::writeComparisonSet(dir("set5"), rgpb::test::plainItems(3));
        const QString db = dir("crash.sqlite");
        int64_t show = 0;
        {
            JudgmentStore store(db.toStdString());
            const int64_t id = store.importSet(readComparisonSet(dir("set5").toStdString()));
            show = store.presentations(id)[1].id;
        }
        QProcess child;
        child.start(QCoreApplication::applicationFilePath(),
                    {"test_judgment_store", "--vote-then-sigkill", db, QString::number(show)});
        QVERIFY(child.waitForFinished(60000));
        // Killed by SIGKILL right after recordVote returned: no destructor, no checkpoint.
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        // The vote sits in the write-ahead log, never checkpointed into the main file.
        QVERIFY(QFileInfo(db + "-wal").size() > 0);
        QVERIFY2(child.readAllStandardOutput().contains("recorded"),
                 child.readAllStandardError().constData());
        JudgmentStore store(db.toStdString());
        const auto votes = store.liveVotes(store.set("set5").id);
        QCOMPARE(votes.size(), std::size_t(1));
        QCOMPARE(votes[0].judge, std::string("kim"));
        QCOMPARE(votes[0].presentation_id, show);
        QCOMPARE(votes[0].winner, Winner::ModelB);
    }
};

namespace {

// Child of voteSurvivesKilledProcess: records one vote, then dies without any cleanup.
int voteThenSigkill(int argc, char** argv) {
    if (argc != 4 || std::string(argv[1]) != "--vote-then-sigkill")
        return -1;
    JudgmentStore store(argv[2]);
    store.recordVote(std::stoll(argv[3]), "kim", Winner::ModelB);
    std::fputs("recorded\n", stdout);
    std::fflush(stdout);
    ::kill(::getpid(), SIGKILL);
    return 3;
}

}  // namespace

RGPB_TEST_MAIN_WITH_CHILD(TestJudgmentStore, voteThenSigkill)
}  // namespace rgpb_test_judgment_store
#include "test_judgment_store.moc"
