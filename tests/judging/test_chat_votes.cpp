// The Chat tab's blinded votes in the judgments store (JudgmentStore::recordChatVote): each
// voted exchange is an item of its pair's set, made on the first vote; the screen side and the
// choice give the model-level winner; another checkpoint is another pair; bad votes are refused
// with nothing written; the votes are in judge-stats' input after the database is reopened.
#include <QTemporaryDir>
#include <QtTest>

#include <string>

#include "core/util/Error.h"
#include "store/JudgmentStore.h"
#include "tests/support/ErrorText.h"
#include "tests/support/TestMain.h"

namespace rgpb_test_chat_votes {

using namespace rgpb::judging;
using rgpb::test::contains;
using rgpb::test::messageOf;

namespace {

ChatVote exchange(const std::string& prompt, bool a_left, SideChoice choice,
                  const std::string& checkpoint_b = "final") {
    ChatVote v;
    v.models[0] = {"dpo-run", "/runs/dpo-run", "final"};
    v.models[1] = {"exmate-run", "/runs/exmate-run", checkpoint_b};
    v.prompt = prompt;
    v.responses = {"answer of dpo to " + prompt, "answer of exmate to " + prompt};
    v.new_tokens = {4, 6};
    v.model_a_left = a_left;
    v.judge = "ana";
    v.choice = choice;
    v.generation_json = R"({"temperature":0.7})";
    return v;
}

}  // namespace

class TestChatVotes : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void exchangesOfOnePairShareOneSet() {
        QTemporaryDir tmp;
        const std::string db = tmp.filePath("j.sqlite").toStdString();
        {
            JudgmentStore store(db);
            // Left was exmate (model_b) and won; then a tie with dpo on the left.
            const int64_t set = store.recordChatVote(exchange("hi", false, SideChoice::Left));
            QCOMPARE(store.recordChatVote(exchange("bye", true, SideChoice::Tie)), set);
            // Right was dpo (model_a) when exmate sat on the left: dpo wins.
            QCOMPARE(store.recordChatVote(exchange("why", false, SideChoice::Right)), set);
            const std::vector<SetInfo> sets = store.sets();
            QCOMPARE(sets.size(), std::size_t(1));
            QCOMPARE(sets[0].name, std::string("chat: dpo-run vs exmate-run"));
            QCOMPARE(sets[0].items, int64_t(3));
            QCOMPARE(sets[0].presentations, int64_t(3));
            QCOMPARE(sets[0].models[0], std::string("dpo-run"));
            const std::vector<Presentation> shown = store.presentations(set);
            QCOMPARE(shown[0].prompt, std::string("hi"));
            QVERIFY(!shown[0].model_a_left);
            QCOMPARE(shown[0].left_response, std::string("answer of exmate to hi"));
            QVERIFY(shown[1].model_a_left);
            // Every showing is voted on already: nothing is left for this judge in the queue.
            QVERIFY(!store.nextFor(set, "ana").has_value());
        }
        JudgmentStore reopened(db, JudgmentStore::Mode::ReadOnly);
        const std::vector<Vote> votes = reopened.statsVotes();
        QCOMPARE(votes.size(), std::size_t(3));
        QCOMPARE(votes[0].winner, Winner::ModelB);
        QCOMPARE(votes[1].winner, Winner::Tie);
        QCOMPARE(votes[2].winner, Winner::ModelA);
        QCOMPARE(votes[0].judge, std::string("ana"));
        QCOMPARE(votes[0].length_b, 6.0);
    }

    void anotherCheckpointIsAnotherPair() {
        QTemporaryDir tmp;
        JudgmentStore store(tmp.filePath("j.sqlite").toStdString());
        const int64_t a = store.recordChatVote(exchange("hi", true, SideChoice::Left));
        const int64_t b = store.recordChatVote(exchange("hi", true, SideChoice::Left, "step-200"));
        QVERIFY(a != b);
        QCOMPARE(store.sets().size(), std::size_t(2));
    }

    void badVotesAreRefusedAndWriteNothing() {
        QTemporaryDir tmp;
        JudgmentStore store(tmp.filePath("j.sqlite").toStdString());
        ChatVote v = exchange("hi", true, SideChoice::Left);
        v.judge = "";
        const std::string empty = messageOf<rgpb::ArgumentError>([&] { store.recordChatVote(v); });
        QVERIFY2(contains(empty, "judge"), empty.c_str());
        v.judge = "auto";
        QVERIFY(contains(messageOf<rgpb::ArgumentError>([&] { store.recordChatVote(v); }), "auto"));
        v.judge = "ana";
        v.choice = SideChoice::Skip;
        const std::string skip = messageOf<rgpb::ArgumentError>([&] { store.recordChatVote(v); });
        QVERIFY2(contains(skip, "skip"), skip.c_str());
        QVERIFY(store.sets().empty());
    }
};

RGPB_TEST_MAIN(TestChatVotes)
}  // namespace rgpb_test_chat_votes
#include "test_chat_votes.moc"
