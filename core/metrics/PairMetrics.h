// Held-out metrics of spec.md section 3, accumulated pair by pair from plain numbers so they
// can be tested with hand-computed values and merged across batches. The tensor side
// (core/metrics/BatchMetrics.h) turns a model's outputs into PairRecords and grad_diff values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rgpb {

// One evaluated pair. S = summed response log-prob (natural log), T = response token count.
struct PairRecord {
    double s_pos = 0.0;
    double t_pos = 1.0;
    double s_neg = 0.0;
    double t_neg = 1.0;
    std::optional<double> s_pos_ref;  // reference-model S+, when a DPO reference exists
    std::optional<double> s_neg_ref;
};

// log10 |exp(a) - exp(b)| computed in log space, exact where exp() underflows a double:
// log|e^a - e^b| = max(a,b) + log(1 - e^-|a-b|). Returns -infinity when a == b.
double log10AbsExpDiff(double a, double b);

struct PairMetrics {
    std::size_t pairs = 0;
    double perplexity = 0.0;     // exp(-sum S+ / sum T+), token-weighted
    double agility = 0.0;        // mean exp(m+) - exp(m-)
    double pos_prob = 0.0;       // mean exp(m+)
    double neg_prob = 0.0;       // mean exp(m-)
    double logp_margin = 0.0;    // mean S+ - S-
    double mean_logp_pos = 0.0;  // mean m+
    double mean_logp_neg = 0.0;  // mean m-
    // log10 |f+ - f-| over pairs where f+ != f- (identical pairs are counted, not averaged).
    double info_diff_log10_mean = 0.0;
    double info_diff_log10_median = 0.0;
    std::size_t info_diff_identical = 0;
    // grad_diff[t-1] = mean over pairs of ||P+(.|x+,y+_<t) - P-(.|x-,y-_<t)||_p, t = 1..K,
    // over pairs whose both responses have at least t tokens.
    std::vector<double> grad_diff_l1;
    std::vector<double> grad_diff_l2;
    // DPO rewards beta (S - S_ref), present when every pair carried reference log-probs.
    bool has_rewards = false;
    double reward_chosen = 0.0;
    double reward_rejected = 0.0;
    double reward_margin = 0.0;
    double reward_accuracy = 0.0;  // fraction of pairs with chosen reward > rejected reward
    // Measured on documents of text (see markAsDocuments()): only the positive side means
    // anything.
    bool documents = false;

    // (name, value) for every metric that is defined, in a stable order; grad_diff steps
    // appear as grad_diff_l1_1, grad_diff_l2_1, ... For documents: perplexity, pos_prob,
    // mean_logp_pos and pairs only.
    std::vector<std::pair<std::string, double>> named() const;
};

// Documents of text (method lm) are pairs whose negative side is the positive one, so every
// metric comparing the two sides (agility, neg_prob, logp_margin, mean_logp_neg, info_diff,
// grad_diff, DPO rewards) is a constant of the layout, not a measurement. Marks `m` as
// measured on documents: those become NaN (grad_diff empty, no rewards) and named() leaves them
// out; perplexity, pos_prob and mean_logp_pos stay (they read the positive side alone).
void markAsDocuments(PairMetrics& m);

class PairMetricsAccumulator {
public:
    // `beta` scales DPO rewards; `grad_diff_steps` is K of spec.md section 3.
    explicit PairMetricsAccumulator(double beta = 0.1, int grad_diff_steps = 3);

    // Throws rgpb::ArgumentError for T <= 0 or non-finite S.
    void add(const PairRecord& pair);
    // One pair's ||P+ - P-||_1 and _2 at response step t (1-based, t <= K; larger t ignored).
    void addGradDiff(int t, double l1, double l2);
    void merge(const PairMetricsAccumulator& other);

    std::size_t size() const { return pairs_.size(); }
    const std::vector<PairRecord>& pairs() const { return pairs_; }
    // Throws rgpb::Error when no pair was added.
    PairMetrics result() const;

private:
    double beta_;
    int steps_;
    std::vector<PairRecord> pairs_;
    std::vector<double> gd1_sum_, gd2_sum_;
    std::vector<std::size_t> gd_count_;
};

}  // namespace rgpb
