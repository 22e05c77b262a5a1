#include "widgets/StudyView.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "widgets/PlotExport.h"
#include "widgets/StudyPlots.h"
#include "widgets/StudyTables.h"

namespace rgpb::widgets {

namespace {

// A plot under its export buttons (PNG, SVG, PDF and CSV).
QWidget* plotPanel(QCustomPlot* plot, const QString& base_name,
                   std::function<bool(const QString&)> csv, QWidget* extra = nullptr) {
    auto* w = new QWidget;
    auto* v = new QVBoxLayout(w);
    v->setContentsMargins(2, 2, 2, 2);
    v->setSpacing(2);
    auto* head = new QHBoxLayout;
    if (extra)
        head->addWidget(extra);
    head->addStretch(1);
    head->addWidget(exportButtons(base_name, plot, std::move(csv), w));
    v->addLayout(head);
    v->addWidget(plot, 1);
    return w;
}

// A table with a CSV button above it.
QWidget* tablePanel(QTableWidget* table, const QString& base_name,
                    std::function<bool(const QString&)> csv) {
    auto* w = new QWidget;
    auto* v = new QVBoxLayout(w);
    v->setContentsMargins(2, 2, 2, 2);
    auto* head = new QHBoxLayout;
    head->addStretch(1);
    auto* button = new QPushButton("CSV");
    button->setToolTip("Save this table as CSV");
    button->setMaximumWidth(46);
    QObject::connect(button, &QPushButton::clicked, w, [w, base_name, csv] {
        const QString path =
            QFileDialog::getSaveFileName(w, "Export CSV", base_name + ".csv", "CSV (*.csv)");
        if (!path.isEmpty())
            csv(path);
    });
    head->addWidget(button);
    v->addLayout(head);
    v->addWidget(table, 1);
    return w;
}

}  // namespace

StudyView::StudyView(StudyEditor::Validator validator, QWidget* parent)
    : QWidget(parent), editor_(new StudyEditor(std::move(validator))), grid_(new StudyGrid) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(buildButtons());
    auto* right = new QSplitter(Qt::Vertical);
    right->setObjectName("studyViewsSplitter");
    right->addWidget(grid_);
    right->addWidget(buildViews());
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 2);
    right->setSizes({180, 380});
    auto* main = new QSplitter(Qt::Horizontal);
    main->setObjectName("studySplitter");
    main->addWidget(editor_);
    main->addWidget(right);
    main->setStretchFactor(1, 3);
    main->setSizes({300, 720});
    layout->addWidget(main, 1);
    connect(grid_, &StudyGrid::runActivated, this, &StudyView::runActivated);
    connect(editor_, &StudyEditor::validityChanged, this, [this] { setRunning(running_); });
    clearResults();
    setRunning(false);  // Run waits for a valid study
}

QWidget* StudyView::buildButtons() {
    auto* bar = new QWidget;
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    auto* open_file = new QPushButton("Open study...");
    open_file->setToolTip("Open a study file (presets/studies/*.yaml)");
    auto* open_dir = new QPushButton("Open folder...");
    open_dir->setToolTip("Open a study folder (its study.json): its progress and results");
    auto* save = new QPushButton("Save");
    run_ = new QPushButton("Run");
    run_->setToolTip(
        "Save the study file, plan it, and queue the runs that can start; the next "
        "ones are queued as their dependencies finish (runs already finished are "
        "reused)");
    stop_ = new QPushButton("Stop");
    stop_->setToolTip(
        "Queue no more of the study's runs; the runs queued or training go on (the "
        "Train tab cancels them); Run continues the study later");
    export_ = new QPushButton("Export report...");
    export_->setToolTip("report.html, figures (SVG, PDF) and tables (CSV, LaTeX) into a folder");
    progress_text_ = new QLabel;
    progress_ = new QProgressBar;
    progress_->setMaximumWidth(160);
    progress_->setTextVisible(true);
    for (QPushButton* b : {open_file, open_dir, save, run_, stop_, export_})
        row->addWidget(b);
    row->addWidget(progress_text_, 1);
    row->addWidget(progress_);
    connect(open_file, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, "Open a study file", {},
                                                          "Study files (*.yaml *.yml)");
        if (!path.isEmpty())
            Q_EMIT openFileRequested(path);
    });
    connect(open_dir, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, "Open a study folder");
        if (!dir.isEmpty())
            Q_EMIT openFolderRequested(dir);
    });
    connect(save, &QPushButton::clicked, this, [this] {
        if (editor_->path().isEmpty()) {
            const QString path = QFileDialog::getSaveFileName(this, "Save the study file", {},
                                                              "Study files (*.yaml)");
            if (!path.isEmpty())
                editor_->save(path);
        } else {
            editor_->save();
        }
    });
    connect(run_, &QPushButton::clicked, this, &StudyView::runRequested);
    connect(stop_, &QPushButton::clicked, this, &StudyView::stopRequested);
    connect(export_, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, "Export the report into");
        if (!dir.isEmpty())
            Q_EMIT exportRequested(dir);
    });
    return bar;
}

QWidget* StudyView::buildViews() {
    auto* w = new QWidget;
    auto* v = new QVBoxLayout(w);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(2);
    auto* head = new QHBoxLayout;
    head->addWidget(new QLabel("task:"));
    task_ = new QComboBox;
    task_->setMinimumContentsLength(14);
    head->addWidget(task_);
    head->addStretch(1);
    v->addLayout(head);
    views_ = new QTabWidget;
    v->addWidget(views_, 1);
    for (QCustomPlot** p : {&landscape_, &pos_prob_, &agility_, &curves_, &info_, &grad_})
        *p = new QCustomPlot;
    prepareStudyPlot(landscape_, "Landscape");
    prepareStudyPlot(pos_prob_, "Positive-example probability vs β");
    prepareStudyPlot(agility_, "Agility vs β");
    prepareStudyPlot(curves_, "Learning curves");
    prepareStudyPlot(info_, "Information difference (base model)");
    prepareStudyPlot(grad_, "Gradient difference (base model)");
    auto points_csv = [this](const QString& path) {
        return writeCsv(path, studyLandscapeCsv(aggregate_, currentTask()));
    };
    auto measures_csv = [this](const QString& path) {
        return writeCsv(path, studyMeasuresCsv(results_.measures));
    };
    views_->addTab(plotPanel(landscape_, "study-landscape", points_csv), "Landscape");
    auto* beta = new QSplitter(Qt::Horizontal);
    beta->addWidget(plotPanel(pos_prob_, "study-beta-pos-prob", points_csv));
    beta->addWidget(plotPanel(agility_, "study-beta-agility", points_csv));
    views_->addTab(beta, "β sensitivity");
    views_->addTab(curvesPanel(), "Learning curves");
    auto* measures = new QSplitter(Qt::Horizontal);
    measures->addWidget(plotPanel(info_, "study-info-difference", measures_csv));
    measures->addWidget(plotPanel(grad_, "study-grad-difference", measures_csv));
    views_->addTab(measures, "Information && gradient");
    comparisons_ = new QTableWidget;
    claims_ = new QTableWidget;
    views_->addTab(tablePanel(comparisons_, "study-comparisons",
                              [this](const QString& path) {
                                  return writeCsv(path, comparisonsCsv(aggregate_.comparisons));
                              }),
                   "Comparisons");
    views_->addTab(tablePanel(claims_, "study-claims",
                              [this](const QString& path) {
                                  return writeCsv(path, claimsCsv(claim_results_));
                              }),
                   "Claims");
    connect(task_, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
    return w;
}

QWidget* StudyView::curvesPanel() {
    auto* choose = new QWidget;
    auto* row = new QHBoxLayout(choose);
    row->setContentsMargins(0, 0, 0, 0);
    metric_ = new QComboBox;
    metric_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    beta_ = new QComboBox;
    beta_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    row->addWidget(new QLabel("metric:"));
    row->addWidget(metric_);
    row->addWidget(new QLabel("β:"));
    row->addWidget(beta_);
    connect(metric_, &QComboBox::currentIndexChanged, this, [this] { redrawCurves(); });
    connect(beta_, &QComboBox::currentIndexChanged, this, [this] { redrawCurves(); });
    return plotPanel(
        curves_, "study-curves",
        [this](const QString& path) {
            return writeCsv(path,
                            studyCurvesCsv(aggregate_, currentTask(), metric_->currentText()));
        },
        choose);
}

void StudyView::setResults(const StudyResults& results, const StudyAggregate& aggregate,
                           const std::vector<ClaimResult>& claims) {
    results_ = results;
    aggregate_ = aggregate;
    claim_results_ = claims;
    const QString task = currentTask();
    {
        const QSignalBlocker quiet(task_);
        task_->clear();
        task_->addItems(studyTasks(aggregate_, results_.measures));
        const int at = task_->findText(task);
        task_->setCurrentIndex(at >= 0 ? at : 0);
    }
    redraw();
}

void StudyView::clearResults() {
    setResults({}, {}, {});
}

QStringList StudyView::tasks() const {
    QStringList out;
    for (int i = 0; i < task_->count(); ++i)
        out << task_->itemText(i);
    return out;
}

QString StudyView::currentTask() const {
    return task_->currentText();
}

void StudyView::setCurrentTask(const QString& task) {
    task_->setCurrentIndex(task_->findText(task));
}

void StudyView::setCurveSelection(const QString& metric, double beta) {
    metric_->setCurrentIndex(metric_->findText(metric));
    beta_->setCurrentIndex(beta_->findData(beta));
}

// Every view of the current task; the curves' choices are kept when the task still has them.
void StudyView::redraw() {
    const QString task = currentTask();
    const QString suffix = task.isEmpty() ? QString() : QString(" — %1").arg(task);
    setStudyPlotTitle(landscape_, "Landscape" + suffix);
    setStudyPlotTitle(pos_prob_, "Positive-example probability vs β" + suffix);
    setStudyPlotTitle(agility_, "Agility vs β" + suffix);
    drawStudyLandscape(landscape_, aggregate_, task);
    drawBetaSensitivity(pos_prob_, aggregate_, task, BetaMetric::PosProb);
    drawBetaSensitivity(agility_, aggregate_, task, BetaMetric::Agility);
    drawInfoDifference(info_, results_.measures);
    drawGradDifference(grad_, results_.measures);
    fillComparisonsTable(comparisons_, aggregate_.comparisons, task);
    fillClaimsTable(claims_, claim_results_);
    {
        const QSignalBlocker a(metric_), b(beta_);
        const QString metric = metric_->currentText();
        const double beta = beta_->currentData().toDouble();
        metric_->clear();
        metric_->addItems(studyCurveMetrics(aggregate_));
        metric_->setCurrentIndex(std::max(0, metric_->findText(metric)));
        beta_->clear();
        const QList<double> betas = studyBetas(aggregate_, task);
        for (double x : betas)
            beta_->addItem(QString::number(x), x);
        const int at = beta_->findData(beta);
        // The middle beta by default: the one the learning rates were chosen at.
        beta_->setCurrentIndex(at >= 0 ? at : int(betas.size()) / 2);
    }
    redrawCurves();
}

void StudyView::redrawCurves() {
    setStudyPlotTitle(curves_, QString("Learning curves — %1").arg(currentTask()));
    drawStudyCurves(curves_, aggregate_, currentTask(), metric_->currentText(),
                    beta_->currentData().toDouble());
}

void StudyView::setProgress(const QString& text, int done, int total) {
    progress_text_->setText(text);
    progress_->setRange(0, std::max(1, total));
    progress_->setValue(std::min(done, std::max(1, total)));
    progress_->setFormat(QString("%1/%2").arg(done).arg(total));
}

QString StudyView::progressText() const {
    return progress_text_->text();
}

void StudyView::setRunning(bool running) {
    running_ = running;
    run_->setEnabled(!running && editor_->isValid());
    run_->setText(running ? "Running..." : "Run");
    stop_->setEnabled(running);
}

}  // namespace rgpb::widgets
