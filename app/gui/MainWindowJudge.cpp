// MainWindow's side of the Judge tab: generating a comparison set from two finished runs in the
// background (then importing it), and the model judge: its dialog, the batch on a worker
// (ModelJudgeJob) with progress and cancel, and the tab's results read again as votes arrive.
#include <QDir>
#include <QLabel>
#include <QProgressDialog>
#include <QTimer>

#include "app/gui/MainWindow.h"
#include "app/gui/ModelJudgeJob.h"
#include "widgets/JudgingView.h"
#include "widgets/ModelJudgeDialog.h"
#include "widgets/SaveFile.h"

namespace rgpb::app {

QVector<widgets::RunChoice> MainWindow::finishedRuns() const {
    QVector<widgets::RunChoice> runs;
    for (auto it = rows_.cbegin(); it != rows_.cend(); ++it) {
        const widgets::RunRow& r = it.value();
        if (r.status != RunStatus::Finished)
            continue;  // only runs with final weights
        runs.push_back(
            {QString("%1 (%2%3)")
                 .arg(r.name, r.recipe, r.beta > 0 ? QString(", b=%1").arg(r.beta) : QString()),
             r.id});
    }
    std::sort(
        runs.begin(), runs.end(),
        [](const widgets::RunChoice& a, const widgets::RunChoice& b) { return a.label < b.label; });
    return runs;
}

void MainWindow::newComparison() {
    const QVector<widgets::RunChoice> runs = finishedRuns();
    widgets::ComparisonDialog dialog(runs, QDir(runs_dir_).filePath("comparisons"), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    startComparison(dialog.request(), dialog.typedPrompts());
}

ComparisonJob* MainWindow::startComparison(ComparisonRequest request, const QStringList& typed) {
    if (comparison_ && comparison_->isRunning()) {
        logLine(log::Level::Warn, "judge", "a comparison is already being generated");
        return nullptr;
    }
    const QString out = QString::fromStdString(request.out_dir);
    QDir().mkpath(out);
    if (!typed.isEmpty()) {
        // Typed prompts become the set's prompts file (one per line, as readPromptFile reads).
        const QString error =
            widgets::saveFile(QDir(out).filePath("prompts.txt"), typed.join('\n').toUtf8() + "\n");
        if (!error.isEmpty()) {
            logLine(log::Level::Error, "judge", "cannot write the prompts: " + error);
            return nullptr;
        }
        request.prompts = ComparisonPrompts::File;
        request.prompts_file = QDir(out).filePath("prompts.txt").toStdString();
    }
    delete comparison_;
    comparison_ = new ComparisonJob(this);
    auto* bar =
        new QProgressDialog("Generating both models' responses...", "Cancel", 0, 1000, this);
    bar->setWindowTitle("New comparison");
    bar->setWindowModality(Qt::NonModal);
    bar->setMinimumDuration(0);
    bar->setAutoClose(false);
    bar->setAutoReset(false);
    connect(bar, &QProgressDialog::canceled, comparison_, &ComparisonJob::cancel);
    connect(comparison_, &ComparisonJob::progress, bar, [bar](double f, const QString& text) {
        bar->setValue(static_cast<int>(f * 1000));
        bar->setLabelText(text);
    });
    connect(comparison_, &ComparisonJob::finished, this,
            [this, bar](const QString& dir, int items) {
                bar->deleteLater();
                logLine(log::Level::Info, "judge",
                        QString("generated %1 items into %2").arg(items).arg(dir));
                if (judging_->importComparison(dir))
                    judging_->setFocus();
                else
                    logLine(log::Level::Error, "judge",
                            "cannot import " + dir + ": " + judging_->errorText());
            });
    connect(comparison_, &ComparisonJob::failed, this, [this, bar](const QString& reason) {
        bar->deleteLater();
        logLine(log::Level::Error, "judge", "comparison not generated: " + reason);
        status_->setText("comparison not generated: " + reason);
    });
    logLine(log::Level::Info, "judge",
            QString("generating a comparison of %1 and %2 into %3")
                .arg(QString::fromStdString(request.run_a), QString::fromStdString(request.run_b),
                     out));
    comparison_->start(request);
    return comparison_;
}

void MainWindow::openModelJudge() {
    const QString set = judging_->currentSetName();
    if (set.isEmpty())
        return;
    if (model_judge_dialog_ && model_judge_dialog_->setName() != set &&
        !model_judge_dialog_->running()) {
        delete model_judge_dialog_;  // another set: a fresh dialog for it
        model_judge_dialog_ = nullptr;
    }
    if (!model_judge_dialog_) {
        model_judge_dialog_ = new widgets::ModelJudgeDialog(set, this);
        model_judge_dialog_->setModal(false);
        connect(model_judge_dialog_, &widgets::ModelJudgeDialog::startRequested, this,
                &MainWindow::startModelJudge);
        connect(model_judge_dialog_, &widgets::ModelJudgeDialog::cancelRequested, this, [this] {
            if (model_judge_)
                model_judge_->cancel();
        });
    }
    model_judge_dialog_->show();
    model_judge_dialog_->raise();
}

ModelJudgeJob* MainWindow::startModelJudge(const judging::ModelJudgeSettings& settings) {
    widgets::ModelJudgeDialog* dialog = model_judge_dialog_;
    if (!dialog)
        return nullptr;
    if (!model_judge_) {
        model_judge_ = new ModelJudgeJob(this);
        judge_reload_ = new QTimer(this);
        judge_reload_->setSingleShot(true);
        judge_reload_->setInterval(1000);
        connect(judge_reload_, &QTimer::timeout, this, [this] { judging_->reload(); });
        connect(model_judge_, &ModelJudgeJob::progress, this,
                [this](const judging::ModelJudgeProgress& p) {
                    if (model_judge_dialog_)
                        model_judge_dialog_->showProgress(p);
                    // The model's votes join the table as they arrive, at most once a second:
                    // the results recompute their bootstrap intervals on every reload.
                    if (!judge_reload_->isActive())
                        judge_reload_->start();
                });
        connect(model_judge_, &ModelJudgeJob::finished, this,
                [this](const judging::ModelJudgeSummary& s) {
                    if (model_judge_dialog_)
                        model_judge_dialog_->showSummary(s);
                    judge_reload_->stop();
                    judging_->reload();
                    logLine(log::Level::Info, "judge",
                            QString("model judge %1: %2 votes, %3 failed prompts")
                                .arg(QString::fromStdString(s.judge))
                                .arg(s.votes)
                                .arg(s.progress.failed));
                });
        connect(model_judge_, &ModelJudgeJob::failed, this, [this](const QString& reason) {
            if (model_judge_dialog_)
                model_judge_dialog_->showFailure(reason);
            logLine(log::Level::Error, "judge", "model judge did not run: " + reason);
        });
    }
    if (!model_judge_->start(judging_->databasePath(), dialog->setName(), settings)) {
        dialog->showFailure("a model judge batch is already running");
        return nullptr;
    }
    dialog->showStarted();
    logLine(log::Level::Info, "judge",
            QString("model judge %1 on set '%2' via %3")
                .arg(QString::fromStdString(settings.model), dialog->setName(),
                     QString::fromStdString(settings.endpoint)));
    return model_judge_;
}

}  // namespace rgpb::app
