// The study report: every file written (report.html, figures as SVG and PDF, tables as CSV and
// LaTeX), the HTML self-contained (inline SVG, nothing loaded from outside, unique ids), CSV
// quoting and LaTeX escaping, the quick-study warning, the notes and the provenance.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <filesystem>
#include <regex>
#include <set>

#include "core/run/RunStore.h"
#include "core/study/StudyPlan.h"
#include "core/study/StudyReport.h"
#include "core/study/StudyTables.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_study_report {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;
namespace fs = std::filesystem;

StudyResults reportStudy() {
    StudyResults r;
    r.spec.name = "unit";
    r.spec.quick = true;
    r.spec.description = "A <small> study & its report";
    r.spec.betas = {0.1, 1.0};
    r.spec.seeds = {1, 2, 3};
    r.spec.data_seed = 7;
    const std::pair<const char*, InfoRegime> tasks[] = {{"low_info", InfoRegime::Low},
                                                        {"high-info", InfoRegime::High}};
    for (const auto& [task, regime] : tasks) {
        for (const char* recipe : {"mle", "dpo", "exmate", "mle -> dpo"}) {
            for (double beta : {0.1, 1.0}) {
                if (std::string(recipe) == "mle" && beta > 0.5)
                    continue;
                for (uint64_t seed = 1; seed <= 3; ++seed) {
                    StudyCellResult c;
                    c.task = task;
                    c.regime = regime;
                    c.recipe = recipe;
                    c.beta = std::string(recipe) == "mle" ? 0.0 : beta;
                    c.seed = seed;
                    c.status = RunStatus::Finished;
                    c.stage_lr = {1e-3};
                    c.wall_time_s = 12.5;
                    const double k = static_cast<double>(seed) + beta;
                    c.final_metrics = {{"eval/perplexity", 10 + k},
                                       {"eval/agility", 0.1 * k},
                                       {"eval/pos_prob", 0.2 + 0.01 * k}};
                    r.cells.push_back(c);
                }
            }
        }
        r.measures.push_back({task, regime, -3.5, -3.25, {0.9, 0.5, 0.2}, {0.4, 0.3, 0.1}});
        r.selections.push_back({task, "dpo", 1e-3, {{1e-3, 0.4}, {3e-3, 0.2}}, "agility"});
    }
    r.cells[0].status = RunStatus::Failed;
    r.cells[0].reason = "out of memory, at step 5";
    r.notes = {"task hh-rlhf skipped: ../shared/data/hh-rlhf is absent"};
    r.provenance = {"abc1234",
                    "/studies/unit.yaml",
                    "h-5eed",
                    {{"low_info", "d-1a7a"}},
                    "2.3.1",
                    "cpu",
                    2,
                    "2026-01-01T00:00:00Z",
                    "2026-01-01T01:00:00Z"};
    return r;
}

class TestStudyReport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void csvQuotesAndLatexEscapes() {
        StudyTable t{"t", "A title", {"name", "value"}, {{"a,b", "say \"hi\""}, {"plain", ""}}};
        QCOMPARE(tableCsv(t), std::string("name,value\n\"a,b\",\"say \"\"hi\"\"\"\nplain,\n"));
        QCOMPARE(latexEscape("a_b & 50% {x} $#~^\\"),
                 std::string("a\\_b \\& 50\\% \\{x\\} \\$\\#\\textasciitilde{}"
                             "\\textasciicircum{}\\textbackslash{}"));
        const std::string tex = tableLatex(t);
        QVERIFY2(contains(tex,
                          "\\begin{tabular}{ll}\n\\toprule\nname & value \\\\\n\\midrule\n"
                          "a,b & say \"hi\" \\\\\nplain &  \\\\\n\\bottomrule\n\\end{tabular}"),
                 tex.c_str());
        // A column of long text wraps.
        t.rows.push_back({std::string(41, 'x'), "short"});
        QVERIFY(contains(tableLatex(t), "\\begin{tabular}{p{5cm}l}"));
        QCOMPARE(tableNumber(0.5), std::string("0.5"));
        QCOMPARE(tableNumber(std::nan("")), std::string(""));
    }

    void reportFilesAreWritten() {
        QTemporaryDir tmp;
        const std::string out = tmp.filePath("report").toStdString();
        const std::vector<std::string> written = writeStudyReport(reportStudy(), out);
        for (const std::string& p : written)
            QVERIFY2(fs::is_regular_file(p), p.c_str());
        std::set<std::string> names;
        for (const std::string& p : written)
            names.insert(fs::relative(p, out).string());
        for (const char* expected :
             {"report.html", "figures/landscape-low_info.svg", "figures/landscape-low_info.pdf",
              "figures/landscape-high-info.svg", "figures/beta-low_info-pos_prob.pdf",
              "figures/beta-high-info-agility.svg", "figures/measures-low_info.svg",
              "tables/claims.csv", "tables/claims.tex", "tables/cells.csv", "tables/points.tex",
              "tables/comparisons.csv", "tables/selections.csv", "tables/provenance.csv"})
            QVERIFY2(names.count(expected), expected);
        QCOMPARE(readFile(out + "/figures/landscape-low_info.pdf").substr(0, 5),
                 std::string("%PDF-"));
        QVERIFY(contains(readFile(out + "/figures/landscape-low_info.svg"), "<svg"));
        // The per-cell CSV: header, and the failed cell's reason quoted for its comma.
        const std::string cells = readFile(out + "/tables/cells.csv");
        QVERIFY2(contains(cells,
                          "task,regime,recipe,beta,seed,status,reason,perplexity,agility,"
                          "pos_prob,logp_margin,lr,wall_time_s,runs\n"),
                 cells.c_str());
        QVERIFY2(contains(cells, "low_info,low,mle,,1,failed,\"out of memory, at step 5\","),
                 cells.c_str());
        // LaTeX escapes the task's underscore; the claims table names each claim and verdict.
        QVERIFY(contains(readFile(out + "/tables/points.tex"), "low\\_info & mle"));
        const std::string claims = readFile(out + "/tables/claims.csv");
        QVERIFY2(contains(claims, "low.exmate_agility_gt_mle,"), claims.c_str());
        QVERIFY(contains(claims, "not tested"));
        // A folder that cannot be made (a file stands in its place): an error naming the path.
        writeFileAtomic(tmp.filePath("blocked").toStdString(), "x");
        const std::string m = messageOf<Error>(
            [&] { writeStudyReport(reportStudy(), tmp.filePath("blocked").toStdString()); });
        QVERIFY2(contains(m, "blocked"), m.c_str());
    }

    void htmlIsSelfContained() {
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString();
        writeStudyReport(reportStudy(), out);
        const std::string html = readFile(out + "/report.html");
        // Figures are inline <svg>, one per figure file pair; nothing is loaded from elsewhere.
        std::size_t svgs = 0;
        for (std::size_t at = html.find("<svg"); at != std::string::npos;
             at = html.find("<svg", at + 1))
            ++svgs;
        std::size_t figure_files = 0;
        for (const auto& e : fs::directory_iterator(out + "/figures"))
            figure_files += e.path().extension() == ".svg" ? 1 : 0;
        QVERIFY(figure_files >= 6);
        QCOMPARE(svgs, figure_files);
        for (const char* banned : {"<img", "src=", "<link", "<script", "@import", "<?xml"})
            QVERIFY2(!contains(html, banned), banned);
        // Every href / url() points inside the document; the only absolute URLs are XML
        // namespace names, which a browser never fetches.
        std::smatch m;
        const std::regex ref("(href=\"|url\\()([^\"#)])");
        QVERIFY2(!std::regex_search(html, m, ref), m.str().c_str());
        std::string rest = html;
        for (const std::regex url("https?://[^\"'\\s)]*"); std::regex_search(rest, m, url);
             rest = m.suffix())
            QVERIFY2(contains(m.str(), "www.w3.org/"), m.str().c_str());
        // Ids stay unique across the inline figures.
        std::set<std::string> ids;
        rest = html;
        for (const std::regex id(" id=\"([^\"]*)\""); std::regex_search(rest, m, id);
             rest = m.suffix())
            QVERIFY2(ids.insert(m[1].str()).second, m[1].str().c_str());
    }

    void htmlSaysWhatItRestsOn() {
        QTemporaryDir tmp;
        StudyResults r = reportStudy();
        writeStudyReport(r, tmp.path().toStdString());
        const std::string html = readFile(tmp.filePath("report.html").toStdString());
        // A quick study warns at the top, before any number.
        QVERIFY(contains(html, "indicative only"));
        QVERIFY(html.find("indicative only") < html.find("<table"));
        QVERIFY(contains(html, "A &lt;small&gt; study &amp; its report"));
        // The claims at a glance: the counts of each verdict add up to the claims table's rows.
        const std::string claims_csv = readFile(tmp.filePath("tables/claims.csv").toStdString());
        const auto claim_rows = std::count(claims_csv.begin(), claims_csv.end(), '\n') - 1;
        std::smatch counts;
        QVERIFY(std::regex_search(html, counts,
                                  std::regex("(\\d+) supported, (\\d+) contradicted, (\\d+) "
                                             "inconclusive, (\\d+) not tested")));
        QCOMPARE(std::stol(counts[1]) + std::stol(counts[2]) + std::stol(counts[3]) +
                     std::stol(counts[4]),
                 long(claim_rows));
        // Notes: the skipped task and the failed cell with its reason.
        QVERIFY(contains(html, "task hh-rlhf skipped"));
        QVERIFY(contains(html, "low_info / mle seed 1: failed - out of memory, at step 5"));
        // Provenance: commit, study file and hash, data hashes, seeds, LibTorch, device, threads.
        for (const char* p : {"abc1234", "/studies/unit.yaml", "h-5eed", "d-1a7a", "1, 2, 3",
                              "2.3.1", "<td>cpu</td>", "<td>threads</td><td>2</td>"})
            QVERIFY2(contains(html, p), p);
        QVERIFY(contains(readFile(tmp.filePath("tables/provenance.csv").toStdString()),
                         "commit,abc1234\n"));
        // A full study does not carry the warning.
        r.spec.quick = false;
        QTemporaryDir full;
        writeStudyReport(r, full.path().toStdString());
        const std::string full_html = readFile(full.filePath("report.html").toStdString());
        QVERIFY(!contains(full_html, "indicative only"));
        QVERIFY(!contains(full_html, "one beta: no beta-sensitivity figures"));
        // With one beta the missing beta figures are explained.
        r.spec.betas = {0.1};
        QTemporaryDir one;
        writeStudyReport(r, one.path().toStdString());
        QVERIFY(contains(readFile(one.filePath("report.html").toStdString()),
                         "one beta: no beta-sensitivity figures"));
        QVERIFY(!fs::exists(one.filePath("figures/beta-low_info-agility.svg").toStdString()));
    }

    void reportFromAStudyOnDisk() {
        // A study planned, its runs written as the trainer writes them, study.json through the
        // planner, read back with loadStudyResults: the numbers reach the tables and the curves.
        QTemporaryDir tmp;
        StudySpec spec;
        spec.name = "disk";
        spec.base.from = tmp.filePath("no-model").toStdString();
        spec.recipes = {"mle", "exmate"};
        spec.betas = {0.5};
        spec.seeds = {1, 2, 3};
        StudyTask task;
        task.name = "low";
        task.regime = InfoRegime::Low;
        spec.tasks = {task};
        const StudyPlan plan = planStudy(spec, tmp.path().toStdString());
        QCOMPARE(plan.cells.size(), std::size_t(6));
        for (const PlannedCell& cell : plan.cells) {
            // Final agility s / 4 for MLE and 1/2 + s / 4 for ExMATE at seed s (exact in binary).
            const double agility = (cell.recipe == "mle" ? 0.0 : 0.5) + 0.25 * double(cell.seed);
            const std::string dir = plan.runs[cell.runs.back()].run_dir;
            fs::create_directories(dir);
            {
                MetricsLog log(dir);
                log.write(0, 0, "eval", {{"agility", 0.0}, {"perplexity", 20.0}});
                log.write(100, 0, "eval", {{"agility", agility}, {"perplexity", 10.0}});
            }
            RunSummary summary;
            summary.status = RunStatus::Finished;
            summary.final_metrics = {{"eval/agility", agility}, {"eval/perplexity", 10.0}};
            writeSummary(dir, summary);
        }
        writeStudyJson(spec, plan, StudyProvenance{});
        const std::string out = tmp.filePath("report").toStdString();
        writeStudyReport(loadStudyResults(plan.study_dir), out);
        // ExMATE's points: mean 1, sd 1/4, half-width t(0.975, 2) (1/4) / sqrt(3).
        const std::string points = readFile(out + "/tables/points.csv");
        QVERIFY2(contains(points, "low,exmate,0.5,3,3,10,10,10,1,"), points.c_str());
        QVERIFY2(contains(points, "," + tableNumber(1 + 4.302653 * 0.25 / std::sqrt(3.0), 5)),
                 points.c_str());
        // The paired difference ExMATE - MLE is 1/2 at every seed: supported, at p = 0; equal
        // perplexities give an effect of 0 and an inconclusive verdict.
        const std::string claims = readFile(out + "/tables/claims.csv");
        QVERIFY2(contains(claims, "low.exmate_agility_gt_mle,") &&
                     contains(claims, ",low,0.5,0.5,0.5,0.5,3,0,supported,") &&
                     contains(claims, "MLE's\",low,0.5,0,0,0,3,1,inconclusive,"),
                 claims.c_str());
        QVERIFY(fs::is_regular_file(out + "/figures/curves-low-agility.svg"));
    }
};

RGPB_TEST_MAIN(TestStudyReport)

}  // namespace rgpb_test_study_report

#include "test_study_report.moc"
