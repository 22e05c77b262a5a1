// The run configuration: every key read, defaults filled, errors naming file:line:column and
// the key, overrides, and the resolved YAML round trip.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QDirIterator>
#include <QSet>
#include <cmath>

#include "core/config/ConfigFields.h"
#include "core/config/RunConfig.h"
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
        QVERIFY2(e.contains("stages.0.method: expected mle, dpo, ul or exmate, got 'ppo'"),
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
};

RGPB_TEST_MAIN(TestRunConfig)
}  // namespace rgpb_test_run_config
#include "test_run_config.moc"
