// The Chat tab's view (widgets/ChatView) on its own, offscreen: what a message does to the
// conversation, how a streamed reply shows and ends, what send refuses (and says why), and the
// blinded side-by-side mode: sides drawn per conversation, names hidden, one vote per exchange
// with the left/right runs it was about, then the names shown.
#include <QtTest>

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>

#include "tests/support/TestMain.h"
#include "widgets/ChatView.h"

namespace rgpb_test_chat_view {

using namespace rgpb;
using namespace rgpb::widgets;

namespace {

QVector<RunChoice> twoRuns(const QTemporaryDir& tmp) {
    QDir(tmp.path()).mkpath("a/checkpoints/step-00000010");
    QDir(tmp.path()).mkpath("a/checkpoints/step-00000200");
    QDir(tmp.path()).mkpath("b");
    return {{"run a (dpo)", tmp.filePath("a")}, {"run b (exmate)", tmp.filePath("b")}};
}

}  // namespace

class TestChatView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aMessageJoinsTheConversationAndTheReplyStreamsIn() {
        QTemporaryDir tmp;
        ChatView view;
        view.setRuns(twoRuns(tmp));
        QCOMPARE(view.runDir(0), tmp.filePath("a"));
        // The run's kept checkpoints are offered, newest first, after "final".
        QCOMPARE(view.checkpointBox(0)->count(), 3);
        QCOMPARE(view.checkpointBox(0)->itemText(1), QString("step-200"));
        QCOMPARE(view.checkpoint(0), QString("final"));
        QSignalSpy sent(&view, &ChatView::sendRequested);
        view.input()->setPlainText("  Hello there  ");
        view.sendButton()->click();
        QCOMPARE(sent.count(), 1);
        QVERIFY(view.input()->toPlainText().isEmpty());
        const auto conv = view.conversation(0);
        QCOMPARE(conv.size(), std::size_t(1));
        QCOMPARE(conv[0].role, std::string("user"));
        QCOMPARE(conv[0].content, std::string("Hello there"));
        view.beginReply(0);
        QVERIFY(view.busy());
        QVERIFY(view.stopButton()->isEnabled());
        QVERIFY(!view.sendButton()->isEnabled());
        view.streamReply(0, "Hi, how", 3, 12.5);
        QVERIFY(view.transcriptText(0).contains("Hi, how"));
        QVERIFY(view.statusText().contains("3 tokens"));
        // A second message while the reply runs is refused with the reason.
        QVERIFY(!view.send("more"));
        QVERIFY(view.statusText().contains("still being written"));
        view.endReply(0, "Hi, how are you?", "5 tokens in 0.4 s");
        QVERIFY(!view.busy());
        QCOMPARE(view.conversation(0).size(), std::size_t(2));
        QCOMPARE(view.conversation(0)[1].content, std::string("Hi, how are you?"));
        QVERIFY(view.transcriptText(0).contains("Hi, how are you?"));
        QVERIFY(view.statusText().contains("5 tokens in 0.4 s"));
    }

    void sendRefusesWhatCannotBeAnswered() {
        QTemporaryDir tmp;
        ChatView view;
        QSignalSpy sent(&view, &ChatView::sendRequested);
        view.setRuns({});
        QVERIFY(view.statusText().contains("No finished run"));
        QVERIFY(!view.send("hello"));
        QVERIFY(view.statusText().contains("Pick a finished run"));
        view.setRuns(twoRuns(tmp));
        QVERIFY(!view.send("   "));
        QVERIFY(view.statusText().contains("Type a message"));
        view.setSideBySide(true);
        view.selectRun(1, tmp.filePath("a"));
        QVERIFY(!view.send("hello"));
        QVERIFY(view.statusText().contains("same run and checkpoint"));
        view.checkpointBox(1)->setCurrentText("step-10");
        QVERIFY(view.send("hello"));  // the same run at another checkpoint is a comparison
        QCOMPARE(sent.count(), 1);
        QCOMPARE(view.checkpoint(1), QString("step-10"));
    }

    void aFailedReplyLeavesTheMessageOutAndSaysWhy() {
        QTemporaryDir tmp;
        ChatView view;
        view.setRuns(twoRuns(tmp));
        QVERIFY(view.send("hello"));
        view.beginReply(0);
        view.failReply(0, "run a: no checkpoint step-7 (available: step-10, step-200)");
        QVERIFY(!view.busy());
        QVERIFY(view.conversation(0).empty());
        QVERIFY(view.transcriptText(0).contains("no checkpoint step-7"));
        QVERIFY(view.statusText().contains("no checkpoint step-7"));
    }

    void blindedSidesAreDrawnAndTheVoteNamesBothRuns() {
        QTemporaryDir tmp;
        ChatView view;
        view.setRuns(twoRuns(tmp));
        view.setDrawSeed(3);
        view.setSideBySide(true);
        view.setBlinded(true);
        // Over several conversations both placements occur, and the screen sides follow them.
        bool seen[2] = {false, false};
        for (int i = 0; i < 12; ++i) {
            view.clearConversation();
            seen[view.swapped() ? 1 : 0] = true;
            QCOMPARE(view.runDir(0), tmp.filePath(view.swapped() ? "b" : "a"));
            QCOMPARE(view.runDir(1), tmp.filePath(view.swapped() ? "a" : "b"));
        }
        QVERIFY(seen[0] && seen[1]);
        QVector<QPair<ChatVote, ChatExchange>> votes;
        QString refuse = "set your judge name on the Judge tab first";
        view.setVoteSink([&](ChatVote c, const ChatExchange& e) {
            if (refuse.isEmpty())
                votes.push_back({c, e});
            return refuse;
        });
        QVERIFY(!view.vote(ChatVote::Left));  // nothing answered yet
        QVERIFY(view.send("Which is bigger, 3 or 5?"));
        view.beginReply(0);
        view.beginReply(1);
        view.endReply(0, "5", "1 token");
        QVERIFY(!view.vote(ChatVote::Left));  // the right side is still answering
        view.endReply(1, "3", "1 token");
        QVERIFY(!view.transcriptText(0).contains("run a"));  // names hidden until the vote
        // The sink refuses (no judge name): nothing revealed, the vote can be given again.
        QVERIFY(!view.vote(ChatVote::Left));
        QVERIFY(view.statusText().contains("judge name"));
        QVERIFY(!view.voted());
        refuse.clear();
        QVERIFY(view.vote(ChatVote::Left));
        QCOMPARE(votes.size(), 1);
        QCOMPARE(votes[0].first, ChatVote::Left);
        const ChatExchange e = votes[0].second;
        QCOMPARE(e.prompt, QString("Which is bigger, 3 or 5?"));
        QCOMPARE(e.responses[0], QString("5"));
        QCOMPARE(e.responses[1], QString("3"));
        QCOMPARE(e.runs[0], view.runDir(0));
        QCOMPARE(e.runs[1], view.runDir(1));
        QVERIFY(view.statusText().contains("Left was run"));
        QVERIFY(!view.vote(ChatVote::Right));  // one vote per exchange
        // Blinded mode records every exchange: the next message waits for the vote. It was
        // given, so it goes.
        QVERIFY(view.send("And 7 or 2?"));
    }
};

RGPB_TEST_MAIN(TestChatView)
}  // namespace rgpb_test_chat_view
#include "test_chat_view.moc"
