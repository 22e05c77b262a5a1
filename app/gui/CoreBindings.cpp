#include "app/gui/CoreBindings.h"

#include <spdlog/spdlog.h>

#include <QRegularExpression>
#include <algorithm>
#include <thread>

#include "core/config/InputPaths.h"
#include "core/config/RunConfigMerge.h"
#include "core/data/PairDataset.h"
#include "core/data/PairSource.h"
#include "core/data/SyntheticTask.h"
#include "core/metrics/Bootstrap.h"
#include "core/model/ModelShape.h"
#include "core/train/DistributedEnv.h"
#include "core/util/Devices.h"
#include "core/util/Log.h"

namespace rgpb::app {

namespace {

// Line number of a core InputError location "source:line:col: ..." (0 when absent).
int lineOf(const QString& message) {
    QStringList parts = message.split(':');
    if (parts.size() >= 3) {
        bool ok = false;
        int line = parts[1].toInt(&ok);
        if (ok)
            return line;
    }
    return 0;
}

QStringList toQt(const std::vector<std::string>& v) {
    QStringList out;
    for (const std::string& s : v)
        out << QString::fromStdString(s);
    return out;
}

}  // namespace

widgets::ValidationResult validateYaml(const QString& yaml) {
    widgets::ValidationResult r;
    try {
        const std::string text = yaml.toStdString();
        RunConfig c = parseRunConfig(text, "config");
        requireInputPaths(c, "config", text);  // a missing data file fails here, not at Run
        int64_t steps = 0;
        for (const StageConfig& s : c.stages)
            steps += s.steps;
        r.message =
            QString("valid: %1, %2 stage(s)%3, model %4, data %5")
                .arg(QString::fromStdString(c.recipe()))
                .arg(c.stages.size())
                .arg(steps ? QString(", %1 steps").arg(steps) : QString())
                .arg(QString::fromStdString(c.model.size), QString::fromStdString(c.data.source));
        r.config = std::move(c);
    } catch (const std::exception& e) {
        r.ok = false;
        r.message = QString::fromStdString(e.what());
        r.line = lineOf(r.message);
    }
    return r;
}

QString configToYaml(const RunConfig& config, const QString& previous) {
    return QString::fromStdString(mergeIntoYaml(previous.toStdString(), config));
}

widgets::ConfigChoices configChoices() {
    widgets::ConfigChoices c;
    c.devices = toQt(availableDevices());
    QString description = QString::fromStdString(describeDevices());
    for (int i = 0; i < c.devices.size(); ++i)
        c.device_notes << description;
    // Data-parallel entries (distributed.nproc): CPU x N processes, and every GPU at once.
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int n : {2, 4, 8}) {
        if (n > std::max(2, cores))
            break;
        c.devices << QString::fromStdString(deviceWithProcesses("cpu", n));
        c.device_notes << QString(
                              "%1 data-parallel worker processes on the CPU (Gloo), %2 "
                              "thread(s) each; every batch is split between them")
                              .arg(n)
                              .arg(std::max(1, cores / n));
    }
    const int gpus = static_cast<int>(c.devices.filter(QRegularExpression("^cuda:\\d+$")).size());
    if (gpus > 1) {
        c.devices << QString::fromStdString(deviceWithProcesses("cuda", gpus));
        c.device_notes << QString("all %1 GPUs, one data-parallel process each (NCCL)").arg(gpus);
    }
    // Every architecture's sizes; the config check says when a size is not its architecture's.
    for (const std::string& a : {std::string("gpt_neox"), std::string("t5")})
        c.model_sizes << toQt(modelSizes(a));
    for (ObjectiveKind k : objectiveKinds())
        c.methods << objectiveKindName(k);
    return c;
}

widgets::DataPreview readDataPreview(const DataConfig& data, quint64 seed, int count) {
    widgets::DataPreview p;
    try {
        ReadReport report;
        DataSplit split = loadPairTexts(data, seed, &report);
        const std::size_t total = split.train.size() + split.eval.size();
        if (data.source == "synthetic-text") {
            p.summary = QString(
                            "synthetic text: %1 documents, %2 train / %3 eval (split by data "
                            "seed %4)")
                            .arg(total)
                            .arg(split.train.size())
                            .arg(split.eval.size())
                            .arg(seed);
        } else if (data.source == "synthetic") {
            p.summary =
                QString("synthetic %1 task: %2 pairs, %3 train / %4 eval (split by data seed %5)")
                    .arg(QString::fromStdString(data.synthetic_regime))
                    .arg(total)
                    .arg(split.train.size())
                    .arg(split.eval.size())
                    .arg(seed);
        } else {
            p.summary = QString("%1: %2 records read, %3 pairs, %4 skipped; %5 train / %6 eval")
                            .arg(QString::fromStdString(data.source))
                            .arg(report.records)
                            .arg(report.read)
                            .arg(report.skipped)
                            .arg(split.train.size())
                            .arg(split.eval.size());
            if (!report.problems.empty())
                p.summary += "\nfirst problem: " + QString::fromStdString(report.problems.front());
        }
        p.summary +=
            QString("\nthe first %1 training pairs:")
                .arg(std::min<std::size_t>(static_cast<std::size_t>(count), split.train.size()));
        for (std::size_t i = 0; i < split.train.size() && i < static_cast<std::size_t>(count); ++i)
            p.pairs.push_back(split.train[i]);
    } catch (const std::exception& e) {
        p.ok = false;
        p.summary = QString::fromStdString(e.what());
    }
    return p;
}

WorkerJob* startPreview(QObject* context, std::function<widgets::DataPreview()> read,
                        PreviewDone done) {
    auto* job = new WorkerJob(context);
    QObject::connect(job, &WorkerJob::ended, job, &QObject::deleteLater);
    job->start([read = std::move(read),
                done = std::move(done)](WorkerJob::Feedback&) -> WorkerJob::Completion {
        widgets::DataPreview p = read();
        return [done, p] { done(p); };
    });
    return job;
}

void previewData(const DataConfig& data, quint64 seed, QObject* context, PreviewDone done,
                 int count) {
    startPreview(
        context, [data, seed, count] { return readDataPreview(data, seed, count); },
        std::move(done));
}

void connectEditorToCore(widgets::ConfigEditor* editor) {
    editor->setPreviewer([editor](const DataConfig& d, quint64 seed, PreviewDone done) {
        previewData(d, seed, editor, std::move(done));
    });
    editor->setFormSupport(configToYaml, configChoices());
}

std::optional<widgets::LandscapePoint> landscapePoint(const RunSummary& s) {
    try {
        EvalPairs e = readEvalPairs(s.dir);
        if (e.pairs.empty())
            return std::nullopt;
        BootstrapOptions o;
        o.seed = static_cast<uint64_t>(e.step) + 1;
        PerplexityAgility b = bootstrapPerplexityAgility(e.pairs, o);
        widgets::LandscapePoint p;
        p.run = QString::fromStdString(s.dir);
        p.label = QString::fromStdString(s.name.empty() ? s.id : s.name);
        p.method = QString::fromStdString(s.recipe);
        p.beta = s.beta;
        p.step = e.step;
        p.final = s.status == RunStatus::Finished;
        p.pairs = static_cast<int>(b.pairs);
        p.perplexity = b.perplexity.value;
        p.perplexity_low = b.perplexity.low;
        p.perplexity_high = b.perplexity.high;
        p.agility = b.agility.value;
        p.agility_low = b.agility.low;
        p.agility_high = b.agility.high;
        return p;
    } catch (const std::exception& ex) {
        log::get("gui")->warn("landscape: {}: {}", s.dir, ex.what());
        return std::nullopt;
    }
}

}  // namespace rgpb::app
