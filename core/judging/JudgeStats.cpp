#include "core/judging/JudgeStats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "core/data/SeededRandom.h"
#include "core/util/Error.h"

namespace rgpb::judging {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(double num, double den) {
    return den > 0 ? num / den : kNaN;
}

// Bootstrap of several ratios sum(num_r) / sum(den) that share the resampled items, so all
// the intervals of one row come from the same resamples.
std::vector<Interval> bootstrapRatios(const std::vector<std::vector<double>>& nums,
                                      const std::vector<double>& den, int resamples, uint64_t seed,
                                      double confidence) {
    std::vector<Interval> out(nums.size(), Interval{kNaN, kNaN});
    const std::size_t n = den.size();
    if (n == 0 || resamples <= 0)
        return out;
    SeededRandom rng(seed);
    std::vector<std::vector<double>> draws(nums.size());
    for (auto& d : draws)
        d.reserve(static_cast<std::size_t>(resamples));
    std::vector<double> sums(nums.size());
    for (int b = 0; b < resamples; ++b) {
        std::fill(sums.begin(), sums.end(), 0.0);
        double den_sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const auto j = static_cast<std::size_t>(rng.below(n));
            den_sum += den[j];
            for (std::size_t r = 0; r < nums.size(); ++r)
                sums[r] += nums[r][j];
        }
        if (den_sum <= 0)
            continue;
        for (std::size_t r = 0; r < nums.size(); ++r)
            draws[r].push_back(sums[r] / den_sum);
    }
    const double alpha = 1 - confidence;
    for (std::size_t r = 0; r < nums.size(); ++r) {
        std::sort(draws[r].begin(), draws[r].end());
        out[r] = {quantileSorted(draws[r], alpha / 2), quantileSorted(draws[r], 1 - alpha / 2)};
    }
    return out;
}

// Category index used by the kappas (skips never reach them).
int categoryOf(Winner w) {
    return static_cast<int>(w);
}

struct PairKey {
    std::string a, b;
    bool operator<(const PairKey& o) const { return std::tie(a, b) < std::tie(o.a, o.b); }
};

PairResult summarise(const std::string& a, const std::string& b, const std::string& judge,
                     const std::vector<const Vote*>& votes, const JudgeStatsOptions& o) {
    PairResult r;
    r.model_a = a;
    r.model_b = b;
    r.judge = judge;
    // Per item counts, for the cluster bootstrap (one judge: one vote per item).
    std::map<std::string, std::size_t> item_index;
    std::vector<double> w, l, t, bb, adj, den;
    double len_a = 0, len_b = 0;
    std::size_t wins_a_longer = 0, wins_b_longer = 0;
    for (const Vote* v : votes) {
        if (v->winner == Winner::Skip) {
            ++r.skips;
            continue;
        }
        auto [it, fresh] = item_index.emplace(v->item, den.size());
        if (fresh) {
            for (auto* vec : {&w, &l, &t, &bb, &adj, &den})
                vec->push_back(0);
        }
        const std::size_t i = it->second;
        den[i] += 1;
        ++r.votes;
        len_a += v->length_a;
        len_b += v->length_b;
        const bool win = v->winner == Winner::ModelA;
        switch (v->winner) {
            case Winner::ModelA:
                ++r.wins;
                w[i] += 1;
                adj[i] += 1;
                break;
            case Winner::ModelB:
                ++r.losses;
                l[i] += 1;
                break;
            case Winner::Tie:
                ++r.ties;
                t[i] += 1;
                adj[i] += 0.5;
                break;
            case Winner::BothBad:
                ++r.both_bad;
                bb[i] += 1;
                break;
            case Winner::Skip:
                break;
        }
        if (v->length_a > v->length_b) {
            ++r.a_longer_votes;
            wins_a_longer += win ? 1 : 0;
        } else if (v->length_b > v->length_a) {
            ++r.b_longer_votes;
            wins_b_longer += win ? 1 : 0;
        }
    }
    r.items = den.size();
    const auto n = static_cast<double>(r.votes);
    r.win_rate = ratio(static_cast<double>(r.wins), n);
    r.lose_rate = ratio(static_cast<double>(r.losses), n);
    r.tie_rate = ratio(static_cast<double>(r.ties), n);
    r.both_bad_rate = ratio(static_cast<double>(r.both_bad), n);
    r.adjusted_win_rate = ratio(static_cast<double>(r.wins) + 0.5 * static_cast<double>(r.ties), n);
    r.mean_length_a = ratio(len_a, n);
    r.mean_length_b = ratio(len_b, n);
    r.win_rate_a_longer =
        ratio(static_cast<double>(wins_a_longer), static_cast<double>(r.a_longer_votes));
    r.win_rate_b_longer =
        ratio(static_cast<double>(wins_b_longer), static_cast<double>(r.b_longer_votes));
    r.sign_test_p = signTestPValue(r.wins, r.wins + r.losses);
    auto ci = bootstrapRatios({w, l, t, bb, adj}, den, o.bootstrap_resamples, o.seed, o.confidence);
    r.win_ci = ci[0];
    r.lose_ci = ci[1];
    r.tie_ci = ci[2];
    r.both_bad_ci = ci[3];
    r.adjusted_ci = ci[4];
    return r;
}

}  // namespace

double quantileSorted(const std::vector<double>& v, double q) {
    if (v.empty())
        return kNaN;
    const double h = (static_cast<double>(v.size()) - 1) * q;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

const char* winnerName(Winner w) {
    switch (w) {
        case Winner::ModelA:
            return "model_a";
        case Winner::ModelB:
            return "model_b";
        case Winner::Tie:
            return "tie";
        case Winner::BothBad:
            return "both_bad";
        case Winner::Skip:
            return "skip";
    }
    return "skip";
}

Winner parseWinner(const std::string& name) {
    for (Winner w : {Winner::ModelA, Winner::ModelB, Winner::Tie, Winner::BothBad, Winner::Skip}) {
        if (name == winnerName(w))
            return w;
    }
    throw ArgumentError("parseWinner", "winner", "one of model_a, model_b, tie, both_bad, skip",
                        "'" + name + "'");
}

double signTestPValue(std::size_t k, std::size_t n) {
    if (n == 0)
        return 1.0;
    const std::size_t m = std::min(k, n - k);
    const double dn = static_cast<double>(n);
    double tail = 0;
    for (std::size_t i = 0; i <= m; ++i) {
        const double di = static_cast<double>(i);
        tail += std::exp(std::lgamma(dn + 1) - std::lgamma(di + 1) - std::lgamma(dn - di + 1) -
                         dn * std::log(2.0));
    }
    return std::min(1.0, 2 * tail);
}

CohenResult cohenKappa(const std::vector<int>& r1, const std::vector<int>& r2, int categories) {
    requireArgument(r1.size() == r2.size(), "cohenKappa", "rater_2",
                    "as many ratings as rater_1 (" + std::to_string(r1.size()) + ")", r2.size());
    CohenResult c;
    c.items = r1.size();
    if (r1.empty()) {
        c.observed = c.expected = c.kappa = kNaN;
        return c;
    }
    std::vector<double> m1(static_cast<std::size_t>(categories)), m2(m1.size());
    std::size_t agree = 0;
    for (std::size_t i = 0; i < r1.size(); ++i) {
        requireArgument(r1[i] >= 0 && r1[i] < categories && r2[i] >= 0 && r2[i] < categories,
                        "cohenKappa", "ratings", "category indices below categories", r1[i],
                        " and ", r2[i]);
        m1[static_cast<std::size_t>(r1[i])] += 1;
        m2[static_cast<std::size_t>(r2[i])] += 1;
        agree += r1[i] == r2[i] ? 1 : 0;
    }
    const auto n = static_cast<double>(r1.size());
    c.observed = static_cast<double>(agree) / n;
    c.expected = 0;
    for (std::size_t k = 0; k < m1.size(); ++k)
        c.expected += (m1[k] / n) * (m2[k] / n);
    // p_e = 1 exactly when both raters used one and the same category for every item.
    c.kappa = c.expected >= 1.0 ? kNaN : (c.observed - c.expected) / (1 - c.expected);
    return c;
}

double fleissKappa(const std::vector<std::vector<int>>& counts) {
    if (counts.empty())
        return kNaN;
    const std::size_t k = counts[0].size();
    int raters = 0;
    for (int x : counts[0])
        raters += x;
    requireArgument(raters >= 2, "fleissKappa", "counts", "at least 2 raters per subject", raters);
    std::vector<double> column(k);
    double p_bar = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        const auto& row = counts[i];
        requireArgument(row.size() == k, "fleissKappa", "counts", "rows of equal length",
                        row.size());
        int sum = 0;
        double sq = 0;
        for (std::size_t j = 0; j < k; ++j) {
            sum += row[j];
            sq += static_cast<double>(row[j]) * row[j];
            column[j] += row[j];
        }
        requireArgument(sum == raters, "fleissKappa", "counts",
                        "the same number of raters in every row (" + std::to_string(raters) + ")",
                        sum, " in row ", i);
        p_bar += (sq - raters) / (static_cast<double>(raters) * (raters - 1));
    }
    const double total = static_cast<double>(counts.size()) * raters;
    p_bar /= static_cast<double>(counts.size());
    double p_e = 0;
    for (double c : column)
        p_e += (c / total) * (c / total);
    return p_e >= 1.0 ? kNaN : (p_bar - p_e) / (1 - p_e);
}

Interval bootstrapRatioInterval(const std::vector<double>& num, const std::vector<double>& den,
                                int resamples, uint64_t seed, double confidence) {
    requireArgument(num.size() == den.size(), "bootstrapRatioInterval", "den",
                    "as many values as num (" + std::to_string(num.size()) + ")", den.size());
    return bootstrapRatios({num}, den, resamples, seed, confidence)[0];
}

namespace {

constexpr int kCategories = 4;  // model_a, model_b, tie, both_bad

struct OrientedVotes {
    std::vector<Vote> votes;
    std::vector<PairKey> pairs;       // in first-seen order
    std::vector<std::string> judges;  // in first-seen order
};

// One orientation per model pair: the first seen; later (b, a) votes are flipped.
OrientedVotes orientVotes(const std::vector<Vote>& input) {
    OrientedVotes out;
    std::set<PairKey> seen_pairs;
    out.votes.reserve(input.size());
    for (Vote v : input) {
        if (!seen_pairs.count({v.model_a, v.model_b})) {
            if (seen_pairs.count({v.model_b, v.model_a})) {
                std::swap(v.model_a, v.model_b);
                std::swap(v.length_a, v.length_b);
                v.model_a_left = !v.model_a_left;
                if (v.winner == Winner::ModelA)
                    v.winner = Winner::ModelB;
                else if (v.winner == Winner::ModelB)
                    v.winner = Winner::ModelA;
            } else {
                seen_pairs.insert({v.model_a, v.model_b});
                out.pairs.push_back({v.model_a, v.model_b});
            }
        }
        if (std::find(out.judges.begin(), out.judges.end(), v.judge) == out.judges.end())
            out.judges.push_back(v.judge);
        out.votes.push_back(std::move(v));
    }
    return out;
}

// The last vote of a judge on a showing counts (earlier ones were replaced).
std::vector<const Vote*> lastVotes(const std::vector<Vote>& votes) {
    std::map<std::tuple<std::string, std::string, bool>, std::size_t> last;
    for (std::size_t i = 0; i < votes.size(); ++i)
        last[{votes[i].judge, votes[i].item, votes[i].swapped_repeat}] = i;
    std::vector<const Vote*> kept;
    for (std::size_t i = 0; i < votes.size(); ++i) {
        if (last[{votes[i].judge, votes[i].item, votes[i].swapped_repeat}] == i)
            kept.push_back(&votes[i]);
    }
    return kept;
}

// Per pair: one row per judge, then all judges pooled (bootstrap over items).
std::vector<PairResult> pairRows(const OrientedVotes& o, const std::vector<const Vote*>& kept,
                                 const JudgeStatsOptions& options) {
    std::vector<PairResult> rows;
    for (const PairKey& p : o.pairs) {
        std::vector<const Vote*> pooled;
        for (const std::string& judge : o.judges) {
            std::vector<const Vote*> mine;
            for (const Vote* v : kept) {
                if (v->model_a == p.a && v->model_b == p.b && v->judge == judge &&
                    !v->swapped_repeat)
                    mine.push_back(v);
            }
            if (mine.empty())
                continue;
            pooled.insert(pooled.end(), mine.begin(), mine.end());
            rows.push_back(summarise(p.a, p.b, judge, mine, options));
        }
        const auto judges_here = static_cast<std::size_t>(std::count_if(
            rows.begin(), rows.end(),
            [&](const PairResult& r) { return r.model_a == p.a && r.model_b == p.b; }));
        if (judges_here > 1 && !options.pooled_judge.empty())
            rows.push_back(summarise(p.a, p.b, options.pooled_judge, pooled, options));
    }
    return rows;
}

using Verdicts = std::map<std::string, std::map<std::string, int>>;  // judge -> item -> category

// Agreement counts first showings only, skips excluded.
Verdicts firstVerdicts(const std::vector<const Vote*>& kept) {
    Verdicts verdicts;
    for (const Vote* v : kept) {
        if (!v->swapped_repeat && v->winner != Winner::Skip)
            verdicts[v->judge][v->item] = categoryOf(v->winner);
    }
    return verdicts;
}

// Every pair of judges with items in common.
std::vector<CohenResult> cohenPairs(const std::vector<std::string>& judges, Verdicts& verdicts) {
    std::vector<CohenResult> out;
    for (std::size_t i = 0; i < judges.size(); ++i) {
        for (std::size_t j = i + 1; j < judges.size(); ++j) {
            const auto& a = verdicts[judges[i]];
            const auto& b = verdicts[judges[j]];
            std::vector<int> ra, rb;
            for (const auto& [item, cat] : a) {
                auto it = b.find(item);
                if (it != b.end()) {
                    ra.push_back(cat);
                    rb.push_back(it->second);
                }
            }
            if (ra.empty())
                continue;
            CohenResult c = cohenKappa(ra, rb, kCategories);
            c.judge_1 = judges[i];
            c.judge_2 = judges[j];
            out.push_back(std::move(c));
        }
    }
    return out;
}

// All judges together, on the items every one of them rated.
FleissResult fleissAll(const std::vector<std::string>& judges, Verdicts& verdicts) {
    FleissResult f;
    f.judges = judges;
    std::vector<std::vector<int>> counts;
    for (const auto& [item, cat] : verdicts[judges[0]]) {
        std::vector<int> row(kCategories, 0);
        bool all = true;
        for (const std::string& judge : judges) {
            auto it = verdicts[judge].find(item);
            if (it == verdicts[judge].end()) {
                all = false;
                break;
            }
            ++row[static_cast<std::size_t>(it->second)];
        }
        if (all)
            counts.push_back(std::move(row));
    }
    f.items = counts.size();
    f.kappa = fleissKappa(counts);
    return f;
}

PositionConsistency positionConsistency(const std::string& judge,
                                        const std::vector<const Vote*>& kept) {
    PositionConsistency pc;
    pc.judge = judge;
    std::map<std::string, Winner> first, second;
    std::size_t left_wins = 0;
    for (const Vote* v : kept) {
        if (v->judge != judge || v->winner == Winner::Skip)
            continue;
        (v->swapped_repeat ? second : first)[v->item] = v->winner;
        if (v->winner == Winner::ModelA || v->winner == Winner::ModelB) {
            ++pc.decisive;
            const bool a_won = v->winner == Winner::ModelA;
            left_wins += a_won == v->model_a_left ? 1 : 0;
        }
    }
    for (const auto& [item, w] : second) {
        auto it = first.find(item);
        if (it == first.end())
            continue;
        ++pc.repeated;
        pc.consistent += it->second == w ? 1 : 0;
    }
    pc.rate = ratio(static_cast<double>(pc.consistent), static_cast<double>(pc.repeated));
    pc.left_win_rate = ratio(static_cast<double>(left_wins), static_cast<double>(pc.decisive));
    return pc;
}

}  // namespace

JudgeStatsReport computeJudgeStats(const std::vector<Vote>& input,
                                   const JudgeStatsOptions& options) {
    const OrientedVotes oriented = orientVotes(input);
    const std::vector<const Vote*> kept = lastVotes(oriented.votes);
    JudgeStatsReport report;
    report.pairs = pairRows(oriented, kept, options);
    Verdicts verdicts = firstVerdicts(kept);
    report.cohen = cohenPairs(oriented.judges, verdicts);
    if (oriented.judges.size() >= 3)
        report.fleiss = fleissAll(oriented.judges, verdicts);
    for (const std::string& judge : oriented.judges)
        report.consistency.push_back(positionConsistency(judge, kept));
    return report;
}

Table1 table1(const JudgeStatsReport& report, const JudgeStatsOptions& options) {
    Table1 t;
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const PairResult& r : report.pairs) {
        if (r.judge == options.pooled_judge && !options.pooled_judge.empty())
            continue;
        if (std::find(t.judges.begin(), t.judges.end(), r.judge) == t.judges.end())
            t.judges.push_back(r.judge);
        if (std::find(pairs.begin(), pairs.end(), std::make_pair(r.model_a, r.model_b)) ==
            pairs.end())
            pairs.emplace_back(r.model_a, r.model_b);
    }
    for (const auto& [a, b] : pairs) {
        Table1::Row row;
        row.label = a + " vs " + b;
        for (const std::string& judge : t.judges) {
            std::optional<std::pair<double, double>> cell;
            for (const PairResult& r : report.pairs) {
                if (r.model_a == a && r.model_b == b && r.judge == judge)
                    cell = std::make_pair(r.win_rate, r.lose_rate);
            }
            row.cells.push_back(cell);
        }
        t.rows.push_back(std::move(row));
    }
    return t;
}

}  // namespace rgpb::judging
