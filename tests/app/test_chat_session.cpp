// The Chat tab's engine (app/gui/ChatSession) on a real run, offscreen: the answer the view
// shows equals the Generator's own for the same prompt (called directly here), it streams in
// before it ends, two runs answer side by side, Stop ends an answer where it is, a checkpoint
// that does not exist comes back as that side's failure, and the main window has the tab.
#include "tests/support/MicroRun.h"

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBrowser>

#include "app/gui/ChatSession.h"
#include "app/gui/MainWindow.h"
#include "core/generate/Generator.h"
#include "core/train/Evaluation.h"
#include "widgets/ChatView.h"
#include "widgets/JudgingView.h"

namespace rgpb_test_chat_session {

using namespace rgpb;
using namespace rgpb::app;

namespace {

// The run's answer to `prompt` computed without the session: load, generate, decode.
std::string directAnswer(const std::string& run_dir, const std::string& prompt,
                         const GenerationSettings& s) {
    LoadedRun run = loadRun(run_dir, torch::kCPU);
    Generator g(run.model, run.tokenizer->specials(), torch::kCPU);
    return g.generateText(*run.tokenizer, {prompt}, run.config.data.max_prompt_length, s)
        .front()
        .response;
}

void greedy(widgets::ChatView& view, int tokens) {
    view.maxTokens()->setValue(tokens);
    view.temperature()->setValue(0.0);
    view.stopAtEos()->setChecked(false);  // a random model: every answer has `tokens` tokens
}

}  // namespace

class TestChatSession : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void theAnswerIsTheGeneratorsAndStreamsIn() {
        QTemporaryDir tmp;
        const std::string run = test::makeMicroRun(tmp.filePath("run").toStdString());
        widgets::ChatView view;
        ChatSession session(&view);
        view.setRuns({{"micro", QString::fromStdString(run)}});
        greedy(view, 40);
        QStringList renders;  // every transcript the view showed while the answer was written
        connect(view.findChild<QTextBrowser*>("chatTranscript1"), &QTextBrowser::textChanged, this,
                [&] { renders << view.transcriptText(0); });
        QSignalSpy ended(&session, &ChatSession::allEnded);
        QVERIFY(view.send("hello"));
        QVERIFY(view.busy());
        QVERIFY(ended.wait(60000));
        QVERIFY(!view.busy());
        const std::string expected = directAnswer(run, "hello", view.settings());
        const auto conv = view.conversation(0);
        QCOMPARE(conv.size(), std::size_t(2));
        // The synthetic run's template is plain. The view holds text: a random model's bytes
        // that are not UTF-8 show as replacement characters, in both.
        QCOMPARE(QString::fromStdString(conv[1].content), QString::fromStdString(expected));
        QVERIFY(view.statusText().contains("40 tokens"));
        QVERIFY(view.statusText().contains("max new tokens reached"));
        // The answer streamed: some render showed a non-empty part of it with the writing cursor
        // (the renders before the end; the last one has no cursor). Parts are compared as the
        // transcript shows them, and a part may end in half a UTF-8 character of a random model.
        const auto answerIn = [](const QString& r, int end) {
            const int from = r.lastIndexOf("Model\n", end) + 6;
            return from < 6 ? QString() : r.mid(from, end - from);
        };
        const QString shown = answerIn(renders.last(), int(renders.last().size()));
        QVERIFY(!shown.isEmpty());
        bool streamed = false;
        for (const QString& r : renders) {
            const int cursor = int(r.indexOf(QChar(0x258C)));
            const QString part = cursor < 0 ? QString() : answerIn(r, cursor);
            streamed = streamed || (!part.isEmpty() && shown.startsWith(part.chopped(1)));
        }
        QVERIFY(streamed);
        QVERIFY(!renders.last().contains(QChar(0x258C)));
        // The run stays loaded for the next message.
        QCOMPARE(session.loadedRuns(), 1);
        QVERIFY(view.send("again"));
        QVERIFY(ended.wait(60000));
        QCOMPARE(view.conversation(0).size(), std::size_t(4));
    }

    void twoRunsAnswerSideBySideAndABadCheckpointFailsItsSide() {
        QTemporaryDir tmp;
        const std::string a = test::makeMicroRun(tmp.filePath("a").toStdString());
        const std::string b = test::makeMicroRun(tmp.filePath("b").toStdString());
        widgets::ChatView view;
        ChatSession session(&view);
        view.setRuns({{"a", QString::fromStdString(a)}, {"b", QString::fromStdString(b)}});
        view.setSideBySide(true);
        greedy(view, 12);
        QSignalSpy ended(&session, &ChatSession::allEnded);
        QVERIFY(view.send("2 + 2"));
        QVERIFY(ended.wait(60000));
        const auto e = view.lastExchange();
        QVERIFY(e.has_value());
        QCOMPARE(e->responses[0],
                 QString::fromStdString(directAnswer(a, "2 + 2", view.settings())));
        QCOMPARE(e->responses[1],
                 QString::fromStdString(directAnswer(b, "2 + 2", view.settings())));
        // A checkpoint the run does not have: that side says why, the other still answers.
        view.checkpointBox(1)->addItem("step-7");
        view.checkpointBox(1)->setCurrentText("step-7");
        QVERIFY(view.send("3 + 3"));
        QVERIFY(ended.wait(60000));
        QVERIFY2(view.transcriptText(1).contains("step-7"), qPrintable(view.transcriptText(1)));
        QCOMPARE(view.conversation(0).size(), std::size_t(4));
        QCOMPARE(view.conversation(1).size(), std::size_t(2));  // the unanswered message left out
    }

    void stopEndsTheAnswerWhereItIs() {
        QTemporaryDir tmp;
        const std::string run = test::makeMicroRun(tmp.filePath("run").toStdString());
        widgets::ChatView view;
        ChatSession session(&view);
        view.setRuns({{"micro", QString::fromStdString(run)}});
        greedy(view, 40);
        QSignalSpy ended(&session, &ChatSession::allEnded);
        QVERIFY(view.send("hello"));
        session.stop();  // before the first token: the answer ends empty, not as a failure
        QVERIFY(ended.wait(60000));
        QCOMPARE(view.conversation(0).size(), std::size_t(2));
        QVERIFY2(view.statusText().contains("stopped by you"), qPrintable(view.statusText()));
        QVERIFY(view.statusText().contains("0 tokens"));
    }

    void aBlindedVoteGoesIntoTheJudgeTabsDatabase() {
        QStandardPaths::setTestModeEnabled(true);
        QTemporaryDir tmp;
        const QString runs = tmp.filePath("runs");
        const QString a = QString::fromStdString(test::makeMicroRun((runs + "/a").toStdString()));
        const QString b = QString::fromStdString(test::makeMicroRun((runs + "/b").toStdString()));
        MainWindow w(runs, RGPB_SOURCE_DIR "/presets");
        widgets::ChatView& view = *w.chatView();
        view.setRuns({{"a", a}, {"b", b}});
        view.setDrawSeed(11);
        view.setSideBySide(true);
        view.setBlinded(true);
        greedy(view, 8);
        QSignalSpy ended(w.chatSession(), &ChatSession::allEnded);
        QVERIFY(view.send("hello"));
        QVERIFY(ended.wait(60000));
        w.judgingView()->setJudge("");
        QVERIFY(!view.vote(widgets::ChatVote::Left));  // no judge name yet: refused, says why
        QVERIFY2(view.statusText().contains("judge name"), qPrintable(view.statusText()));
        w.judgingView()->setJudge("chat-tester");
        QVERIFY(view.vote(widgets::ChatVote::Left));
        judging::JudgmentStore* store = w.judgingView()->store();
        QVERIFY(store);
        const auto sets = store->sets();
        QCOMPARE(sets.size(), std::size_t(1));
        QCOMPARE(sets[0].name, std::string("chat: a vs b"));
        const auto votes = store->statsVotes(sets[0].id);
        QCOMPARE(votes.size(), std::size_t(1));
        QCOMPARE(votes[0].judge, std::string("chat-tester"));
        // "Left is better": the run on the left won, whichever the draw put there.
        QCOMPARE(votes[0].winner,
                 view.swapped() ? judging::Winner::ModelB : judging::Winner::ModelA);
        QCOMPARE(votes[0].length_a, 8.0);
        QCOMPARE(QString::fromStdString(store->presentations(sets[0].id)[0].prompt),
                 QString("hello"));
    }

    // docs/chat.png: RGPB_CHAT_SCREENSHOT=file.png with RGPB_CHAT_RUNS=<runs dir holding two
    // finished runs> shows both answering one HH-RLHF-style question side by side.
    void screenshot() {
        const QString png = qEnvironmentVariable("RGPB_CHAT_SCREENSHOT");
        const QString runs = qEnvironmentVariable("RGPB_CHAT_RUNS");
        if (png.isEmpty() || runs.isEmpty())
            QSKIP("set RGPB_CHAT_SCREENSHOT=file.png and RGPB_CHAT_RUNS=dir to save a screenshot");
        MainWindow w(runs, RGPB_SOURCE_DIR "/presets");
        w.resize(1500, 950);
        w.show();
        auto* tabs = qobject_cast<QTabWidget*>(w.centralWidget());
        tabs->setCurrentWidget(w.chatView());
        widgets::ChatView& view = *w.chatView();
        QVERIFY(view.runBox(0)->count() >= 2);
        view.setSideBySide(true);
        view.runBox(0)->setCurrentIndex(1);
        view.runBox(1)->setCurrentIndex(0);
        view.maxTokens()->setValue(60);
        view.temperature()->setValue(0.7);
        QSignalSpy ended(w.chatSession(), &ChatSession::allEnded);
        for (const char* message :
             {"What is a good way to learn to cook?", "And what should I cook first?"}) {
            QVERIFY(view.send(message));
            QVERIFY(ended.wait(120000));
        }
        QVERIFY(w.grab().save(png));
    }

    void theWindowHasAChatTabWithTheFinishedRuns() {
        QStandardPaths::setTestModeEnabled(true);
        QTemporaryDir tmp;
        const QString runs = tmp.filePath("runs");
        QDir().mkpath(runs);
        MainWindow w(runs, RGPB_SOURCE_DIR "/presets");
        auto* tabs = qobject_cast<QTabWidget*>(w.centralWidget());
        QVERIFY(tabs);
        const int at = tabs->indexOf(w.chatView());
        QVERIFY(at > 0);
        QCOMPARE(tabs->tabText(at), QString("Chat"));
        tabs->setCurrentIndex(at);
        QCOMPARE(w.chatView()->runBox(0)->count(), 0);  // no finished run in an empty folder
        QVERIFY(w.chatView()->statusText().contains("No finished run"));
    }
};

RGPB_TEST_MAIN(TestChatSession)
}  // namespace rgpb_test_chat_session
#include "test_chat_session.moc"
