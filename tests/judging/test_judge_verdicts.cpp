// The model judge's templates and verdict parser: hand-written answers in the forms the
// templates ask for and their variants, unparseable ones, template files with a missing
// placeholder or section (errors name the file), rendering, and the two-order rule.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "core/judging/JudgeTemplate.h"
#include "core/util/Error.h"
#include "tests/support/TestMain.h"

namespace rgpb_test_judge_verdicts {

using namespace rgpb::judging;

class TestJudgeVerdicts : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;

    std::string write(const QString& name, const std::string& text) {
        const std::string path = tmp_.filePath(name).toStdString();
        std::ofstream(path) << text;
        return path;
    }

private Q_SLOTS:
    void paperForms() {
        QCOMPARE(parseJudgeVerdict("Response 1 is more helpful.\nPreferred: Response 1"),
                 JudgeVerdict::Response1);
        QCOMPARE(parseJudgeVerdict("Both are fine, but...\n\nPreferred: Response 2."),
                 JudgeVerdict::Response2);
        QCOMPARE(parseJudgeVerdict("**Preferred:** **Response 2**"), JudgeVerdict::Response2);
        QCOMPARE(parseJudgeVerdict("preferred: response one"), JudgeVerdict::Response1);
        QCOMPARE(parseJudgeVerdict("Preferred: 2"), JudgeVerdict::Response2);
        QCOMPARE(parseJudgeVerdict("Preferred: Tie"), JudgeVerdict::Tie);
        // The last labelled line decides (a model that corrects itself).
        QCOMPARE(parseJudgeVerdict("Preferred: Response 1\nOn reflection:\nPreferred: Response 2"),
                 JudgeVerdict::Response2);
    }

    void mtbenchForms() {
        QCOMPARE(parseJudgeVerdict("Assistant A is more accurate. [[A]]"), JudgeVerdict::Response1);
        QCOMPARE(parseJudgeVerdict("Final verdict: [[B]]"), JudgeVerdict::Response2);
        QCOMPARE(parseJudgeVerdict("[[C]]"), JudgeVerdict::Tie);
        QCOMPARE(parseJudgeVerdict("I weighed [[A]] first, but in the end [[b]]."),
                 JudgeVerdict::Response2);
    }

    void shortAnswers() {
        QCOMPARE(parseJudgeVerdict("Response 1"), JudgeVerdict::Response1);
        QCOMPARE(parseJudgeVerdict("  response 2.  "), JudgeVerdict::Response2);
        QCOMPARE(parseJudgeVerdict("\"Response 1\"!"), JudgeVerdict::Response1);
        QCOMPARE(parseJudgeVerdict("**2**"), JudgeVerdict::Response2);
        QCOMPARE(parseJudgeVerdict("A"), JudgeVerdict::Response1);
        QCOMPARE(parseJudgeVerdict("Assistant B"), JudgeVerdict::Response2);
        QCOMPARE(parseJudgeVerdict("TIE."), JudgeVerdict::Tie);
        QCOMPARE(parseJudgeVerdict("I prefer Response 2."), JudgeVerdict::Response2);
        QCOMPARE(parseJudgeVerdict("As the human, I would prefer response 1 because it answers "
                                   "the question directly and politely."),
                 JudgeVerdict::Response1);
    }

    void unparseable() {
        QCOMPARE(parseJudgeVerdict(""), JudgeVerdict::Unparsed);
        QCOMPARE(parseJudgeVerdict("I cannot decide."), JudgeVerdict::Unparsed);
        QCOMPARE(parseJudgeVerdict("Both responses have merits and flaws; it depends on what "
                                   "the human wants."),
                 JudgeVerdict::Unparsed);
        // Naming both as preferred is no verdict; neither is a bare "Response 3".
        QCOMPARE(parseJudgeVerdict("Some prefer Response 1, others prefer Response 2."),
                 JudgeVerdict::Unparsed);
        QCOMPARE(parseJudgeVerdict("Response 3"), JudgeVerdict::Unparsed);
        QCOMPARE(parseJudgeVerdict("Absolutely"), JudgeVerdict::Unparsed);
        QCOMPARE(parseJudgeVerdictName(judgeVerdictName(JudgeVerdict::Unparsed)),
                 JudgeVerdict::Unparsed);
    }

    void twoOrders() {
        // Response 1 is model_a in the first order, model_b in the second.
        QCOMPARE(winnerOfAnswer(JudgeVerdict::Response1, true), Winner::ModelA);
        QCOMPARE(winnerOfAnswer(JudgeVerdict::Response1, false), Winner::ModelB);
        QCOMPARE(winnerOfAnswer(JudgeVerdict::Response2, false), Winner::ModelA);
        QCOMPARE(winnerOfAnswer(JudgeVerdict::Unparsed, true), Winner::Skip);
        QCOMPARE(combinedVerdict(Winner::ModelA, Winner::ModelA), Winner::ModelA);
        QCOMPARE(combinedVerdict(Winner::ModelB, Winner::ModelB), Winner::ModelB);
        QCOMPARE(combinedVerdict(Winner::ModelA, Winner::ModelB), Winner::Tie);  // a flip
        QCOMPARE(combinedVerdict(Winner::ModelA, Winner::Tie), Winner::Tie);
        QCOMPARE(combinedVerdict(Winner::Tie, Winner::Tie), Winner::Tie);
        QCOMPARE(combinedVerdict(Winner::ModelA, Winner::Skip), Winner::Skip);
    }

    void builtInTemplatesLoadAndRender() {
        for (const char* name : {"paper", "mtbench"}) {
            const JudgeTemplate t = loadJudgeTemplate(name);
            QVERIFY2(!t.user.empty(), name);
            const JudgePrompt p =
                renderJudgePrompt(t, "\n\nHuman: Hi there?\n\nAssistant:", " Hello! ", "Go away.");
            const std::string all = p.system + p.user;
            QVERIFY2(all.find("Human: Hi there?") != std::string::npos, all.c_str());
            QVERIFY(all.find("Hi there?\n\nAssistant:") == std::string::npos);  // cue gone
            QVERIFY(all.find("Hello!") < all.find("Go away."));
            QVERIFY(all.find("{response_1}") == std::string::npos);
        }
        const JudgeTemplate paper = loadJudgeTemplate("paper");
        QVERIFY(paper.user.find("You are the human in the conversation. Tell me which response "
                                "you prefer.") != std::string::npos);
        QVERIFY(loadJudgeTemplate("mtbench").system.find("[[C]]") != std::string::npos);
    }

    void renderingIsOnePass() {
        const JudgeTemplate t =
            parseJudgeTemplate("[user]\n{conversation}|{response_1}|{response_2}\n", "t.txt");
        // A response that contains a placeholder's text is not expanded again.
        const JudgePrompt p = renderJudgePrompt(t, "Human: x", "{response_2}", "b {c}");
        QCOMPARE(p.user, std::string("Human: x|{response_2}|b {c}"));
        QVERIFY(p.system.empty());
    }

    void badTemplatesNameTheFile() {
        const std::string missing = write("missing.txt",
                                          "# mine\n[system]\nJudge.\n[user]\n"
                                          "{conversation}\n{response_1}\n");
        try {
            loadJudgeTemplate(missing);
            QFAIL("a template without {response_2} was accepted");
        } catch (const rgpb::InputError& e) {
            const std::string what = e.what();
            QVERIFY2(what.find(missing) != std::string::npos, e.what());
            QVERIFY2(what.find("{response_2}") != std::string::npos, e.what());
        }
        const std::string no_user = write("nouser.txt", "[system]\n{conversation}\n");
        QVERIFY_THROWS_EXCEPTION(rgpb::InputError, loadJudgeTemplate(no_user));
        const std::string stray = write("stray.txt", "# ok\nstray text\n[user]\n{conversation}\n");
        try {
            loadJudgeTemplate(stray);
            QFAIL("text before the first section was accepted");
        } catch (const rgpb::InputError& e) {
            QVERIFY2(std::string(e.what()).find(stray + ":2") != std::string::npos, e.what());
        }
        try {
            loadJudgeTemplate(tmp_.filePath("absent.txt").toStdString());
            QFAIL("a missing template file was accepted");
        } catch (const rgpb::InputError& e) {
            QVERIFY2(std::string(e.what()).find("absent.txt") != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("paper") != std::string::npos, e.what());
        }
    }
};

RGPB_TEST_MAIN(TestJudgeVerdicts)
}  // namespace rgpb_test_judge_verdicts
#include "test_judge_verdicts.moc"
