#include "widgets/SamplesView.h"

#include "widgets/RunIdentity.h"

#include <QColor>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace rgpb::widgets {

SamplesView::SamplesView(QWidget* parent) : QWidget(parent) {
    run_ = new QComboBox;
    run_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    steps_ = new QListWidget;
    steps_->setMaximumWidth(260);
    table_ = new QTableWidget(0, 3);
    table_->setHorizontalHeaderLabels({"Prompt", "Response", "Judged"});
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    table_->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setWordWrap(true);
    summary_ = new QLabel;

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel("Run:"));
    top->addWidget(run_, 1);
    top->addWidget(summary_);
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(steps_);
    split->addWidget(table_);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);

    connect(run_, &QComboBox::currentIndexChanged, this, [this] { showRun(); });
    connect(steps_, &QListWidget::currentRowChanged, this, [this] { showStep(); });
    summary_->setText("no samples yet (eval.samples in the run config)");
}

QString SamplesView::stepText(const SampleSet& set) {
    int known = 0, correct = 0;
    for (const SampleRow& r : set.samples) {
        known += r.correct >= 0 ? 1 : 0;
        correct += r.correct == 1 ? 1 : 0;
    }
    QString text = QString("step %1 (stage %2)").arg(set.step).arg(set.stage);
    if (known > 0)
        text += QString(": %1/%2 correct").arg(correct).arg(known);
    return text;
}

void SamplesView::setIdentities(RunIdentities* identities) {
    if (identities_)
        disconnect(identities_, nullptr, this, nullptr);
    identities_ = identities;
    if (identities_)
        connect(identities_, &RunIdentities::runsChanged, this, &SamplesView::restyleRuns);
    restyleRuns();
}

void SamplesView::restyleRuns() {
    restyleRunBox(run_, identities_, [this](const QString& run) { return runs_.value(run).label; });
}

void SamplesView::addSamples(const QString& run, const QString& label, const SampleSet& set) {
    Run& r = runs_[run];
    r.label = label;
    auto it = std::lower_bound(r.sets.begin(), r.sets.end(), set.step,
                               [](const SampleSet& s, qint64 step) { return s.step < step; });
    const bool follow = currentRun() == run &&
                        (steps_->currentRow() < 0 || steps_->currentRow() == steps_->count() - 1);
    const qint64 keep = currentStep();  // before the insertion shifts the rows
    if (it != r.sets.end() && it->step == set.step)
        *it = set;
    else
        r.sets.insert(it, set);
    if (run_->findData(run) < 0) {
        run_->addItem(label, run);  // the first run added becomes current (showRun via signal)
        restyleRuns();
        return;
    }
    if (currentRun() != run)
        return;
    showRun();
    setCurrentStep(follow ? r.sets.back().step : keep);
}

void SamplesView::setRunSamples(const QString& run, const QString& label,
                                const QVector<SampleSet>& sets) {
    Run& r = runs_[run];
    r.label = label;
    r.sets = sets;
    std::stable_sort(r.sets.begin(), r.sets.end(),
                     [](const SampleSet& a, const SampleSet& b) { return a.step < b.step; });
    const int index = run_->findData(run);
    if (index < 0) {
        run_->addItem(label, run);
        restyleRuns();
        return;
    }
    run_->setItemText(index, label);
    restyleRuns();
    if (currentRun() == run)
        showRun();
}

void SamplesView::removeRun(const QString& run) {
    runs_.remove(run);
    const int index = run_->findData(run);
    if (index >= 0)
        run_->removeItem(index);  // the next run becomes current and is shown
    if (run_->count() == 0)
        showRun();
}

void SamplesView::clear() {
    runs_.clear();
    run_->clear();
    showRun();
}

QStringList SamplesView::runs() const {
    QStringList out;
    for (int i = 0; i < run_->count(); ++i)
        out << run_->itemData(i).toString();
    return out;
}

QString SamplesView::currentRun() const {
    return run_->currentData().toString();
}

void SamplesView::setCurrentRun(const QString& run) {
    const int index = run_->findData(run);
    if (index >= 0)
        run_->setCurrentIndex(index);
}

QVector<qint64> SamplesView::steps(const QString& run) const {
    QVector<qint64> out;
    for (const SampleSet& s : runs_.value(run).sets)
        out << s.step;
    return out;
}

qint64 SamplesView::currentStep() const {
    const int row = steps_->currentRow();
    const auto it = runs_.find(currentRun());
    if (row < 0 || it == runs_.end() || row >= it->sets.size())
        return -1;
    return it->sets[row].step;
}

void SamplesView::setCurrentStep(qint64 step) {
    const auto it = runs_.find(currentRun());
    if (it == runs_.end())
        return;
    for (int i = 0; i < it->sets.size(); ++i) {
        if (it->sets[i].step == step) {
            steps_->setCurrentRow(i);
            return;
        }
    }
}

void SamplesView::showRun() {
    const QSignalBlocker block(steps_);
    steps_->clear();
    const auto it = runs_.find(currentRun());
    if (it != runs_.end()) {
        for (const SampleSet& s : it->sets)
            steps_->addItem(stepText(s));
        if (!it->sets.isEmpty())
            steps_->setCurrentRow(steps_->count() - 1);  // newest first shown
    }
    showStep();
}

void SamplesView::showStep() {
    table_->setRowCount(0);
    const auto it = runs_.find(currentRun());
    const int row = steps_->currentRow();
    if (it == runs_.end() || row < 0 || row >= it->sets.size()) {
        summary_->setText(runs_.isEmpty() ? "no samples yet (eval.samples in the run config)"
                                          : QString());
        return;
    }
    const SampleSet& set = it->sets[row];
    table_->setRowCount(set.samples.size());
    for (int i = 0; i < set.samples.size(); ++i) {
        const SampleRow& s = set.samples[i];
        auto* prompt = new QTableWidgetItem(s.prompt);
        auto* response = new QTableWidgetItem(s.response);
        auto* judged = new QTableWidgetItem(s.correct == 1   ? QString::fromUtf8("\u2713 correct")
                                            : s.correct == 0 ? QString::fromUtf8("\u2717 wrong")
                                                             : QString("unknown"));
        if (s.correct >= 0) {
            const QColor tint = s.correct == 1 ? QColor(200, 240, 200) : QColor(250, 210, 210);
            response->setBackground(tint);
            judged->setBackground(tint);
        }
        table_->setItem(i, 0, prompt);
        table_->setItem(i, 1, response);
        table_->setItem(i, 2, judged);
    }
    summary_->setText(stepText(set));
}

}  // namespace rgpb::widgets
