// The study file: what a good file gives (defaults, relative paths), and bad files reported as
// "file:line:col: key: what is allowed" like run configs.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <filesystem>
#include <fstream>

#include "core/study/StudySpec.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_study_spec {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;
namespace fs = std::filesystem;

// A minimal valid study; tests replace or append lines to make it bad.
const char* kSpecGood =
    "# A test study.\n"
    "# Second line.\n"
    "name: demo\n"
    "run:\n"
    "  model: {size: micro}\n"
    "  optimizer: {lr: 0.002, batch_size: 8}\n"
    "base:\n"
    "  pretrain:\n"
    "    data: {source: synthetic-text, synthetic: {count: 500}}\n"
    "    steps: 40\n"
    "tasks:\n"
    "  - name: low-info\n"
    "    data: {source: synthetic, synthetic: {regime: context-contrast, count: 400}}\n"
    "  - name: high-info\n"
    "    data: {source: synthetic, synthetic: {regime: response-contrast, count: 400}}\n"
    "seeds: [1, 2, 3]\n";

std::string specError(const std::string& text) {
    return messageOf<InputError>([&] { parseStudySpec(text, "/tmp/s/study.yaml"); });
}

class TestStudySpec : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void goodFileGetsThePapersDefaults() {
        StudySpec s = parseStudySpec(kSpecGood, "/tmp/s/study.yaml");
        QCOMPARE(QString::fromStdString(s.name), QString("demo"));
        QCOMPARE(QString::fromStdString(s.description), QString("A test study.\nSecond line."));
        QCOMPARE(s.recipes.size(), std::size_t(7));
        QCOMPARE(QString::fromStdString(s.recipes[4]), QString("mle -> dpo"));
        QCOMPARE(s.betas, (std::vector<double>{0.05, 0.1, 0.5, 1.0, 5.0}));
        QCOMPARE(s.seeds, (std::vector<uint64_t>{1, 2, 3}));
        QCOMPARE(s.run.optimizer.lr, 0.002);
        QCOMPARE(s.run.optimizer.batch_size, int64_t(8));
        QCOMPARE(QString::fromStdString(s.base.text.source), QString("synthetic-text"));
        QCOMPARE(s.base.text.synthetic_count, int64_t(500));
        QCOMPARE(s.base.steps, int64_t(40));
        // Regimes default from the synthetic regime: context-contrast is the low one.
        QVERIFY(s.tasks[0].regime == InfoRegime::Low);
        QVERIFY(s.tasks[1].regime == InfoRegime::High);
        QCOMPARE(s.tasks[0].data.synthetic_count, int64_t(400));
        QCOMPARE(QString::fromStdString(s.source), QString("/tmp/s/study.yaml"));
        QCOMPARE(s.source_hash.size(), std::size_t(16));
    }

    void recipesBetasLrAndPathsAreRead() {
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "studies";
        fs::create_directories(dir / "data");
        std::ofstream(dir / "data" / "pairs.jsonl") << "{}\n";
        std::string text = std::string(kSpecGood) +
                           "  # comment\n"
                           "recipes: [sft -> dpo, unlikelihood]\n"
                           "betas: [0.5]\n"
                           "lr: {grid: {mle: [0.001, 0.003], dpo: [0.0001]}, select_by: "
                           "perplexity, validation_pairs: 50, seed: 7}\n";
        // An optional pair-file task with a path relative to the study file's folder.
        text.replace(text.find("seeds:"), 0,
                     "  - name: pairs\n"
                     "    data: {source: data/pairs.jsonl}\n"
                     "    optional: true\n");
        StudySpec s = parseStudySpec(text, (dir / "study.yaml").string());
        QCOMPARE(s.recipes, (std::vector<std::string>{"mle -> dpo", "ul"}));
        QCOMPARE(s.betas, std::vector<double>{0.5});
        QCOMPARE(s.lr.grid.at("mle"), (std::vector<double>{0.001, 0.003}));
        QCOMPARE(QString::fromStdString(s.lr.select_by), QString("perplexity"));
        QCOMPARE(s.lr.validation_pairs, int64_t(50));
        QCOMPARE(s.lr.seed, uint64_t(7));
        QCOMPARE(QString::fromStdString(s.tasks[2].data.source),
                 QString::fromStdString((dir / "data" / "pairs.jsonl").string()));
        QVERIFY(s.tasks[2].optional && s.tasks[2].regime == InfoRegime::High);
    }

    void badFilesNameFileLineColumnAndKey() {
        std::string base = kSpecGood;
        // Unknown top-level key: at its position (line 17, column 1).
        std::string m = specError(base + "stepz: 10\n");
        QVERIFY2(contains(m, "/tmp/s/study.yaml:17:1: unknown key 'stepz'"), m.c_str());
        // A run config key with a value out of range, at the value, with the run's path.
        std::string bad = base;
        bad.replace(bad.find("lr: 0.002"), 9, "lr: -1");
        m = specError(bad);
        QVERIFY2(contains(m,
                          "/tmp/s/study.yaml:6:19: run.optimizer.lr: expected a number in "
                          "(0, 10]"),
                 m.c_str());
        // A task's data key unknown: the task's path and the key's position.
        bad = base;
        bad.replace(bad.find("count: 400}}"), 12, "cuont: 400}}");
        m = specError(bad);
        QVERIFY2(contains(m, "study.yaml:13:69: unknown key 'tasks.0.data.synthetic.cuont'"),
                 m.c_str());
        // Too few seeds.
        bad = base;
        bad.replace(bad.find("[1, 2, 3]"), 9, "[1, 2]");
        m = specError(bad);
        QVERIFY2(contains(m, "study.yaml:16:8: seeds: expected at least 3 training seeds"),
                 m.c_str());
        // An unknown method in a recipe.
        m = specError(base + "recipes: [mle, mle -> ppo]\n");
        QVERIFY2(contains(m, "study.yaml:17:16: recipes: unknown method 'ppo'"), m.c_str());
        // Duplicate task names.
        bad = base;
        bad.replace(bad.find("high-info"), 9, "low-info");
        m = specError(bad);
        QVERIFY2(contains(m, "study.yaml:14:11: tasks: duplicate task name 'low-info'"), m.c_str());
        // A wrong type: betas as a mapping; select_by not one of the choices.
        m = specError(base + "betas: {a: 1}\n");
        QVERIFY2(contains(m, "study.yaml:17:8: betas: expected a non-empty list of numbers > 0"),
                 m.c_str());
        m = specError(base + "lr: {select_by: loss}\n");
        QVERIFY2(contains(m,
                          "study.yaml:17:17: lr.select_by: expected one of agility, "
                          "perplexity, pos_prob, got 'loss'"),
                 m.c_str());
        m = specError(base + "lr: {grid: {ppo: [0.1]}}\n");
        QVERIFY2(contains(m, "study.yaml:17:13: lr.grid.ppo: unknown method 'ppo'"), m.c_str());
    }

    void keysTheStudySetsAreRefusedInTheRunSection() {
        std::string bad = kSpecGood;
        bad.replace(bad.find("  model:"), 0, "  seed: 4\n");
        std::string m = specError(bad);
        QVERIFY2(contains(m, "study.yaml:5:9: run.seed: set by the study; give it as seeds"),
                 m.c_str());
        bad = kSpecGood;
        bad.replace(bad.find("  model:"), 0, "  stages: [{method: mle, steps: 1}]\n");
        m = specError(bad);
        QVERIFY2(contains(m, "study.yaml:5:11: run.stages: not allowed here"), m.c_str());
        // The base is one of from or pretrain; a missing non-optional pair file is named.
        bad = kSpecGood;
        bad.replace(bad.find("  pretrain:"), 0, "  from: /nonexistent/model\n");
        m = specError(bad);
        QVERIFY2(contains(m, "study.yaml:8:3: base: expected exactly one of 'from'"), m.c_str());
        bad = kSpecGood;
        bad.replace(bad.find("  pretrain:"), bad.find("tasks:") - bad.find("  pretrain:"),
                    "  from: /nonexistent/model\n");
        m = specError(bad);
        QVERIFY2(contains(m, "study.yaml:8:9: base.from: ") && contains(m, "/nonexistent/model"),
                 m.c_str());
        bad = kSpecGood;
        bad.replace(bad.find("source: synthetic, synthetic: {regime: context"), 17,
                    "source: missing.jsonl");
        m = specError(bad);
        QVERIFY2(contains(m,
                          "study.yaml:13:20: tasks.0.data.source: '/tmp/s/missing.jsonl' "
                          "does not exist"),
                 m.c_str());
    }

    void thePresetsParse() {
        const std::string dir = std::string(RGPB_SOURCE_DIR) + "/presets/studies/";
        StudySpec quick = loadStudySpec(dir + "quick.yaml");
        QVERIFY(quick.quick);
        QCOMPARE(quick.recipes, paperRecipes());
        QCOMPARE(quick.betas.size(), std::size_t(1));
        QCOMPARE(quick.seeds.size(), std::size_t(3));
        QCOMPARE(quick.tasks.size(), std::size_t(2));
        QVERIFY(quick.tasks[0].regime == InfoRegime::Low &&
                quick.tasks[1].regime == InfoRegime::High);
        QCOMPARE(QString::fromStdString(quick.run.model.size), QString("micro"));
        QVERIFY(QString::fromStdString(quick.description).startsWith("Quick study"));
        StudySpec paper = loadStudySpec(dir + "paper.yaml");
        QVERIFY(!paper.quick);
        QCOMPARE(paper.betas, paperBetas());
        QCOMPARE(paper.tasks.size(), std::size_t(3));
        QVERIFY(paper.tasks[2].optional);
        // The HH-RLHF file is beside the checkout: ../shared from the repository root.
        QCOMPARE(QString::fromStdString(paper.tasks[2].data.source),
                 QString::fromStdString((fs::path(RGPB_SOURCE_DIR) /
                                         "../shared/data/hh-rlhf/harmless-base-dev.jsonl.gz")
                                            .lexically_normal()
                                            .string()));
        QCOMPARE(paper.lr.grid.size(), std::size_t(4));
    }

    void contentHashIsFnv1a() {
        // Published FNV-1a 64 test vectors.
        QCOMPARE(QString::fromStdString(contentHash("")), QString("cbf29ce484222325"));
        QCOMPARE(QString::fromStdString(contentHash("a")), QString("af63dc4c8601ec8c"));
        QCOMPARE(QString::fromStdString(contentHash("foobar")), QString("85944171f73967e8"));
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("f").toStdString();
        std::ofstream(path) << "foobar";
        QCOMPARE(QString::fromStdString(fileContentHash(path)), QString("85944171f73967e8"));
    }
};

RGPB_TEST_MAIN(TestStudySpec)
}  // namespace rgpb_test_study_spec
#include "test_study_spec.moc"
