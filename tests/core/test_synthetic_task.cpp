// The built-in synthetic task: determinism for a seed, each regime's defining property, the
// overlap knob's measured effect, the length limits a byte-level model needs, and the judge.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/data/SyntheticTask.h"
#include "core/util/Error.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_synthetic_task {

using namespace rgpb;

namespace {

std::vector<PairText> generate(SyntheticRegime regime, double overlap, uint64_t seed = 1,
                               std::size_t count = 2000) {
    SyntheticTaskOptions options;
    options.regime = regime;
    options.overlap = overlap;
    options.seed = seed;
    options.count = count;
    return generateSyntheticPairs(options);
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

// Literal overlap: the share of word positions holding the same word (position-aware, so
// reordering the facts counts as a change), over the longer of the two texts.
double positionalWordOverlap(const std::string& a, const std::string& b) {
    const std::vector<std::string> wa = words(a), wb = words(b);
    const std::size_t longer = std::max(wa.size(), wb.size());
    std::size_t same = 0;
    for (std::size_t i = 0; i < std::min(wa.size(), wb.size()); ++i)
        same += wa[i] == wb[i];
    return longer == 0 ? 1.0 : static_cast<double>(same) / static_cast<double>(longer);
}

double meanNegativeOverlap(SyntheticRegime regime, double overlap) {
    double total = 0;
    const std::vector<PairText> pairs = generate(regime, overlap);
    for (const PairText& p : pairs) {
        total += regime == SyntheticRegime::ContextContrast
                     ? positionalWordOverlap(p.prompt_pos, p.prompt_neg)
                     : positionalWordOverlap(p.response_pos, p.response_neg);
    }
    return total / static_cast<double>(pairs.size());
}

bool samePairs(const std::vector<PairText>& a, const std::vector<PairText>& b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].prompt_pos != b[i].prompt_pos || a[i].response_pos != b[i].response_pos ||
            a[i].prompt_neg != b[i].prompt_neg || a[i].response_neg != b[i].response_neg ||
            a[i].reference != b[i].reference || a[i].origin != b[i].origin) {
            return false;
        }
    }
    return true;
}

}  // namespace

class TestSyntheticTask : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void regimeNames() {
        QVERIFY(parseSyntheticRegime("context-contrast") == SyntheticRegime::ContextContrast);
        QVERIFY(parseSyntheticRegime("response-contrast") == SyntheticRegime::ResponseContrast);
        QCOMPARE(std::string(syntheticRegimeName(SyntheticRegime::ContextContrast)),
                 std::string("context-contrast"));
        try {
            parseSyntheticRegime("context");
            QFAIL("expected ArgumentError");
        } catch (const ArgumentError& e) {
            QVERIFY(std::string(e.what()).find("context-contrast, response-contrast") !=
                    std::string::npos);
        }
    }

    void deterministicForSeed() {
        for (SyntheticRegime r :
             {SyntheticRegime::ContextContrast, SyntheticRegime::ResponseContrast}) {
            QVERIFY(samePairs(generate(r, 0.5, 9), generate(r, 0.5, 9)));
            QVERIFY(!samePairs(generate(r, 0.5, 9), generate(r, 0.5, 10)));
        }
        // The overlap knob changes the negative side only: positives match pair by pair.
        const auto low = generate(SyntheticRegime::ContextContrast, 0.0, 4);
        const auto high = generate(SyntheticRegime::ContextContrast, 1.0, 4);
        for (std::size_t i = 0; i < low.size(); ++i) {
            QCOMPARE(low[i].prompt_pos, high[i].prompt_pos);
            QCOMPARE(low[i].response_pos, high[i].response_pos);
        }
    }

    void firstPairPinned() {
        // Recorded from this implementation: a seed's data set must never change silently
        // (saved runs name their data by seed).
        const auto pairs = generate(SyntheticRegime::ResponseContrast, 1.0, 7, 1);
        QCOMPARE(pairs[0].prompt_pos,
                 std::string("Di has gold. Al has lime.\nUser: Di?\nAssistant:"));
        QCOMPARE(pairs[0].response_pos, std::string(" Di has gold."));
        QCOMPARE(pairs[0].response_neg, std::string(" Di has lime."));
        QCOMPARE(pairs[0].origin, std::string("synthetic:response-contrast:0"));
    }

    void contextContrastProperty() {
        const auto pairs = generate(SyntheticRegime::ContextContrast, 0.5);
        QCOMPARE(pairs.size(), std::size_t(2000));
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            const PairText& p = pairs[i];
            QCOMPARE(p.response_pos, p.response_neg);  // y+ = y-
            QVERIFY(p.prompt_pos != p.prompt_neg);
            QCOMPARE(p.reference, p.response_pos);
            QCOMPARE(p.origin, "synthetic:context-contrast:" + std::to_string(i));
            // The rule is computable from the prompt, and y is wrong for x-.
            QCOMPARE(syntheticAnswer(p.prompt_pos).value_or("?"), p.reference);
            const auto neg_answer = syntheticAnswer(p.prompt_neg);
            QVERIFY2(neg_answer.has_value(), p.prompt_neg.c_str());
            QVERIFY(*neg_answer != p.response_neg);
        }
    }

    void responseContrastProperty() {
        const auto pairs = generate(SyntheticRegime::ResponseContrast, 0.5);
        for (const PairText& p : pairs) {
            QCOMPARE(p.prompt_pos, p.prompt_neg);  // x+ = x-
            QVERIFY(p.response_pos != p.response_neg);
            QCOMPARE(p.reference, p.response_pos);
            QCOMPARE(syntheticAnswer(p.prompt_pos).value_or("?"), p.reference);
            QVERIFY(!isCorrectResponse(p, p.response_neg));
        }
    }

    void overlapKnob() {
        for (SyntheticRegime r :
             {SyntheticRegime::ContextContrast, SyntheticRegime::ResponseContrast}) {
            const double o0 = meanNegativeOverlap(r, 0.0);
            const double o5 = meanNegativeOverlap(r, 0.5);
            const double o1 = meanNegativeOverlap(r, 1.0);
            qInfo(
                "%s: mean positional word overlap of the negative side at overlap 0 / 0.5 / "
                "1: %.3f / %.3f / %.3f",
                syntheticRegimeName(r), o0, o5, o1);
            QVERIFY(o0 < o5 - 0.05);
            QVERIFY(o5 < o1 - 0.05);
        }
        // At overlap 1 the negative differs in exactly one word: the context in one detail,
        // the response in its colour only.
        for (const PairText& p : generate(SyntheticRegime::ContextContrast, 1.0)) {
            const auto a = words(p.prompt_pos), b = words(p.prompt_neg);
            QCOMPARE(a.size(), b.size());
            std::size_t differing = 0;
            for (std::size_t i = 0; i < a.size(); ++i)
                differing += a[i] != b[i];
            QCOMPARE(differing, std::size_t(1));
        }
        for (const PairText& p : generate(SyntheticRegime::ResponseContrast, 1.0)) {
            const auto a = words(p.response_pos), b = words(p.response_neg);
            QCOMPARE(a.size(), std::size_t(3));
            QCOMPARE(b.size(), std::size_t(3));
            QCOMPARE(a[0], b[0]);
            QCOMPARE(a[1], b[1]);
            QVERIFY(a[2] != b[2]);
        }
        QVERIFY_EXCEPTION_THROWN(generate(SyntheticRegime::ContextContrast, 1.5), ArgumentError);
        QVERIFY_EXCEPTION_THROWN(generate(SyntheticRegime::ContextContrast, -0.1), ArgumentError);
    }

    void lengthsWithinLimits() {
        QCOMPARE(kSyntheticPromptMaxBytes, std::size_t(48));
        QCOMPARE(kSyntheticResponseMaxBytes, std::size_t(24));
        for (SyntheticRegime r :
             {SyntheticRegime::ContextContrast, SyntheticRegime::ResponseContrast}) {
            for (double overlap : {0.0, 0.5, 1.0}) {
                for (const PairText& p : generate(r, overlap, 3, 5000)) {
                    QVERIFY(p.prompt_pos.size() <= kSyntheticPromptMaxBytes);
                    QVERIFY(p.prompt_neg.size() <= kSyntheticPromptMaxBytes);
                    QVERIFY(p.response_pos.size() <= kSyntheticResponseMaxBytes);
                    QVERIFY(p.response_neg.size() <= kSyntheticResponseMaxBytes);
                    // Consistent dialogue shape.
                    QVERIFY(p.prompt_pos.find("\nUser: ") != std::string::npos);
                    QVERIFY(p.prompt_pos.size() > 11 &&
                            p.prompt_pos.compare(p.prompt_pos.size() - 11, 11, "\nAssistant:") ==
                                0);
                }
            }
        }
    }

    void judge() {
        PairText pair;
        pair.prompt_pos = "Al has pink. Bo has gold.\nUser: Bo?\nAssistant:";
        pair.reference = " Bo has gold.";
        QVERIFY(isCorrectResponse(pair, " Bo has gold."));
        QVERIFY(isCorrectResponse(pair, "bo HAS gold"));                       // case, final "."
        QVERIFY(isCorrectResponse(pair, "  Bo \t has  gold!! "));              // spacing, "!"
        QVERIFY(isCorrectResponse(pair, " Bo has gold.\nUser: Al?\nAssist"));  // turn ends at \n
        QVERIFY(!isCorrectResponse(pair, " Bo has pink."));
        QVERIFY(!isCorrectResponse(pair, " gold."));
        QVERIFY(!isCorrectResponse(pair, " Bo has golden."));
        QVERIFY(!isCorrectResponse(pair, ""));
        QCOMPARE(normalizeForJudging("  Bo \t HAS  gold?!\nmore"), std::string("bo has gold"));
        // Non-ASCII bytes are left alone (no locale-dependent case mapping).
        QCOMPARE(normalizeForJudging(" \xC3\x89t\xC3\xA9."), std::string("\xC3\x89t\xC3\xA9"));
        // Without a reference the synthetic rule supplies it; otherwise it is an error.
        pair.reference.clear();
        QVERIFY(isCorrectResponse(pair, "Bo has gold."));
        QVERIFY(!isCorrectResponse(pair, "Al has pink."));
        PairText foreign;
        foreign.prompt_pos = "\n\nHuman: hi\n\nAssistant:";
        QVERIFY_EXCEPTION_THROWN(isCorrectResponse(foreign, " hello"), ArgumentError);
        // syntheticAnswer on shapes it does not know.
        QVERIFY(!syntheticAnswer("Al has pink. Bo has gold.\nUser: Cy?\nAssistant:").has_value());
        QVERIFY(!syntheticAnswer("hello").has_value());
        QCOMPARE(syntheticAnswer("Al has pink. Bo has gold.\nUser: Al?\nAssistant:").value_or(""),
                 std::string(" Al has pink."));
    }

    // Method lm's pretraining text: the task world's facts and nothing of the task itself.
    void syntheticDocumentsStateFactsAndNeverTheTask() {
        SyntheticTextOptions o;
        o.count = 3000;
        o.seed = 5;
        const std::vector<PairText> docs = generateSyntheticDocuments(o);
        QCOMPARE(docs.size(), std::size_t(3000));
        // The people and colours the pair task uses, read from its prompts.
        std::set<std::string> task_names, task_colors;
        for (const PairText& p : generate(SyntheticRegime::ResponseContrast, 0.5, 2, 3000)) {
            const std::vector<std::string> w = words(p.prompt_pos);  // Al has pink. Bo has gold.
            task_names.insert({w[0], w[3]});
            task_colors.insert({w[2].substr(0, w[2].size() - 1), w[5].substr(0, w[5].size() - 1)});
        }
        std::set<std::size_t> fact_counts;
        for (std::size_t i = 0; i < docs.size(); ++i) {
            const PairText& d = docs[i];
            const std::string& text = d.response_pos;
            for (const char* turn : {"User:", "Assistant:", "?", "\n"})
                QVERIFY2(text.find(turn) == std::string::npos, text.c_str());
            QVERIFY(d.prompt_pos.empty() && d.prompt_neg.empty() && d.reference.empty());
            QCOMPARE(d.response_neg, text);
            QCOMPARE(d.origin, "synthetic-text:" + std::to_string(i));
            QVERIFY(text.size() <= kSyntheticDocumentMaxBytes);
            // "<Name> has <colour>." sentences: distinct people, distinct colours, all of them
            // the task's, and each fact is what the task's own rule answers when asked.
            const std::vector<std::string> w = words(text);
            QCOMPARE(w.size() % 3, std::size_t(0));
            std::set<std::string> names, colors;
            for (std::size_t k = 0; k < w.size(); k += 3) {
                const std::string color = w[k + 2].substr(0, w[k + 2].size() - 1);
                QCOMPARE(w[k + 1], std::string("has"));
                QCOMPARE(w[k + 2].back(), '.');
                QVERIFY2(task_names.count(w[k]) && task_colors.count(color), text.c_str());
                names.insert(w[k]);
                colors.insert(color);
                QCOMPARE(syntheticAnswer(text + "\nUser: " + w[k] + "?\nAssistant:").value_or(""),
                         " " + w[k] + " has " + color + ".");
            }
            QCOMPARE(names.size(), w.size() / 3);
            QCOMPARE(colors.size(), w.size() / 3);
            fact_counts.insert(w.size() / 3);
        }
        QVERIFY(fact_counts == (std::set<std::size_t>{2, 3, 4}));
        // A seed gives the same documents; another seed others.
        SyntheticTextOptions other = o;
        QVERIFY(samePairs(docs, generateSyntheticDocuments(other)));
        other.seed = 6;
        QVERIFY(!samePairs(docs, generateSyntheticDocuments(other)));
    }
};

RGPB_TEST_MAIN(TestSyntheticTask)
}  // namespace rgpb_test_synthetic_task
#include "test_synthetic_task.moc"
