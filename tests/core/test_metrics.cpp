// Spec.md section 3 metrics against hand-computed values.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <cmath>

#include "core/metrics/BatchMetrics.h"
#include "core/metrics/Bootstrap.h"
#include "core/metrics/PairMetrics.h"
#include "core/util/Error.h"
#include "tests/support/Approx.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_metrics {

using namespace rgpb;

namespace {
bool near(double a, double b, double tol = 1e-7) {
    return std::abs(a - b) < tol;
}
}  // namespace

class TestMetrics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void twoPairsByHand() {
        // Pair A: S+ = -2, T+ = 2, S- = -3, T- = 1 -> m+ = -1, m- = -3
        // Pair B: S+ = -6, T+ = 3, S- = -1, T- = 2 -> m+ = -2, m- = -0.5
        PairMetricsAccumulator acc(0.5, 3);
        acc.add({-2, 2, -3, 1, -2.5, -2.5});
        acc.add({-6, 3, -1, 2, -5.0, -2.0});
        PairMetrics m = acc.result();
        QCOMPARE(m.pairs, std::size_t(2));
        // perplexity = exp((2 + 6) / (2 + 3)) = exp(1.6) = 4.9530324 (token-weighted, not the
        // mean of per-pair perplexities)
        QVERIFY(near(m.perplexity, 4.9530324244));
        // agility = ((e^-1 - e^-3) + (e^-2 - e^-0.5)) / 2 = (0.3180924 - 0.4711954)/2 = -0.0765515
        QVERIFY(near(m.agility, -0.0765515018));
        // pos_prob = (e^-1 + e^-2) / 2 = 0.2516074
        QVERIFY(near(m.pos_prob, 0.2516073622));
        // logp_margin = ((-2 + 3) + (-6 + 1)) / 2 = -2
        QVERIFY(near(m.logp_margin, -2.0));
        // info_diff: log10(e^-2 - e^-3) = log10 0.0855482 = -1.0677890;
        //            log10(e^-1 - e^-6) = log10 0.3654006 = -0.4372306; mean -0.7525098
        QVERIFY(near(m.info_diff_log10_mean, -0.7525098433));
        QVERIFY(near(m.info_diff_log10_median, -0.7525098433));
        // rewards, beta = 0.5: A chosen 0.5*(-2+2.5) = 0.25, rejected 0.5*(-3+2.5) = -0.25;
        // B chosen 0.5*(-6+5) = -0.5, rejected 0.5*(-1+2) = 0.5.
        QVERIFY(m.has_rewards);
        QVERIFY(near(m.reward_chosen, -0.125));
        QVERIFY(near(m.reward_rejected, 0.125));
        QVERIFY(near(m.reward_margin, -0.25));
        QVERIFY(near(m.reward_accuracy, 0.5));
    }

    // Documents: the two-sided metrics are not measurements and are not named.
    void documentsNameOnlyThePositiveSide() {
        PairMetricsAccumulator acc(0.5, 3);
        acc.add({-2, 2, -2, 2, -1.0, -1.0});  // one document: S+ = S-, T+ = T-
        acc.add({-6, 3, -6, 3, -5.0, -5.0});
        acc.addGradDiff(1, 0.0, 0.0);
        PairMetrics m = acc.result();
        markAsDocuments(m);
        QVERIFY(near(m.perplexity, 4.9530324244));  // exp((2 + 6) / (2 + 3)), as for pairs
        QVERIFY(near(m.pos_prob, 0.2516073622));    // (e^-1 + e^-2) / 2
        QVERIFY(near(m.mean_logp_pos, -1.5));
        QVERIFY(std::isnan(m.agility) && std::isnan(m.logp_margin) && !m.has_rewards &&
                m.grad_diff_l1.empty());
        std::vector<std::string> names;
        for (const auto& [name, value] : m.named())
            names.push_back(name);
        QVERIFY(names ==
                (std::vector<std::string>{"perplexity", "pos_prob", "mean_logp_pos", "pairs"}));
    }

    void infoDiffWhereExpUnderflows() {
        // exp(-800) underflows double to 0; in log space:
        // log10|e^-800 - e^-801| = (-800 + ln(1 - e^-1)) / ln 10 = -347.6347856
        QVERIFY(std::exp(-800.0) == 0.0);
        QVERIFY(near(log10AbsExpDiff(-800, -801), -347.6347856072, 1e-9));
        QVERIFY(near(log10AbsExpDiff(-801, -800), -347.6347856072, 1e-9));
        // A tiny difference uses the expm1 branch: ln(1 - e^-d) = ln(d) - d/2 + ... for d ~ 1e-9
        // (d taken as the difference the doubles actually hold).
        const double a = -800, b = -800 - 1e-9, d = a - b;
        QVERIFY(near(log10AbsExpDiff(a, b), (a + std::log(d) - d / 2) / std::log(10.0), 1e-12));
        // A large gap: the smaller term vanishes: log10 e^-10 = -4.3429448
        QVERIFY(near(log10AbsExpDiff(-10, -1000), -4.3429448190));
        QVERIFY(std::isinf(log10AbsExpDiff(-5, -5)));
        PairMetricsAccumulator acc;
        acc.add({-5, 1, -5, 1, {}, {}});
        acc.add({-800, 100, -801, 100, {}, {}});
        PairMetrics m = acc.result();
        QCOMPARE(m.info_diff_identical, std::size_t(1));
        QVERIFY(near(m.info_diff_log10_mean, -347.6347856072, 1e-9));
        QVERIFY(!m.has_rewards);
    }

    void gradDiffByHand() {
        // Pair 0: first response step: P+ = softmax[0, 0] = [0.5, 0.5], P- = softmax[ln 3, 0] =
        // [0.75, 0.25]: L1 = 0.25 + 0.25 = 0.5, L2 = sqrt(2 * 0.0625) = 0.3535534.
        // Second step: both [0.5, 0.5]: 0. Pair 1: one response step on the negative side,
        // identical distributions: 0 at step 1, absent at step 2.
        auto f = torch::TensorOptions().dtype(torch::kFloat32);
        torch::Tensor pl = torch::zeros({2, 3, 2}, f);
        torch::Tensor nl = torch::zeros({2, 3, 2}, f);
        nl[0][1][0] = std::log(3.0);
        torch::Tensor pm = torch::tensor({{0, 1, 1}, {1, 1, 0}});
        torch::Tensor nm = torch::tensor({{0, 1, 1}, {0, 0, 1}});
        PairMetricsAccumulator acc(0.1, 3);
        addGradDiff(acc, pl, pm, nl, nm, 3);
        acc.add({-1, 1, -1, 1, {}, {}});
        PairMetrics m = acc.result();
        QCOMPARE(m.grad_diff_l1.size(), std::size_t(2));  // no pair reaches step 3
        QVERIFY(near(m.grad_diff_l1[0], 0.25, 1e-6));     // (0.5 + 0) / 2
        QVERIFY(near(m.grad_diff_l2[0], 0.3535534 / 2, 1e-6));
        QVERIFY(near(m.grad_diff_l1[1], 0.0, 1e-6));
    }

    void pairRecordsFromTensors() {
        PairLogProbs p;
        auto f = torch::TensorOptions().dtype(torch::kFloat64);
        p.pos.sum = torch::tensor({-2.0, -6.0}, f);
        p.pos.count = torch::tensor({2.0, 3.0}, f);
        p.neg.sum = torch::tensor({-3.0, -1.0}, f);
        p.neg.count = torch::tensor({1.0, 2.0}, f);
        PairMetricsAccumulator acc;
        addPairRecords(acc, p);
        QCOMPARE(acc.size(), std::size_t(2));
        QVERIFY(near(acc.result().perplexity, 4.9530324244));
    }

    void badInput() {
        PairMetricsAccumulator acc;
        QVERIFY_THROWS_EXCEPTION(Error, acc.result());
        QVERIFY_THROWS_EXCEPTION(ArgumentError, acc.add({-1, 0, -1, 1, {}, {}}));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, acc.add({NAN, 1, -1, 1, {}, {}}));
    }

    void quantilesByHand() {
        std::vector<double> v{4, 1, 3, 2};
        QCOMPARE(quantile(v, 0.0), 1.0);
        QCOMPARE(quantile(v, 1.0), 4.0);
        QCOMPARE(quantile(v, 0.25), 1.75);  // h = 0.75: 1 + 0.75 * (2 - 1)
        QCOMPARE(quantile(v, 0.5), 2.5);
        std::vector<double> one{7};
        QCOMPARE(quantile(one, 0.3), 7.0);
        std::vector<double> none;
        QVERIFY_THROWS_EXCEPTION(ArgumentError, quantile(none, 0.5));
    }

    void bootstrapPointValuesByHand() {
        // Pair 1: S+ = -2 over 2 tokens, S- = -3 over 1. Pair 2: S+ = -6 over 3, S- = -1 over 2.
        // perplexity = exp(8 / 5); agility = ((e^-1 - e^-3) + (e^-2 - e^-0.5)) / 2.
        std::vector<PairRecord> pairs{{-2, 2, -3, 1, {}, {}}, {-6, 3, -1, 2, {}, {}}};
        PerplexityAgility r = bootstrapPerplexityAgility(pairs, {200, 0.95, 3});
        QCOMPARE(r.pairs, std::size_t(2));
        QVERIFY(near(r.perplexity.value, 4.9530324244));
        QVERIFY(near(r.agility.value,
                     ((std::exp(-1.0) - std::exp(-3.0)) + (std::exp(-2.0) - std::exp(-0.5))) / 2));
        // Every resample is one of: both pair 1, both pair 2, or one of each, so the interval
        // ends are bounded by the single-pair values.
        QVERIFY(r.perplexity.low >= std::exp(1.0) - 1e-12);
        QVERIFY(r.perplexity.high <= std::exp(2.0) + 1e-12);
        QVERIFY(r.perplexity.low <= r.perplexity.value && r.perplexity.value <= r.perplexity.high);
    }

    void bootstrapIdenticalPairsHaveNoWidth() {
        std::vector<PairRecord> pairs(50, PairRecord{-3, 3, -4, 2, {}, {}});
        PerplexityAgility r = bootstrapPerplexityAgility(pairs);
        QVERIFY(near(r.perplexity.value, std::exp(1.0)));
        QVERIFY(near(r.perplexity.low, r.perplexity.value));
        QVERIFY(near(r.perplexity.high, r.perplexity.value));
        QVERIFY(near(r.agility.low, std::exp(-1.0) - std::exp(-2.0)));
        QVERIFY(near(r.agility.high, std::exp(-1.0) - std::exp(-2.0)));
    }

    void bootstrapWidthMatchesTheNormalApproximation() {
        // Agility terms a_i = exp(S+/T+) - exp(S-/T-) take two values, 0.6 and 0.2, half each:
        // mean 0.4, population sd 0.2. For n = 400 the 95% interval of the mean is about
        // +- 1.96 * 0.2 / sqrt(400) = +- 0.0196 (central limit theorem), independent of the code.
        const double a_hi = 0.6, a_lo = 0.2;
        std::vector<PairRecord> pairs;
        for (int i = 0; i < 400; ++i) {
            double a = i % 2 ? a_hi : a_lo;
            // exp(S+/T+) = 0.7, exp(S-/T-) = 0.7 - a, all with T = 1.
            pairs.push_back({std::log(0.7), 1, std::log(0.7 - a), 1, {}, {}});
        }
        PerplexityAgility r = bootstrapPerplexityAgility(pairs, {4000, 0.95, 11});
        QVERIFY(near(r.agility.value, 0.4));
        const double half = 1.96 * 0.2 / 20.0;
        QVERIFY2(std::abs((r.agility.high - r.agility.low) / 2 - half) < 0.15 * half,
                 qPrintable(QString("interval [%1, %2]").arg(r.agility.low).arg(r.agility.high)));
        RGPB_COMPARE_NEAR((r.agility.low + r.agility.high) / 2, 0.4, 0.003);
        // Same seed, same interval; the perplexity is 1/0.7 for every pair: no width.
        PerplexityAgility again = bootstrapPerplexityAgility(pairs, {4000, 0.95, 11});
        QCOMPARE(again.agility.low, r.agility.low);
        QVERIFY(near(r.perplexity.high, 1 / 0.7) && near(r.perplexity.low, 1 / 0.7));
    }

    void bootstrapBadArguments() {
        QVERIFY_THROWS_EXCEPTION(ArgumentError, bootstrapPerplexityAgility({}));
        std::vector<PairRecord> one{{-1, 1, -1, 1, {}, {}}};
        QVERIFY_THROWS_EXCEPTION(ArgumentError, bootstrapPerplexityAgility(one, {0, 0.95, 1}));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, bootstrapPerplexityAgility(one, {10, 1.0, 1}));
    }
};

RGPB_TEST_MAIN(TestMetrics)
}  // namespace rgpb_test_metrics
#include "test_metrics.moc"
