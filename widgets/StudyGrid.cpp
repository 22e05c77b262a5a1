#include "widgets/StudyGrid.h"

#include "core/study/StudyAggregate.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/RunIdentity.h"

namespace rgpb::widgets {

namespace {

// Background of a state: grey waits, blue can start or trains, green done, red failed.
QColor stateColor(PlannedRunState state) {
    switch (state) {
        case PlannedRunState::Pending:
            return QColor(230, 230, 230);
        case PlannedRunState::Ready:
            return QColor(214, 232, 250);
        case PlannedRunState::Running:
            return QColor(150, 200, 250);
        case PlannedRunState::Finished:
            return QColor(190, 235, 190);
        case PlannedRunState::Failed:
            return QColor(250, 180, 180);
    }
    return QColor(230, 230, 230);
}

QString stateText(PlannedRunState state) {
    return QString::fromUtf8(rgpb::plannedRunStateName(state));
}

const PlannedRunState kStates[] = {PlannedRunState::Finished, PlannedRunState::Running,
                                   PlannedRunState::Ready, PlannedRunState::Pending,
                                   PlannedRunState::Failed};

QString cellTooltip(const StudyGridCell& c) {
    QStringList lines;
    lines << QString("%1: %2, seed %3: %4")
                 .arg(c.task, runDetail(c.recipe, c.beta))
                 .arg(c.seed)
                 .arg(stateText(c.state));
    if (!c.reason.isEmpty())
        lines << c.reason;
    if (std::isfinite(c.perplexity) || std::isfinite(c.agility))
        lines << QString("perplexity %1, agility %2")
                     .arg(QString::number(c.perplexity, 'g', 4),
                          QString::number(c.agility, 'g', 4));
    for (int i = 0; i < c.run_dirs.size(); ++i)
        lines << QString("stage %1: %2").arg(i + 1).arg(QFileInfo(c.run_dirs[i]).fileName());
    if (!c.run_dirs.isEmpty())
        lines << "Double-click to open its run.";
    return lines.join('\n');
}

}  // namespace

void setFinalMetrics(StudyGridCell& cell, const StudyCellResult& result) {
    cell.perplexity = cellMetric(result, "perplexity").value_or(qQNaN());
    cell.agility = cellMetric(result, "agility").value_or(qQNaN());
}

QVector<StudyGridCell> studyGridCells(const StudyResults& results) {
    QVector<StudyGridCell> out;
    for (const StudyCellResult& r : results.cells) {
        StudyGridCell c;
        c.task = QString::fromStdString(r.task);
        c.recipe = QString::fromStdString(r.recipe);
        c.beta = r.beta;
        c.seed = r.seed;
        c.state = r.status == RunStatus::Finished ? PlannedRunState::Finished
                  : r.status == RunStatus::Failed || r.status == RunStatus::Cancelled
                      ? PlannedRunState::Failed
                      : PlannedRunState::Pending;
        c.reason = QString::fromStdString(r.reason);
        for (const std::string& d : r.run_dirs)
            c.run_dirs << QString::fromStdString(d);
        if (c.state == PlannedRunState::Finished)
            setFinalMetrics(c, r);
        out << c;
    }
    return out;
}

StudyGrid::StudyGrid(QWidget* parent)
    : QWidget(parent), summary_(new QLabel(this)), table_(new QTableWidget(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    summary_->setWordWrap(true);
    layout->addWidget(summary_);
    layout->addWidget(table_, 1);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->horizontalHeader()->setMinimumSectionSize(60);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    connect(table_, &QTableWidget::cellActivated, this, [this](int row, int column) {
        const QString run = runToOpen(row, column);
        if (!run.isEmpty())
            Q_EMIT runActivated(run);
    });
    setCells({});
}

void StudyGrid::setCells(const QVector<StudyGridCell>& cells) {
    cells_ = cells;
    struct RowKey {
        QString task, recipe;
        double beta;
    };
    QVector<RowKey> rows;
    seeds_.clear();
    for (const StudyGridCell& c : cells_) {
        if (!seeds_.contains(c.seed))
            seeds_ << c.seed;
        const bool known = std::any_of(rows.begin(), rows.end(), [&](const RowKey& k) {
            return k.task == c.task && k.recipe == c.recipe && k.beta == c.beta;
        });
        if (!known)
            rows.push_back({c.task, c.recipe, c.beta});
    }
    std::sort(seeds_.begin(), seeds_.end());
    table_->clear();
    table_->setRowCount(rows.size());
    table_->setColumnCount(seeds_.size());
    QStringList columns;
    for (quint64 s : std::as_const(seeds_))
        columns << QString("seed %1").arg(s);
    table_->setHorizontalHeaderLabels(columns);
    QStringList labels;
    for (const RowKey& k : rows)
        labels << QString("%1: %2").arg(k.task, runDetail(k.recipe, k.beta));
    table_->setVerticalHeaderLabels(labels);
    index_ = QVector<QVector<int>>(rows.size(), QVector<int>(seeds_.size(), -1));
    for (int i = 0; i < cells_.size(); ++i) {
        const StudyGridCell& c = cells_[i];
        const auto [row, column] = positionOf(c.task, c.recipe, c.beta, c.seed);
        index_[row][column] = i;
        auto* item = new QTableWidgetItem(stateText(c.state));
        item->setTextAlignment(Qt::AlignCenter);
        item->setBackground(stateColor(c.state));
        item->setForeground(QColor(20, 20, 20));  // readable on the light state colours
        item->setToolTip(cellTooltip(c));
        table_->setItem(row, column, item);
    }
    summary_->setText(summaryText());
}

QPair<int, int> StudyGrid::positionOf(const QString& task, const QString& recipe, double beta,
                                      quint64 seed) const {
    const int column = seeds_.indexOf(seed);
    const QString label = QString("%1: %2").arg(task, runDetail(recipe, beta));
    for (int r = 0; r < table_->rowCount() && column >= 0; ++r) {
        if (table_->verticalHeaderItem(r) && table_->verticalHeaderItem(r)->text() == label)
            return {r, column};
    }
    return {-1, -1};
}

const StudyGridCell* StudyGrid::cellAt(int row, int column) const {
    if (row < 0 || row >= index_.size() || column < 0 || column >= index_[row].size() ||
        index_[row][column] < 0)
        return nullptr;
    return &cells_[index_[row][column]];
}

QString StudyGrid::runToOpen(int row, int column) const {
    const StudyGridCell* c = cellAt(row, column);
    if (!c || c->run_dirs.isEmpty())
        return {};
    for (auto it = c->run_dirs.crbegin(); it != c->run_dirs.crend(); ++it) {
        if (QFileInfo(*it).isDir())
            return *it;
    }
    return c->run_dirs.back();
}

QString StudyGrid::summaryText() const {
    if (cells_.isEmpty())
        return "No study open: open a study file or folder, then Run.";
    QStringList parts;
    for (PlannedRunState s : kStates) {
        const auto n = std::count_if(cells_.begin(), cells_.end(),
                                     [s](const StudyGridCell& c) { return c.state == s; });
        if (n > 0)
            parts << QString("%1 %2").arg(n).arg(stateText(s));
    }
    return QString("%1 cells: %2. Double-click a cell to open its run.")
        .arg(cells_.size())
        .arg(parts.join(", "));
}

}  // namespace rgpb::widgets
