#include "core/metrics/PairMetrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/util/Error.h"

namespace rgpb {

double log10AbsExpDiff(double a, double b) {
    if (a == b) {
        return -std::numeric_limits<double>::infinity();
    }
    double hi = std::max(a, b);
    double d = std::abs(a - b);
    // log(1 - e^-d) stably: log(-expm1(-d)) for small d, log1p(-e^-d) for large d.
    double log1mexp = d < std::log(2.0) ? std::log(-std::expm1(-d)) : std::log1p(-std::exp(-d));
    return (hi + log1mexp) / std::log(10.0);
}

void markAsDocuments(PairMetrics& m) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    m.documents = true;
    m.agility = m.neg_prob = m.logp_margin = m.mean_logp_neg = nan;
    m.info_diff_log10_mean = m.info_diff_log10_median = nan;
    m.info_diff_identical = 0;
    m.grad_diff_l1.clear();
    m.grad_diff_l2.clear();
    m.has_rewards = false;
    m.reward_chosen = m.reward_rejected = m.reward_margin = m.reward_accuracy = nan;
}

std::vector<std::pair<std::string, double>> PairMetrics::named() const {
    if (documents) {
        return {{"perplexity", perplexity},
                {"pos_prob", pos_prob},
                {"mean_logp_pos", mean_logp_pos},
                {"pairs", static_cast<double>(pairs)}};
    }
    std::vector<std::pair<std::string, double>> out = {
        {"perplexity", perplexity},
        {"agility", agility},
        {"pos_prob", pos_prob},
        {"neg_prob", neg_prob},
        {"logp_margin", logp_margin},
        {"mean_logp_pos", mean_logp_pos},
        {"mean_logp_neg", mean_logp_neg},
        {"info_diff_log10_mean", info_diff_log10_mean},
        {"info_diff_log10_median", info_diff_log10_median},
        {"info_diff_identical", static_cast<double>(info_diff_identical)},
        {"pairs", static_cast<double>(pairs)},
    };
    for (std::size_t t = 0; t < grad_diff_l1.size(); ++t) {
        out.emplace_back("grad_diff_l1_" + std::to_string(t + 1), grad_diff_l1[t]);
        out.emplace_back("grad_diff_l2_" + std::to_string(t + 1), grad_diff_l2[t]);
    }
    if (has_rewards) {
        out.emplace_back("reward_chosen", reward_chosen);
        out.emplace_back("reward_rejected", reward_rejected);
        out.emplace_back("reward_margin", reward_margin);
        out.emplace_back("reward_accuracy", reward_accuracy);
    }
    return out;
}

PairMetricsAccumulator::PairMetricsAccumulator(double beta, int grad_diff_steps)
    : beta_(beta), steps_(grad_diff_steps) {
    requireArgument(grad_diff_steps >= 0, "PairMetricsAccumulator", "grad_diff_steps", ">= 0",
                    grad_diff_steps);
    gd1_sum_.assign(steps_, 0.0);
    gd2_sum_.assign(steps_, 0.0);
    gd_count_.assign(steps_, 0);
}

void PairMetricsAccumulator::add(const PairRecord& p) {
    const char* where = "PairMetricsAccumulator::add";
    requireArgument(p.t_pos > 0 && p.t_neg > 0, where, "t_pos/t_neg",
                    "> 0 (a pair needs response tokens on both sides)", "t_pos = ", p.t_pos,
                    ", t_neg = ", p.t_neg);
    requireArgument(std::isfinite(p.s_pos) && std::isfinite(p.s_neg), where, "s_pos/s_neg",
                    "finite log-probabilities", "s_pos = ", p.s_pos, ", s_neg = ", p.s_neg);
    pairs_.push_back(p);
}

void PairMetricsAccumulator::addGradDiff(int t, double l1, double l2) {
    if (t < 1 || t > steps_) {
        return;
    }
    gd1_sum_[t - 1] += l1;
    gd2_sum_[t - 1] += l2;
    gd_count_[t - 1] += 1;
}

void PairMetricsAccumulator::merge(const PairMetricsAccumulator& other) {
    pairs_.insert(pairs_.end(), other.pairs_.begin(), other.pairs_.end());
    int k = std::min(steps_, other.steps_);
    for (int t = 0; t < k; ++t) {
        gd1_sum_[t] += other.gd1_sum_[t];
        gd2_sum_[t] += other.gd2_sum_[t];
        gd_count_[t] += other.gd_count_[t];
    }
}

PairMetrics PairMetricsAccumulator::result() const {
    if (pairs_.empty()) {
        throw Error("no evaluation pairs: metrics need at least one pair");
    }
    PairMetrics m;
    m.pairs = pairs_.size();
    const double n = static_cast<double>(pairs_.size());
    double sum_s_pos = 0, sum_t_pos = 0;
    double agility = 0, pos_prob = 0, neg_prob = 0, margin = 0, mpos = 0, mneg = 0;
    std::vector<double> info;
    info.reserve(pairs_.size());
    bool rewards = true;
    double rc = 0, rr = 0, acc = 0;
    for (const PairRecord& p : pairs_) {
        sum_s_pos += p.s_pos;
        sum_t_pos += p.t_pos;
        double m_pos = p.s_pos / p.t_pos;
        double m_neg = p.s_neg / p.t_neg;
        agility += std::exp(m_pos) - std::exp(m_neg);
        pos_prob += std::exp(m_pos);
        neg_prob += std::exp(m_neg);
        margin += p.s_pos - p.s_neg;
        mpos += m_pos;
        mneg += m_neg;
        double d = log10AbsExpDiff(p.s_pos, p.s_neg);
        if (std::isfinite(d)) {
            info.push_back(d);
        } else {
            m.info_diff_identical += 1;
        }
        if (p.s_pos_ref && p.s_neg_ref) {
            double c = beta_ * (p.s_pos - *p.s_pos_ref);
            double r = beta_ * (p.s_neg - *p.s_neg_ref);
            rc += c;
            rr += r;
            acc += c > r ? 1.0 : 0.0;
        } else {
            rewards = false;
        }
    }
    m.perplexity = std::exp(-sum_s_pos / sum_t_pos);
    m.agility = agility / n;
    m.pos_prob = pos_prob / n;
    m.neg_prob = neg_prob / n;
    m.logp_margin = margin / n;
    m.mean_logp_pos = mpos / n;
    m.mean_logp_neg = mneg / n;
    if (!info.empty()) {
        double s = 0;
        for (double v : info)
            s += v;
        m.info_diff_log10_mean = s / static_cast<double>(info.size());
        std::sort(info.begin(), info.end());
        std::size_t k = info.size();
        m.info_diff_log10_median = k % 2 ? info[k / 2] : 0.5 * (info[k / 2 - 1] + info[k / 2]);
    } else {
        m.info_diff_log10_mean = m.info_diff_log10_median =
            -std::numeric_limits<double>::infinity();
    }
    for (int t = 0; t < steps_; ++t) {
        if (gd_count_[t] == 0) {
            break;
        }
        m.grad_diff_l1.push_back(gd1_sum_[t] / static_cast<double>(gd_count_[t]));
        m.grad_diff_l2.push_back(gd2_sum_[t] / static_cast<double>(gd_count_[t]));
    }
    if (rewards) {
        m.has_rewards = true;
        m.reward_chosen = rc / n;
        m.reward_rejected = rr / n;
        m.reward_margin = (rc - rr) / n;
        m.reward_accuracy = acc / n;
    }
    return m;
}

}  // namespace rgpb
