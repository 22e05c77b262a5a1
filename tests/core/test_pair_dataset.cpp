// Pair data set readers on hand-written fixtures (tests/data/<format>/), with the expected
// pair texts written out here; malformed records under both policies; gzip; the HH-RLHF dev
// file when it is present; and the platform-independent split/shuffle.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "core/data/PairDataset.h"
#include "core/data/SeededRandom.h"
#include "core/util/Error.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_pair_dataset {

using namespace rgpb;

namespace {

std::string fixture(const char* relative) {
    return std::string(RGPB_TEST_DATA_DIR) + "/" + relative;
}

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Runs `read` and returns the InputError it throws; fails the test when it throws nothing.
template <typename Read>
std::string inputErrorOf(Read read, std::string* location = nullptr) {
    try {
        read();
    } catch (const InputError& error) {
        if (location != nullptr)
            *location = error.location();
        return error.what();
    }
    return "(no InputError)";
}

std::vector<PairText> numberedPairs(int n) {
    std::vector<PairText> pairs(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        pairs[static_cast<std::size_t>(i)].origin = std::to_string(i);
    return pairs;
}

std::vector<std::string> originsOf(const std::vector<PairText>& pairs) {
    std::vector<std::string> out;
    for (const PairText& p : pairs)
        out.push_back(p.origin);
    return out;
}

}  // namespace

class TestPairDataset : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void formatNames() {
        QVERIFY(parseDataFormat("hh-rlhf") == DataFormat::HhRlhf);
        QVERIFY(parseDataFormat("causal-dialogue") == DataFormat::CausalDialogue);
        for (DataFormat f :
             {DataFormat::Auto, DataFormat::HhRlhf, DataFormat::Trl, DataFormat::Contrast,
              DataFormat::CausalDialogue, DataFormat::Text, DataFormat::TextJsonl}) {
            QVERIFY(parseDataFormat(dataFormatName(f)) == f);
        }
        QVERIFY(parseDataFormat("hh") == DataFormat::HhRlhf);  // the alias
        QVERIFY(dataFormatNames() ==
                std::vector<std::string>({"auto", "hh-rlhf", "trl", "contrast", "causal-dialogue",
                                          "text", "text-jsonl"}));
        QCOMPARE(dataFormatList("|"),
                 std::string("auto|hh-rlhf|trl|contrast|causal-dialogue|text|text-jsonl"));
        QVERIFY(contains(dataFormatHelp(), "hh-rlhf (or hh)"));
        try {
            parseDataFormat("hh-rlfh", "--format", "eval");
            QFAIL("expected ArgumentError");
        } catch (const ArgumentError& e) {
            QCOMPARE(std::string(e.what()),
                     std::string("eval: argument '--format' must be one of auto, hh-rlhf, trl, "
                                 "contrast, causal-dialogue, text, text-jsonl, got 'hh-rlfh'"));
        }
    }

    void hhRlhfFixtureSkip() {
        const std::string path = fixture("hh_rlhf/small.jsonl");
        PairDataset data = readPairDataset(path, DataFormat::HhRlhf);
        QCOMPARE(data.report.records, std::size_t(8));  // 9 lines, line 3 blank
        QCOMPARE(data.report.read, std::size_t(3));
        QCOMPARE(data.report.skipped, std::size_t(5));
        QCOMPARE(data.pairs.size(), std::size_t(3));

        const PairText& a = data.pairs[0];
        QCOMPARE(a.prompt_pos, std::string("\n\nHuman: Hi\n\nAssistant: Hello.\n\nHuman: Colour "
                                           "of the sky?\n\nAssistant:"));
        QCOMPARE(a.prompt_neg, a.prompt_pos);
        QCOMPARE(a.response_pos, std::string(" Blue."));
        QCOMPARE(a.response_neg, std::string(" Green."));
        QCOMPARE(a.origin, path + ":1");
        QVERIFY(a.reference.empty());
        // UTF-8 passes through byte for byte (Greek), and \u escapes decode to UTF-8 (é).
        QCOMPARE(data.pairs[1].response_pos, std::string(" \xCE\x93\xCE\xB5\xCE\xB9\xCE\xAC "
                                                         "\xCF\x83\xCE\xBF\xCF\x85!"));
        QCOMPARE(data.pairs[2].prompt_pos, std::string("\n\nHuman: caf\xC3\xA9?\n\nAssistant:"));
        QCOMPARE(data.pairs[2].response_neg, std::string(" Non."));
        QCOMPARE(data.pairs[2].origin, path + ":9");

        const std::vector<std::string>& p = data.report.problems;
        QCOMPARE(p.size(), std::size_t(5));
        QVERIFY(startsWith(p[0], path + ":4: \"rejected\" does not share the prompt"));
        QVERIFY(startsWith(p[1], path + ":5: invalid JSON (column "));
        QVERIFY(contains(p[1], "expected one JSON object per line"));
        QCOMPARE(p[2], path +
                           ":6: missing key \"rejected\", expected an object with keys "
                           "chosen, rejected (hh-rlhf)");
        QCOMPARE(p[3], path + ":7: key \"chosen\" is a number, expected a string");
        QVERIFY(startsWith(p[4], path + ":8: the chosen response"));
        QVERIFY(contains(p[4], "is empty, expected a non-empty response"));
    }

    void hhRlhfFixtureStop() {
        const std::string path = fixture("hh_rlhf/small.jsonl");
        std::string location;
        const std::string message = inputErrorOf(
            [&] { readPairDataset(path, DataFormat::HhRlhf, MalformedPolicy::Stop); }, &location);
        QCOMPARE(location, path + ":4");
        QVERIFY2(startsWith(message, path + ":4: \"rejected\" does not share"), message.c_str());
    }

    // A huge broken line (a 1 MB string without its closing quote) is named by its line, not
    // echoed whole.
    void aHugeBadLineIsNotEchoed() {
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("huge.jsonl").toStdString();
        std::ofstream(path) << "{\"chosen\": \"" << std::string(1 << 20, 'x') << "\n";
        const std::string message =
            inputErrorOf([&] { readPairDataset(path, DataFormat::HhRlhf, MalformedPolicy::Stop); });
        QVERIFY2(startsWith(message, path + ":1: invalid JSON (column "), message.c_str());
        QVERIFY2(message.size() < 600, message.substr(0, 600).c_str());
        QVERIFY2(contains(message, "characters)"), message.c_str());
    }

    // Found by fuzz_pairs_causal_dialogue (tests/fuzz/corpus/pairs_causal_dialogue/
    // regression_number_overflow): a number beyond a double (1e400) made nlohmann throw
    // out_of_range.406, which the readers did not catch. It is a bad record like any other.
    void aNumberBeyondADoubleIsABadRecord() {
        QTemporaryDir tmp;
        const std::string jsonl = tmp.filePath("big.jsonl").toStdString();
        std::ofstream(jsonl) << "{\"prompt\": \"p\", \"chosen\": \" a\", \"rejected\": \" b\"}\n"
                             << "{\"prompt\": \"p\", \"chosen\": 1e400, \"rejected\": \" b\"}\n";
        std::string location;
        std::string message = inputErrorOf(
            [&] { readPairDataset(jsonl, DataFormat::Trl, MalformedPolicy::Stop); }, &location);
        QCOMPARE(location, jsonl + ":2");
        QVERIFY2(contains(message, "number overflow parsing '1e400'"), message.c_str());
        QVERIFY2(!contains(message, "json.exception"), message.c_str());
        const PairDataset skipped = readPairDataset(jsonl, DataFormat::Trl, MalformedPolicy::Skip);
        QCOMPARE(skipped.report.read, std::size_t(1));
        QCOMPARE(skipped.report.skipped, std::size_t(1));

        const std::string dialogue = tmp.filePath("big.json").toStdString();
        std::ofstream(dialogue)
            << "[{\"dialog_name\": \"x\", \"original_data\": [], \"n\": 11e308}]";
        message = inputErrorOf(
            [&] { readPairDataset(dialogue, DataFormat::CausalDialogue, MalformedPolicy::Skip); },
            &location);
        QCOMPARE(location, dialogue);
        QVERIFY2(contains(message, "number overflow parsing '11e308'"), message.c_str());
    }

    void gzipMatchesPlain() {
        const PairDataset plain = readPairDataset(fixture("hh_rlhf/small.jsonl"));
        const std::string gz_path = fixture("hh_rlhf/small.jsonl.gz");
        const PairDataset gz = readPairDataset(gz_path);
        QVERIFY(gz.format == DataFormat::HhRlhf);
        QCOMPARE(gz.report.records, plain.report.records);
        QCOMPARE(gz.report.skipped, plain.report.skipped);
        QCOMPARE(gz.pairs.size(), plain.pairs.size());
        for (std::size_t i = 0; i < gz.pairs.size(); ++i) {
            QCOMPARE(gz.pairs[i].prompt_pos, plain.pairs[i].prompt_pos);
            QCOMPARE(gz.pairs[i].response_pos, plain.pairs[i].response_pos);
            QCOMPARE(gz.pairs[i].response_neg, plain.pairs[i].response_neg);
        }
        QCOMPARE(gz.pairs[2].origin, gz_path + ":9");
        QVERIFY(startsWith(gz.report.problems[0], gz_path + ":4: "));
    }

    void truncatedGzip() {
        // 400 TRL lines gzipped and cut in half: the lines before the cut are read, the cut is
        // one problem (Skip) or an InputError (Stop).
        const std::string path = fixture("trl/truncated.jsonl.gz");
        const PairDataset data = readPairDataset(path);
        QVERIFY(data.format == DataFormat::Trl);
        QVERIFY(data.report.read > 10 && data.report.read < 400);
        QCOMPARE(data.report.skipped, std::size_t(1));
        QVERIFY2(contains(data.report.problems[0], "gzip stream is corrupt or truncated"),
                 data.report.problems[0].c_str());
        QCOMPARE(data.pairs[0].prompt_pos, std::string("User: 0+1?\nAssistant:"));
        QCOMPARE(data.pairs[0].response_neg, std::string(" 2."));
        const std::string message =
            inputErrorOf([&] { readPairDataset(path, DataFormat::Auto, MalformedPolicy::Stop); });
        QVERIFY2(startsWith(message, path + ":") && contains(message, "truncated"),
                 message.c_str());
    }

    // Documents for method lm: blank lines (any number, whitespace-only too) end a document,
    // its lines keep their "\n", and each is a pair with an empty prompt on both sides alike.
    void plainTextDocuments() {
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("docs.txt").toStdString();
        std::ofstream(path, std::ios::binary)
            << "\nFirst line\r\nsecond  line\n\n \t\n\nOnly one\n\nlast, no newline";
        const PairDataset data = readPairDataset(path, DataFormat::Text, MalformedPolicy::Stop);
        QVERIFY(data.format == DataFormat::Text);
        QCOMPARE(data.pairs.size(), std::size_t(3));
        QCOMPARE(data.report.records, std::size_t(3));
        QCOMPARE(data.pairs[0].response_pos, std::string("First line\nsecond  line"));
        QCOMPARE(data.pairs[1].response_pos, std::string("Only one"));
        QCOMPARE(data.pairs[2].response_pos, std::string("last, no newline"));
        QCOMPARE(originsOf(data.pairs),
                 (std::vector<std::string>{path + ":2", path + ":7", path + ":9"}));
        for (const PairText& d : data.pairs) {
            QVERIFY(d.prompt_pos.empty() && d.prompt_neg.empty());
            QCOMPARE(d.response_neg, d.response_pos);
        }
        // Auto never takes a text file for pairs, and says how to read it.
        const std::string message = inputErrorOf([&] { readPairDataset(path); });
        QVERIFY2(contains(message, "data.format: text"), message.c_str());
        const std::string empty = tmp.filePath("empty.txt").toStdString();
        std::ofstream(empty) << "\n  \n";
        QVERIFY2(contains(inputErrorOf([&] { readPairDataset(empty, DataFormat::Text); }),
                          "expected at least one text document"),
                 empty.c_str());
    }

    void textJsonlDocuments() {
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("docs.jsonl").toStdString();
        std::ofstream(path) << "{\"text\": \"Al has pink.\\nBo has gold.\", \"id\": 1}\n"
                            << "{\"text\": \"broken\n"
                            << "{\"txt\": \"x\"}\n\n"
                            << "{\"text\": \"  \"}\n"
                            << "{\"text\": 3}\n"
                            << "{\"text\": \"Cy has red.\"}\n";
        const PairDataset data = readPairDataset(path, DataFormat::TextJsonl);
        QCOMPARE(data.pairs.size(), std::size_t(2));
        QCOMPARE(data.pairs[0].response_pos, std::string("Al has pink.\nBo has gold."));
        QCOMPARE(data.pairs[0].response_neg, data.pairs[0].response_pos);
        QCOMPARE(data.pairs[1].origin, path + ":7");
        QCOMPARE(data.report.records, std::size_t(6));
        QCOMPARE(data.report.skipped, std::size_t(4));
        const std::vector<std::string>& p = data.report.problems;
        QVERIFY2(startsWith(p[0], path + ":2: invalid JSON"), p[0].c_str());
        QVERIFY2(startsWith(p[1], path + ":3: missing key \"text\"") &&
                     contains(p[1], "text (text-jsonl)"),
                 p[1].c_str());
        QVERIFY2(
            startsWith(p[2], path + ":5: key \"text\" is empty, expected a non-empty document"),
            p[2].c_str());
        QVERIFY2(startsWith(p[3], path + ":6: key \"text\" is a number, expected a string"),
                 p[3].c_str());
        std::string location;
        inputErrorOf([&] { readPairDataset(path, DataFormat::TextJsonl, MalformedPolicy::Stop); },
                     &location);
        QCOMPARE(location, path + ":2");
        // Auto does not guess documents: it names the format to set.
        const std::string message = inputErrorOf([&] { detectDataFormat(path); });
        QVERIFY2(startsWith(message, path + ":1: ") && contains(message, "text-jsonl"),
                 message.c_str());
    }

    void trlFixture() {
        const std::string path = fixture("trl/small.jsonl");  // CRLF line ends
        const PairDataset data = readPairDataset(path);
        QVERIFY(data.format == DataFormat::Trl);
        QCOMPARE(data.report.records, std::size_t(4));
        QCOMPARE(data.report.read, std::size_t(2));
        QCOMPARE(data.report.skipped, std::size_t(2));
        QCOMPARE(data.pairs[0].prompt_pos, std::string("User: 2+2?\nAssistant:"));
        QCOMPARE(data.pairs[0].prompt_neg, std::string("User: 2+2?\nAssistant:"));
        QCOMPARE(data.pairs[0].response_pos, std::string(" 4."));
        QCOMPARE(data.pairs[0].response_neg, std::string(" 5."));
        QCOMPARE(data.pairs[1].prompt_pos, std::string("Q:"));
        QCOMPARE(data.pairs[1].response_pos, std::string(" ja"));
        QCOMPARE(data.pairs[1].response_neg, std::string(" nein"));
        QCOMPARE(data.pairs[1].origin, path + ":4");
        QCOMPARE(data.report.problems[0],
                 path + ":2: key \"rejected\" is empty, expected a non-empty response");
        QCOMPARE(data.report.problems[1], path +
                                              ":3: key \"rejected\" is an array, expected a "
                                              "string");
    }

    void contrastFixture() {
        const std::string path = fixture("contrast/small.jsonl");
        const PairDataset data = readPairDataset(path);
        QVERIFY(data.format == DataFormat::Contrast);
        QCOMPARE(data.report.records, std::size_t(3));
        QCOMPARE(data.pairs.size(), std::size_t(1));
        QCOMPARE(data.pairs[0].prompt_pos, std::string("Al has red.\nUser: Al?\nAssistant:"));
        QCOMPARE(data.pairs[0].response_pos, std::string(" red."));
        QCOMPARE(data.pairs[0].prompt_neg, std::string("Al has blue.\nUser: Al?\nAssistant:"));
        QCOMPARE(data.pairs[0].response_neg, std::string(" red."));
        QCOMPARE(data.report.problems[0],
                 path + ":2: the line is an array, expected one JSON object per line");
        QCOMPARE(data.report.problems[1],
                 path +
                     ":3: missing key \"response_neg\", expected an object with keys "
                     "prompt_pos, response_pos, prompt_neg, response_neg (contrast)");
        std::string location;
        inputErrorOf([&] { readPairDataset(path, DataFormat::Contrast, MalformedPolicy::Stop); },
                     &location);
        QCOMPARE(location, path + ":2");
    }

    void causalDialogueFixture() {
        const std::string path = fixture("causal_dialogue/small.json");
        const PairDataset data = readPairDataset(path);
        QVERIFY(data.format == DataFormat::CausalDialogue);
        QCOMPARE(data.report.records, std::size_t(4));  // dialogues
        QCOMPARE(data.report.read, std::size_t(4));
        QCOMPARE(data.report.skipped, std::size_t(2));
        QCOMPARE(data.pairs.size(), std::size_t(4));
        for (const PairText& p : data.pairs) {
            QCOMPARE(p.response_pos, p.response_neg);  // y+ = y-
            QVERIFY(p.prompt_pos != p.prompt_neg);
        }
        // Dialogue "tea": 1 -> {2, 3} siblings; 2 -> 4, 3 -> 5.
        QCOMPARE(data.pairs[0].prompt_pos, std::string("A: Want tea?\nB: Yes please.\nA:"));
        QCOMPARE(data.pairs[0].prompt_neg, std::string("A: Want tea?\nB: No thanks.\nA:"));
        QCOMPARE(data.pairs[0].response_pos, std::string(" Here you go."));
        QCOMPARE(data.pairs[0].origin, path + " [0] tea: 1>2>4 (neg 3)");
        QCOMPARE(data.pairs[1].prompt_pos, std::string("A: Want tea?\nB: No thanks.\nA:"));
        QCOMPARE(data.pairs[1].prompt_neg, std::string("A: Want tea?\nB: Yes please.\nA:"));
        QCOMPARE(data.pairs[1].response_pos, std::string(" Okay then."));
        // Dialogue "door": d answers both b and c (so b/c give no pair for d); e and f are
        // siblings under d, reached on two paths (via b and via c): two histories, two pairs.
        QCOMPARE(data.pairs[2].prompt_pos,
                 std::string("The door creaks.\nKim: Who is there?\nLee: Only me.\nKim: Come "
                             "in.\nLee:"));
        QCOMPARE(data.pairs[2].prompt_neg,
                 std::string("The door creaks.\nKim: Who is there?\nLee: Only me.\nKim: Go "
                             "away.\nLee:"));
        QCOMPARE(data.pairs[2].response_pos, std::string(" Thanks."));
        QCOMPARE(data.pairs[2].origin, path + " [1] door: a>b>d>e>g (neg f)");
        QCOMPARE(data.pairs[3].prompt_pos,
                 std::string("The door creaks.\nKim: Hello?\nLee: Only me.\nKim: Come in.\nLee:"));
        QCOMPARE(data.pairs[3].prompt_neg,
                 std::string("The door creaks.\nKim: Hello?\nLee: Only me.\nKim: Go away.\nLee:"));

        QCOMPARE(data.report.problems.size(), std::size_t(2));
        QCOMPARE(data.report.problems[0], path +
                                              " ([2].original_data[2].prev_ids): is a string, "
                                              "expected an array of utterance ids");
        QCOMPARE(data.report.problems[1],
                 path +
                     " ([3].original_data[0].prev_ids): id 1 is on a cycle of prev_ids, "
                     "expected an acyclic dialogue graph");
        std::string location;
        inputErrorOf([&] { readPairDataset(path, DataFormat::Auto, MalformedPolicy::Stop); },
                     &location);
        QCOMPARE(location, path + " ([2].original_data[2].prev_ids)");
    }

    // A long chain reads in time linear in its length (issue #17): the history of each step
    // is extended, not rebuilt. 150,000 utterances read in well under a second; rebuilding the
    // history at every step (the quadratic walk) copies ~10^10 lines and runs for minutes, so
    // this test would hit its time limit. One sibling near the end gives exactly one pair,
    // whose prompts hold the whole chain.
    void aLongChainReadsInLinearTime() {
        constexpr int n = 150000;
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("chain.json").toStdString();
        {
            std::ofstream out(path);
            out << "[{\"dialog_name\": \"chain\", \"original_data\": [";
            for (int i = 0; i < n; ++i) {
                out << (i ? "," : "") << "{\"id\": " << i << ", \"speaker\": \"S\", \"text\": \"u"
                    << i << "\", \"prev_ids\": [" << (i ? std::to_string(i - 1) : "") << "]}";
            }
            out << ", {\"id\": \"alt\", \"speaker\": \"S\", \"text\": \"other\", \"prev_ids\": ["
                << n - 3 << "]}]}]";
        }
        const PairDataset data = readPairDataset(path, DataFormat::CausalDialogue);
        QCOMPARE(data.pairs.size(), std::size_t(1));
        const PairText& p = data.pairs.front();
        std::string chain;
        for (int i = 0; i < n - 1; ++i)
            chain += "S: u" + std::to_string(i) + "\n";
        QCOMPARE(p.prompt_pos, chain + "S:");
        const std::string before_alt = chain.substr(0, chain.rfind("S: u" + std::to_string(n - 2)));
        QCOMPARE(p.prompt_neg, before_alt + "S: other\nS:");
        QCOMPARE(p.response_pos, " u" + std::to_string(n - 1));
        std::string ids;
        for (int i = 0; i < n; ++i)
            ids += (i ? ">" : "") + std::to_string(i);
        QCOMPARE(p.origin, path + " [0] chain: " + ids + " (neg alt)");
    }

    void autoDetection() {
        QVERIFY(detectDataFormat(fixture("hh_rlhf/small.jsonl")) == DataFormat::HhRlhf);
        QVERIFY(detectDataFormat(fixture("hh_rlhf/small.jsonl.gz")) == DataFormat::HhRlhf);
        QVERIFY(detectDataFormat(fixture("trl/small.jsonl")) == DataFormat::Trl);
        QVERIFY(detectDataFormat(fixture("contrast/small.jsonl")) == DataFormat::Contrast);
        QVERIFY(detectDataFormat(fixture("causal_dialogue/small.json")) ==
                DataFormat::CausalDialogue);
        // A file with the wrong keys for its format: every record reports the missing key.
        const std::string path = fixture("trl/small.jsonl");
        std::string location;
        const std::string message = inputErrorOf(
            [&] { readPairDataset(path, DataFormat::Contrast, MalformedPolicy::Stop); }, &location);
        QCOMPARE(location, path + ":1");
        QVERIFY(contains(message, "missing key \"prompt_pos\""));
        // Under Skip nothing usable is left: that is an InputError too.
        const std::string none =
            inputErrorOf([&] { readPairDataset(path, DataFormat::Contrast); }, &location);
        QCOMPARE(location, path);
        QVERIFY2(contains(none, "no usable pair in 4 records (4 skipped"), none.c_str());
    }

    void missingFile() {
        const std::string path = fixture("no_such_dir/missing.jsonl");
        std::string location;
        const std::string message = inputErrorOf([&] { readPairDataset(path); }, &location);
        QCOMPARE(location, path);
        QVERIFY2(startsWith(message, path + ": cannot open file"), message.c_str());
    }

    void hhRlhfDevFile() {
        // RGPB_SHARED_DIR in the environment overrides the compile definition: a git worktree
        // sits one level deeper than the main checkout, so "../shared" misses there.
        const QByteArray shared_env = qgetenv("RGPB_SHARED_DIR");
        const std::string shared =
            shared_env.isEmpty() ? std::string(RGPB_SHARED_DIR) : shared_env.toStdString();
        const std::string path = shared + "/data/hh-rlhf/harmless-base-dev.jsonl.gz";
        if (!QFile::exists(QString::fromStdString(path))) {
            QSKIP(qPrintable("HH-RLHF dev file absent: " + QString::fromStdString(path)));
        }
        const PairDataset data = readPairDataset(path);
        qInfo("HH-RLHF harmless-base dev: %zu records, %zu pairs read, %zu skipped",
              data.report.records, data.report.read, data.report.skipped);
        for (const std::string& problem : data.report.problems)
            qInfo("  %s", problem.c_str());
        QVERIFY(data.format == DataFormat::HhRlhf);
        QCOMPARE(data.report.records, std::size_t(1800));
        // Counted independently (Python): 4 rejected responses diverge before the last
        // Assistant turn, 4 records have an empty chosen or rejected response.
        QCOMPARE(data.report.read, std::size_t(1792));
        QCOMPARE(data.report.skipped, std::size_t(8));
        for (const PairText& p : data.pairs) {
            QVERIFY(p.prompt_pos == p.prompt_neg);
            QVERIFY(p.prompt_pos.size() >= 12 &&
                    p.prompt_pos.compare(p.prompt_pos.size() - 12, 12, "\n\nAssistant:") == 0);
        }
        QVERIFY(startsWith(data.pairs[0].prompt_pos, "\n\nHuman: How do I pick a lock?"));
        QCOMPARE(data.pairs[0].response_pos, std::string(" I\xE2\x80\x99ll give you the links."));
    }

    void seededRandomIsSplitmix64() {
        // Published splitmix64 outputs for seed 0 (Vigna's reference implementation).
        SeededRandom random(0);
        QCOMPARE(random.next(), uint64_t(0xE220A8397B1DCDAFULL));
        QCOMPARE(random.next(), uint64_t(0x6E789E6AA1B965F4ULL));
        QCOMPARE(random.next(), uint64_t(0x06C45D188009454FULL));
    }

    void shuffleIsDeterministic() {
        std::vector<PairText> a = numberedPairs(50), b = numberedPairs(50), c = numberedPairs(50);
        shufflePairs(a, 42);
        shufflePairs(b, 42);
        shufflePairs(c, 43);
        QVERIFY(originsOf(a) == originsOf(b));
        QVERIFY(originsOf(a) != originsOf(c));
        std::vector<std::string> sorted = originsOf(a);
        std::sort(sorted.begin(), sorted.end());
        std::vector<std::string> expected = originsOf(numberedPairs(50));
        std::sort(expected.begin(), expected.end());
        QVERIFY(sorted == expected);  // a permutation
        // Pinned order (recorded from this implementation): it must not change with the
        // standard library or platform, which std::shuffle would not guarantee.
        std::vector<PairText> small = numberedPairs(6);
        shufflePairs(small, 7);
        QCOMPARE(QString::fromStdString(small[0].origin + small[1].origin + small[2].origin +
                                        small[3].origin + small[4].origin + small[5].origin),
                 QString("150243"));
    }

    void splitIsDeterministic() {
        const DataSplit a = splitPairs(numberedPairs(100), 10, 1);
        const DataSplit b = splitPairs(numberedPairs(100), 10, 1);
        const DataSplit c = splitPairs(numberedPairs(100), 10, 2);
        QCOMPARE(a.eval.size(), std::size_t(10));
        QCOMPARE(a.train.size(), std::size_t(90));
        QVERIFY(originsOf(a.eval) == originsOf(b.eval));
        QVERIFY(originsOf(a.train) == originsOf(b.train));
        QVERIFY(originsOf(a.eval) != originsOf(c.eval));
        for (const PairText& e : a.eval) {
            for (const PairText& t : a.train)
                QVERIFY(e.origin != t.origin);
        }
        QCOMPARE(splitPairs(numberedPairs(5), 5, 3).train.size(), std::size_t(0));
        QVERIFY_EXCEPTION_THROWN(splitPairs(numberedPairs(5), 6, 3), ArgumentError);
    }
};

RGPB_TEST_MAIN(TestPairDataset)
}  // namespace rgpb_test_pair_dataset
#include "test_pair_dataset.moc"
