#include "core/judging/JudgeRatings.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "core/data/SeededRandom.h"

namespace rgpb::judging {

namespace {

constexpr double kNoRating = std::numeric_limits<double>::quiet_NaN();

// A battle between model indices i and j: score of i (1 win, 0.5 tie, 0 loss).
struct BtBattle {
    std::size_t i = 0, j = 0;
    double score = 0;
};

bool countsAsBattle(const Vote& v) {
    return !v.swapped_repeat && v.winner != Winner::Skip;
}

double battleScoreOfA(Winner w) {
    return w == Winner::ModelA ? 1.0 : w == Winner::ModelB ? 0.0 : 0.5;
}

// MM iterations for the Bradley-Terry strengths (log scale, mean zero).
std::vector<double> fitLogStrengths(const std::vector<BtBattle>& battles, std::size_t models) {
    std::vector<double> wins(models, 0.0);
    std::vector<std::vector<double>> games(models, std::vector<double>(models, 0.0));
    for (const BtBattle& b : battles) {
        wins[b.i] += b.score;
        wins[b.j] += 1 - b.score;
        games[b.i][b.j] += 1;
        games[b.j][b.i] += 1;
    }
    std::vector<double> p(models, 1.0), next(models);
    constexpr int kMaxIterations = 10000;
    for (int it = 0; it < kMaxIterations; ++it) {
        for (std::size_t i = 0; i < models; ++i) {
            double den = 0;
            for (std::size_t j = 0; j < models; ++j) {
                if (j != i && games[i][j] > 0)
                    den += games[i][j] / (p[i] + p[j]);
            }
            next[i] = den > 0 ? std::max(wins[i] / den, 1e-300) : p[i];
        }
        double log_mean = 0;
        for (double x : next)
            log_mean += std::log(x);
        log_mean /= static_cast<double>(models);
        double change = 0;
        for (std::size_t i = 0; i < models; ++i) {
            const double x = std::exp(std::log(next[i]) - log_mean);
            change = std::max(change, std::abs(std::log(x) - std::log(p[i])));
            p[i] = x;
        }
        if (change < 1e-12)
            break;
    }
    std::vector<double> out(models);
    for (std::size_t i = 0; i < models; ++i)
        out[i] = std::log(p[i]);
    return out;
}

double logistic(double x) {
    return 1 / (1 + std::exp(-x));
}

}  // namespace

std::vector<BradleyTerryRating> bradleyTerryRatings(const std::vector<Vote>& votes,
                                                    const BradleyTerryOptions& options) {
    std::map<std::string, std::size_t> index;
    std::vector<std::string> names;
    auto id = [&](const std::string& m) {
        auto [it, added] = index.emplace(m, names.size());
        if (added)
            names.push_back(m);
        return it->second;
    };
    std::vector<BtBattle> battles;
    for (const Vote& v : votes) {
        if (countsAsBattle(v) && v.model_a != v.model_b)
            battles.push_back({id(v.model_a), id(v.model_b), battleScoreOfA(v.winner)});
    }
    if (names.size() < 2)
        return {};
    // Strengths are base^(R / scale): R = scale * ln(p) / ln(base) + init.
    const double to_elo = options.scale / std::log(options.base);
    const std::vector<double> fit = fitLogStrengths(battles, names.size());
    std::vector<BradleyTerryRating> out(names.size());
    for (std::size_t m = 0; m < names.size(); ++m) {
        out[m].model = names[m];
        out[m].rating = options.init + to_elo * fit[m];
        out[m].ci = {kNoRating, kNoRating};
    }
    for (const BtBattle& b : battles) {
        ++out[b.i].battles;
        ++out[b.j].battles;
    }
    if (options.bootstrap_rounds > 0) {
        SeededRandom rng(options.seed);
        std::vector<std::vector<double>> draws(names.size());
        std::vector<BtBattle> sample(battles.size());
        for (int r = 0; r < options.bootstrap_rounds; ++r) {
            for (BtBattle& b : sample)
                b = battles[static_cast<std::size_t>(rng.below(battles.size()))];
            const std::vector<double> f = fitLogStrengths(sample, names.size());
            for (std::size_t m = 0; m < names.size(); ++m)
                draws[m].push_back(options.init + to_elo * f[m]);
        }
        const double alpha = 1 - options.confidence;
        for (std::size_t m = 0; m < names.size(); ++m) {
            std::sort(draws[m].begin(), draws[m].end());
            out[m].ci = {quantileSorted(draws[m], alpha / 2),
                         quantileSorted(draws[m], 1 - alpha / 2)};
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.rating > b.rating; });
    return out;
}

std::vector<JudgeRatings> ratingsByJudge(const std::vector<Vote>& votes,
                                         const BradleyTerryOptions& options) {
    std::vector<std::string> judges;
    std::map<std::string, std::vector<Vote>> by_judge;
    std::map<std::string, std::set<std::string>> models;
    for (const Vote& v : votes) {
        if (!countsAsBattle(v))
            continue;
        if (!by_judge.count(v.judge))
            judges.push_back(v.judge);
        by_judge[v.judge].push_back(v);
        models[v.judge].insert(v.model_a);
        models[v.judge].insert(v.model_b);
    }
    std::vector<JudgeRatings> out;
    for (const std::string& j : judges) {
        if (models[j].size() >= 3)
            out.push_back({j, bradleyTerryRatings(by_judge[j], options)});
    }
    return out;
}

LengthControlledWinRate lengthControlledWinRate(const std::vector<Vote>& votes) {
    LengthControlledWinRate r;
    std::vector<double> y, d;
    for (const Vote& v : votes) {
        if (!countsAsBattle(v))
            continue;
        if (r.votes == 0) {
            r.model_a = v.model_a;
            r.model_b = v.model_b;
            r.judge = v.judge;
        }
        ++r.votes;
        y.push_back(battleScoreOfA(v.winner));
        d.push_back(v.length_a - v.length_b);
    }
    const std::size_t n = y.size();
    if (n == 0) {
        r.raw = r.lc = kNoRating;
        return r;
    }
    double sum = 0;
    for (double v : y)
        sum += v;
    r.raw = sum / static_cast<double>(n);
    if (n >= 2) {
        double mean = 0;
        for (double v : d)
            mean += v;
        mean /= static_cast<double>(n);
        double ss = 0;
        for (double v : d)
            ss += (v - mean) * (v - mean);
        r.length_sd = std::sqrt(ss / static_cast<double>(n - 1));
    }
    if (r.raw <= 0 || r.raw >= 1) {
        r.lc = r.raw;
        return r;
    }
    std::vector<double> x(n, 0.0);
    if (r.length_sd > 0) {
        for (std::size_t i = 0; i < n; ++i)
            x[i] = std::tanh(d[i] / r.length_sd);
    }
    // Newton's method on the concave penalised log-likelihood.
    constexpr double kLambda = 0.1;
    double theta = std::log(r.raw / (1 - r.raw)), phi = 0;
    for (int it = 0; it < 100; ++it) {
        double g0 = 0, g1 = -kLambda * phi, h00 = 0, h01 = 0, h11 = kLambda;
        for (std::size_t i = 0; i < n; ++i) {
            const double p = logistic(theta + phi * x[i]);
            const double w = p * (1 - p);
            g0 += y[i] - p;
            g1 += (y[i] - p) * x[i];
            h00 += w;
            h01 += w * x[i];
            h11 += w * x[i] * x[i];
        }
        const double det = h00 * h11 - h01 * h01;
        if (!(det > 0))
            break;
        const double step0 = (h11 * g0 - h01 * g1) / det;
        const double step1 = (h00 * g1 - h01 * g0) / det;
        theta += step0;
        phi += step1;
        if (std::abs(step0) + std::abs(step1) < 1e-12)
            break;
    }
    r.theta = theta;
    r.phi = phi;
    r.lc = logistic(theta);
    return r;
}

std::vector<LengthControlledWinRate> lengthControlledByPair(const std::vector<Vote>& votes) {
    std::vector<std::tuple<std::string, std::string, std::string>> keys;
    std::map<std::tuple<std::string, std::string, std::string>, std::vector<Vote>> groups;
    for (const Vote& v : votes) {
        if (!countsAsBattle(v))
            continue;
        auto key = std::make_tuple(v.model_a, v.model_b, v.judge);
        if (!groups.count(key))
            keys.push_back(key);
        groups[key].push_back(v);
    }
    std::vector<LengthControlledWinRate> out;
    for (const auto& k : keys)
        out.push_back(lengthControlledWinRate(groups[k]));
    return out;
}

}  // namespace rgpb::judging
