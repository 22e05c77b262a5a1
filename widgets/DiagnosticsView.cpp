// The diagnostics view's layout, its run and evaluation selection, the two tables and the token
// view. The three plots are drawn in DiagnosticsPlots.cpp.
#include "widgets/DiagnosticsView.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "widgets/RunIdentity.h"

namespace rgpb::widgets {

namespace {

QTableWidget* makeTable(const QStringList& headers) {
    auto* t = new QTableWidget(0, int(headers.size()));
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->setVisible(false);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setMinimumHeight(120);
    return t;
}

void setCell(QTableWidget* t, int row, int column, const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(column == 0 ? Qt::AlignLeft | Qt::AlignVCenter
                                       : Qt::AlignRight | Qt::AlignVCenter);
    t->setItem(row, column, item);
}

QString number(double v, int digits = 4) {
    return std::isfinite(v) ? QString::number(v, 'g', digits) : QString("n/a");
}

// The CSV of a table as shown: its header and its cells.
CsvTable tableCsv(const QTableWidget* t) {
    CsvTable csv;
    for (int c = 0; c < t->columnCount(); ++c)
        csv.columns << csvText(t->horizontalHeaderItem(c)->text());
    for (int r = 0; r < t->rowCount(); ++r) {
        QStringList row;
        for (int c = 0; c < t->columnCount(); ++c)
            row << csvText(t->item(r, c) ? t->item(r, c)->text() : QString());
        csv.rows.append(row);
    }
    return csv;
}

QString stepText(const DiagnosticsRow& row) {
    QString text =
        QString("step %1  (%2)").arg(row.step).arg(QString::fromStdString(row.stage_name));
    if (row.displacement.alert)
        text += QString::fromUtf8("  \u26a0");
    return text;
}

}  // namespace

DiagnosticsView::DiagnosticsView(QWidget* parent) : QWidget(parent) {
    buildLayout();
    connect(run_, &QComboBox::currentIndexChanged, this, [this] { showRun(); });
    connect(step_, &QComboBox::currentIndexChanged, this, [this] { showStep(); });
    connect(term_, &QComboBox::currentIndexChanged, this, [this] { drawWeights(); });
    connect(pair_, &QComboBox::currentIndexChanged, this, [this] { showTokens(); });
    connect(pair_, &QComboBox::activated, this, [this] { pair_picked_ = true; });
    connect(reference_, &QComboBox::currentIndexChanged, this, [this] { showTokens(); });
    connect(displaced_, &QTableWidget::cellClicked, this, [this](int row, int) {
        if (auto* item = displaced_->item(row, 0))
            showPair(std::size_t(item->text().toULongLong()));
    });
    showRun();
}

void DiagnosticsView::buildLayout() {
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(2, 2, 2, 2);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel("run:"));
    run_ = new QComboBox;
    run_->setMinimumContentsLength(24);
    run_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    top->addWidget(run_, 1);
    top->addWidget(new QLabel("evaluation:"));
    step_ = new QComboBox;
    step_->setMinimumContentsLength(16);
    top->addWidget(step_);
    root->addLayout(top);
    summary_ = new QLabel;
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    root->addWidget(summary_);

    weight_plot_ = new QCustomPlot;
    displacement_plot_ = new QCustomPlot;
    gradient_plot_ = new QCustomPlot;
    term_ = new QComboBox;
    term_->setToolTip("the penalising term of the stage's objective whose weights are shown");
    groups_ = makeTable({"group", "|g+|", "|g-|", "cos(g+, g-)"});
    displaced_ = makeTable(
        {"pair", "change of log p(chosen)", "change of log p(rejected)", "change of margin"});
    displaced_->setToolTip("click a pair to see its tokens");

    auto* weights = new QWidget;
    auto* wv = new QVBoxLayout(weights);
    wv->setContentsMargins(0, 0, 0, 0);
    auto* term_row = new QHBoxLayout;
    term_row->addWidget(new QLabel("term:"));
    term_row->addWidget(term_, 1);
    wv->addLayout(term_row);
    wv->addWidget(
        framedPlot("negative-example weight per eval pair", "negative_weight", weight_plot_,
                   [this](const QString& p) { return writeCsv(p, weightsCsv()); }),
        1);

    auto* grid_host = new QWidget;
    auto* grid = new QGridLayout(grid_host);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(weights, 0, 0);
    grid->addWidget(framedPlot("likelihood displacement", "displacement", displacement_plot_,
                               [this](const QString& p) { return writeCsv(p, displacementCsv()); }),
                    0, 1);
    grid->addWidget(
        framedPlot("positive vs negative gradient (probe batch)", "pos_neg_gradient",
                   gradient_plot_, [this](const QString& p) { return writeCsv(p, gradientCsv()); }),
        1, 0);
    grid->addWidget(
        framedWidget("per layer group at this evaluation", "gradient_groups", groups_,
                     [this](const QString& p) { return writeCsv(p, tableCsv(groups_)); }),
        1, 1);
    grid->addWidget(
        framedWidget("displaced pairs that lost the most (since the stage began)",
                     "displaced_pairs", displaced_,
                     [this](const QString& p) { return writeCsv(p, tableCsv(displaced_)); }),
        2, 0);
    grid->addWidget(buildTokenPanel(), 2, 1);
    for (int r = 0; r < 3; ++r)
        grid->setRowMinimumHeight(r, 260);

    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setWidget(grid_host);
    root->addWidget(scroll, 1);
    setUpPlots();
}

QWidget* DiagnosticsView::buildTokenPanel() {
    auto* panel = new QWidget;
    auto* v = new QVBoxLayout(panel);
    v->setContentsMargins(2, 2, 2, 2);
    auto* head = new QHBoxLayout;
    head->addWidget(new QLabel("<b>tokens of pair</b>"));
    pair_ = new QComboBox;
    pair_->setToolTip(
        "an eval pair whose per-token log-probs the run keeps "
        "(diagnostics.token_pairs)");
    head->addWidget(pair_);
    reference_ = new QComboBox;
    reference_->addItems({"change since the stage began", "change since the previous evaluation"});
    head->addWidget(reference_, 1);
    head->addWidget(exportButtons(
        "tokens", [panel](const QString& p) { return exportWidgetPng(panel, p); },
        [this](const QString& p) { return writeCsv(p, tokensCsv()); }, panel));
    v->addLayout(head);
    token_status_ = new QLabel;
    token_status_->setWordWrap(true);
    v->addWidget(token_status_);
    chosen_ = new TokenDeltaText;
    rejected_ = new TokenDeltaText;
    v->addWidget(new QLabel("chosen (y+):"));
    v->addWidget(chosen_, 1);
    v->addWidget(new QLabel("rejected (y-):"));
    v->addWidget(rejected_, 1);
    token_scale_ = new QLabel;
    v->addWidget(token_scale_);
    return panel;
}

void DiagnosticsView::setIdentities(RunIdentities* identities) {
    if (identities_)
        disconnect(identities_, nullptr, this, nullptr);
    identities_ = identities;
    if (identities_)
        connect(identities_, &RunIdentities::runsChanged, this, [this] { restyleRuns(); });
    restyleRuns();
}

void DiagnosticsView::restyleRuns() {
    restyleRunBox(run_, identities_, [this](const QString& run) { return runs_.value(run).label; });
}

void DiagnosticsView::addRow(const QString& run, const QString& label, const DiagnosticsRow& row) {
    const bool is_new = !runs_.contains(run);
    Run& r = runs_[run];
    r.label = label;
    auto at = std::lower_bound(r.rows.begin(), r.rows.end(), row.step,
                               [](const DiagnosticsRow& a, int64_t s) { return a.step < s; });
    const bool followed = currentRun() == run && step_->currentIndex() == step_->count() - 1;
    if (at != r.rows.end() && at->step == row.step)
        *at = row;
    else
        r.rows.insert(at, row);
    if (is_new) {
        run_->addItem(label, run);
        restyleRuns();
        if (run_->count() == 1)
            return;  // showRun() ran from the index change
    }
    if (currentRun() != run)
        return;
    showRun();
    if (followed)
        step_->setCurrentIndex(step_->count() - 1);
}

void DiagnosticsView::setRunRows(const QString& run, const QString& label,
                                 const std::vector<DiagnosticsRow>& rows) {
    removeRun(run);
    if (rows.empty())
        return;
    Run r;
    r.label = label;
    r.rows = rows;
    std::stable_sort(
        r.rows.begin(), r.rows.end(),
        [](const DiagnosticsRow& a, const DiagnosticsRow& b) { return a.step < b.step; });
    runs_.insert(run, r);
    run_->addItem(label, run);
    restyleRuns();
    if (currentRun() == run)
        showRun();
}

void DiagnosticsView::setRunProblem(const QString& run, const QString& label,
                                    const QString& problem) {
    removeRun(run);
    Run r;
    r.label = label;
    r.problem = problem;
    runs_.insert(run, r);
    run_->addItem(label, run);
    restyleRuns();
    if (currentRun() == run)
        showRun();
}

void DiagnosticsView::removeRun(const QString& run) {
    if (!runs_.remove(run))
        return;
    const int i = run_->findData(run);
    if (i >= 0)
        run_->removeItem(i);
    showRun();
}

void DiagnosticsView::clear() {
    runs_.clear();
    run_->clear();
    showRun();
}

QStringList DiagnosticsView::runs() const {
    return runs_.keys();
}

const std::vector<DiagnosticsRow>* DiagnosticsView::rowsOf(const QString& run) const {
    auto it = runs_.constFind(run);
    return it == runs_.constEnd() ? nullptr : &it.value().rows;
}

QString DiagnosticsView::currentRun() const {
    return run_->currentData().toString();
}

void DiagnosticsView::setCurrentRun(const QString& run) {
    const int i = run_->findData(run);
    if (i >= 0)
        run_->setCurrentIndex(i);
}

QVector<qint64> DiagnosticsView::steps() const {
    QVector<qint64> out;
    if (const Run* r = current())
        for (const DiagnosticsRow& row : r->rows)
            out.append(row.step);
    return out;
}

qint64 DiagnosticsView::currentStep() const {
    const DiagnosticsRow* row = currentRow();
    return row ? row->step : -1;
}

void DiagnosticsView::setCurrentStep(qint64 step) {
    const int i = step_->findData(step);
    if (i >= 0)
        step_->setCurrentIndex(i);
}

const DiagnosticsView::Run* DiagnosticsView::current() const {
    auto it = runs_.constFind(currentRun());
    return it == runs_.constEnd() ? nullptr : &it.value();
}

const DiagnosticsRow* DiagnosticsView::currentRow() const {
    const Run* r = current();
    const int i = step_->currentIndex();
    if (!r || i < 0 || i >= int(r->rows.size()))
        return nullptr;
    return &r->rows[std::size_t(i)];
}

// The run's evaluations in the selector, its terms, and the plots over all its evaluations.
void DiagnosticsView::showRun() {
    if (currentRun() != pairs_of_)
        pair_picked_ = false;  // another run: follow its most displaced pair
    const Run* r = current();
    const qint64 keep = step_->currentData().isValid() ? step_->currentData().toLongLong() : -1;
    const QString keep_term = term_->currentText();
    {
        const QSignalBlocker block_step(step_);
        const QSignalBlocker block_term(term_);
        step_->clear();
        term_->clear();
        if (r) {
            for (const DiagnosticsRow& row : r->rows) {
                step_->addItem(stepText(row), qint64(row.step));
                for (const WeightDistribution& w : row.weights) {
                    const QString term = QString::fromStdString(w.term);
                    if (term_->findText(term) < 0)
                        term_->addItem(term);
                }
            }
        }
        const int at = step_->findData(keep);
        step_->setCurrentIndex(at >= 0 ? at : step_->count() - 1);
        const int t = term_->findText(keep_term);
        term_->setCurrentIndex(t >= 0 ? t : 0);
    }
    term_->setEnabled(term_->count() > 1);
    if (!r) {
        summary_->setText(runs_.isEmpty()
                              ? "No diagnostics yet: a run writes them at every evaluation "
                                "(diagnostics.enabled in its config)."
                              : QString());
    } else if (!r->problem.isEmpty()) {
        summary_->setText("<span style='color:#c81e1e'>Cannot show this run's diagnostics: " +
                          r->problem.toHtmlEscaped() + "</span>");
    }
    drawWeights();
    drawDisplacement();
    drawGradients();
    showStep();
}

void DiagnosticsView::showStep() {
    const DiagnosticsRow* row = currentRow();
    if (row) {
        QStringList parts;
        parts << QString("step %1, stage %2 '%3' (%4%5)")
                     .arg(row->step)
                     .arg(row->stage + 1)
                     .arg(QString::fromStdString(row->stage_name),
                          QString::fromStdString(row->method),
                          row->beta > 0 ? QString(", beta %1").arg(row->beta) : QString());
        for (const WeightDistribution& w : row->weights)
            parts << QString("%1 weight %2: median %3 (IQR %4 to %5)")
                         .arg(QString::fromStdString(w.term), QString::fromStdString(w.formula),
                              number(w.median), number(w.q1), number(w.q3));
        const DisplacementInfo& d = row->displacement;
        parts << QString("%1displacement: %2 of eval pairs (%3 pairs; alert at %4)")
                     .arg(d.alert ? QString::fromUtf8("\u26a0 ") : QString())
                     .arg(QString::number(100.0 * d.share, 'f', 1) + "%")
                     .arg(d.pairs)
                     .arg(QString::number(100.0 * d.threshold, 'f', 0) + "%");
        parts << QString("computed in %1 s on %2 probe pairs")
                     .arg(row->seconds, 0, 'f', 2)
                     .arg(row->probe_pairs);
        summary_->setText(parts.join("   \u00b7   "));
    } else if (!runs_.isEmpty() && !(current() && !current()->problem.isEmpty())) {
        summary_->clear();
    }
    fillGroupTable();
    fillDisplacedTable();
    fillPairs();
    if (row && !pair_picked_) {
        for (const DisplacedPair& d : row->displacement.top) {
            const int i = pair_->findData(qulonglong(d.pair));
            if (i >= 0) {
                const QSignalBlocker block(pair_);
                pair_->setCurrentIndex(i);
                break;
            }
        }
    }
    drawGradients();  // the picked evaluation's marker
    drawDisplacement();
    drawWeights();
    showTokens();
}

void DiagnosticsView::fillGroupTable() {
    const DiagnosticsRow* row = currentRow();
    groups_->setRowCount(0);
    if (!row)
        return;
    groups_->setRowCount(int(row->gradients.size()));
    for (std::size_t i = 0; i < row->gradients.size(); ++i) {
        const GradientGroup& g = row->gradients[i];
        setCell(groups_, int(i), 0, QString::fromStdString(g.name));
        setCell(groups_, int(i), 1, number(g.pos_norm));
        setCell(groups_, int(i), 2, number(g.neg_norm));
        setCell(groups_, int(i), 3, number(g.cosine, 3));
    }
}

void DiagnosticsView::fillDisplacedTable() {
    const DiagnosticsRow* row = currentRow();
    displaced_->setRowCount(0);
    if (!row)
        return;
    const auto& top = row->displacement.top;
    displaced_->setRowCount(int(top.size()));
    for (std::size_t i = 0; i < top.size(); ++i) {
        setCell(displaced_, int(i), 0, QString::number(top[i].pair));
        setCell(displaced_, int(i), 1, number(top[i].d_pos));
        setCell(displaced_, int(i), 2, number(top[i].d_neg));
        setCell(displaced_, int(i), 3, number(top[i].d_margin));
    }
}

QString DiagnosticsView::tokenStatus() const {
    return token_status_->text();
}

QString DiagnosticsView::summaryText() const {
    return summary_->text();
}

void DiagnosticsView::setSinceStageStart(bool since_stage_start) {
    reference_->setCurrentIndex(since_stage_start ? 0 : 1);
}

void DiagnosticsView::showPair(std::size_t pair) {
    pair_picked_ = true;
    const int i = pair_->findData(qulonglong(pair));
    if (i >= 0) {
        pair_->setCurrentIndex(i);
        showTokens();
    } else {
        token_status_->setText(QString("Pair %1 has no kept tokens: the run keeps the first "
                                       "diagnostics.token_pairs eval pairs.")
                                   .arg(pair));
    }
}

}  // namespace rgpb::widgets
