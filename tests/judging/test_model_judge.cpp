// The model judge end to end against a loopback fault-injecting endpoint (FakeChatEndpoint):
// good answers in the paper's and MT-bench's forms, a verdict that flips with the order, 429
// then success, 500 every time, a timeout, a malformed body, an unparseable answer; then a
// rerun that sends only what failed, a second set answered from the cache alone, kappa against
// a human judge, a wrong key (401) and a closed port through the CLI, and the key never in the
// database's bytes or the output.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "core/judging/JudgeStats.h"
#include "store/JudgmentStore.h"
#include "store/ModelJudgeRunner.h"
#include "tests/judging/JudgingFixtures.h"
#include "tests/support/TestMain.h"
#ifdef RGPB_TEST_HTTPLIB
#include "tests/judging/FakeChatEndpoint.h"
#endif

namespace rgpb_test_model_judge {

using namespace rgpb::judging;

#ifdef RGPB_TEST_HTTPLIB
namespace {

using rgpb::test::FakeReply;

constexpr int kItems = 8;
const char* const kKey = "sk-test-5ecret-k3y-0042";

// The item a prompt is about ("prompt i") and whether model_a's response ("zero i") is first.
std::pair<int, bool> itemOf(const std::string& user) {
    const std::size_t at = user.find("prompt ");
    const int item = at == std::string::npos ? -1 : std::atoi(user.c_str() + at + 7);
    return {item, user.find("zero ") < user.find("one ")};
}

// Says model_a (or model_b) wins, in the form `form` (0: paper, 1: MT-bench, 2: short).
FakeReply prefer(bool model_a, bool a_first, int form) {
    const bool first = model_a == a_first;
    FakeReply r;
    if (form == 0)
        r.content = std::string("Reasons.\nPreferred: Response ") + (first ? "1" : "2");
    else if (form == 1)
        r.content = std::string("Assistant ") + (first ? "A" : "B") + " helps more. " +
                    (first ? "[[A]]" : "[[B]]");
    else
        r.content = first ? "Response 1." : "I prefer Response 2.";
    return r;
}

// The first run's script; `healed`: items 4-6 answer well (model_a, model_b, model_a).
FakeReply script(const std::string& user, int seen, bool healed) {
    const auto [item, a_first] = itemOf(user);
    switch (item) {
        case 0:  // model_a in both orders, both forms
            return prefer(true, a_first, a_first ? 0 : 1);
        case 1:  // model_b in both orders
            return prefer(false, a_first, 2);
        case 2: {  // always "Response 1": flips with the order -> tie
            FakeReply r;
            r.content = "Preferred: Response 1";
            return r;
        }
        case 3: {  // rate limited once, then model_a
            if (seen == 0) {
                FakeReply r;
                r.status = 429;
                r.retry_after = "0";
                return r;
            }
            return prefer(true, a_first, 1);
        }
        case 4: {
            if (healed)
                return prefer(true, a_first, 0);
            FakeReply r;
            r.status = 500;
            return r;
        }
        case 5: {
            if (healed || !a_first)
                return prefer(false, a_first, 0);
            FakeReply r;
            r.delay_s = 3;  // past the client's 1 s timeout
            r.content = "Preferred: Response 1";
            return r;
        }
        case 6: {
            if (healed)
                return prefer(true, a_first, 1);
            FakeReply r;
            r.raw_body = "<html>502 Bad Gateway</html>";
            return r;
        }
        default: {
            FakeReply r;
            r.content = "I cannot decide between them.";
            return r;
        }
    }
}

ModelJudgeSettings settingsFor(const std::string& url) {
    ModelJudgeSettings s;
    s.endpoint = url;
    s.model = "judge-7b";
    s.api_key_env = "RGPB_TEST_JUDGE_KEY";
    s.concurrency = 3;
    s.timeout_s = 1;
    s.retries = 2;
    s.backoff_s = 0.01;
    s.price_in_per_million = 2;
    s.price_out_per_million = 10;
    return s;
}

Winner voteOn(const JudgmentStore& store, int64_t set, int64_t item, const std::string& judge) {
    for (const Presentation& p : store.presentations(set)) {
        if (p.item_index != item || p.swapped_repeat)
            continue;
        for (const StoredVote& v : store.liveVotes(set)) {
            if (v.presentation_id == p.id && v.judge == judge)
                return v.winner;
        }
    }
    return Winner::Skip;
}

bool hasVote(const JudgmentStore& store, int64_t set, int64_t item, const std::string& judge) {
    for (const Presentation& p : store.presentations(set)) {
        for (const StoredVote& v : store.liveVotes(set)) {
            if (p.item_index == item && v.presentation_id == p.id && v.judge == judge)
                return true;
        }
    }
    return false;
}

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace
#endif

class TestModelJudge : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;

private Q_SLOTS:
    void initTestCase() {
#ifndef RGPB_TEST_HTTPLIB
        QSKIP("built without cpp-httplib: no model judge");
#endif
        qputenv("RGPB_TEST_JUDGE_KEY", kKey);
        rgpb::test::writeComparisonSet(tmp_.filePath("cmp"), rgpb::test::plainItems(kItems));
    }

#ifdef RGPB_TEST_HTTPLIB
    void judgesRetriesRecordsAndReruns() {
        const QString db = tmp_.filePath("judge.sqlite");
        JudgmentStore store(db.toStdString());
        ImportOptions o;
        o.repeat_fraction = 0;
        o.auto_judge = false;
        const int64_t set =
            store.importSet(readComparisonSet(tmp_.filePath("cmp").toStdString()), o);
        bool healed = false;
        rgpb::test::FakeChatEndpoint endpoint(
            [&](const std::string& user, int seen) { return script(user, seen, healed); }, kKey);

        std::vector<ModelJudgeProgress> seen;
        ModelJudgeCallbacks cb;
        cb.progress = [&](const ModelJudgeProgress& p) { seen.push_back(p); };
        const ModelJudgeSummary s = runModelJudge(store, set, settingsFor(endpoint.url()), cb);
        QCOMPARE(endpoint.lastAuthorization(), std::string("Bearer ") + kKey);
        // Requests: items 0-2 and 7 once per order (8), item 3 twice per order (4), item 4
        // three attempts per order (6), item 5 three timeouts + one answer (4), item 6 (2).
        QCOMPARE(endpoint.requests(), 24);
        QCOMPARE(s.judge, std::string("model:judge-7b"));
        QCOMPARE(s.items, int64_t(kItems));
        QCOMPARE(s.answered, int64_t(11));
        QCOMPARE(s.unparsed, int64_t(2));
        QCOMPARE(s.progress.failed, int64_t(5));
        QCOMPARE(s.failures.at("HTTP 500"), int64_t(2));
        QCOMPARE(s.failures.at("timeout"), int64_t(1));
        QCOMPARE(s.failures.at("malformed response"), int64_t(2));
        QCOMPARE(s.progress.total, int64_t(16));
        QCOMPARE(s.progress.done, int64_t(16));
        QCOMPARE(s.progress.tokens_in, int64_t(1100));
        QCOMPARE(s.progress.tokens_out, int64_t(110));
        QVERIFY(std::abs(s.progress.cost - (1100 * 2 + 110 * 10) / 1e6) < 1e-12);
        QVERIFY(!seen.empty());
        QCOMPARE(seen.back().done, int64_t(16));
        // Items with both orders: 0, 1, 2, 3, 7; of the parsed ones only item 2 flips.
        QCOMPARE(s.votes, int64_t(5));
        QCOMPARE(s.both_parsed, int64_t(4));
        QCOMPARE(s.consistent, int64_t(3));
        const std::string judge = s.judge;
        QCOMPARE(voteOn(store, set, 0, judge), Winner::ModelA);
        QCOMPARE(voteOn(store, set, 1, judge), Winner::ModelB);
        QCOMPARE(voteOn(store, set, 2, judge), Winner::Tie);
        QCOMPARE(voteOn(store, set, 3, judge), Winner::ModelA);
        QVERIFY(hasVote(store, set, 7, judge));  // unparseable: a skip, raw text kept
        QCOMPARE(voteOn(store, set, 7, judge), Winner::Skip);
        for (int item : {4, 5, 6})
            QVERIFY(!hasVote(store, set, item, judge));
        // Every answer and failure is in the database with its details.
        const std::vector<ModelAnswer> answers = store.modelAnswers(set, judge);
        QCOMPARE(answers.size(), std::size_t(16));
        int failures_seen = 0;
        for (const ModelAnswer& a : answers) {
            if (a.item_index == 7) {
                QCOMPARE(a.verdict, std::string("unparsed"));
                QCOMPARE(a.raw_answer, std::string("I cannot decide between them."));
            }
            if (a.item_index == 3) {
                QCOMPARE(a.attempts, 2);
                QVERIFY(a.failure.empty());
            }
            if (!a.failure.empty()) {
                ++failures_seen;
                QVERIFY(!a.failure_message.empty());
                QVERIFY(a.verdict.empty());
            }
            if (a.item_index == 6)
                QVERIFY2(a.failure_message.find("not a JSON object") != std::string::npos,
                         a.failure_message.c_str());
            if (a.item_index == 4)
                QCOMPARE(a.attempts, 3);
            QVERIFY(a.user_prompt.find("prompt " + std::to_string(a.item_index)) !=
                    std::string::npos);
        }
        QCOMPARE(failures_seen, 5);

        // The rerun sends only the five failed prompts; nothing judged is sent or lost.
        healed = true;
        const ModelJudgeSummary again = runModelJudge(store, set, settingsFor(endpoint.url()));
        QCOMPARE(endpoint.requests(), 24 + 5);
        QCOMPARE(again.already_judged, int64_t(11));
        QCOMPARE(again.answered, int64_t(5));
        QCOMPARE(again.progress.failed, int64_t(0));
        QCOMPARE(again.votes, int64_t(kItems));
        QCOMPARE(again.both_parsed, int64_t(7));
        QCOMPARE(again.consistent, int64_t(6));
        QCOMPARE(voteOn(store, set, 4, judge), Winner::ModelA);
        QCOMPARE(voteOn(store, set, 5, judge), Winner::ModelB);
        QCOMPARE(voteOn(store, set, 6, judge), Winner::ModelA);
        QCOMPARE(voteOn(store, set, 0, judge), Winner::ModelA);

        // The same prompts in another set come from the cache: nothing is sent.
        ImportOptions second = o;
        second.name = "again";
        const int64_t set2 =
            store.importSet(readComparisonSet(tmp_.filePath("cmp").toStdString()), second);
        const ModelJudgeSummary cached = runModelJudge(store, set2, settingsFor(endpoint.url()));
        QCOMPARE(endpoint.requests(), 29);
        QCOMPARE(cached.progress.cached, int64_t(16));
        QCOMPARE(cached.answered, int64_t(0));
        QCOMPARE(cached.votes, int64_t(kItems));
        QCOMPARE(voteOn(store, set2, 1, judge), Winner::ModelB);
        QCOMPARE(voteOn(store, set2, 2, judge), Winner::Tie);

        // Kappa against a human judge (first showings; the model's skip on item 7 left out):
        // model A,B,T,A,A,B,A; ann A,B,T,B,A,B,A (and A on item 7). p_o = 6/7,
        // p_e = (4*3 + 2*3 + 1*1) / 49 = 19/49, kappa = (42 - 19) / (49 - 19) = 23/30.
        const Winner ann[kItems] = {Winner::ModelA, Winner::ModelB, Winner::Tie,    Winner::ModelB,
                                    Winner::ModelA, Winner::ModelB, Winner::ModelA, Winner::ModelA};
        for (const Presentation& p : store.presentations(set))
            store.recordVote(p.id, "ann", ann[p.item_index]);
        const JudgeStatsReport report = computeJudgeStats(store.statsVotes(set));
        QCOMPARE(report.cohen.size(), std::size_t(1));
        QCOMPARE(report.cohen[0].items, std::size_t(7));
        QVERIFY(std::abs(report.cohen[0].kappa - 23.0 / 30.0) < 1e-12);
        // Position consistency across the orders, as judge-stats reports it.
        const auto consistency = store.modelJudgeConsistency(set);
        QCOMPARE(consistency.size(), std::size_t(1));
        QCOMPARE(consistency[0].judge, judge);
        QCOMPARE(consistency[0].repeated, std::size_t(7));
        QCOMPARE(consistency[0].consistent, std::size_t(6));

        // The key is nowhere in the database's bytes.
        const QByteArray bytes = fileBytes(db) + fileBytes(db + "-wal");
        QVERIFY(!bytes.isEmpty());
        QVERIFY(!bytes.contains(kKey));
    }

    void cancelStopsSoonAndKeepsAnswers() {
        const QString db = tmp_.filePath("cancel.sqlite");
        JudgmentStore store(db.toStdString());
        ImportOptions o;
        o.repeat_fraction = 0;
        const int64_t set =
            store.importSet(readComparisonSet(tmp_.filePath("cmp").toStdString()), o);
        // The endpoint presses cancel when the third request comes and stalls it: the request
        // is abandoned (its connection shut down, nothing recorded), no further one starts,
        // and the answers already in are kept. Without the in-flight cancel the stalled answer
        // would arrive and be recorded (done == 3).
        std::atomic<bool> cancel{false};
        std::atomic<int> requests{0};
        rgpb::test::FakeChatEndpoint endpoint([&](const std::string& user, int) {
            FakeReply r = prefer(true, itemOf(user).second, 0);
            if (++requests == 3) {
                cancel = true;
                r.delay_s = 3;
            }
            return r;
        });
        ModelJudgeSettings s = settingsFor(endpoint.url());
        s.api_key_env.clear();
        s.concurrency = 1;
        s.timeout_s = 30;
        ModelJudgeCallbacks cb;
        cb.cancel = &cancel;
        const ModelJudgeSummary first = runModelJudge(store, set, s, cb);
        QVERIFY(first.cancelled);
        QCOMPARE(first.progress.done, int64_t(2));
        QCOMPARE(first.progress.failed, int64_t(0));
        QCOMPARE(endpoint.requests(), 3);
        QCOMPARE(store.modelAnswers(set, "model:judge-7b").size(), std::size_t(2));
        const ModelJudgeSummary rest = runModelJudge(store, set, s);
        QCOMPARE(rest.already_judged, int64_t(2));
        QCOMPARE(rest.answered, int64_t(14));
        QCOMPARE(rest.votes, int64_t(kItems));
        QCOMPARE(endpoint.requests(), 17);
    }

    void badSettingsAreErrors() {
        JudgmentStore store(tmp_.filePath("bad.sqlite").toStdString());
        const int64_t set = store.importSet(readComparisonSet(tmp_.filePath("cmp").toStdString()));
        ModelJudgeSettings s = settingsFor("ftp://example.com/v1");
        QVERIFY_THROWS_EXCEPTION(rgpb::Error, runModelJudge(store, set, s));
        s = settingsFor("http://127.0.0.1:1/v1");
        s.api_key_env = "RGPB_TEST_UNSET_VARIABLE";
        try {
            runModelJudge(store, set, s);
            QFAIL("an unset key variable was accepted");
        } catch (const rgpb::Error& e) {
            QVERIFY2(std::string(e.what()).find("RGPB_TEST_UNSET_VARIABLE") != std::string::npos,
                     e.what());
        }
        s = settingsFor("http://127.0.0.1:1/v1");
        s.template_name = tmp_.filePath("no-such-template.txt").toStdString();
        QVERIFY_THROWS_EXCEPTION(rgpb::InputError, runModelJudge(store, set, s));
        QVERIFY(store.modelAnswers(set, "model:judge-7b").empty());
    }

#ifdef RGPB_CLI
    void cliWrongKeyAndClosedPort() {
        const QString db = tmp_.filePath("cli.sqlite");
        {
            JudgmentStore store(db.toStdString());
            store.importSet(readComparisonSet(tmp_.filePath("cmp").toStdString()));
        }
        rgpb::test::FakeChatEndpoint endpoint(
            [](const std::string& user, int) { return prefer(true, itemOf(user).second, 0); },
            kKey);
        auto run = [&](const QStringList& extra, const QString& key) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("RGPB_TEST_JUDGE_KEY", key);
            p.setProcessEnvironment(env);
            p.start(RGPB_CLI,
                    QStringList{"judge-model", db, "--set", "cmp", "--model", "j", "--api-key-env",
                                "RGPB_TEST_JUDGE_KEY", "--retries", "0", "--timeout", "5"} +
                        extra);
            p.waitForFinished(120000);
            return std::make_tuple(p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                                   QString::fromUtf8(p.readAllStandardError()));
        };
        const QString wrong = "sk-wrong-key-77";
        auto [code, out, err] =
            run(QStringList{"--endpoint", QString::fromStdString(endpoint.url()), "--limit", "3"},
                wrong);
        QCOMPARE(code, 3);  // every prompt failed: recorded, exit 3
        QVERIFY2(out.contains("key refused x 6"), qPrintable(out));
        QVERIFY2(out.contains("refused the key in $RGPB_TEST_JUDGE_KEY"), qPrintable(out));
        QVERIFY(!out.contains(wrong) && !err.contains(wrong));
        QCOMPARE(endpoint.requests(), 6);  // 401 is not retried

        const QString closed =
            QString("http://127.0.0.1:%1/v1").arg(rgpb::test::FakeChatEndpoint::closedPort());
        std::tie(code, out, err) =
            run(QStringList{"--endpoint", closed, "--limit", "2"}, QString(kKey));
        QCOMPARE(code, 3);
        QVERIFY2(out.contains("unreachable x 4"), qPrintable(out));

        std::tie(code, out, err) =
            run(QStringList{"--endpoint", QString::fromStdString(endpoint.url()), "--price-in", "1",
                            "--price-out", "1", "--template", "mtbench"},
                QString(kKey));
        QVERIFY2(code == 0, qPrintable(err + out));
        QVERIFY2(out.contains("votes (items with both orders answered): 8 of 8"), qPrintable(out));
        QVERIFY2(out.contains("position consistency: 8/8"), qPrintable(out));
        QVERIFY2(err.contains("judge-model: ["), qPrintable(err));  // the progress bar
        for (const QString& text : QStringList{out, err})
            QVERIFY(!text.contains(kKey));
        QVERIFY(!(fileBytes(db) + fileBytes(db + "-wal")).contains(kKey));

        // judge-stats compares the model judge and reports its two-order consistency.
        QProcess stats;
        stats.start(RGPB_CLI, {"judge-stats", db});
        stats.waitForFinished(120000);
        const QString table = QString::fromUtf8(stats.readAllStandardOutput());
        QVERIFY2(table.contains("model:j: 8/8 = 1.000 consistent"), qPrintable(table));
        QVERIFY2(table.contains("length-controlled"), qPrintable(table));
        QProcess json;
        json.start(RGPB_CLI, {"judge-stats", db, "--format", "json"});
        json.waitForFinished(120000);
        const QJsonObject j = QJsonDocument::fromJson(json.readAllStandardOutput()).object();
        const QJsonArray lc = j["length_controlled"].toArray();
        QCOMPARE(lc.size(), 1);  // one pair, one judge: model A won all 8 items
        QCOMPARE(lc[0].toObject()["judge"].toString(), QString("model:j"));
        QCOMPARE(lc[0].toObject()["raw"].toDouble(), 1.0);
        QCOMPARE(lc[0].toObject()["lc"].toDouble(), 1.0);
        QVERIFY(j["bradley_terry"].toArray().isEmpty());  // two models: no ratings
    }
#endif
#endif
};

RGPB_TEST_MAIN(TestModelJudge)
}  // namespace rgpb_test_model_judge
#include "test_model_judge.moc"
