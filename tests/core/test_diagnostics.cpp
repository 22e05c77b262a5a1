// The gradient diagnostics' files (core/diagnostics/Diagnostics.h): every record read back as
// written, a torn last line skipped, malformed content named by file, line and key, and resume's
// truncation.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/diagnostics/Diagnostics.h"
#include "core/diagnostics/DiagnosticsSummary.h"
#include "core/run/RunStore.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_diagnostics {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;
namespace fs = std::filesystem;

DiagnosticsRow sampleRow(int64_t step) {
    DiagnosticsRow r;
    r.step = step;
    r.stage = 1;
    r.stage_name = "pref";
    r.method = "dpo";
    r.beta = 0.1;
    r.weights.push_back({"dpo", "beta*sigmoid(-h)", {0.05, 0.025, 0.075}, 0.0375, 0.05, 0.0625});
    r.displacement.pairs = 2;
    r.displacement.share = 2.0 / 3.0;
    r.displacement.threshold = 0.5;
    r.displacement.alert = true;
    r.displacement.top = {{2, -1.5, -4.0, 2.5}, {0, -0.25, -1.0, 0.75}};
    r.gradients = {{"embeddings", 1.0, 2.0, -0.5}, {"all", 3.0, 4.0, std::nan("")}};
    r.probe_pairs = 8;
    r.seconds = 0.125;
    return r;
}

void writeText(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

class TestDiagnostics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rowsRoundTrip() {
        QTemporaryDir tmp;
        const std::string run = tmp.path().toStdString();
        QVERIFY(readDiagnostics(run).empty());  // no file yet
        appendDiagnostics(run, sampleRow(10));
        DiagnosticsRow lm;  // an LM stage: no weights, no gradients
        lm.step = 20;
        lm.method = "mle";
        appendDiagnostics(run, lm);
        const auto rows = readDiagnostics(run);
        QCOMPARE(rows.size(), std::size_t(2));
        const DiagnosticsRow& r = rows[0];
        QCOMPARE(r.step, int64_t(10));
        QCOMPARE(r.stage, 1);
        QCOMPARE(r.stage_name, std::string("pref"));
        QCOMPARE(r.method, std::string("dpo"));
        QCOMPARE(r.beta, 0.1);
        QCOMPARE(r.weights.size(), std::size_t(1));
        QCOMPARE(r.weights[0].formula, std::string("beta*sigmoid(-h)"));
        QCOMPARE(r.weights[0].values, (std::vector<double>{0.05, 0.025, 0.075}));
        QCOMPARE(r.weights[0].q1, 0.0375);
        QCOMPARE(r.weights[0].q3, 0.0625);
        QCOMPARE(r.displacement.pairs, std::size_t(2));
        QCOMPARE(r.displacement.share, 2.0 / 3.0);  // exact: 17 significant digits
        QVERIFY(r.displacement.alert);
        QCOMPARE(r.displacement.top.size(), std::size_t(2));
        QCOMPARE(r.displacement.top[0].pair, std::size_t(2));
        QCOMPARE(r.displacement.top[0].d_margin, 2.5);
        QCOMPARE(r.gradients.size(), std::size_t(2));
        QCOMPARE(r.gradients[0].cosine, -0.5);
        QVERIFY(std::isnan(r.gradients[1].cosine));  // written as null
        QCOMPARE(r.probe_pairs, std::size_t(8));
        QCOMPARE(r.seconds, 0.125);
        QVERIFY(rows[1].weights.empty() && rows[1].gradients.empty());
        QCOMPARE(rows[1].method, std::string("mle"));
    }

    void tornLastLineIsSkippedOtherBadLinesNamed() {
        QTemporaryDir tmp;
        const std::string run = tmp.path().toStdString();
        appendDiagnostics(run, sampleRow(10));
        const std::string path = run + "/diagnostics.jsonl";
        AppendFile(path).write("{\"step\": 20, \"sta");  // a writer killed mid-line
        QCOMPARE(readDiagnostics(run).size(), std::size_t(1));
        AppendFile(path).write("\n");
        appendDiagnostics(run, sampleRow(30));  // now the torn line is in the middle
        auto m = messageOf<InputError>([&] { readDiagnostics(run); });
        QVERIFY2(contains(m, path + ":2") && contains(m, "not valid JSON"), m.c_str());
    }

    void malformedRowsNameLineAndKey() {
        QTemporaryDir tmp;
        const std::string run = tmp.path().toStdString();
        const std::string path = run + "/diagnostics.jsonl";
        writeText(path, "{\"step\": 1}\n");
        auto m = messageOf<InputError>([&] { readDiagnostics(run); });
        QVERIFY2(contains(m, path + ":1") && contains(m, "missing key 'stage'"), m.c_str());
        writeText(path, "\n{\"step\": \"ten\"}\n");
        m = messageOf<InputError>([&] { readDiagnostics(run); });
        QVERIFY2(contains(m, path + ":2") && contains(m, "'step': expected an integer"), m.c_str());
        writeText(path, "[1, 2]\n");
        m = messageOf<InputError>([&] { readDiagnostics(run); });
        QVERIFY2(contains(m, "expected a JSON object"), m.c_str());
        // A nested key is named with its path.
        fs::create_directories(run + "/ok");
        appendDiagnostics(run + "/ok", sampleRow(5));
        std::string line = readFile(run + "/ok/diagnostics.jsonl");
        const auto at = line.find("\"d_pos\":-1.5");
        QVERIFY(at != std::string::npos);
        line.replace(at, 12, "\"d_pos\":\"x\"");
        writeText(path, line);
        m = messageOf<InputError>([&] { readDiagnostics(run); });
        QVERIFY2(contains(m, "key 'displacement.top[].d_pos': expected a number or null"),
                 m.c_str());
    }

    void tokenFilesRoundTrip() {
        QTemporaryDir tmp;
        const std::string run = tmp.path().toStdString();
        QVERIFY(readTokenPieces(run).empty());
        QVERIFY(listTokenSnapshots(run).empty());
        // A byte model's piece may be half a UTF-8 character: written (replaced), not fatal.
        writeTokenPieces(run, {{0, {"The", " cat"}, {"A", "\xc3"}}, {3, {"x"}, {}}});
        const auto pieces = readTokenPieces(run);
        QCOMPARE(pieces.size(), std::size_t(2));
        QCOMPARE(pieces[0].pos, (std::vector<std::string>{"The", " cat"}));
        QCOMPARE(pieces[0].neg.size(), std::size_t(2));
        QCOMPARE(pieces[0].neg[1], std::string("\xef\xbf\xbd"));  // U+FFFD
        QCOMPARE(pieces[1].pair, std::size_t(3));
        QVERIFY(pieces[1].neg.empty());

        TokenSnapshot s{40, 1, 20, {0, 3}, {{-0.5, -1.25}, {-2.0}}, {{-3.0, std::nan("")}, {}}};
        writeTokenSnapshot(run, s);
        s.step = 20;
        writeTokenSnapshot(run, s);
        s.step = 100;
        writeTokenSnapshot(run, s);
        writeText(run + "/diagnostics/tokens-step-x.json", "{}");  // not a snapshot's name
        QCOMPARE(listTokenSnapshots(run), (std::vector<int64_t>{20, 40, 100}));
        const TokenSnapshot back = readTokenSnapshot(run, 40);
        QCOMPARE(back.step, int64_t(40));
        QCOMPARE(back.stage, 1);
        QCOMPARE(back.stage_start_step, int64_t(20));
        QCOMPARE(back.pairs, (std::vector<std::size_t>{0, 3}));
        QCOMPARE(back.pos[0], (std::vector<double>{-0.5, -1.25}));
        QCOMPARE(back.neg[0][0], -3.0);
        QVERIFY(std::isnan(back.neg[0][1]));
        QVERIFY(back.neg[1].empty());
        // Lists of the wrong length are refused when written.
        s.neg.pop_back();
        QVERIFY_THROWS_EXCEPTION(ArgumentError, writeTokenSnapshot(run, s));
    }

    void tokenFileErrorsNameFileAndKey() {
        QTemporaryDir tmp;
        const std::string run = tmp.path().toStdString();
        const std::string missing = run + "/diagnostics/tokens-step-7.json";
        auto m = messageOf<InputError>([&] { readTokenSnapshot(run, 7); });
        QVERIFY2(contains(m, missing), m.c_str());
        writeText(missing, "{\"step\": 8, \"stage\": 0, \"stage_start_step\": 0, \"pairs\": []}");
        m = messageOf<InputError>([&] { readTokenSnapshot(run, 7); });
        QVERIFY2(contains(m, missing) && contains(m, "expected 7 (the file's name), found 8"),
                 m.c_str());
        writeText(missing,
                  "{\"step\": 7, \"stage\": 0, \"stage_start_step\": 0, "
                  "\"pairs\": [{\"pair\": 1, \"pos\": [1, \"a\"], \"neg\": []}]}");
        m = messageOf<InputError>([&] { readTokenSnapshot(run, 7); });
        QVERIFY2(contains(m, "key 'pairs[].pos': expected an array of numbers"), m.c_str());
        writeText(missing, "{\"step\": 7,");
        m = messageOf<InputError>([&] { readTokenSnapshot(run, 7); });
        QVERIFY2(contains(m, missing) && contains(m, "not valid JSON"), m.c_str());
        const std::string pieces = run + "/diagnostics/tokens.json";
        writeText(pieces, "{\"pairs\": [{\"pair\": -1, \"pos\": [], \"neg\": []}]}");
        m = messageOf<InputError>([&] { readTokenPieces(run); });
        QVERIFY2(contains(m, pieces) && contains(m, "'pairs[].pair': expected a non-negative"),
                 m.c_str());
        writeText(pieces, "{\"pairs\": [{\"pair\": 1, \"pos\": [2], \"neg\": []}]}");
        m = messageOf<InputError>([&] { readTokenPieces(run); });
        QVERIFY2(contains(m, "'pairs[].pos': expected an array of strings"), m.c_str());
    }

    void baselineRoundTripAndErrors() {
        QTemporaryDir tmp;
        const std::string run = tmp.path().toStdString();
        StageBaseline b;
        QVERIFY(!readStageBaseline(run, 0, b));
        writeStageBaseline(run, {2, 150, {-1.5, -2.25}, {-3.0, -4.5}});
        QVERIFY(readStageBaseline(run, 2, b));
        QCOMPARE(b.stage, 2);
        QCOMPARE(b.step, int64_t(150));
        QCOMPARE(b.s_pos, (std::vector<double>{-1.5, -2.25}));
        QCOMPARE(b.s_neg, (std::vector<double>{-3.0, -4.5}));
        const std::string path = run + "/diagnostics/baseline-stage-2.json";
        writeText(path, "{\"stage\": 2, \"step\": 1, \"s_pos\": [1, 2], \"s_neg\": [1]}");
        auto m = messageOf<InputError>([&] { readStageBaseline(run, 2, b); });
        QVERIFY2(contains(m, path) && contains(m, "expected as many values, found 2 and 1"),
                 m.c_str());
        QVERIFY_THROWS_EXCEPTION(ArgumentError, writeStageBaseline(run, {0, 0, {1.0}, {}}));
    }

    void quartilesSkipNonFiniteValues() {
        // numpy's default (linear) quantiles of 1, 2, 3, 4: 1.75, 2.5, 3.25.
        const WeightDistribution w =
            weightDistribution("ul", "max_t P-/(1-P-)", {4.0, 1.0, std::nan(""), 3.0, 2.0});
        QCOMPARE(w.values.size(), std::size_t(5));  // kept in eval order, NaN included
        QCOMPARE(w.values[0], 4.0);
        QCOMPARE(w.q1, 1.75);
        QCOMPARE(w.median, 2.5);
        QCOMPARE(w.q3, 3.25);
        QVERIFY(std::isnan(weightDistribution("dpo", "", {std::nan("")}).median));
    }

    void displacementShareOfConstructedPairs() {
        const StageBaseline base{1, 40, {-10, -10, -10, -10}, {-12, -12, -12, -12}};
        // d_pos, d_neg: (-1, -2) displaced; (-0.5, +1) margin fell; (-3, -8) displaced;
        // (+1, -3) chosen rose.
        const std::vector<PairRecord> now = {{-11, 5, -14, 5, {}, {}},
                                             {-10.5, 5, -11, 5, {}, {}},
                                             {-13, 5, -20, 5, {}, {}},
                                             {-9, 5, -15, 5, {}, {}}};
        DisplacementInfo d = measureDisplacement(base, now, 0.5, 1);
        QCOMPARE(d.pairs, std::size_t(2));
        QCOMPARE(d.share, 0.5);
        QVERIFY(d.alert);  // share >= threshold
        QCOMPARE(d.top.size(), std::size_t(1));
        QCOMPARE(d.top[0].pair, std::size_t(2));  // lost the most
        QCOMPARE(d.top[0].d_pos, -3.0);
        QCOMPARE(d.top[0].d_neg, -8.0);
        QCOMPARE(d.top[0].d_margin, 5.0);
        d = measureDisplacement(base, now, 0.6, 10);
        QVERIFY(!d.alert);
        QCOMPARE(d.top.size(), std::size_t(2));
        QCOMPARE(d.top[1].pair, std::size_t(0));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, measureDisplacement(base, {now[0]}, 0.5, 1));
    }

    void metricsRowNamesTheScalars() {
        const NamedValues m = diagnosticsMetrics(sampleRow(10));
        const NamedValues want = {{"diag/dpo_weight_median", 0.05},
                                  {"diag/displacement_share", 2.0 / 3.0},
                                  {"diag/grad_pos_norm", 3.0},
                                  {"diag/grad_neg_norm", 4.0},
                                  {"diag/grad_cosine", std::nan("")}};
        QCOMPARE(m.size(), want.size());
        for (std::size_t i = 0; i + 1 < m.size(); ++i)
            QVERIFY(m[i] == want[i]);
        QCOMPARE(m.back().first, want.back().first);
        QVERIFY(std::isnan(m.back().second));
    }

    void truncationKeepsWhatPrecedesTheCheckpoint() {
        QTemporaryDir tmp;
        const std::string run = tmp.path().toStdString();
        truncateDiagnosticsAfter(run, 10);  // nothing there yet: nothing to do
        for (int64_t step : {10, 20, 30})
            appendDiagnostics(run, sampleRow(step));
        TokenSnapshot s{0, 0, 10, {0}, {{-1.0}}, {{-2.0}}};
        for (int64_t step : {10, 20, 30}) {
            s.step = step;
            writeTokenSnapshot(run, s);
        }
        writeStageBaseline(run, {0, 10, {-1.0}, {-2.0}});
        writeStageBaseline(run, {1, 30, {-1.0}, {-2.0}});
        truncateDiagnosticsAfter(run, 20);
        const auto rows = readDiagnostics(run);
        QCOMPARE(rows.size(), std::size_t(2));
        QCOMPARE(rows.back().step, int64_t(20));
        QCOMPARE(rows.back().displacement.top.size(), std::size_t(2));  // rewritten whole
        QCOMPARE(listTokenSnapshots(run), (std::vector<int64_t>{10, 20}));
        StageBaseline b;
        QVERIFY(readStageBaseline(run, 0, b));
        QVERIFY(!readStageBaseline(run, 1, b));  // taken after the checkpoint: taken again
    }
};

}  // namespace rgpb_test_diagnostics

using rgpb_test_diagnostics::TestDiagnostics;
RGPB_TEST_MAIN(TestDiagnostics)
#include "test_diagnostics.moc"
