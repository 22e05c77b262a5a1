// Statistics of pairwise judgments ("which of two responses is better"): per model pair the
// win / lose / tie / both-bad rates with bootstrap intervals over items, the exact sign test,
// the length split; between judges Cohen's kappa (two judges, common items) and Fleiss' kappa
// (three or more); per judge the position consistency measured on items shown a second time
// with the sides swapped. Pure C++ (no Qt, no LibTorch): the CLI, the SQLite store and the GUI
// all compute the same numbers from the same function.
//
// Conventions. A vote is about a model pair (model_a, model_b) in the order the comparison set
// lists them, not about screen sides: `winner` says which MODEL won, and `model_a_left` records
// where model_a was shown. A judge's verdict on an item is the vote on its first showing;
// the vote on the swapped second showing only feeds position consistency. Skips are counted
// but excluded from every rate and from the kappas. Undefined quantities (a rate over zero
// votes, a kappa with p_e = 1) are NaN, never an exception.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rgpb::judging {

enum class Winner { ModelA, ModelB, Tie, BothBad, Skip };

// "model_a", "model_b", "tie", "both_bad", "skip" (the names the store and the exports use).
const char* winnerName(Winner w);
// Inverse of winnerName; ArgumentError listing the names on anything else.
Winner parseWinner(const std::string& name);

struct Vote {
    std::string item;     // unique item key (the store uses "<set id>:<item index>")
    std::string judge;    // judge name; the automatic judge is "auto"
    std::string model_a;  // first model of the pair (comparison-set order)
    std::string model_b;  // second model of the pair
    Winner winner = Winner::Skip;
    bool model_a_left = true;     // model_a's response was shown on the left (side "A")
    bool swapped_repeat = false;  // the item's second showing, sides swapped
    double length_a = 0;          // response lengths (new tokens when known, else bytes)
    double length_b = 0;
};

struct Interval {
    double low;
    double high;
};

struct JudgeStatsOptions {
    // Bootstrap over items: resamples drawn with SeededRandom(seed); percentile interval.
    // 2000 resamples put the Monte Carlo error of a 95% bound at about 0.005 for rates near 0.5
    // with ~100 items, below the rounding of the printed table.
    int bootstrap_resamples = 2000;
    uint64_t seed = 7;
    double confidence = 0.95;
    // Judge name pooled rows use; empty to omit pooled rows (one row per judge always).
    std::string pooled_judge = "all judges";
};

// Results for one model pair and one judge (or all judges pooled: judge = pooled_judge).
struct PairResult {
    std::string model_a, model_b, judge;
    std::size_t items = 0;  // items with a non-skip verdict (rate denominator per judge)
    std::size_t votes = 0;  // non-skip verdicts (== items for one judge)
    std::size_t wins = 0, losses = 0, ties = 0, both_bad = 0, skips = 0;
    double win_rate = 0, lose_rate = 0, tie_rate = 0, both_bad_rate = 0;
    double adjusted_win_rate = 0;  // (wins + ties / 2) / votes; both-bad counts as neither
    Interval win_ci{}, lose_ci{}, tie_ci{}, both_bad_ci{}, adjusted_ci{};
    // Two-sided exact sign test of wins vs losses (ties and both-bad excluded): under H0 the
    // wins among n = wins + losses are Binomial(n, 1/2). 1 when n = 0.
    double sign_test_p = 1;
    double mean_length_a = 0, mean_length_b = 0;  // over the non-skip votes
    // Win rate of model_a among votes where model_a's response was longer / shorter (equal
    // lengths are in neither); NaN when there are none.
    std::size_t a_longer_votes = 0, b_longer_votes = 0;
    double win_rate_a_longer = 0, win_rate_b_longer = 0;
};

struct CohenResult {
    std::string judge_1, judge_2;
    std::size_t items = 0;  // items both judged (non-skip first showing)
    double observed = 0;    // p_o
    double expected = 0;    // p_e
    double kappa = 0;       // (p_o - p_e) / (1 - p_e); NaN when p_e = 1 or no items
};

struct FleissResult {
    std::vector<std::string> judges;
    std::size_t items = 0;  // items every listed judge judged
    double kappa = 0;       // NaN when undefined
};

struct PositionConsistency {
    std::string judge;
    std::size_t repeated = 0;    // items with non-skip verdicts on both showings
    std::size_t consistent = 0;  // same model-level verdict on both showings
    double rate = 0;             // consistent / repeated; NaN when repeated = 0
    // Over every non-skip decisive vote (one model won) of this judge, both showings: the
    // fraction where the response on the left won (0.5 = no side bias); NaN when none.
    std::size_t decisive = 0;
    double left_win_rate = 0;
};

struct JudgeStatsReport {
    std::vector<PairResult> pairs;       // per pair: one row per judge, then the pooled row
    std::vector<CohenResult> cohen;      // every pair of judges with common items
    std::optional<FleissResult> fleiss;  // when 3+ judges
    std::vector<PositionConsistency> consistency;  // per judge
};

JudgeStatsReport computeJudgeStats(const std::vector<Vote>& votes,
                                   const JudgeStatsOptions& options = {});

// The paper's Table 1 layout: one row per model pair ("A vs B"), per judge the win and lose
// rates of A (ties and both-bad count in neither); pooled rows are left out.
struct Table1 {
    std::vector<std::string> judges;
    struct Row {
        std::string label;                                            // "<model_a> vs <model_b>"
        std::vector<std::optional<std::pair<double, double>>> cells;  // per judge: win, lose
    };
    std::vector<Row> rows;
};
Table1 table1(const JudgeStatsReport& report, const JudgeStatsOptions& options = {});

// ---- The statistics on their own (tested against hand-computed values) --------------------

// Two-sided exact sign test: min(1, 2 * P(X <= min(k, n - k))), X ~ Binomial(n, 1/2).
double signTestPValue(std::size_t k, std::size_t n);

// Cohen's kappa from two raters' category indices (same length, values in [0, categories)).
CohenResult cohenKappa(const std::vector<int>& rater_1, const std::vector<int>& rater_2,
                       int categories);

// Fleiss' kappa from counts[subject][category] (raters per subject; all rows the same sum,
// at least 2). NaN when undefined (no subjects, or P_e = 1).
double fleissKappa(const std::vector<std::vector<int>>& counts);

// R's quantile type 7 of sorted values (q in [0, 1]); NaN when empty.
double quantileSorted(const std::vector<double>& sorted, double q);

// Percentile bootstrap interval of sum(num) / sum(den) over items resampled with replacement.
// Resamples with a zero denominator are dropped; NaN bounds when nothing is left.
Interval bootstrapRatioInterval(const std::vector<double>& num, const std::vector<double>& den,
                                int resamples, uint64_t seed, double confidence);

}  // namespace rgpb::judging
