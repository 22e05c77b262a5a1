// Aggregation of a study over seeds: Student-t quantiles against published table values and
// closed forms, means and intervals and paired t-test p-values computed by hand, pairing only
// over the seeds both sides finished, failed cells left out, and learning curves over stages.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <cmath>

#include "core/run/RunStore.h"
#include "core/study/StudyAggregate.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"
#include "tests/support/Approx.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_study_aggregate {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;

constexpr double kPi = 3.14159265358979323846;

StudyCellResult aggregateCell(const std::string& recipe, double beta, uint64_t seed,
                              double perplexity, double agility,
                              RunStatus status = RunStatus::Finished) {
    StudyCellResult c;
    c.task = "low-info";
    c.regime = InfoRegime::Low;
    c.recipe = recipe;
    c.beta = beta;
    c.seed = seed;
    c.status = status;
    c.final_metrics = {{"eval/perplexity", perplexity},
                       {"eval/agility", agility},
                       {"eval/pos_prob", agility + 0.5}};
    return c;
}

class TestStudyAggregate : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void studentTQuantileMatchesPublishedTables() {
        // Two-sided 95% critical values of Student's t (any statistics table).
        RGPB_COMPARE_NEAR(studentTQuantile(0.975, 1), 12.706205, 5e-7);
        RGPB_COMPARE_NEAR(studentTQuantile(0.975, 2), 4.302653, 5e-7);
        RGPB_COMPARE_NEAR(studentTQuantile(0.975, 4), 2.776445, 5e-7);
        RGPB_COMPARE_NEAR(studentTQuantile(0.975, 30), 2.042272, 5e-7);
        // 99% two-sided and 90% one-sided rows of the same tables.
        RGPB_COMPARE_NEAR(studentTQuantile(0.995, 10), 3.169273, 5e-7);
        RGPB_COMPARE_NEAR(studentTQuantile(0.9, 5), 1.475884, 5e-7);
        // Symmetry, and the median.
        RGPB_COMPARE_NEAR(studentTQuantile(0.025, 4), -2.776445, 5e-7);
        QCOMPARE(studentTQuantile(0.5, 3), 0.0);
    }

    void studentTMatchesClosedForms() {
        // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi, Q(p) = tan(pi (p - 1/2)).
        // df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)), Q(p) = (2p - 1) / sqrt(2 p (1 - p)).

        for (double t : {-7.5, -1.0, 0.3, 2.0, 40.0}) {
            RGPB_COMPARE_NEAR(studentTCdf(t, 1), 0.5 + std::atan(t) / kPi, 1e-13);
            RGPB_COMPARE_NEAR(studentTCdf(t, 2), 0.5 + t / (2 * std::sqrt(2 + t * t)), 1e-13);
        }
        for (double p : {0.01, 0.3, 0.8, 0.999}) {
            RGPB_COMPARE_NEAR_REL(studentTQuantile(p, 1), std::tan(kPi * (p - 0.5)), 1e-10);
            RGPB_COMPARE_NEAR_REL(studentTQuantile(p, 2), (2 * p - 1) / std::sqrt(2 * p * (1 - p)),
                                  1e-10);
        }
        // I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b.
        RGPB_COMPARE_NEAR(regularizedIncompleteBeta(0.3, 2.5, 1), std::pow(0.3, 2.5), 1e-14);
        RGPB_COMPARE_NEAR(regularizedIncompleteBeta(0.7, 1, 3.5), 1 - std::pow(0.3, 3.5), 1e-14);
        const std::string m = messageOf<ArgumentError>([] { studentTQuantile(1.0, 3); });
        QVERIFY2(contains(m, "in (0, 1)"), m.c_str());
    }

    void meanIntervalIsStudentTOverValues() {
        // {2, 4, 9}: mean 5, squared deviations 9 + 1 + 16 = 26, sd = sqrt(26 / 2) = sqrt(13),
        // half-width t(0.975, 2) sqrt(13) / sqrt(3).
        MeanInterval m = meanInterval({2, 4, 9});
        QCOMPARE(m.n, 3);
        RGPB_COMPARE_NEAR(m.mean, 5.0, 1e-15);
        RGPB_COMPARE_NEAR(m.sd, std::sqrt(13.0), 1e-14);
        const double half = 4.302653 * std::sqrt(13.0 / 3.0);
        RGPB_COMPARE_NEAR(m.lo, 5.0 - half, 5e-6);
        RGPB_COMPARE_NEAR(m.hi, 5.0 + half, 5e-6);
        // A 90% interval uses t(0.95, 2) = 2.919986.
        MeanInterval m90 = meanInterval({2, 4, 9}, 0.90);
        RGPB_COMPARE_NEAR(m90.hi, 5.0 + 2.919986 * std::sqrt(13.0 / 3.0), 5e-6);
        // One value: the point itself, no spread; none: NaN.
        MeanInterval one = meanInterval({0.25});
        QCOMPARE(one.n, 1);
        QCOMPARE(one.lo, 0.25);
        QCOMPARE(one.hi, 0.25);
        QVERIFY(std::isnan(one.sd));
        MeanInterval none = meanInterval({});
        QCOMPARE(none.n, 0);
        QVERIFY(std::isnan(none.mean) && std::isnan(none.lo) && std::isnan(none.hi));
    }

    void pairedTTestPValuesByHand() {
        // Differences {1, 2, 3}: mean 2, sd 1, t = 2 sqrt(3), df 2; with F of df 2 above,
        // p = 1 - t / sqrt(2 + t^2) = 1 - sqrt(12 / 14).
        RGPB_COMPARE_NEAR(tTestPValue(meanInterval({1, 2, 3})), 1 - std::sqrt(6.0 / 7.0), 1e-13);
        // Differences {1, 3}: mean 2, sd sqrt(2), t = 2, df 1: p = 1 - (2 / pi) atan(2).
        RGPB_COMPARE_NEAR(tTestPValue(meanInterval({1, 3})), 1 - 2 / kPi * std::atan(2.0), 1e-13);
        // Sign does not matter; no spread; too few values.
        RGPB_COMPARE_NEAR(tTestPValue(meanInterval({-1, -3})), 1 - 2 / kPi * std::atan(2.0), 1e-13);
        QCOMPARE(tTestPValue(meanInterval({0.5, 0.5, 0.5})), 0.0);
        QCOMPARE(tTestPValue(meanInterval({0, 0})), 1.0);
        QVERIFY(std::isnan(tTestPValue(meanInterval({4}))));
    }

    void pairsOnlyOverCommonFinishedSeeds() {
        StudyResults r;
        r.cells = {aggregateCell("mle", 0, 1, 10, 0.20), aggregateCell("mle", 0, 2, 12, 0.25),
                   aggregateCell("mle", 0, 4, 11, 0.10),
                   aggregateCell("mle", 0, 5, 11, 0.10, RunStatus::Running),
                   aggregateCell("exmate", 0.5, 1, 9, 0.30),
                   aggregateCell("exmate", 0.5, 2, 8, 0.45),
                   aggregateCell("exmate", 0.5, 3, 7, 0.90),
                   aggregateCell("exmate", 0.5, 4, 1, 0.90, RunStatus::Failed),
                   aggregateCell("exmate", 0.5, 5, 8, 0.40),
                   // Another beta, never paired with beta 0.5.
                   aggregateCell("exmate", 0.1, 1, 100, 5.0)};
        // Seed 3 has no MLE cell, seed 4's ExMATE failed, seed 5's MLE is pending: seeds 1, 2.
        // Agility differences {0.10, 0.20}: mean 0.15, sd sqrt(0.005), t = 3, df 1.
        PairedComparison c = comparePaired(r, "low-info", "agility", "exmate", 0.5, "mle", 0.7);
        QCOMPARE(c.seeds, (std::vector<uint64_t>{1, 2}));
        QCOMPARE(c.beta_b, 0.0);  // MLE has no beta
        RGPB_COMPARE_NEAR(c.diff.mean, 0.15, 1e-15);
        RGPB_COMPARE_NEAR(c.diff.sd, std::sqrt(0.005), 1e-15);
        RGPB_COMPARE_NEAR(c.diff.hi, 0.15 + 12.706205 * std::sqrt(0.005 / 2), 1e-6);
        RGPB_COMPARE_NEAR(c.p_value, 1 - 2 / kPi * std::atan(3.0), 1e-13);
        // The recipe is matched by its methods, whatever the spacing around the arrow.
        r.cells.push_back(aggregateCell("mle->dpo", 0.5, 1, 20, 0.0));
        QCOMPARE(comparePaired(r, "low-info", "perplexity", "mle -> dpo", 0.5, "mle", 0).diff.mean,
                 10.0);
        // No common seed: n = 0.
        QCOMPARE(comparePaired(r, "low-info", "agility", "exmate", 0.1, "ul", 0.1).diff.n, 0);
    }

    void pointsLeaveOutUnfinishedCells() {
        StudyResults r;
        r.spec.betas = {0.5};
        r.cells = {aggregateCell("mle", 0, 1, 10, 0.2),
                   aggregateCell("mle", 0, 2, 14, 0.4),
                   aggregateCell("mle", 0, 3, 1000, 9, RunStatus::Failed),
                   aggregateCell("mle", 0, 4, 1000, 9, RunStatus::Cancelled),
                   aggregateCell("exmate", 0.5, 1, 8, 0.3),
                   aggregateCell("exmate", 0.5, 2, 9, 0.6)};
        r.cells[1].final_metrics.emplace_back("eval/logp_margin", 1.5);
        StudyAggregate a = aggregateStudy(r);
        QCOMPARE(a.points.size(), std::size_t(2));
        const AggregatePoint* mle = findPoint(a, "low-info", "mle", 0.5);
        QVERIFY(mle);
        QCOMPARE(mle->planned, 4);
        QCOMPARE(mle->finished, 2);
        QCOMPARE(mle->perplexity.n, 2);
        RGPB_COMPARE_NEAR(mle->perplexity.mean, 12.0, 1e-15);
        // {10, 14}: sd sqrt(8), half-width 12.706205 * sqrt(8) / sqrt(2) = 12.706205 * 2.
        RGPB_COMPARE_NEAR(mle->perplexity.hi, 12.0 + 2 * 12.706205, 1e-5);
        QCOMPARE(mle->logp_margin.n, 1);  // only seed 2 reported it
        // The comparisons the claims use are there, in both orientations through findComparison.
        auto c = findComparison(a, "low-info", "agility", "mle", 0, "exmate", 0.5);
        QVERIFY(c);
        QCOMPARE(c->recipe_a, std::string("mle"));
        RGPB_COMPARE_NEAR(c->diff.mean, -0.15, 1e-15);
        QVERIFY(c->diff.lo < c->diff.hi);
        QVERIFY(!findComparison(a, "low-info", "agility", "dpo", 0.5, "mle", 0));
        // One recipe's points against beta, sorted.
        r.cells.push_back(aggregateCell("exmate", 0.05, 1, 8, 0.1));
        auto series = betaSeries(aggregateStudy(r), "low-info", "exmate");
        QCOMPARE(series.size(), std::size_t(2));
        QCOMPARE(series[0].beta, 0.05);
    }

    void betaComparisonsTakeLargestAgainstSmallest() {
        StudyResults r;
        r.spec.betas = {0.05, 0.5, 5};
        for (uint64_t s : {1, 2, 3}) {
            r.cells.push_back(aggregateCell("dpo", 0.05, s, 50, 0.1 * s));
            r.cells.push_back(aggregateCell("dpo", 0.5, s, 50, 0.0));
            r.cells.push_back(aggregateCell("dpo", 5, s, 50, 0.2 * s));
        }
        StudyAggregate a = aggregateStudy(r);
        auto c = findComparison(a, "low-info", "agility", "dpo", 5, "dpo", 0.05);
        QVERIFY(c);
        // Differences 0.1 s for s = 1, 2, 3: mean 0.2, sd 0.1.
        RGPB_COMPARE_NEAR(c->diff.mean, 0.2, 1e-15);
        RGPB_COMPARE_NEAR(c->diff.sd, 0.1, 1e-15);
    }

    void curvesContinueOverStagesWithBands() {
        QTemporaryDir tmp;
        StudyResults r;
        // Two seeds of "mle -> dpo": stage 1 evaluates at steps 0 and 10, stage 2 at 0 and 5.
        for (uint64_t seed : {1, 2}) {
            StudyCellResult c = aggregateCell("mle -> dpo", 0.5, seed, 1, 1);
            for (int stage = 0; stage < 2; ++stage) {
                std::string dir =
                    tmp.filePath(QString("s%1-%2").arg(seed).arg(stage)).toStdString();
                QVERIFY(QDir().mkpath(QString::fromStdString(dir)));
                {
                    MetricsLog log(dir);
                    const double k = static_cast<double>(seed);
                    log.write(0, 0, "eval", {{"agility", stage * 10 + k}, {"perplexity", 5}});
                    log.write(stage == 0 ? 10 : 5, 0, "train", {{"loss", 1}});
                    log.write(stage == 0 ? 10 : 5, 0, "eval", {{"agility", stage * 10 + 2 * k}});
                }
                c.run_dirs.push_back(dir);
            }
            r.cells.push_back(c);
        }
        StudyAggregate a = aggregateStudy(r);
        const AggregateCurve* agility = nullptr;
        for (const AggregateCurve& curve : a.curves) {
            if (curve.metric == "agility")
                agility = &curve;
        }
        QVERIFY(agility);
        // Stage 2's steps follow stage 1's last step (10); its step-0 evaluation (same weights)
        // replaces stage 1's at step 10.
        QCOMPARE(agility->step, (std::vector<int64_t>{0, 10, 15}));
        // Seed k: 0 -> k, 10 -> 10 + k, 15 -> 10 + 2k; means over k = 1, 2.
        RGPB_COMPARE_NEAR(agility->value[0].mean, 1.5, 1e-15);
        RGPB_COMPARE_NEAR(agility->value[1].mean, 11.5, 1e-15);
        RGPB_COMPARE_NEAR(agility->value[2].mean, 13.0, 1e-15);
        QCOMPARE(agility->value[2].n, 2);
        // {12, 14}: sd sqrt(2), half-width 12.706205.
        RGPB_COMPARE_NEAR(agility->value[2].hi, 13.0 + 12.706205, 1e-5);
        QVERIFY(a.notes.empty());
        // A damaged metrics file (a bad line before the last) leaves that seed's curve out, with
        // a note naming the cell and the file; the other seed still gives the curve.
        writeFileAtomic(r.cells[1].run_dirs[0] + "/metrics.jsonl", "garbage\n{}\n");
        StudyAggregate damaged = aggregateStudy(r);
        QCOMPARE(damaged.notes.size(), std::size_t(1));
        QVERIFY2(contains(damaged.notes[0], "mle -> dpo seed 2 left out") &&
                     contains(damaged.notes[0], "metrics.jsonl:1"),
                 damaged.notes[0].c_str());
        QCOMPARE(damaged.curves.front().value.front().n, 1);
    }
};

RGPB_TEST_MAIN(TestStudyAggregate)

}  // namespace rgpb_test_study_aggregate

#include "test_study_aggregate.moc"
