// The gradient lab's measurement (core/analytic/GradientMeasure.h) on a micro model with random
// weights and hand-made pairs, against values computed independently here: sequence log-probs
// and next-token distributions from a plain forward + log_softmax per sequence (no batching, no
// padding), and the exact per-logit gradients written out from spec.md section 4.4.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/analytic/GradientCoefficients.h"
#include "core/analytic/GradientMeasure.h"
#include "core/analytic/GradientMeasureModel.h"
#include "core/model/ModelConfig.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"
#include "tests/support/HandMadePairs.h"
#include "tests/support/MicroRun.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_gradient_measure {

using namespace rgpb;
using rgpb::test::handMadePairs;
using rgpb::test::messageOf;
using rgpb::test::seq;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kVocab = 32;

// Larger weights than the init so the distributions are far from uniform and differ between
// contexts.
GptNeoX randomModel() {
    ModelConfig c = ModelConfig::named("micro", kVocab);
    c.num_layers = 2;
    c.max_positions = 32;
    return test::randomGptNeoX(c, 7, 0.4);
}

// Independent per-sequence quantities: next-token distributions at every response step (double)
// and the response tokens.
struct Side {
    std::vector<torch::Tensor> dist;  // [V] per response step
    std::vector<int64_t> tokens;
    double s = 0;  // summed log-prob
    double t = 0;  // response length
};

Side direct(GptNeoX& model, const TokenizedSequence& s) {
    torch::NoGradGuard ng;
    torch::Tensor ids =
        torch::tensor(std::vector<int64_t>(s.ids.begin(), s.ids.end())).unsqueeze(0);
    torch::Tensor logp = torch::log_softmax(model->forward(ids)[0].to(torch::kFloat64), -1);
    Side side;
    for (std::size_t j = static_cast<std::size_t>(s.response_start); j < s.ids.size(); ++j) {
        torch::Tensor row = logp[static_cast<int64_t>(j) - 1];
        side.dist.push_back(row.exp());
        side.tokens.push_back(s.ids[j]);
        side.s += row[s.ids[j]].item<double>();
        side.t += 1;
    }
    return side;
}

double sigmoid(double x) {
    return 1.0 / (1.0 + std::exp(-x));
}

// The ascent vector a_t of GradientMeasure.h, from spec.md 4.4 (per-token scaling included).
torch::Tensor closedFormAscent(ObjectiveKind kind, double beta, const Side& pos, const Side& neg,
                               std::size_t t) {
    torch::Tensor oh_pos = torch::zeros({kVocab}, torch::kFloat64);
    oh_pos[pos.tokens[t]] = 1.0;
    torch::Tensor oh_neg = torch::zeros({kVocab}, torch::kFloat64);
    oh_neg[neg.tokens[t]] = 1.0;
    torch::Tensor gpos = oh_pos - pos.dist[t];  // onehot(y+_t) - P+
    torch::Tensor gneg = oh_neg - neg.dist[t];  // onehot(y-_t) - P-
    switch (kind) {
        case ObjectiveKind::Mle:
        case ObjectiveKind::Lm:  // one sequence: -(1/T+) l+_t as well
            // -(1/T+) l+_t, ascent times T+.
            return gpos;
        case ObjectiveKind::Dpo: {
            double h = beta * (pos.s - neg.s);  // reference-free
            double w = beta * sigmoid(-h);
            return w * gpos - w * gneg;
        }
        case ObjectiveKind::Unlikelihood: {
            double p = neg.dist[t][neg.tokens[t]].item<double>();
            return gpos - beta * (p / (1.0 - p)) * gneg;
        }
        case ObjectiveKind::Exmate:
            return gpos - beta * std::exp(neg.s / neg.t) * gneg;
    }
    return {};
}

GradientMeasureOptions options(ObjectiveKind kind, double beta, int steps) {
    GradientMeasureOptions o;
    o.method = kind;
    o.beta = beta;
    o.steps = steps;
    o.batch_size = 3;  // two batches, one of them partial
    return o;
}

bool near(double a, double b, double tol) {
    return std::abs(a - b) <= tol;
}

}  // namespace

class TestGradientMeasure : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void informationDifferenceMatchesDirectLogProbs() {
        GptNeoX model = randomModel();
        auto pairs = handMadePairs();
        GradientMeasureResult r =
            measureTokenizedPairs(model, pairs, 0, options(ObjectiveKind::Exmate, 0.5, 3));
        QCOMPARE(r.info.size(), pairs.size());
        std::vector<double> logs;
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            Side pos = direct(model, pairs[i].pos), neg = direct(model, pairs[i].neg);
            const InfoDiffRow& row = r.info[i];
            QCOMPARE(row.pair, i);
            QCOMPARE(row.t_pos, pos.t);
            QCOMPARE(row.t_neg, neg.t);
            QVERIFY2(near(row.s_pos, pos.s, 1e-5), qPrintable(QString::number(row.s_pos)));
            QVERIFY(near(row.s_neg, neg.s, 1e-5));
            double expected = std::log10(std::abs(std::exp(pos.s) - std::exp(neg.s)));
            QVERIFY2(near(row.log10_info_diff, expected, 1e-5),
                     qPrintable(QString("%1 vs %2").arg(row.log10_info_diff).arg(expected)));
            logs.push_back(expected);
        }
        std::sort(logs.begin(), logs.end());
        QVERIFY(near(r.info_diff_log10_median, 0.5 * (logs[1] + logs[2]), 1e-5));
        QCOMPARE(r.info_diff_identical, std::size_t(0));
    }

    void gradientDifferenceMatchesDirectDistributions() {
        GptNeoX model = randomModel();
        auto pairs = handMadePairs();
        const int k = 3;
        GradientMeasureResult r =
            measureTokenizedPairs(model, pairs, 0, options(ObjectiveKind::Dpo, 0.1, k));
        std::size_t expected_rows = 0;
        std::vector<double> step1;
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            Side pos = direct(model, pairs[i].pos), neg = direct(model, pairs[i].neg);
            std::size_t steps = std::min<std::size_t>(
                {static_cast<std::size_t>(k), pos.dist.size(), neg.dist.size()});
            for (std::size_t t = 0; t < steps; ++t) {
                torch::Tensor d = pos.dist[t] - neg.dist[t];
                double l1 = d.abs().sum().item<double>();
                double l2 = d.pow(2).sum().sqrt().item<double>();
                auto it = std::find_if(r.grad.begin(), r.grad.end(), [&](const GradDiffRow& g) {
                    return g.pair == i && g.step == static_cast<int>(t + 1);
                });
                QVERIFY(it != r.grad.end());
                QVERIFY2(near(it->l1, l1, 1e-5),
                         qPrintable(QString("%1 vs %2").arg(it->l1).arg(l1)));
                QVERIFY(near(it->l2, l2, 1e-5));
                if (t == 0)
                    step1.push_back(l1);
                ++expected_rows;
            }
        }
        QCOMPARE(r.grad.size(), expected_rows);
        // Box statistics of step 1 by hand (4 values: linear interpolation of order statistics).
        std::sort(step1.begin(), step1.end());
        QCOMPARE(r.grad_l1.size(), std::size_t(k));
        QCOMPARE(r.grad_l1[0].count, std::size_t(4));
        QVERIFY(near(r.grad_l1[0].min, step1[0], 1e-5));
        QVERIFY(near(r.grad_l1[0].median, 0.5 * (step1[1] + step1[2]), 1e-5));
        QVERIFY(near(r.grad_l1[0].q1, step1[0] + 0.75 * (step1[1] - step1[0]), 1e-5));
        QVERIFY(near(r.grad_l1[0].max, step1[3], 1e-5));
        // Pair 2 (response lengths 5 and 2) and pair 3 (1 and 1) stop early.
        QCOMPARE(r.grad_l1[2].count, std::size_t(2));
    }

    void exactDecompositionMatchesClosedForms_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<double>("beta");
        QTest::newRow("mle") << "mle" << 1.0;
        QTest::newRow("dpo") << "dpo" << 0.5;
        QTest::newRow("ul") << "ul" << 0.7;
        QTest::newRow("exmate") << "exmate" << 2.0;
    }

    // THE key test: autograd through core/objectives, split per token, equals spec.md 4.4.
    void exactDecompositionMatchesClosedForms() {
        QFETCH(QString, method);
        QFETCH(double, beta);
        ObjectiveKind kind = parseObjectiveKind(method.toStdString());
        GptNeoX model = randomModel();
        auto pairs = handMadePairs();
        GradientMeasureResult r = measureTokenizedPairs(model, pairs, 0, options(kind, beta, 4));
        std::size_t checked = 0, shared = 0, distinct = 0;
        for (const DecompositionRow& row : r.decomposition) {
            Side pos = direct(model, pairs[row.pair].pos), neg = direct(model, pairs[row.pair].neg);
            std::size_t t = static_cast<std::size_t>(row.step - 1);
            QCOMPARE(int64_t(row.y_pos), pos.tokens[t]);
            QCOMPARE(int64_t(row.y_neg), neg.tokens[t]);
            QCOMPARE(row.shared, pos.tokens[t] == neg.tokens[t]);
            torch::Tensor a = closedFormAscent(kind, beta, pos, neg, t);
            double on_pos = a[pos.tokens[t]].item<double>();
            double total = a.sum().item<double>();
            QVERIFY2(near(row.exact_pos, on_pos, 1e-5),
                     qPrintable(QString("pair %1 step %2: %3 vs %4")
                                    .arg(row.pair)
                                    .arg(row.step)
                                    .arg(row.exact_pos)
                                    .arg(on_pos)));
            if (row.shared) {
                QVERIFY(std::isnan(row.exact_neg));
                QVERIFY(near(row.exact_other, total - on_pos, 1e-5));
                ++shared;
            } else {
                double on_neg = a[neg.tokens[t]].item<double>();
                QVERIFY2(near(row.exact_neg, on_neg, 1e-5),
                         qPrintable(QString("%1 vs %2").arg(row.exact_neg).arg(on_neg)));
                QVERIFY(near(row.exact_other, total - on_pos - on_neg, 1e-5));
                ++distinct;
            }
            QVERIFY(near(row.p_pos_ypos, pos.dist[t][pos.tokens[t]].item<double>(), 1e-6));
            QVERIFY(near(row.p_neg_yneg, neg.dist[t][neg.tokens[t]].item<double>(), 1e-6));
            ++checked;
        }
        // Pair 0: 3 steps (T- = 3; the first shared), pair 1: 3 (all shared), pair 2: 2
        // (T- = 2), pair 3: 1.
        QCOMPARE(checked, std::size_t(9));
        QCOMPARE(shared, std::size_t(4));
        QCOMPARE(distinct, std::size_t(5));
        QCOMPARE(r.shared_steps, shared);
        if (kind == ObjectiveKind::Mle) {
            QVERIFY(std::isnan(r.decomposition[0].approx_pos));
        }
    }

    void approximationIsExactWhenDistributionsAreEqual_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<double>("beta");
        QTest::newRow("dpo") << "dpo" << 0.5;
        QTest::newRow("ul") << "ul" << 0.7;
        QTest::newRow("exmate") << "exmate" << 2.0;
    }

    // x+ = x- and y+ = y- (every step shared, P+ = P-, e = 0), and single-token responses under
    // one prompt (the distinct step sees P+ = P-): the paper's coefficients are then exact.
    void approximationIsExactWhenDistributionsAreEqual() {
        QFETCH(QString, method);
        QFETCH(double, beta);
        ObjectiveKind kind = parseObjectiveKind(method.toStdString());
        GptNeoX model = randomModel();
        std::vector<TokenizedPair> pairs = {
            {seq({1, 5, 6, 2, 20, 21, 22, 3}, 4), seq({1, 5, 6, 2, 20, 21, 22, 3}, 4)},
            {seq({1, 4, 4, 2, 25}, 4), seq({1, 4, 4, 2, 26}, 4)},
            {seq({1, 7, 2, 11}, 3), seq({1, 7, 2, 30}, 3)},
        };
        GradientMeasureResult r = measureTokenizedPairs(model, pairs, 0, options(kind, beta, 4));
        QCOMPARE(r.decomposition.size(), std::size_t(6));
        for (const DecompositionRow& row : r.decomposition) {
            QVERIFY(std::isfinite(row.approx_pos));
            QVERIFY2(near(row.exact_pos, row.approx_pos, 1e-6),
                     qPrintable(QString("pair %1 step %2: exact %3 approx %4")
                                    .arg(row.pair)
                                    .arg(row.step)
                                    .arg(row.exact_pos)
                                    .arg(row.approx_pos)));
            QVERIFY(near(row.exact_other, row.approx_other, 1e-6));
            if (!row.shared)
                QVERIFY(near(row.exact_neg, row.approx_neg, 1e-6));
        }
        for (const GapSummary& g : r.gaps) {
            if (g.count > 0)
                QVERIFY2(g.median_abs_gap < 1e-6, qPrintable(QString::fromStdString(g.name)));
        }
        QVERIFY(r.approximation_holds);
        QVERIFY2(QString::fromStdString(r.verdict).startsWith("P+ \u2248 P- holds"),
                 r.verdict.c_str());
        // The identical pair's sequences are equal: no information difference at all.
        QCOMPARE(r.info_diff_identical, std::size_t(1));
    }

    void approximationGapShowsWhenContextsDiffer() {
        // Pair 1 of handMadePairs (context contrast) under ExMATE: P+ != P-, so the shared-token
        // coefficient c u (1 - P+(y)) misses beta (exp(m+)(1 - P+(y)) - exp(m-)(1 - P-(y))).
        GptNeoX model = randomModel();
        auto pairs = handMadePairs();
        std::vector<TokenizedPair> one = {pairs[1]};
        const double beta = 2.0;
        GradientMeasureResult r =
            measureTokenizedPairs(model, one, 0, options(ObjectiveKind::Exmate, beta, 1));
        QCOMPARE(r.decomposition.size(), std::size_t(1));
        const DecompositionRow& row = r.decomposition[0];
        Side pos = direct(model, pairs[1].pos), neg = direct(model, pairs[1].neg);
        double ppos = pos.dist[0][pos.tokens[0]].item<double>();
        double pneg = neg.dist[0][neg.tokens[0]].item<double>();
        double expected_gap =
            beta * (std::exp(pos.s / pos.t) * (1 - ppos) - std::exp(neg.s / neg.t) * (1 - pneg));
        QVERIFY(std::abs(expected_gap) > 1e-4);
        QVERIFY(near(row.exact_pos - row.approx_pos, expected_gap, 1e-6));
    }

    void badInputNamesTheFile() {
        fs::path dir = fs::temp_directory_path() / ("rgpb_gm_" + std::to_string(::getpid()));
        fs::remove_all(dir);
        GradientMeasureRequest req;
        req.model_path = (dir / "no-such-run").string();
        req.data_path = "synthetic";
        std::string m = messageOf<InputError>([&] { measureGradients(req); });
        QVERIFY2(m.find(req.model_path) != std::string::npos, m.c_str());

        req.model_path = rgpb::test::makeMicroRun(dir / "run");
        fs::path bad = dir / "pairs.jsonl";
        std::ofstream(bad) << "this is not json\n";
        req.data_path = bad.string();
        req.format = "hh";
        m = messageOf<InputError>([&] { measureGradients(req); });
        QVERIFY2(m.find(bad.string()) != std::string::npos, m.c_str());

        req.data_path = (dir / "missing.jsonl").string();
        m = messageOf<InputError>([&] { measureGradients(req); });
        QVERIFY2(m.find(req.data_path) != std::string::npos, m.c_str());

        req.data_path = bad.string();
        req.format = "yaml";
        m = messageOf<ArgumentError>([&] { measureGradients(req); });
        QVERIFY2(m.find("yaml") != std::string::npos, m.c_str());

        // The synthetic task of the run's config works end to end, and the files are written.
        req.data_path = "context-contrast";
        req.format = "auto";
        req.max_pairs = 5;
        req.method = "ul";
        req.beta = 0.5;
        std::size_t last_done = 0;
        GradientMeasureResult r = measureGradients(req, [&](std::size_t done, std::size_t total) {
            QCOMPARE(total, std::size_t(5));
            last_done = done;
        });
        QCOMPARE(last_done, std::size_t(5));
        QCOMPARE(r.pairs, std::size_t(5));
        QVERIFY(r.data.find("context-contrast") != std::string::npos);
        writeGradientMeasure(r, (dir / "out").string());
        std::ifstream dec(dir / "out" / "decomposition.csv");
        std::string header;
        std::getline(dec, header);
        QVERIFY(header.rfind("pair,step,case,y_pos,y_neg,", 0) == 0);
        QVERIFY(fs::exists(dir / "out" / "summary.json"));

        std::atomic<bool> cancel{true};
        QCOMPARE(messageOf<CancelledError>([&] { measureGradients(req, {}, &cancel); }),
                 std::string("cancelled by the user"));
        fs::remove_all(dir);
    }
};

RGPB_TEST_MAIN(TestGradientMeasure)
}  // namespace rgpb_test_gradient_measure
#include "test_gradient_measure.moc"
