// Bradley-Terry ratings and the length-controlled win rate against hand-computed values: two
// models with k wins of n (gap 400 log10(k / (n - k))), ties as half a win, three models whose
// battles fit BT strengths 4 : 2 : 1 exactly, the bootstrap interval around the estimate;
// LC == raw with equal lengths, LC near 50% for a judge that prefers the longer response.
#include <QtTest>

#include <cmath>

#include "core/judging/JudgeRatings.h"
#include "tests/support/TestMain.h"

namespace rgpb_test_judge_ratings {

using namespace rgpb::judging;

namespace {

void add(std::vector<Vote>& votes, const std::string& a, const std::string& b, Winner w, int n,
         double len_a = 10, double len_b = 10, const std::string& judge = "ann") {
    for (int i = 0; i < n; ++i) {
        Vote v;
        v.item = a + b + std::to_string(votes.size());
        v.judge = judge;
        v.model_a = a;
        v.model_b = b;
        v.winner = w;
        v.length_a = len_a;
        v.length_b = len_b;
        votes.push_back(v);
    }
}

double ratingOf(const std::vector<BradleyTerryRating>& r, const std::string& model) {
    for (const auto& x : r) {
        if (x.model == model)
            return x.rating;
    }
    return NAN;
}

}  // namespace

class TestJudgeRatings : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void twoModelsKWinsOfN() {
        std::vector<Vote> votes;
        add(votes, "x", "y", Winner::ModelA, 7);
        add(votes, "x", "y", Winner::ModelB, 3);
        BradleyTerryOptions o;
        o.bootstrap_rounds = 0;
        const auto r = bradleyTerryRatings(votes, o);
        QCOMPARE(r.size(), std::size_t(2));
        const double gap = 400 * std::log10(7.0 / 3.0);  // 147.19
        QVERIFY(std::abs(ratingOf(r, "x") - ratingOf(r, "y") - gap) < 1e-6);
        // Centred on 1000 (FastChat's unpenalised fit starts at zero and stays centred).
        QVERIFY(std::abs(ratingOf(r, "x") - (1000 + gap / 2)) < 1e-6);
        QCOMPARE(r[0].model, std::string("x"));
        QCOMPARE(r[0].battles, std::size_t(10));
    }

    void tiesAreHalfAWinEachWay() {
        std::vector<Vote> votes;
        add(votes, "x", "y", Winner::ModelA, 3);
        add(votes, "x", "y", Winner::ModelB, 1);
        add(votes, "x", "y", Winner::Tie, 1);
        add(votes, "x", "y", Winner::BothBad, 1);
        add(votes, "x", "y", Winner::Skip, 5);  // left out
        BradleyTerryOptions o;
        o.bootstrap_rounds = 0;
        const auto r = bradleyTerryRatings(votes, o);
        // x scores 3 + 2 * 0.5 = 4 of 6: gap 400 log10(4 / 2) = 120.41.
        QVERIFY(std::abs(ratingOf(r, "x") - ratingOf(r, "y") - 400 * std::log10(2.0)) < 1e-6);
    }

    void threeModelsFitExactStrengths() {
        // Strengths 4 : 2 : 1 give P(a>b) = 2/3, P(b>c) = 2/3, P(a>c) = 4/5; battles in those
        // proportions are their own maximum-likelihood fit (expected wins = observed wins).
        std::vector<Vote> votes;
        add(votes, "a", "b", Winner::ModelA, 2);
        add(votes, "a", "b", Winner::ModelB, 1);
        add(votes, "b", "c", Winner::ModelA, 2);
        add(votes, "b", "c", Winner::ModelB, 1);
        add(votes, "a", "c", Winner::ModelA, 4);
        add(votes, "a", "c", Winner::ModelB, 1);
        BradleyTerryOptions o;
        o.bootstrap_rounds = 200;
        const auto r = bradleyTerryRatings(votes, o);
        const double step = 400 * std::log10(2.0);  // 120.41 per factor of 2
        QVERIFY(std::abs(ratingOf(r, "a") - (1000 + step)) < 1e-6);
        QVERIFY(std::abs(ratingOf(r, "b") - 1000) < 1e-6);
        QVERIFY(std::abs(ratingOf(r, "c") - (1000 - step)) < 1e-6);
        for (const auto& x : r) {
            QVERIFY2(x.ci.low <= x.rating && x.rating <= x.ci.high, x.model.c_str());
            QVERIFY(x.ci.high > x.ci.low);
        }
        // Three models for judge ann; a judge with only two gets no ratings.
        add(votes, "a", "b", Winner::ModelA, 3, 10, 10, "bob");
        const auto by_judge = ratingsByJudge(votes, o);
        QCOMPARE(by_judge.size(), std::size_t(1));
        QCOMPARE(by_judge[0].judge, std::string("ann"));
    }

    void equalLengthsLcIsRaw() {
        std::vector<Vote> votes;
        add(votes, "x", "y", Winner::ModelA, 7);
        add(votes, "x", "y", Winner::ModelB, 3);
        add(votes, "x", "y", Winner::Tie, 2);
        const LengthControlledWinRate r = lengthControlledWinRate(votes);
        QCOMPARE(r.votes, std::size_t(12));
        QVERIFY(std::abs(r.raw - 8.0 / 12.0) < 1e-12);
        QVERIFY(std::abs(r.lc - 8.0 / 12.0) < 1e-9);
        QCOMPARE(r.length_sd, 0.0);
    }

    void lengthPreferringJudge() {
        // Model x is longer on 30 items, shorter on 10; the judge prefers the longer response
        // 80% of the time whichever model wrote it. Raw: (24 + 2) / 40 = 0.65. Unpenalised, the
        // GLM fits sigmoid(theta +- phi * t) = 0.8 / 0.2 exactly with theta = 0: LC = 0.5 (the
        // small penalty on phi moves it by about 0.005).
        std::vector<Vote> votes;
        add(votes, "x", "y", Winner::ModelA, 24, 20, 10);
        add(votes, "x", "y", Winner::ModelB, 6, 20, 10);
        add(votes, "x", "y", Winner::ModelA, 2, 10, 20);
        add(votes, "x", "y", Winner::ModelB, 8, 10, 20);
        const LengthControlledWinRate r = lengthControlledWinRate(votes);
        QVERIFY(std::abs(r.raw - 0.65) < 1e-12);
        QVERIFY2(std::abs(r.lc - 0.5) < 0.01, qPrintable(QString::number(r.lc)));
        QVERIFY(r.phi > 0);
        // Always the longer one (perfect separation): the fit stays finite and theta tends to
        // (1/2) ln(30 / 10), LC to sqrt(3) / (1 + sqrt(3)) = 0.634, against a raw 0.75.
        std::vector<Vote> always;
        add(always, "x", "y", Winner::ModelA, 30, 20, 10);
        add(always, "x", "y", Winner::ModelB, 10, 10, 20);
        const LengthControlledWinRate s = lengthControlledWinRate(always);
        QVERIFY(std::abs(s.raw - 0.75) < 1e-12);
        QVERIFY2(std::abs(s.lc - std::sqrt(3.0) / (1 + std::sqrt(3.0))) < 0.005,
                 qPrintable(QString::number(s.lc)));
        // Balanced lengths: exactly 50%.
        std::vector<Vote> balanced;
        add(balanced, "x", "y", Winner::ModelA, 10, 20, 10);
        add(balanced, "x", "y", Winner::ModelB, 10, 10, 20);
        QVERIFY(std::abs(lengthControlledWinRate(balanced).lc - 0.5) < 1e-9);
    }

    void perPairAndJudge() {
        std::vector<Vote> votes;
        add(votes, "x", "y", Winner::ModelA, 3);
        add(votes, "x", "y", Winner::ModelB, 1, 10, 10, "bob");
        add(votes, "x", "z", Winner::Tie, 2);
        const auto rows = lengthControlledByPair(votes);
        QCOMPARE(rows.size(), std::size_t(3));
        QCOMPARE(rows[0].raw, 1.0);
        QCOMPARE(rows[0].lc, 1.0);  // a raw rate of 1 is returned as is
        QCOMPARE(rows[1].judge, std::string("bob"));
        QCOMPARE(rows[2].model_b, std::string("z"));
        QVERIFY(std::abs(rows[2].lc - 0.5) < 1e-12);
    }
};

RGPB_TEST_MAIN(TestJudgeRatings)
}  // namespace rgpb_test_judge_ratings
#include "test_judge_ratings.moc"
