#include "core/train/ConsoleObserver.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rgpb {

ConsoleObserver::ConsoleObserver(std::FILE* out, bool interactive, int plain_every)
    : out_(out), interactive_(interactive), plain_every_(std::max(1, plain_every)) {}

std::string ConsoleObserver::formatDuration(double s) {
    if (!std::isfinite(s) || s < 0)
        return "--:--";
    long t = std::lround(s);
    char buf[32];
    if (t >= 3600) {
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
    }
    return buf;
}

std::string ConsoleObserver::bar(double fraction, int width) {
    fraction = std::clamp(fraction, 0.0, 1.0);
    int filled = static_cast<int>(std::lround(fraction * width));
    char pct[8];
    std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(std::floor(fraction * 100.0)));
    return "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(width - filled), '-') + "] " + pct;
}

void ConsoleObserver::endBar() {
    if (bar_open_) {
        std::fputc('\n', out_);
        bar_open_ = false;
    }
}

void ConsoleObserver::onStart(const RunStartInfo& i) {
    std::fprintf(
        out_,
        "run %s\n  %lld parameters on %s (%d threads); %lld train / %lld eval pairs; %lld "
        "steps%s\n",
        i.run_dir.c_str(), static_cast<long long>(i.parameters), i.device.c_str(), i.threads,
        static_cast<long long>(i.train_pairs), static_cast<long long>(i.eval_pairs),
        static_cast<long long>(i.total_steps),
        i.start_step ? (" (resuming at step " + std::to_string(i.start_step) + ")").c_str() : "");
    std::fflush(out_);
}

void ConsoleObserver::onStageStart(int stage, const std::string& name, int64_t steps) {
    endBar();
    std::fprintf(out_, "stage %d: %s, %lld steps\n", stage, name.c_str(),
                 static_cast<long long>(steps));
    std::fflush(out_);
}

void ConsoleObserver::onStep(const StepMetrics& m) {
    double frac =
        m.total_steps ? static_cast<double>(m.step) / static_cast<double>(m.total_steps) : 0.0;
    if (interactive_) {
        std::fprintf(out_, "\r%s %lld/%lld  loss %.4f  %.0f tok/s  ETA %s  %s\033[K",
                     bar(frac, 24).c_str(), static_cast<long long>(m.step),
                     static_cast<long long>(m.total_steps), m.loss, m.tokens_per_s,
                     formatDuration(m.eta_s).c_str(), last_eval_.c_str());
        bar_open_ = true;
    } else if (m.step % plain_every_ == 0 || m.step == m.total_steps || m.skipped) {
        std::fprintf(out_,
                     "step %lld/%lld (%3.0f%%)  stage %d  loss %.4f  grad %.3g  lr %.3g  %.0f "
                     "tok/s  ETA %s%s\n",
                     static_cast<long long>(m.step), static_cast<long long>(m.total_steps),
                     frac * 100.0, m.stage, m.loss, m.grad_norm, m.lr, m.tokens_per_s,
                     formatDuration(m.eta_s).c_str(),
                     m.skipped ? "  [non-finite: update skipped]" : "");
    }
    std::fflush(out_);
}

void ConsoleObserver::onPhase(const PhaseProgress& p) {
    if (p.phase != phase_ || p.done == 0) {
        phase_ = p.phase;
        phase_start_ = std::chrono::steady_clock::now();
        phase_reported_ = -1;
    }
    if (p.total <= 0 || (p.phase != RunPhase::CachingReference && p.phase != RunPhase::Evaluating))
        return;
    const double frac = static_cast<double>(p.done) / static_cast<double>(p.total);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - phase_start_).count();
    const double eta =
        p.done > 0 ? seconds * static_cast<double>(p.total - p.done) / static_cast<double>(p.done)
                   : std::nan("");
    const double rate = seconds > 0 ? static_cast<double>(p.done) / seconds : 0.0;
    if (interactive_) {
        std::fprintf(out_, "\r%s %s %lld/%lld pairs  %.0f pairs/s  ETA %s\033[K",
                     bar(frac, 24).c_str(), runPhaseName(p.phase), static_cast<long long>(p.done),
                     static_cast<long long>(p.total), rate, formatDuration(eta).c_str());
        bar_open_ = true;
        if (p.done == p.total)
            endBar();
    } else if (p.phase == RunPhase::CachingReference) {
        const int64_t quarter = p.done * 4 / p.total;
        if (quarter == phase_reported_)
            return;
        phase_reported_ = quarter;
        std::fprintf(out_, "stage %d: %s %lld/%lld pairs (%3.0f%%)  %.0f pairs/s  ETA %s\n",
                     p.stage, runPhaseName(p.phase), static_cast<long long>(p.done),
                     static_cast<long long>(p.total), frac * 100.0, rate,
                     formatDuration(eta).c_str());
    }
    std::fflush(out_);
}

void ConsoleObserver::onEval(const EvalReport& r) {
    char buf[160];
    if (r.metrics.documents) {
        // Documents of text: only the positive side's numbers are measurements.
        std::snprintf(buf, sizeof buf, "ppl %.3f", r.metrics.perplexity);
        last_eval_ = buf;
        if (!interactive_) {
            std::fprintf(out_, "eval step %lld: perplexity %.4f  pos_prob %.4f (documents)\n",
                         static_cast<long long>(r.step), r.metrics.perplexity, r.metrics.pos_prob);
            std::fflush(out_);
        }
        return;
    }
    std::snprintf(buf, sizeof buf, "ppl %.3f  agility %.4f", r.metrics.perplexity,
                  r.metrics.agility);
    last_eval_ = buf;
    if (!interactive_) {
        std::fprintf(
            out_,
            "eval step %lld: perplexity %.4f  agility %.5f  pos_prob %.4f  logp_margin %.3f%s\n",
            static_cast<long long>(r.step), r.metrics.perplexity, r.metrics.agility,
            r.metrics.pos_prob, r.metrics.logp_margin,
            r.metrics.has_rewards
                ? ("  reward_acc " + std::to_string(r.metrics.reward_accuracy)).c_str()
                : "");
        std::fflush(out_);
    }
}

void ConsoleObserver::onCheckpoint(int64_t step, const std::string& path) {
    if (!interactive_) {
        std::fprintf(out_, "checkpoint step %lld: %s\n", static_cast<long long>(step),
                     path.c_str());
    }
}

void ConsoleObserver::onFinished(const RunSummary& s) {
    endBar();
    // A run on documents has no eval/agility (core/metrics/PairMetrics.h markAsDocuments()).
    const double agility = s.metric("eval/agility", std::nan(""));
    char tail[64] = "";
    if (!std::isnan(agility))
        std::snprintf(tail, sizeof tail, ", agility %.5f", agility);
    std::fprintf(out_, "finished %s in %s: perplexity %.4f%s\n", s.dir.c_str(),
                 formatDuration(s.wall_time_s).c_str(), s.metric("eval/perplexity"), tail);
    std::fflush(out_);
}

void ConsoleObserver::onFailed(const RunSummary& s) {
    endBar();
    std::fprintf(out_, "%s %s: %s\n", runStatusName(s.status), s.dir.c_str(), s.reason.c_str());
    std::fflush(out_);
}

}  // namespace rgpb
