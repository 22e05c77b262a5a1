// `rgpb study` end to end on a tiny study (a base pretrained with lm, MLE and MLE -> DPO at one
// beta, 3 seeds, a handful of steps): `study run` trains every planned run once as child
// processes and writes study.json; `study status` lists the cells; `study resume` after a run
// was lost reruns that run alone; `study report` writes report.html.
#include <QtTest>

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <filesystem>
#include <map>
#include <string>

#include "core/run/RunStore.h"
#include "core/study/StudyResults.h"
#include "tests/support/CliRun.h"
#include "tests/support/TestMain.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_study_cli {

using namespace rgpb;
namespace fs = std::filesystem;

namespace {

const char* kTinyStudy =
    "# A tiny study for the CLI test.\n"
    "name: tiny\n"
    "run:\n"
    "  threads: 1\n"
    "  model: {size: micro}\n"
    "  optimizer: {batch_size: 4, warmup_steps: 1}\n"
    "  eval: {every: 1000, batch_size: 16, samples: 0}\n"
    "base:\n"
    "  pretrain:\n"
    "    data: {source: synthetic-text, synthetic: {count: 60}, eval_pairs: 8,\n"
    "           max_length: 48, max_prompt_length: 32}\n"
    "    steps: 4\n"
    "tasks:\n"
    "  - name: low\n"
    "    data: {synthetic: {regime: context-contrast, count: 80}, eval_pairs: 16,\n"
    "           max_length: 48, max_prompt_length: 32}\n"
    "recipes: [mle, mle -> dpo]\n"
    "betas: [0.5]\n"
    "seeds: [1, 2, 3]\n"
    "steps: 4\n"
    "lr: {validation_pairs: 8}\n";

using Ran = rgpb::test::CliResult;

Ran rgpbRun(const QStringList& args) {
    return rgpb::test::runCli(args, 600000);
}

// summary.json modification times of every run under .runs/.
std::map<std::string, fs::file_time_type> summaryTimes(const fs::path& runs) {
    std::map<std::string, fs::file_time_type> out;
    for (const auto& e : fs::directory_iterator(runs))
        if (fs::exists(e.path() / "summary.json"))
            out[e.path().string()] = fs::last_write_time(e.path() / "summary.json");
    return out;
}

}  // namespace

class TestStudyCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void runStatusResumeAndReport() {
        QTemporaryDir tmp;
        const QString file = tmp.filePath("tiny.yaml");
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write(kTinyStudy) > 0);
        f.close();
        const QString studies = tmp.filePath("studies");
        const QString dir = studies + "/tiny";

        Ran run = rgpbRun({"study", "run", file, "--dir", studies});
        QVERIFY2(run.code == 0, qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains("6/6 cells finished, 0 failed"), qPrintable(run.out));
        // base + measurement + 3 MLE + 3 DPO second stages: the MLE cells and the first stages
        // of MLE -> DPO are the same runs.
        const fs::path runs = fs::path(studies.toStdString()) / ".runs";
        QCOMPARE(summaryTimes(runs).size(), std::size_t(1 + 3 + 3));
        QVERIFY(QFileInfo::exists(dir + "/study.yaml"));
        QVERIFY(QFileInfo::exists(dir + "/measures/low/summary.json"));
        StudyResults res = loadStudyResults(dir.toStdString());
        QCOMPARE(res.cells.size(), std::size_t(6));
        for (const StudyCellResult& c : res.cells) {
            QCOMPARE(c.status, RunStatus::Finished);
            QVERIFY(c.wall_time_s > 0);
            QVERIFY(!c.final_metrics.empty());
        }
        QCOMPARE(res.measures.size(), std::size_t(1));
        QVERIFY(!res.provenance.commit.empty() && !res.provenance.torch_version.empty());
        QVERIFY(!res.provenance.finished_at.empty());

        Ran status = rgpbRun({"study", "status", dir});
        QVERIFY2(status.code == 0, qPrintable(status.err));
        QVERIFY2(status.out.contains("8 runs: 8 finished"), qPrintable(status.out));
        QCOMPARE(status.out.count(" finished "), 6);

        // One DPO stage lost (its folder removed): resume trains it alone.
        const std::string lost = res.cells.back().run_dirs.back();
        fs::remove_all(lost);
        const auto before = summaryTimes(runs);
        Ran resume = rgpbRun({"study", "resume", dir});
        QVERIFY2(resume.code == 0, qPrintable(resume.out + resume.err));
        const auto after = summaryTimes(runs);
        QCOMPARE(after.size(), std::size_t(7));
        for (const auto& [path, time] : before)
            QVERIFY2(after.at(path) == time, path.c_str());  // not rerun
        QCOMPARE(readSummary(lost).status, RunStatus::Finished);

        Ran report = rgpbRun({"study", "report", dir, "--out", tmp.filePath("report")});
        QVERIFY2(report.code == 0, qPrintable(report.out + report.err));
        QVERIFY(QFileInfo::exists(tmp.filePath("report/report.html")));
    }

    void aBadStudyFileIsNamedWithLineAndColumn() {
        QTemporaryDir tmp;
        const QString file = tmp.filePath("bad.yaml");
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(kTinyStudy).replace("seeds: [1, 2, 3]", "seeds: [1, 2]"));
        f.close();
        Ran run = rgpbRun({"study", "run", file, "--dir", tmp.filePath("studies")});
        QCOMPARE(run.code, 1);
        QVERIFY2(run.err.contains("bad.yaml:19:8: seeds: expected at least 3 training seeds"),
                 qPrintable(run.err));
    }
};

RGPB_TEST_MAIN(TestStudyCli)
}  // namespace rgpb_test_study_cli
#include "test_study_cli.moc"
