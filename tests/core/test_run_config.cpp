// The run configuration: every key read, defaults filled, errors naming file:line:column and
// the key, overrides, and the resolved YAML round trip.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QDirIterator>
#include <QFile>
#include <QSet>
#include <QTemporaryDir>
#include <cmath>

#include "core/config/ConfigFields.h"
#include "core/config/InputPaths.h"
#include "core/config/RunConfig.h"
#include "core/config/RunConfigMerge.h"
#include "core/config/SweepGrid.h"
#include "core/util/Error.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_run_config {

using namespace rgpb;

namespace {

const char* kFull =
    "name: full\n"
    "seed: 7\n"
    "device: cpu\n"
    "threads: 2\n"
    "data:\n"
    "  source: synthetic\n"
    "  synthetic: {regime: context-contrast, count: 500, overlap: 0.25}\n"
    "  eval_pairs: 50\n"
    "  max_length: 80\n"
    "  max_prompt_length: 48\n"
    "tokenizer: {kind: sentencepiece, vocab_size: 300}\n"
    "model: {size: tiny, num_layers: 2}\n"
    "optimizer: {lr: 3.0e-4, betas: [0.8, 0.99], weight_decay: 0.01, warmup_steps: 5,\n"
    "            schedule: cosine, grad_clip: 0.5, grad_accum: 2, batch_size: 8}\n"
    "eval: {every: 10, grad_diff_steps: 4, batch_size: 16,\n"
    "       samples: 5, sample_max_new_tokens: 20}\n"
    "checkpoint: {every: 20, keep_last: 3}\n"
    "stages:\n"
    "  - {method: exmate, beta: 0.5, steps: 30}\n"
    "  - method: {dpo: 1.0, mle: 0.2}\n"
    "    beta: 0.1\n"
    "    epochs: 1.5\n"
    "    lr: 1.0e-4\n"
    "    dpo: {label_smoothing: 0.1}\n";

QString errorOf(const std::string& yaml, const std::vector<std::string>& sets = {}) {
    try {
        parseRunConfig(yaml, "preset.yaml", sets);
    } catch (const InputError& e) {
        return QString::fromStdString(e.what());
    }
    return QString();
}

// A hand-written config with comments on their own lines, after values and between stages.
const char* kCommented =
    "# My experiment: SFT then DPO on the synthetic task.\n"
    "name: mine   # the run folder's prefix\n"
    "seed: 1\n"
    "data:\n"
    "  # the built-in task\n"
    "  source: synthetic\n"
    "  synthetic: {regime: response-contrast, count: 4000}  # small\n"
    "optimizer:\n"
    "  lr: 3.0e-3      # peak\n"
    "  batch_size: 16\n"
    "model: {size: micro}\n"
    "stages:\n"
    "  # warm up with MLE first\n"
    "  - {method: mle, steps: 300}   # SFT\n"
    "  - {method: dpo, beta: 0.1, steps: 100}  # then DPO\n";

void touch(const QString& path, const QByteArray& content = "{}") {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(content);
}

// Every comment line and trailing comment of `original` is in `merged`.
QStringList lostComments(const QString& original, const QString& merged) {
    QStringList lost;
    for (const QString& line : original.split('\n')) {
        const int hash = line.indexOf('#');
        if (hash >= 0 && !merged.contains(line.mid(hash)))
            lost << line.mid(hash);
    }
    return lost;
}

}  // namespace

class TestRunConfig : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsEveryKey() {
        RunConfig c = parseRunConfig(kFull, "full.yaml");
        QCOMPARE(QString::fromStdString(c.name), QString("full"));
        QCOMPARE(c.seed, uint64_t(7));
        QCOMPARE(c.threads, int64_t(2));
        QCOMPARE(QString::fromStdString(c.data.synthetic_regime), QString("context-contrast"));
        QCOMPARE(c.data.synthetic_count, int64_t(500));
        QCOMPARE(c.data.synthetic_overlap, 0.25);
        QCOMPARE(c.data.max_prompt_length, int64_t(48));
        QCOMPARE(QString::fromStdString(c.tokenizer.kind), QString("sentencepiece"));
        QCOMPARE(c.model.num_layers, int64_t(2));
        QCOMPARE(c.optimizer.lr, 3e-4);
        QCOMPARE(c.optimizer.beta1, 0.8);
        QCOMPARE(c.optimizer.beta2, 0.99);
        QCOMPARE(QString::fromStdString(c.optimizer.schedule), QString("cosine"));
        QCOMPARE(c.optimizer.grad_accum, int64_t(2));
        QCOMPARE(c.eval.grad_diff_steps, int64_t(4));
        QCOMPARE(c.eval.samples, int64_t(5));
        QCOMPARE(c.eval.sample_max_new_tokens, int64_t(20));
        QCOMPARE(c.checkpoint.keep_last, int64_t(3));
        QCOMPARE(c.stages.size(), std::size_t(2));
        QCOMPARE(c.stages[0].objective.terms[0].kind, ObjectiveKind::Exmate);
        QCOMPARE(c.stages[0].objective.terms[0].beta, 0.5);
        QCOMPARE(c.stages[0].steps, int64_t(30));
        QCOMPARE(c.stages[1].objective.terms.size(), std::size_t(2));
        QCOMPARE(c.stages[1].objective.terms[1].weight, 0.2);
        QCOMPARE(c.stages[1].objective.terms[0].dpo.label_smoothing, 0.1);
        QCOMPARE(c.stages[1].epochs, 1.5);
        QVERIFY(c.stages[1].lr.has_value());
        QCOMPARE(*c.stages[1].lr, 1e-4);
        QCOMPARE(QString::fromStdString(c.recipe()), QString("exmate -> dpo+0.2*mle"));
    }

    void defaultsFillIn() {
        RunConfig c = parseRunConfig("stages: [{method: dpo, steps: 10}]\n", "min.yaml");
        QCOMPARE(QString::fromStdString(c.data.source), QString("synthetic"));
        QCOMPARE(QString::fromStdString(c.model.size), QString("micro"));
        QCOMPARE(c.eval.samples, int64_t(3));
        QCOMPARE(c.eval.sample_max_new_tokens, int64_t(32));
        QCOMPARE(c.stages[0].objective.terms[0].beta, 0.1);
        QCOMPARE(QString::fromStdString(c.stages[0].name), QString("dpo"));
        QVERIFY(c.stages[0].objective.needsReference());
    }

    void resolvedYamlRoundTrips() {
        RunConfig a = parseRunConfig(kFull, "full.yaml");
        std::string yaml = toYaml(a);
        RunConfig b = parseRunConfig(yaml, "resolved.yaml");
        QCOMPARE(QString::fromStdString(toYaml(b)), QString::fromStdString(yaml));
        QCOMPARE(b.optimizer.lr, a.optimizer.lr);
        QCOMPARE(b.stages[1].objective.terms[1].weight, 0.2);
        QCOMPARE(b.stages[1].objective.terms[0].dpo.label_smoothing, 0.1);
        QCOMPARE(b.model.num_layers, int64_t(2));
    }

    void unknownKeyNamesLineColumnAndAllowed() {
        QString e =
            errorOf("stages: [{method: mle, steps: 1}]\noptimizer:\n  learning_rate: 0.1\n");
        QVERIFY2(e.startsWith("preset.yaml:3:3: unknown key 'optimizer.learning_rate'"),
                 qPrintable(e));
        QVERIFY2(e.contains("allowed here:") && e.contains("lr"), qPrintable(e));
    }

    void wrongTypeAndRange() {
        QString e = errorOf("stages: [{method: mle, steps: 1}]\noptimizer: {lr: fast}\n");
        QVERIFY2(e.startsWith("preset.yaml:2:17: optimizer.lr: expected a number in (0, 10]"),
                 qPrintable(e));
        QVERIFY2(e.contains("got 'fast'"), qPrintable(e));
        e = errorOf("stages:\n  - {method: dpo, beta: -1, steps: 5}\n");
        QVERIFY2(e.startsWith("preset.yaml:2:") && e.contains("stages.0.beta"), qPrintable(e));
        e = errorOf("stages:\n  - {method: ppo, steps: 5}\n");
        QVERIFY2(e.contains("stages.0.method: expected one of mle, dpo, ul, exmate, lm, got 'ppo'"),
                 qPrintable(e));
        e = errorOf("stages:\n  - {method: mle}\n");
        QVERIFY2(e.contains("'steps'") && e.contains("'epochs'"), qPrintable(e));
        e = errorOf("device: tpu\nstages: [{method: mle, steps: 1}]\n");
        QVERIFY2(e.contains("preset.yaml:1:9: device: expected cpu, cuda or cuda:N"),
                 qPrintable(e));
        e = errorOf(
            "data: {max_length: 40, max_prompt_length: 40}\nstages: [{method: mle, steps: 1}]\n");
        QVERIFY2(e.contains("data.max_prompt_length: must leave room for a response"),
                 qPrintable(e));
        e = errorOf(
            "optimizer: {batch_size: 6}\ndistributed: {nproc: 4}\n"
            "stages: [{method: mle, steps: 1}]\n");
        QVERIFY2(e.startsWith("preset.yaml:1:25: optimizer.batch_size: a data-parallel run splits "
                              "every batch evenly") &&
                     e.contains("expected a multiple of 4, got 6"),
                 qPrintable(e));
        e = errorOf("optimizer: {batch_size: 2.5}\nstages: [{method: mle, steps: 1}]\n");
        QVERIFY2(e.contains("optimizer.batch_size: expected a whole number"), qPrintable(e));
        e = errorOf("stages: [{method: mle, steps: 1}]\neval: {samples: -1}\n");
        QVERIFY2(e.startsWith("preset.yaml:2:17: eval.samples: expected a whole number in [0, "),
                 qPrintable(e));
        e = errorOf("stages: [{method: mle, steps: 1}]\neval:\n  sample_max_new_tokens: 0\n");
        QVERIFY2(e.startsWith("preset.yaml:3:26: eval.sample_max_new_tokens: expected a whole "
                              "number in [1, "),
                 qPrintable(e));
    }

    // precision replaced the bool bf16: old configs (run folders, presets) still read, a
    // contradiction is named, and an unknown precision lists the choices.
    void precisionAndTheOldBf16Key() {
        const std::string stages = "stages: [{method: mle, steps: 1}]\n";
        QCOMPARE(QString::fromStdString(parseRunConfig(stages, "p.yaml").precision),
                 QString("fp32"));
        QCOMPARE(
            QString::fromStdString(parseRunConfig("bf16: true\n" + stages, "p.yaml").precision),
            QString("bf16"));
        QCOMPARE(
            QString::fromStdString(parseRunConfig("bf16: false\n" + stages, "p.yaml").precision),
            QString("fp32"));
        QString e = errorOf("bf16: true\nprecision: fp32\n" + stages);
        QVERIFY2(e.contains("preset.yaml:1:7: bf16: contradicts precision: fp32"), qPrintable(e));
        e = errorOf("precision: fp16\n" + stages);
        QVERIFY2(e.contains("precision: expected one of fp32, bf16, got 'fp16'"), qPrintable(e));
        // The resolved config says precision, never bf16.
        const std::string yaml = toYaml(parseRunConfig("bf16: true\n" + stages, "p.yaml"));
        QVERIFY2(yaml.find("precision: bf16") != std::string::npos &&
                     yaml.find("bf16:") == std::string::npos,
                 yaml.c_str());
        // by-length batch order is a choice too.
        QCOMPARE(QString::fromStdString(
                     parseRunConfig("data: {batch_order: by-length}\n" + stages, "p.yaml")
                         .data.batch_order),
                 QString("by-length"));
    }

    // Method lm trains on documents of text, and documents have no negative side for the
    // other methods: both mismatches are named at the stage's method.
    void lmAndTextSourcesOnlyGoTogether() {
        RunConfig c = parseRunConfig(
            "data: {source: synthetic-text, synthetic: {count: 50}}\nstages:\n"
            "  - {method: lm, steps: 5}\n",
            "lm.yaml");
        QVERIFY(c.data.textSource());
        QCOMPARE(c.stages[0].objective.terms[0].kind, ObjectiveKind::Lm);
        QCOMPARE(QString::fromStdString(c.recipe()), QString("lm"));
        QVERIFY(!c.stages[0].beta().has_value());  // lm has no beta
        QCOMPARE(toYaml(parseRunConfig(toYaml(c), "again.yaml")), toYaml(c));
        QVERIFY(parseRunConfig("data: {source: d.txt, format: text}\nstages: [{method: lm, "
                               "steps: 1}]\n",
                               "t.yaml")
                    .data.textSource());
        QString e = errorOf("stages:\n  - {method: lm, steps: 5}\n");
        QVERIFY2(e.startsWith("preset.yaml:2:14: stages.0.method: 'lm'") &&
                     e.contains("needs a text source"),
                 qPrintable(e));
        e = errorOf(
            "data: {source: synthetic-text}\nstages:\n  - {method: lm, steps: 5}\n"
            "  - method: dpo\n    steps: 5\n");
        QVERIFY2(e.startsWith("preset.yaml:4:13: stages.1.method: 'dpo' trains on pairs") &&
                     e.contains("data.source: synthetic-text") && e.contains("only 'lm'"),
                 qPrintable(e));
        e = errorOf(
            "data: {source: d.jsonl, format: text-jsonl}\n"
            "stages: [{method: {lm: 1, mle: 0.5}, steps: 1}]\n");
        QVERIFY2(e.contains("stages.0.method: 'mle'") && e.contains("data.format: text-jsonl"),
                 qPrintable(e));
        // The same rule for configs made in code (sweeps, studies), without a location.
        c.data.source = "synthetic";
        c.data.format = "text";  // applies to files only: the built-in task stays pairs
        QVERIFY(stageDataProblem(c.data, c.stages[0].objective).find("needs a text source") !=
                std::string::npos);
        QVERIFY(stageDataProblem(c.data, ObjectiveSpec::single(ObjectiveKind::Exmate)).empty());
    }

    void missingStagesAndSyntaxErrors() {
        QString e = errorOf("name: x\n");
        QVERIFY2(e.contains("missing key 'stages'"), qPrintable(e));
        e = errorOf("name: [unclosed\n");
        QVERIFY2(e.startsWith("preset.yaml:") && e.contains("YAML syntax error"), qPrintable(e));
        e = errorOf("");
        QVERIFY2(e.contains("empty"), qPrintable(e));
        try {
            loadRunConfig("/nonexistent/preset.yaml");
            QFAIL("no error for a missing file");
        } catch (const InputError& err) {
            QVERIFY(QString(err.what()).contains("/nonexistent/preset.yaml"));
        }
    }

    void everyPresetParses() {
        QDirIterator it(RGPB_SOURCE_DIR "/presets", {"*.yaml"}, QDir::Files,
                        QDirIterator::Subdirectories);
        int n = 0;
        while (it.hasNext()) {
            QString path = it.next();
            if (path.contains("/presets/studies/"))
                continue;  // study files (core/study/StudySpec.h), not run configs
            try {
                RunConfig c = loadRunConfig(path.toStdString());
                QVERIFY2(!c.stages.empty(), qPrintable(path));
            } catch (const Error& e) {
                QFAIL(qPrintable(path + ": " + e.what()));
            }
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(f.readLine().startsWith("#"), qPrintable(path + " must open with a comment"));
            ++n;
        }
        QVERIFY2(n >= 10, qPrintable(QString("only %1 presets").arg(n)));
    }

    void overrides() {
        RunConfig c =
            parseRunConfig(kFull, "full.yaml",
                           {"optimizer.lr=0.002", "stages.0.beta=2", "data.synthetic.count=900"});
        QCOMPARE(c.optimizer.lr, 0.002);
        QCOMPARE(c.stages[0].objective.terms[0].beta, 2.0);
        QCOMPARE(c.data.synthetic_count, int64_t(900));
        QString e = errorOf(kFull, {"optimizer.lrr=1"});
        QVERIFY2(e.contains("unknown key 'optimizer.lrr'") && e.contains("(--set)"), qPrintable(e));
        e = errorOf(kFull, {"stages.5.beta=1"});
        QVERIFY2(e.contains("index 5 is past the end"), qPrintable(e));
        e = errorOf(kFull, {"novalue"});
        QVERIFY2(e.contains("expected key.path=value"), qPrintable(e));
        e = errorOf(kFull, {"optimizer.lr=abc"});
        QVERIFY2(e.startsWith("preset.yaml (--set): optimizer.lr: expected a number"),
                 qPrintable(e));
        // A list or a mapping from --set is reported there too, not at line 1:1 (issue #17).
        e = errorOf(kFull, {"optimizer.betas=[0.9]"});
        QVERIFY2(e.startsWith("preset.yaml (--set): optimizer.betas: expected two numbers"),
                 qPrintable(e));
        e = errorOf(kFull, {"data.synthetic={count: x}"});
        QVERIFY2(e.startsWith("preset.yaml (--set): data.synthetic.count: "), qPrintable(e));
        // Text that is not UTF-8 (it would end up in summary.json) is refused at its key.
        e = errorOf(std::string("name: x\xff\nstages: [{method: mle, steps: 1}]\n"));
        QVERIFY2(e.startsWith("preset.yaml:1:7: name: 'x\\xff' is not valid UTF-8 text (byte "
                              "0xff at offset 1)"),
                 qPrintable(e));
        e = errorOf(kFull, {"stages.beta=0.5"});
        QVERIFY2(e.contains("'beta' must be a list index"), qPrintable(e));
        e = errorOf(kFull, {"seed.x=1"});
        QVERIFY2(e.contains("'seed' is a single value"), qPrintable(e));
    }

    void sweepGridOneRuleForNamesAndMethods() {
        RunConfig base = parseRunConfig(
            "name: exmate -> dpo\n"
            "stages:\n"
            "  - {method: mle, steps: 5}\n"
            "  - {method: {dpo: 1, mle: 0.5}, beta: 0.1, steps: 5}\n",
            "grid");
        // The preset's own methods: one cell per beta, only the betas change.
        auto own = sweepGrid(base, {}, {0.5, 2});
        QCOMPARE(int(own.size()), 2);
        QCOMPARE(QString::fromStdString(own[0].config.name), QString("exmate-dpo-b0.5"));
        QCOMPARE(QString::fromStdString(own[1].config.name), QString("exmate-dpo-b2"));
        QCOMPARE(own[1].config.stages[1].objective.terms[0].beta, 2.0);
        QCOMPARE(own[1].config.stages[1].objective.terms[1].beta, 2.0);
        QCOMPARE(own[1].config.beta(), 2.0);
        // Methods x betas, method-major; single-objective stages take the method, mixes keep
        // their terms; default stage names follow the new method.
        auto grid = sweepGrid(base, {"ul", "exmate"}, {0.1, 1});
        QCOMPARE(int(grid.size()), 4);
        QCOMPARE(QString::fromStdString(grid[2].method), QString("exmate"));
        QCOMPARE(grid[2].beta, 0.1);
        QCOMPARE(QString::fromStdString(grid[2].config.name), QString("exmate-dpo-exmate-b0.1"));
        QCOMPARE(grid[2].config.stages[0].objective.terms[0].kind, ObjectiveKind::Exmate);
        QCOMPARE(QString::fromStdString(grid[2].config.stages[0].name), QString("exmate"));
        QCOMPARE(int(grid[2].config.stages[1].objective.terms.size()), 2);
        QCOMPARE(grid[2].config.stages[1].objective.terms[0].kind, ObjectiveKind::Dpo);
        // Errors name what is wrong before any run starts.
        QVERIFY_THROWS_EXCEPTION(ArgumentError, sweepGrid(base, {"ppo"}, {0.1}));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, sweepGrid(base, {}, {0.0}));
    }

    void runNameSlugIsASafeFolderName() {
        QCOMPARE(QString::fromStdString(runNameSlug("exmate -> dpo")), QString("exmate-dpo"));
        QCOMPARE(QString::fromStdString(runNameSlug("../../etc/x")), QString("..-..-etc-x"));
        QCOMPARE(QString::fromStdString(runNameSlug("..")), QString("run"));
        QCOMPARE(QString::fromStdString(runNameSlug("  ")), QString("run"));
        QCOMPARE(QString::fromStdString(runNameSlug("dpo+0.2*mle b=0.5")),
                 QString("dpo+0.2-mle-b-0.5"));
        QCOMPARE(QString::fromStdString(betaText(1e-5)), QString("1e-05"));
    }

    void docsTableIsGeneratedFromTheTable() {
        // docs/config.md is the table's reference; it must say what the code accepts.
        const QString path = RGPB_SOURCE_DIR "/docs/config.md";
        QFile f(path);
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path + " is missing"));
        const QString want = QString::fromStdString(configReferenceMarkdown());
        if (QString::fromUtf8(f.readAll()) != want) {
            QFile out(QDir::temp().filePath("rgpb-config.md"));
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(want.toUtf8());
            QFAIL(qPrintable(path + " differs from the config table; the table's version is in " +
                             out.fileName() + " (copy it over docs/config.md)"));
        }
    }

    void everyDefaultIsAllowedByItsOwnField() {
        QVERIFY(configFields().size() >= 40);
        QSet<QString> keys;
        for (const ConfigField& f : configFields()) {
            const QString key = QString::fromStdString(f.key);
            QVERIFY2(!keys.contains(key), qPrintable("defined twice: " + key));
            keys.insert(key);
            QVERIFY2(!f.doc.empty() && !f.label.empty(), qPrintable(key));
            const std::string problem = checkValue(f, defaultValue(f));
            QVERIFY2(problem.empty(), qPrintable(key + ": " + QString::fromStdString(problem)));
        }
    }

    // Each number field at both ends of its range, through --set and the writer: the reader
    // takes it, the writer writes it back exactly, and one step beyond is refused with the
    // range the table states.
    void everyFieldIsReadAndWrittenAtItsBounds() {
        const std::string base = "stages: [{method: mle, steps: 1}]\n";
        for (const ConfigField& f : configFields()) {
            if (f.type != FieldType::Integer && f.type != FieldType::Number)
                continue;
            const QString key = QString::fromStdString(f.key);
            std::vector<double> ends{f.min_open ? f.min + 1e-12 * (f.max - f.min) : f.min, f.max};
            for (double end : ends) {
                // max_prompt_length must leave 4 tokens of max_length (a rule across fields).
                if (f.key == "data.max_prompt_length" && end == f.max)
                    end = f.max - 4;
                if (f.key == "data.max_length" && end == f.min)
                    continue;  // 8 leaves no room for the default prompt length of 64
                const FieldValue v = f.type == FieldType::Integer
                                         ? FieldValue(static_cast<int64_t>(end))
                                         : FieldValue(end);
                std::vector<std::string> sets{f.key + "=" + valueText(v)};
                if (f.key == "data.max_prompt_length")
                    sets.push_back("data.max_length=1000000");
                // A data-parallel run's batch splits evenly across its processes.
                if (f.key == "distributed.nproc")
                    sets.push_back("optimizer.batch_size=" + valueText(v));
                RunConfig c;
                try {
                    c = parseRunConfig(base, "bounds", sets);
                } catch (const std::exception& e) {
                    QFAIL(qPrintable(key + " at " + QString::fromStdString(valueText(v)) + ": " +
                                     e.what()));
                }
                QVERIFY2(f.get(c) == v, qPrintable(key));
                const RunConfig again = parseRunConfig(toYaml(c), "written");
                QVERIFY2(f.get(again) == v, qPrintable(key + " after the writer"));
            }
            const double beyond =
                f.max * 2 + 1;  // past the end even where doubles are sparse (2^53)
            const std::string set = f.key + "=" + shortestNumberText(beyond);
            try {
                parseRunConfig(base, "bounds", {set});
                QFAIL(qPrintable(key + " accepted " + QString::fromStdString(set)));
            } catch (const InputError& e) {
                QVERIFY2(QString(e.what()).contains(QString::fromStdString(expectedText(f))),
                         e.what());
            }
        }
    }

    void writerWritesTheShortestExactNumbers() {
        RunConfig c =
            parseRunConfig("stages: [{method: dpo, beta: 0.1, steps: 1, lr: 3e-4}]\n", "n");
        c.optimizer.lr = 0.003;
        c.optimizer.eps = 0.1 + 0.2;  // 0.30000000000000004: needs all 17 digits
        const QString y = QString::fromStdString(toYaml(c));
        QVERIFY2(y.contains("lr: 0.003\n"), qPrintable(y));
        QVERIFY2(y.contains("eps: 0.30000000000000004\n"), qPrintable(y));
        QVERIFY2(y.contains("lr: 0.0003\n") && y.contains("beta: 0.1\n"), qPrintable(y));
        QVERIFY2(!y.contains("0000000001"), qPrintable(y));
        const RunConfig again = parseRunConfig(y.toStdString(), "again");
        QCOMPARE(again.optimizer.eps, 0.1 + 0.2);
        QCOMPARE(again.optimizer.lr, 0.003);
        QCOMPARE(QString::fromStdString(shortestNumberText(1e-8)), QString("1e-08"));
    }

    // Issue #18: a missing data file passed validation and failed only after Run.
    void inputPathsAreCheckedAndNamedByKey() {
        RunConfig c;
        QVERIFY(inputPathProblems(c).empty());  // synthetic
        c.data.source = "/nonexistent/pairs.jsonl";
        auto problems = inputPathProblems(c);
        QCOMPARE(problems.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(problems[0].key), QString("data.source"));
        QVERIFY2(QString::fromStdString(problems[0].problem)
                     .contains("'/nonexistent/pairs.jsonl' does not exist"),
                 problems[0].problem.c_str());
        // Located at the key's line of the text it came from.
        const std::string text =
            "name: x\nstages: [{method: mle, steps: 3}]\ndata:\n  source: "
            "/nonexistent/pairs.jsonl\n";
        try {
            requireInputPaths(parseRunConfig(text, "cfg.yaml"), "cfg.yaml", text);
            QFAIL("a missing data file passed");
        } catch (const InputError& e) {
            QVERIFY2(QString(e.what()).startsWith("cfg.yaml:4:11: data.source: "), e.what());
        }
        QTemporaryDir tmp;
        c.data.source = tmp.path().toStdString();
        QVERIFY(QString::fromStdString(inputPathProblems(c).at(0).problem).contains("not a file"));
        touch(tmp.filePath("pairs.jsonl"));
        c.data.source = tmp.filePath("pairs.jsonl").toStdString();
        QVERIFY(inputPathProblems(c).empty());
        // model.from: the folder, its weights and its tokenizer, at model.from.
        QTemporaryDir model;
        c.model.from = model.filePath("absent").toStdString();
        QVERIFY(
            QString::fromStdString(inputPathProblems(c).at(0).problem).contains("not a folder"));
        c.model.from = model.path().toStdString();
        QVERIFY(QString::fromStdString(inputPathProblems(c).at(0).problem).contains("config.json"));
        touch(model.filePath("config.json"));
        problems = inputPathProblems(c);
        QCOMPARE(QString::fromStdString(problems.at(0).key), QString("model.from"));
        QVERIFY(QString::fromStdString(problems[0].problem).contains("model.safetensors"));
        touch(model.filePath("model.safetensors"));
        QVERIFY(QString::fromStdString(inputPathProblems(c).at(0).problem).contains("tokenizer"));
        touch(model.filePath("tokenizer.json"));
        QVERIFY(inputPathProblems(c).empty());
    }

    void everyPathValuedKeyIsChecked() {
        // The text fields of the table that are not paths; every other one must be checked.
        const QSet<QString> not_paths{"name", "device", "model.size"};
        QSet<QString> checked;
        for (const std::string& k : inputPathKeys())
            checked << QString::fromStdString(k);
        for (const ConfigField& f : configFields()) {
            const QString key = QString::fromStdString(f.key);
            if (f.type == FieldType::Text && !not_paths.contains(key))
                QVERIFY2(checked.contains(key), qPrintable(key + " holds a path nobody checks"));
        }
    }

    // Issue #18: form -> YAML dropped every comment.
    void mergeKeepsCommentsAndUnchangedText() {
        const QString original = kCommented;
        RunConfig c = parseRunConfig(kCommented, "mine.yaml");
        QCOMPARE(QString::fromStdString(mergeIntoYaml(kCommented, c)), original);  // no edit
        c.seed = 5;
        c.optimizer.lr = 0.001;
        c.optimizer.weight_decay = 0.01;  // a key the text does not have
        c.stages[1].objective.terms[0].beta = 0.5;
        const QString merged = QString::fromStdString(mergeIntoYaml(kCommented, c));
        QVERIFY2(lostComments(original, merged).isEmpty(),
                 qPrintable(lostComments(original, merged).join("; ") + "\n" + merged));
        QVERIFY2(merged.contains("\nseed: 5\n"), qPrintable(merged));
        QVERIFY2(merged.contains("\n  lr: 0.001      # peak\n"), qPrintable(merged));
        QVERIFY2(merged.contains("  batch_size: 16\n  weight_decay: 0.01\n"), qPrintable(merged));
        // Untouched: the flow section and the first stage, as written.
        QVERIFY2(
            merged.contains("  synthetic: {regime: response-contrast, count: 4000}  # small\n"),
            qPrintable(merged));
        QVERIFY2(merged.contains("  - {method: mle, steps: 300}   # SFT\n"), qPrintable(merged));
        QVERIFY2(merged.contains("  - {method: dpo, beta: 0.5, steps: 100}  # then DPO\n"),
                 qPrintable(merged));
        QCOMPARE(toYaml(parseRunConfig(merged.toStdString(), "merged")), toYaml(c));
    }

    void mergeUnfoldsAFlowSectionOnlyWhereItChanges() {
        RunConfig c = parseRunConfig(kCommented, "mine.yaml");
        c.data.synthetic_count = 500;
        const QString merged = QString::fromStdString(mergeIntoYaml(kCommented, c));
        QVERIFY2(merged.contains("  synthetic:  # small\n    regime: response-contrast\n"
                                 "    count: 500\n"),
                 qPrintable(merged));
        QVERIFY2(merged.contains("model: {size: micro}\n"), qPrintable(merged));
        QCOMPARE(toYaml(parseRunConfig(merged.toStdString(), "merged")), toYaml(c));
        // Stages removed and added; the comments between them stay.
        c.stages.erase(c.stages.begin());
        c.stages.push_back(c.stages.back());
        c.stages.back().steps = 7;
        const QString staged = QString::fromStdString(mergeIntoYaml(kCommented, c));
        QVERIFY2(!staged.contains("method: mle") && staged.contains("# warm up with MLE first") &&
                     staged.contains("  - {method: dpo, beta: 0.1, steps: 7}\n"),
                 qPrintable(staged));
        QCOMPARE(toYaml(parseRunConfig(staged.toStdString(), "merged")), toYaml(c));
    }

    void mergeRemovesKeysTheConfigNoLongerAllows() {
        QTemporaryDir model;
        touch(model.filePath("config.json"));
        RunConfig c = parseRunConfig(kCommented, "mine.yaml");
        c.model.from = QDir(model.path()).absolutePath().toStdString();
        c.tokenizer.kind = "model";
        const std::string with_from = mergeIntoYaml(kCommented, c);
        const QString merged = QString::fromStdString(with_from);
        QVERIFY2(merged.contains("  from: " + QDir(model.path()).absolutePath() + "\n") &&
                     !merged.contains("size: micro") && merged.contains("# small"),
                 qPrintable(merged));
        QCOMPARE(toYaml(parseRunConfig(with_from, "merged")), toYaml(c));
        c.model.from.clear();
        c.tokenizer.kind = "byte";
        const QString back = QString::fromStdString(mergeIntoYaml(with_from, c));
        QVERIFY2(!back.contains("from:") && back.contains("# peak"), qPrintable(back));
        QCOMPARE(toYaml(parseRunConfig(back.toStdString(), "merged")), toYaml(c));
    }

    void mergeFallsBackToTheFullFormWhenItCannotEdit() {
        RunConfig c = parseRunConfig(kCommented, "mine.yaml");
        c.seed = 9;
        for (const char* text :
             {"", "{name: a, stages: [{method: mle, steps: 1}]}\n",
              "name: &n a\nstages: [{method: mle, steps: 1}]\n", "name: [unclosed\n"})
            QCOMPARE(mergeIntoYaml(text, c), toYaml(c));
        // An invalid value goes in at its key (the validator shows it at its line).
        c.optimizer.lr = -1;
        const QString merged = QString::fromStdString(mergeIntoYaml(kCommented, c));
        QVERIFY2(merged.contains("  lr: -1      # peak\n"), qPrintable(merged));
    }

    void mergeOfEveryPresetKeepsItsCommentsAndReadsBack() {
        QDirIterator it(RGPB_SOURCE_DIR "/presets", {"*.yaml"}, QDir::Files,
                        QDirIterator::Subdirectories);
        int presets = 0;
        while (it.hasNext()) {
            QFile f(it.next());
            if (f.fileName().contains("/presets/studies/"))
                continue;  // study files, not run configs
            QVERIFY(f.open(QIODevice::ReadOnly));
            const std::string text = f.readAll().toStdString();
            RunConfig c = parseRunConfig(text, "preset");
            QCOMPARE(mergeIntoYaml(text, c), text);
            c.optimizer.lr = 0.0005;
            c.eval.every = 7;
            c.stages.back().steps += 1;
            const std::string merged = mergeIntoYaml(text, c);
            QVERIFY2(merged != toYaml(c), qPrintable(f.fileName()));
            QVERIFY2(lostComments(QString::fromStdString(text), QString::fromStdString(merged))
                         .isEmpty(),
                     qPrintable(f.fileName() + "\n" + QString::fromStdString(merged)));
            QCOMPARE(toYaml(parseRunConfig(merged, "merged")), toYaml(c));
            ++presets;
        }
        QVERIFY(presets >= 10);
    }
};

RGPB_TEST_MAIN(TestRunConfig)
}  // namespace rgpb_test_run_config
#include "test_run_config.moc"
