// Judging statistics against values worked out by hand (in the comments) or published
// examples: Cohen's kappa (2x2 and 3 categories), Fleiss' kappa (Wikipedia's 10 x 14 example),
// the exact sign test from the binomial, bootstrap intervals, and the edge cases.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <cmath>
#include <string>
#include <vector>

#include "core/judging/JudgeStats.h"
#include "core/util/Error.h"
#include "tests/support/Approx.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_judge_stats {

using namespace rgpb::judging;

namespace {

Vote vote(const std::string& item, const std::string& judge, Winner w, bool a_left = true,
          bool repeat = false, double len_a = 10, double len_b = 10) {
    Vote v;
    v.item = item;
    v.judge = judge;
    v.model_a = "exmate";
    v.model_b = "dpo";
    v.winner = w;
    v.model_a_left = a_left;
    v.swapped_repeat = repeat;
    v.length_a = len_a;
    v.length_b = len_b;
    return v;
}

const PairResult* row(const JudgeStatsReport& r, const std::string& judge) {
    for (const PairResult& p : r.pairs) {
        if (p.judge == judge)
            return &p;
    }
    return nullptr;
}

}  // namespace

class TestJudgeStats : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cohenKappaTwoByTwo() {
        // Wikipedia's example: 50 items, yes/yes 20, yes/no 5, no/yes 10, no/no 15.
        // p_o = 35/50 = 0.7; rater 1 says yes 25/50, rater 2 says yes 30/50:
        // p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
        std::vector<int> r1, r2;
        auto add = [&](int a, int b, int n) {
            for (int i = 0; i < n; ++i) {
                r1.push_back(a);
                r2.push_back(b);
            }
        };
        add(0, 0, 20);
        add(0, 1, 5);
        add(1, 0, 10);
        add(1, 1, 15);
        CohenResult c = cohenKappa(r1, r2, 2);
        QCOMPARE(c.items, std::size_t(50));
        RGPB_COMPARE_NEAR(c.observed, 0.7, 1e-12);
        RGPB_COMPARE_NEAR(c.expected, 0.5, 1e-12);
        RGPB_COMPARE_NEAR(c.kappa, 0.4, 1e-12);
    }

    void cohenKappaThreeCategories() {
        // Rows rater 1, columns rater 2, categories (A, B, tie):
        //        A  B  T
        //   A    4  1  0      rater 1 marginals: A 5, B 5, T 2 (N = 12)
        //   B    1  3  1      rater 2 marginals: A 5, B 4, T 3
        //   T    0  0  2
        // p_o = (4 + 3 + 2) / 12 = 0.75
        // p_e = (5*5 + 5*4 + 2*3) / 144 = 51/144
        // kappa = (108/144 - 51/144) / (93/144) = 57/93 = 0.6129032...
        std::vector<int> r1, r2;
        const int m[3][3] = {{4, 1, 0}, {1, 3, 1}, {0, 0, 2}};
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b)
                for (int i = 0; i < m[a][b]; ++i) {
                    r1.push_back(a);
                    r2.push_back(b);
                }
        CohenResult c = cohenKappa(r1, r2, 3);
        RGPB_COMPARE_NEAR(c.observed, 0.75, 1e-12);
        RGPB_COMPARE_NEAR(c.expected, 51.0 / 144, 1e-12);
        RGPB_COMPARE_NEAR(c.kappa, 57.0 / 93, 1e-12);
    }

    void cohenKappaEdgeCases() {
        // Perfect agreement with two categories used: p_o = 1, kappa = 1.
        CohenResult perfect = cohenKappa({0, 1, 2, 0, 1}, {0, 1, 2, 0, 1}, 4);
        RGPB_COMPARE_NEAR(perfect.kappa, 1.0, 1e-12);
        // Both raters always say category 0: p_e = 1, kappa undefined (NaN), no exception.
        CohenResult degenerate = cohenKappa({0, 0, 0}, {0, 0, 0}, 4);
        QCOMPARE(degenerate.observed, 1.0);
        QCOMPARE(degenerate.expected, 1.0);
        QVERIFY(std::isnan(degenerate.kappa));
        // No items: NaN.
        QVERIFY(std::isnan(cohenKappa({}, {}, 4).kappa));
        // Mismatched lengths name the argument.
        QCOMPARE(rgpb::test::messageOf<rgpb::ArgumentError>([] {
                     cohenKappa({0, 1}, {0}, 2);
                 }),
                 std::string("cohenKappa: argument 'rater_2' must be as many ratings as rater_1 "
                             "(2), got 1"));
    }

    void fleissKappaWikipediaExample() {
        // Wikipedia "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.
        // Column totals 20, 28, 39, 21, 32 (of 140): P_e = 417/1960 = 0.2128;
        // P_i: 1, 23/91, 4/13, 40/91, 30/91, 6/13, 22/91, 16/91, 2/7, 2/7, mean 172/455 = 0.3780;
        // kappa = (172/455 - 417/1960) / (1 - 417/1960) = 4211/20059 = 0.20993 (published 0.210).
        std::vector<std::vector<int>> counts = {
            {0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
            {7, 7, 0, 0, 0},  {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7}};
        const double k = fleissKappa(counts);
        QVERIFY2(std::abs(k - 4211.0 / 20059) < 1e-12, qPrintable(QString::number(k, 'g', 17)));
        RGPB_COMPARE_NEAR(k, 0.210, 5e-4);
    }

    void fleissKappaEdgeCases() {
        QVERIFY(std::isnan(fleissKappa({})));
        // Three raters agree on every subject, two categories used: kappa = 1.
        RGPB_COMPARE_NEAR(fleissKappa({{3, 0}, {0, 3}, {3, 0}}), 1.0, 1e-12);
        // Everyone always picks category 0: P_e = 1, undefined.
        QVERIFY(std::isnan(fleissKappa({{3, 0}, {3, 0}})));
        QVERIFY(rgpb::test::messageOf<rgpb::ArgumentError>([] {
                    fleissKappa({{3, 0}, {2, 0}});
                }).find("the same number of raters in every row (3), got 2 in row 1") !=
                std::string::npos);
    }

    void signTestSmallN() {
        // p = min(1, 2 * sum_{i <= min(k, n-k)} C(n, i) / 2^n)
        QCOMPARE(signTestPValue(0, 0), 1.0);
        RGPB_COMPARE_NEAR(signTestPValue(5, 5), 2.0 / 32, 1e-12);       // 2 * 1/32 = 0.0625
        RGPB_COMPARE_NEAR(signTestPValue(0, 5), 2.0 / 32, 1e-12);       // symmetric
        RGPB_COMPARE_NEAR(signTestPValue(1, 6), 14.0 / 64, 1e-12);      // 2 * (1 + 6)/64
        RGPB_COMPARE_NEAR(signTestPValue(8, 10), 112.0 / 1024, 1e-12);  // 2*(1+10+45)/1024
        QCOMPARE(signTestPValue(2, 4), 1.0);                        // 2 * (1 + 4 + 6)/16 > 1 -> 1
        RGPB_COMPARE_NEAR(signTestPValue(3, 4), 10.0 / 16, 1e-12);  // 2 * (1 + 4)/16
        // n = 20, k = 15: 2 * (1 + 20 + 190 + 1140 + 4845 + 15504) / 2^20 = 43400 / 1048576.
        RGPB_COMPARE_NEAR(signTestPValue(15, 20), 43400.0 / 1048576, 1e-12);
    }

    void ratesAndSignTestOfOneJudge() {
        // 10 items judged: model_a wins 5, loses 2, 2 ties, 1 both bad; one more item skipped.
        std::vector<Vote> v;
        int i = 0;
        auto add = [&](Winner w, int n, double la, double lb) {
            for (int k = 0; k < n; ++k)
                v.push_back(vote("s:" + std::to_string(i++), "ann", w, true, false, la, lb));
        };
        add(Winner::ModelA, 3, 20, 10);   // a longer, a wins (3)
        add(Winner::ModelA, 2, 10, 30);   // b longer, a wins (2)
        add(Winner::ModelB, 2, 10, 30);   // b longer, b wins (2)
        add(Winner::Tie, 2, 10, 10);      // equal lengths
        add(Winner::BothBad, 1, 20, 10);  // a longer
        add(Winner::Skip, 1, 999, 999);   // excluded from everything but the skip count
        JudgeStatsReport r = computeJudgeStats(v);
        QCOMPARE(r.pairs.size(), std::size_t(1));  // one judge: no pooled row
        const PairResult& p = r.pairs[0];
        QCOMPARE(p.model_a, std::string("exmate"));
        QCOMPARE(p.judge, std::string("ann"));
        QCOMPARE(p.votes, std::size_t(10));
        QCOMPARE(p.skips, std::size_t(1));
        QCOMPARE(p.win_rate, 0.5);
        QCOMPARE(p.lose_rate, 0.2);
        QCOMPARE(p.tie_rate, 0.2);
        QCOMPARE(p.both_bad_rate, 0.1);
        RGPB_COMPARE_NEAR(p.adjusted_win_rate, 0.6, 1e-12);  // (5 + 2/2) / 10
        // Sign test: 5 wins, 2 losses: 2 * (1 + 7 + 21) / 128 = 58/128.
        RGPB_COMPARE_NEAR(p.sign_test_p, 58.0 / 128, 1e-12);
        // Lengths: a = (3*20 + 4*10 + 2*10 + 20) / 10 = 14, b = (30 + 120 + 20 + 10) / 10 = 18.
        RGPB_COMPARE_NEAR(p.mean_length_a, 14.0, 1e-12);
        RGPB_COMPARE_NEAR(p.mean_length_b, 18.0, 1e-12);
        // a longer: 4 votes (3 wins + 1 both bad) -> 0.75; b longer: 4 votes, 2 wins -> 0.5.
        QCOMPARE(p.a_longer_votes, std::size_t(4));
        QCOMPARE(p.win_rate_a_longer, 0.75);
        QCOMPARE(p.b_longer_votes, std::size_t(4));
        QCOMPARE(p.win_rate_b_longer, 0.5);
        // Intervals bracket the point estimates.
        QVERIFY(p.win_ci.low <= 0.5 && 0.5 <= p.win_ci.high);
        QVERIFY(p.adjusted_ci.low <= 0.6 && 0.6 <= p.adjusted_ci.high);
        QVERIFY(p.win_ci.low < p.win_ci.high);
    }

    void reversedPairVotesAreFlipped() {
        // A vote stored with the pair the other way round counts for the first orientation.
        std::vector<Vote> v = {vote("s:0", "ann", Winner::ModelA)};
        Vote back = vote("t:0", "ann", Winner::ModelA, true, false, 5, 9);
        std::swap(back.model_a, back.model_b);  // (dpo, exmate): dpo won
        v.push_back(back);
        JudgeStatsReport r = computeJudgeStats(v);
        QCOMPARE(r.pairs.size(), std::size_t(1));
        QCOMPARE(r.pairs[0].wins, std::size_t(1));
        QCOMPARE(r.pairs[0].losses, std::size_t(1));
        QCOMPARE(r.pairs[0].mean_length_a, (10.0 + 9.0) / 2);
    }

    void bootstrapIntervalShrinksWithItems() {
        auto interval = [](int n) {
            std::vector<double> num, den;
            for (int i = 0; i < n; ++i) {
                num.push_back(i % 5 < 3 ? 1 : 0);  // rate 0.6
                den.push_back(1);
            }
            return bootstrapRatioInterval(num, den, 2000, 7, 0.95);
        };
        Interval small = interval(20), large = interval(2000);
        QVERIFY(small.low <= 0.6 && 0.6 <= small.high);
        QVERIFY(large.low <= 0.6 && 0.6 <= large.high);
        QVERIFY2(large.high - large.low < (small.high - small.low) / 4,
                 qPrintable(
                     QString("%1 vs %2").arg(large.high - large.low).arg(small.high - small.low)));
        // Normal approximation for n = 2000: +-1.96 * sqrt(0.24 / 2000) = +-0.0215.
        RGPB_COMPARE_NEAR((large.high - large.low) / 2, 0.0215, 0.004);
        // Same seed, same interval; no data, NaN.
        Interval again = interval(20);
        QCOMPARE(again.low, small.low);
        QVERIFY(std::isnan(bootstrapRatioInterval({}, {}, 100, 1, 0.95).low));
    }

    void noVotesAndAllTies() {
        JudgeStatsReport empty = computeJudgeStats({});
        QVERIFY(empty.pairs.empty());
        QVERIFY(empty.cohen.empty());
        QVERIFY(!empty.fleiss);
        // Only skips: a row with zero votes and NaN rates.
        JudgeStatsReport skips = computeJudgeStats({vote("s:0", "ann", Winner::Skip)});
        QCOMPARE(skips.pairs.size(), std::size_t(1));
        QVERIFY(std::isnan(skips.pairs[0].win_rate));
        QVERIFY(std::isnan(skips.pairs[0].win_ci.low));
        QCOMPARE(skips.pairs[0].sign_test_p, 1.0);

        std::vector<Vote> ties;
        for (int i = 0; i < 6; ++i)
            ties.push_back(vote("s:" + std::to_string(i), "ann", Winner::Tie));
        const JudgeStatsReport tied = computeJudgeStats(ties);  // owns the row read below
        const PairResult& t = tied.pairs[0];
        QCOMPARE(t.tie_rate, 1.0);
        QCOMPARE(t.win_rate, 0.0);
        QCOMPARE(t.adjusted_win_rate, 0.5);
        QCOMPARE(t.sign_test_p, 1.0);
        QCOMPARE(t.tie_ci.low, 1.0);
        QCOMPARE(t.tie_ci.high, 1.0);
        QVERIFY(std::isnan(t.win_rate_a_longer));  // equal lengths everywhere
    }

    void agreementBetweenJudges() {
        // Same 3-category table as cohenKappaThreeCategories, as votes of ann (rows) and bob.
        const Winner cat[3] = {Winner::ModelA, Winner::ModelB, Winner::Tie};
        const int m[3][3] = {{4, 1, 0}, {1, 3, 1}, {0, 0, 2}};
        std::vector<Vote> v;
        int item = 0;
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b)
                for (int i = 0; i < m[a][b]; ++i, ++item) {
                    v.push_back(vote("s:" + std::to_string(item), "ann", cat[a]));
                    v.push_back(vote("s:" + std::to_string(item), "bob", cat[b]));
                }
        // Items only one of them judged, or skipped by one, do not enter the kappa.
        v.push_back(vote("s:100", "ann", Winner::ModelA));
        v.push_back(vote("s:101", "ann", Winner::ModelB));
        v.push_back(vote("s:101", "bob", Winner::Skip));
        JudgeStatsReport r = computeJudgeStats(v);
        QCOMPARE(r.cohen.size(), std::size_t(1));
        QCOMPARE(r.cohen[0].items, std::size_t(12));
        RGPB_COMPARE_NEAR(r.cohen[0].kappa, 57.0 / 93, 1e-12);
        QVERIFY(!r.fleiss);
        // Rows: ann, bob, then pooled; pooled counts 12 + 14 votes over 14 items.
        QVERIFY(row(r, "ann") && row(r, "bob") && row(r, "all judges"));
        QCOMPARE(row(r, "ann")->votes, std::size_t(14));
        QCOMPARE(row(r, "bob")->votes, std::size_t(12));
        QCOMPARE(row(r, "all judges")->votes, std::size_t(26));
        QCOMPARE(row(r, "all judges")->items, std::size_t(14));
        QCOMPARE(row(r, "all judges")->wins, std::size_t(5 + 1 + 5));

        // Table 1 layout: per judge A's win and lose rates; the pooled row is left out.
        // ann: wins 5 + 1 (s:100), losses 5 + 1 (s:101) of 14; bob: 5 and 4 of 12.
        Table1 t = table1(r);
        QCOMPARE(t.judges, (std::vector<std::string>{"ann", "bob"}));
        QCOMPARE(t.rows.size(), std::size_t(1));
        QCOMPARE(t.rows[0].label, std::string("exmate vs dpo"));
        QVERIFY(t.rows[0].cells[0] && t.rows[0].cells[1]);
        RGPB_COMPARE_NEAR(t.rows[0].cells[0]->first, 6.0 / 14, 1e-12);
        RGPB_COMPARE_NEAR(t.rows[0].cells[0]->second, 6.0 / 14, 1e-12);
        RGPB_COMPARE_NEAR(t.rows[0].cells[1]->first, 5.0 / 12, 1e-12);
        RGPB_COMPARE_NEAR(t.rows[0].cells[1]->second, 4.0 / 12, 1e-12);

        // A third judge in perfect agreement with ann: Fleiss over the 12 common items.
        std::vector<Vote> three = v;
        for (const Vote& x : v) {
            if (x.judge == "ann") {
                Vote c = x;
                c.judge = "cat";
                three.push_back(c);
            }
        }
        JudgeStatsReport r3 = computeJudgeStats(three);
        QVERIFY(r3.fleiss);
        QCOMPARE(r3.fleiss->items, std::size_t(12));
        QCOMPARE(r3.cohen.size(), std::size_t(3));
        // ann vs cat agree on all 14 items.
        bool found = false;
        for (const CohenResult& c : r3.cohen) {
            if (c.judge_1 == "ann" && c.judge_2 == "cat") {
                found = true;
                QCOMPARE(c.items, std::size_t(14));
                RGPB_COMPARE_NEAR(c.kappa, 1.0, 1e-12);
            }
        }
        QVERIFY(found);
        // Fleiss by hand: per item the counts over (A, B, T) for (ann, bob, ann):
        // rows from the table: (A,A)x4 -> [3,0,0]; (A,B)x1 -> [2,1,0]; (B,A)x1 -> [1,2,0];
        // (B,B)x3 -> [0,3,0]; (B,T)x1 -> [0,2,1]; (T,T)x2 -> [0,0,3].
        // P_i: [3,0,0] -> 1; [2,1,0] -> (4+1-3)/6 = 1/3; same for [1,2,0] and [0,2,1].
        // P_bar = (4 + 1/3 + 1/3 + 3 + 1/3 + 2) / 12 = 10/12.
        // Column totals: A = 12+2+1 = 15, B = 1+2+9+2 = 14, T = 1+6 = 7 (of 36):
        // P_e = (225 + 196 + 49) / 1296 = 470/1296.
        // kappa = (10/12 - 470/1296) / (1 - 470/1296) = (1080 - 470) / (1296 - 470) = 610/826.
        RGPB_COMPARE_NEAR(r3.fleiss->kappa, 610.0 / 826, 1e-12);
    }

    void positionConsistency() {
        // ann sees 4 items twice (sides swapped the second time): 3 consistent verdicts.
        std::vector<Vote> v = {
            vote("s:0", "ann", Winner::ModelA, true),
            vote("s:0", "ann", Winner::ModelA, false, true),
            vote("s:1", "ann", Winner::ModelB, true),
            vote("s:1", "ann", Winner::ModelB, false, true),
            vote("s:2", "ann", Winner::Tie, false),
            vote("s:2", "ann", Winner::Tie, true, true),
            // Inconsistent: picked the left side both times, a different model each time.
            vote("s:3", "ann", Winner::ModelA, true),
            vote("s:3", "ann", Winner::ModelB, false, true),
            // Repeat skipped: not counted.
            vote("s:4", "ann", Winner::ModelA, true),
            vote("s:4", "ann", Winner::Skip, false, true),
        };
        JudgeStatsReport r = computeJudgeStats(v);
        QCOMPARE(r.consistency.size(), std::size_t(1));
        QCOMPARE(r.consistency[0].repeated, std::size_t(4));
        QCOMPARE(r.consistency[0].consistent, std::size_t(3));
        QCOMPARE(r.consistency[0].rate, 0.75);
        // Decisive votes (7): left won in s:0 first, s:1 second, s:3 both, s:4 first = 5.
        QCOMPARE(r.consistency[0].decisive, std::size_t(7));
        RGPB_COMPARE_NEAR(r.consistency[0].left_win_rate, 5.0 / 7, 1e-12);
        // Rates use first showings only: 5 items, wins s:0 s:3 s:4, loss s:1, tie s:2.
        QCOMPARE(r.pairs[0].votes, std::size_t(5));
        QCOMPARE(r.pairs[0].wins, std::size_t(3));
    }

    void winnerNames() {
        for (Winner w :
             {Winner::ModelA, Winner::ModelB, Winner::Tie, Winner::BothBad, Winner::Skip})
            QCOMPARE(parseWinner(winnerName(w)), w);
        QCOMPARE(rgpb::test::messageOf<rgpb::ArgumentError>([] { parseWinner("left"); }),
                 std::string("parseWinner: argument 'winner' must be one of model_a, model_b, "
                             "tie, both_bad, skip, got 'left'"));
    }
};

RGPB_TEST_MAIN(TestJudgeStats)
}  // namespace rgpb_test_judge_stats
#include "test_judge_stats.moc"
