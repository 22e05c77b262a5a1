// Aggregation, claims and the report of a study of ~100 finished runs on disk (issue #12 asks
// for under 5 s): plans a study (2 tasks x the 7 paper recipes x 2 betas x 4 seeds = 104 runs),
// writes every run's metrics.jsonl and summary.json through the run store and study.json through
// the planner, then times loadStudyResults, aggregateStudy (learning curves included),
// evaluateClaims and writeStudyReport. Prints numbers; asserts nothing.
//
// Usage: bench_study [folder=the temporary folder] [seeds=4] [evaluations per run=21]
// (it works in <folder>/rgpb-bench-study/, replaced at each start and left for inspection)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/run/RunStore.h"
#include "core/study/StudyPlan.h"
#include "core/study/StudyReport.h"
#include "core/util/ProcessSetup.h"
#include "core/util/SafeFile.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double secondsSince(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A deterministic number in [0, 1) from a few integers (the runs' made-up noise).
double noise(uint64_t a, uint64_t b, uint64_t c) {
    uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^
                 c * 0x94D049BB133111EBull;
    x ^= x >> 31;
    x *= 0xD6E8FEB86659FD93ull;
    x ^= x >> 32;
    return static_cast<double>(x >> 11) / 9007199254740992.0;
}

rgpb::StudySpec benchSpec(int seeds) {
    rgpb::StudySpec spec;
    spec.name = "bench";
    spec.base.from = "/nonexistent/base-model";  // planned from a model folder: no base run
    spec.recipes = rgpb::paperRecipes();
    spec.betas = {0.1, 1.0};
    for (int s = 1; s <= seeds; ++s)
        spec.seeds.push_back(static_cast<uint64_t>(s));
    spec.steps = 200;
    rgpb::StudyTask low, high;
    low.name = "low-info";
    low.regime = rgpb::InfoRegime::Low;
    low.data.synthetic_regime = "context-contrast";
    high.name = "high-info";
    high.regime = rgpb::InfoRegime::High;
    spec.tasks = {low, high};
    return spec;
}

// A finished run: train events every step, `evals` eval events, a summary with the last eval.
void writeFinishedRun(const std::string& dir, std::size_t index, int64_t steps, int evals) {
    fs::create_directories(dir);
    rgpb::NamedValues last;
    {
        rgpb::MetricsLog log(dir);
        for (int64_t step = 1; step <= steps; ++step)
            log.write(step, 0, "train", {{"loss", 2.0 / std::sqrt(double(step))}, {"lr", 1e-3}});
        for (int e = 0; e < evals; ++e) {
            const int64_t step = steps * e / (evals - 1);
            const double u = noise(index, static_cast<uint64_t>(e), 1);
            last = {{"perplexity", 30.0 / (1.0 + 0.01 * double(step)) + u},
                    {"agility", 0.001 * double(step) * (0.5 + u)},
                    {"pos_prob", 0.1 + 0.2 * u},
                    {"logp_margin", u - 0.5}};
            log.write(step, 0, "eval", last);
        }
    }
    rgpb::RunSummary s;
    s.name = fs::path(dir).filename().string();
    s.status = rgpb::RunStatus::Finished;
    s.started_at = s.finished_at = rgpb::isoTimeNow();
    s.wall_time_s = 60.0 + 10.0 * noise(index, 2, 3);
    s.step = s.total_steps = steps;
    for (const auto& [k, v] : last)
        s.final_metrics.emplace_back("eval/" + k, v);
    rgpb::writeSummary(dir, s);
}

void writeMeasure(const std::string& dir) {
    rgpb::writeFileAtomic(dir + "/summary.json",
                          "{\"info_diff_log10_median\": -3.2, \"grad_diff\": ["
                          "{\"l1\": {\"mean\": 0.8}, \"l2\": {\"mean\": 0.3}},"
                          "{\"l1\": {\"mean\": 0.5}, \"l2\": {\"mean\": 0.2}}]}");
    rgpb::writeFileAtomic(dir + "/info_diff.csv", "pair,info_diff_log10\n0,-3.5\n1,-2.9\n");
}

}  // namespace

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) {
    // Only our own subfolder is ever cleared, whatever folder is given.
    const std::string root =
        (fs::path(argc > 1 ? argv[1] : fs::temp_directory_path().string()) / "rgpb-bench-study")
            .string();
    const int seeds = argc > 2 ? std::atoi(argv[2]) : 4;
    const int evals = argc > 3 ? std::max(2, std::atoi(argv[3])) : 21;
    fs::remove_all(root);
    const rgpb::StudySpec spec = benchSpec(seeds);
    auto t0 = Clock::now();
    const rgpb::StudyPlan plan = rgpb::planStudy(spec, root);
    std::size_t stage_runs = 0;
    for (std::size_t i = 0; i < plan.runs.size(); ++i) {
        if (plan.runs[i].kind == rgpb::PlannedRunKind::Measure)
            writeMeasure(plan.runs[i].run_dir);
        else {
            writeFinishedRun(plan.runs[i].run_dir, i, spec.steps, evals);
            ++stage_runs;
        }
    }
    rgpb::StudyProvenance provenance;
    provenance.commit = "bench";
    provenance.device = "cpu";
    rgpb::writeStudyJson(spec, plan, provenance);
    std::printf("fixture: %zu finished runs (%zu cells planned) under %s, written in %.2f s\n",
                stage_runs, plan.cells.size(), root.c_str(), secondsSince(t0));

    t0 = Clock::now();
    const rgpb::StudyResults results = rgpb::loadStudyResults(plan.study_dir);
    const double load_s = secondsSince(t0);
    t0 = Clock::now();
    const rgpb::StudyAggregate aggregate = rgpb::aggregateStudy(results);
    const double aggregate_s = secondsSince(t0);
    t0 = Clock::now();
    const std::vector<rgpb::ClaimResult> claims = rgpb::evaluateClaims(results, aggregate);
    const double claims_s = secondsSince(t0);
    t0 = Clock::now();
    const std::vector<std::string> files =
        rgpb::writeStudyReport(results, (fs::path(root) / "report").string());
    const double report_s = secondsSince(t0);
    std::printf(
        "cells %zu, points %zu, curves %zu, comparisons %zu, claims %zu, report files %zu\n",
        results.cells.size(), aggregate.points.size(), aggregate.curves.size(),
        aggregate.comparisons.size(), claims.size(), files.size());
    std::printf("loadStudyResults   %8.3f s\n", load_s);
    std::printf("aggregateStudy     %8.3f s\n", aggregate_s);
    std::printf("evaluateClaims     %8.3f s\n", claims_s);
    std::printf("writeStudyReport   %8.3f s (aggregates and evaluates again, writes every file)\n",
                report_s);
    std::printf("load + report      %8.3f s (target < 5 s)\n", load_s + report_s);
    return 0;
}
