// `rgpb runs`'s rows, filters and formats (core/run/RunListing.h) on run folders written with the
// run store: per-stage lr and beta of a two-stage recipe, the data seed apart from the seed, the
// data column, a run whose config cannot be read, --where semantics and errors, JSON numbers as
// numbers, and RFC 4180 quoting in CSV.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/config/RunConfig.h"
#include "core/run/RunListing.h"
#include "core/run/RunStore.h"
#include "core/util/CsvText.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"
#include "tests/support/ErrorText.h"

namespace rgpb_test_run_listing {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;
namespace fs = std::filesystem;

StageConfig listingStage(ObjectiveKind kind, double beta, std::optional<double> lr = {}) {
    StageConfig s;
    s.objective = ObjectiveSpec::single(kind, beta);
    s.steps = 10;
    s.lr = lr;
    return s;
}

// A run folder under `runs` with this config.yaml (or raw text) and summary.
std::string writeListingRun(const std::string& runs, const std::string& config_yaml, RunSummary s) {
    std::string dir = createRunDir(runs, s.name);
    writeFileAtomic((fs::path(dir) / "config.yaml").string(), config_yaml);
    writeSummary(dir, s);
    return dir;
}

RunSummary listingSummary(const std::string& name, const std::string& recipe, RunStatus status,
                          const std::string& started) {
    RunSummary s;
    s.name = name;
    s.recipe = recipe;
    s.status = status;
    s.started_at = started;
    s.step = 20;
    s.total_steps = 20;
    s.wall_time_s = 65;
    return s;
}

const RunRow& rowNamed(const std::vector<RunRow>& rows, const std::string& name) {
    auto it = std::find_if(rows.begin(), rows.end(),
                           [&](const RunRow& r) { return r.summary.name == name; });
    if (it == rows.end())
        throw Error("no row " + name);
    return *it;
}

std::vector<std::string> namesWhere(const std::vector<RunRow>& rows,
                                    const std::vector<std::string>& conditions) {
    std::vector<RunFilter> filters;
    for (const std::string& c : conditions)
        filters.push_back(parseRunFilter(c));
    std::vector<std::string> names;
    for (const RunRow& r : filterRuns(rows, filters))
        names.push_back(r.summary.name);
    std::sort(names.begin(), names.end());
    return names;
}

class TestRunListing : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;
    std::vector<RunRow> rows_;

private Q_SLOTS:
    // Three runs: a two-stage ExMATE -> DPO on the context-contrast regime (seed 3, data seed
    // 7, DPO at its own lr), an MLE run on a pair file (data seed = seed), and a run whose
    // config.yaml is not YAML.
    void initTestCase() {
        std::string runs = tmp_.path().toStdString();
        RunConfig two;
        two.name = "two";
        two.seed = 3;
        two.data_seed = 7;
        two.data.synthetic_regime = "context-contrast";
        two.optimizer.lr = 1e-3;
        two.stages = {listingStage(ObjectiveKind::Exmate, 0.5),
                      listingStage(ObjectiveKind::Dpo, 0.1, 1e-5)};
        RunSummary s =
            listingSummary("two", two.recipe(), RunStatus::Finished, "2026-01-03T00:00:00Z");
        s.final_metrics = {{"eval/perplexity", 12.5}, {"eval/agility", 0.25}};
        writeListingRun(runs, toYaml(two), s);

        std::string pairs = (fs::path(runs) / "my pairs.jsonl").string();
        writeFileAtomic(pairs, "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n");
        RunConfig mle;
        mle.name = "mle";
        mle.seed = 5;
        mle.data.source = pairs;
        mle.stages = {listingStage(ObjectiveKind::Mle, 0.1)};
        s = listingSummary("mle", mle.recipe(), RunStatus::Failed, "2026-01-02T00:00:00Z");
        s.reason = "diverged: loss \"nan\", at step 3";
        writeListingRun(runs, toYaml(mle), s);

        s = listingSummary("broken", "dpo", RunStatus::Cancelled, "2026-01-01T00:00:00Z");
        writeListingRun(runs, "stages: [unclosed\n", s);
        rows_ = listRunRows(runs);
    }

    void rowsHoldTheConfigColumns() {
        QCOMPARE(rows_.size(), std::size_t(3));
        QCOMPARE(rows_[0].summary.name, std::string("two"));  // newest first
        const RunRow& two = rowNamed(rows_, "two");
        QVERIFY(two.has_config);
        QCOMPARE(two.seed, uint64_t(3));
        QCOMPARE(two.data_seed, uint64_t(7));
        QCOMPARE(two.data, std::string("context-contrast"));
        QCOMPARE(runBetaText(two), std::string("exmate 0.5 -> dpo 0.1"));
        QCOMPARE(runLrText(two), std::string("exmate 0.001 -> dpo 1e-05"));
        const RunRow& mle = rowNamed(rows_, "mle");
        QCOMPARE(mle.seed, uint64_t(5));
        QCOMPARE(mle.data_seed, uint64_t(5));  // data_seed -1: the seed
        QCOMPARE(mle.data, std::string("my pairs.jsonl"));
        QCOMPARE(runBetaText(mle), std::string(""));  // MLE has no beta
        QCOMPARE(runLrText(mle), std::string("0.001"));
        const RunRow& broken = rowNamed(rows_, "broken");
        QVERIFY(!broken.has_config);
        QVERIFY2(contains(broken.config_problem, "config.yaml"), broken.config_problem.c_str());
        QCOMPARE(runBetaText(broken), std::string(""));
        QCOMPARE(runDataText("synthetic", "response-contrast"), std::string("response-contrast"));
    }

    void whereFiltersByKey() {
        using V = std::vector<std::string>;
        QCOMPARE(namesWhere(rows_, {}), (V{"broken", "mle", "two"}));
        QCOMPARE(namesWhere(rows_, {"recipe=exmate->dpo"}), V{"two"});
        QCOMPARE(namesWhere(rows_, {"recipe=exmate -> dpo"}), V{"two"});
        QCOMPARE(namesWhere(rows_, {"recipe=dpo"}), V{"broken"});  // from its summary.json
        QCOMPARE(namesWhere(rows_, {"method=dpo", "seed=3"}), V{"two"});
        QCOMPARE(namesWhere(rows_, {"seed=1"}), V{});  // "broken" has no seed to compare
        QCOMPARE(namesWhere(rows_, {"method=dpo"}), V{"two"});
        QCOMPARE(namesWhere(rows_, {"method=sft"}), V{"mle"});
        QCOMPARE(namesWhere(rows_, {"beta=0.5"}), V{"two"});
        QCOMPARE(namesWhere(rows_, {"beta=5e-1"}), V{"two"});
        QCOMPARE(namesWhere(rows_, {"beta=0.2"}), V{});
        QCOMPARE(namesWhere(rows_, {"seed=3"}), V{"two"});
        QCOMPARE(namesWhere(rows_, {"data_seed=7"}), V{"two"});
        QCOMPARE(namesWhere(rows_, {"data_seed=5"}), V{"mle"});
        QCOMPARE(namesWhere(rows_, {"data=my pairs.jsonl"}), V{"mle"});
        QCOMPARE(namesWhere(rows_, {"data=context-contrast"}), V{"two"});
        QCOMPARE(namesWhere(rows_, {"name=broken"}), V{"broken"});
        QCOMPARE(namesWhere(rows_, {"status=cancelled"}), V{"broken"});
        // One key twice: either; two keys: both.
        QCOMPARE(namesWhere(rows_, {"status=finished", "status=failed"}), (V{"mle", "two"}));
        QCOMPARE(namesWhere(rows_, {"status=finished", "seed=5"}), V{});
        QCOMPARE(namesWhere(rows_, {"status=failed", "seed=5"}), V{"mle"});
    }

    void whereRefusesWhatItCannotRead() {
        std::string m = messageOf<Error>([] { parseRunFilter("colour=red"); });
        QVERIFY2(contains(m, "unknown key 'colour'") &&
                     contains(m, "recipe, method, status, seed, data_seed, data, beta, name"),
                 m.c_str());
        m = messageOf<Error>([] { parseRunFilter("recipe"); });
        QVERIFY2(contains(m, "expected key=value"), m.c_str());
        m = messageOf<Error>([] { parseRunFilter("status=done"); });
        QVERIFY2(contains(m, "status must be one of queued, running, paused, finished, failed"),
                 m.c_str());
        m = messageOf<Error>([] { parseRunFilter("seed=-1"); });
        QVERIFY2(contains(m, "seed must be a whole number"), m.c_str());
        m = messageOf<Error>([] { parseRunFilter("beta=high"); });
        QVERIFY2(contains(m, "beta must be a number"), m.c_str());
    }

    void jsonHasEveryColumnWithNumbersAsNumbers() {
        auto j = nlohmann::json::parse(runJson(rows_));
        QVERIFY(j.is_array());
        QCOMPARE(j.size(), std::size_t(3));
        const auto& two = j[0];
        QCOMPARE(two["run"].get<std::string>(), rows_[0].summary.id);
        QCOMPARE(two["recipe"].get<std::string>(), std::string("exmate -> dpo"));
        QVERIFY(two["seed"].is_number_integer() && two["seed"].get<int>() == 3);
        QCOMPARE(two["data_seed"].get<int>(), 7);
        QCOMPARE(two["data"].get<std::string>(), std::string("context-contrast"));
        QCOMPARE(two["lr"], nlohmann::json::parse("[0.001, 1e-05]"));
        QCOMPARE(two["beta"], nlohmann::json::parse("[0.5, 0.1]"));
        QCOMPARE(two["methods"], nlohmann::json::parse("[\"exmate\", \"dpo\"]"));
        QCOMPARE(two["perplexity"].get<double>(), 12.5);
        QCOMPARE(two["agility"].get<double>(), 0.25);
        QCOMPARE(two["steps"].get<int>(), 20);
        QCOMPARE(two["time_s"].get<double>(), 65.0);
        QCOMPARE(two["status"].get<std::string>(), std::string("finished"));
        const auto& mle = j[1];
        QCOMPARE(mle["beta"], nlohmann::json::parse("[null]"));
        QVERIFY(mle["perplexity"].is_null());  // not measured
        const auto& broken = j[2];
        QVERIFY(broken["seed"].is_null());
        QVERIFY(contains(broken["config_problem"].get<std::string>(), "config.yaml"));
    }

    // Found by fuzz_run_folder (tests/fuzz/corpus/run_folder/regression_json_not_utf8): a
    // summary.json with bytes that are not UTF-8 lists as damaged, and its reason quoting them
    // made runJson() throw nlohmann's type_error 316. They are replaced instead.
    void jsonReplacesBytesThatAreNotUtf8() {
        QTemporaryDir tmp;
        const std::string runs = tmp.path().toStdString();
        fs::create_directories(runs + "/run-1");
        writeFileAtomic(runs + "/run-1/summary.json", "{\"name\": \"caf\xe9\", \"status\": 1}");
        const std::vector<RunRow> rows = listRunRows(runs);
        QCOMPARE(rows.size(), std::size_t(1));
        const auto j = nlohmann::json::parse(runJson(rows));
        QCOMPARE(j.size(), std::size_t(1));
    }

    void csvQuotesAsRfc4180Says() {
        QCOMPARE(csvField("plain"), std::string("plain"));
        QCOMPARE(csvField("a,b"), std::string("\"a,b\""));
        QCOMPARE(csvField("say \"hi\""), std::string("\"say \"\"hi\"\"\""));
        QCOMPARE(csvField("two\nlines"), std::string("\"two\nlines\""));
        std::string csv = runCsv(rows_);
        std::vector<std::string> lines;
        for (std::size_t at = 0, end; (end = csv.find('\n', at)) != std::string::npos; at = end + 1)
            lines.push_back(csv.substr(at, end - at));
        QCOMPARE(lines.size(), std::size_t(4));  // header + 3 (no field holds a line break)
        QCOMPARE(lines[0], std::string("run,recipe,status,seed,data_seed,data,lr,beta,steps,"
                                       "total_steps,perplexity,agility,time_s,reason,"
                                       "config_problem"));
        QCOMPARE(lines[1], rows_[0].summary.id +
                               ",exmate -> dpo,finished,3,7,context-contrast,"
                               "exmate 0.001 -> dpo 1e-05,exmate 0.5 -> dpo 0.1,20,20,12.5,0.25,"
                               "65,,");
        QVERIFY2(contains(lines[2], ",\"diverged: loss \"\"nan\"\", at step 3\","),
                 lines[2].c_str());
    }

    void tableShowsReasonsAndProblems() {
        std::string t = runTable(rows_);
        QVERIFY2(t.rfind("run", 0) == 0, t.c_str());
        QVERIFY(contains(t, "exmate 0.5 -> dpo 0.1"));
        QVERIFY(contains(t, "12.5000") && contains(t, "0.25000") && contains(t, "1:05"));
        QVERIFY(contains(t, "\n    diverged: loss \"nan\", at step 3\n"));
        QVERIFY(contains(t, "\n    config: "));
        // Columns line up: "status" starts at the same offset in the header and every row.
        std::size_t header_status = t.find("status");
        std::size_t row_start = t.find('\n') + 1;
        QCOMPARE(t.find("finished", row_start) - row_start, header_status);
    }
};

RGPB_TEST_MAIN(TestRunListing)

}  // namespace rgpb_test_run_listing

#include "test_run_listing.moc"
