#include "widgets/RunTable.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

#include "widgets/RunIdentity.h"

namespace rgpb::widgets {

QString formatEta(double s) {
    if (!std::isfinite(s) || s < 0)
        return "";
    long t = std::lround(s);
    if (t >= 3600)
        return QString("%1:%2:%3")
            .arg(t / 3600)
            .arg((t / 60) % 60, 2, 10, QChar('0'))
            .arg(t % 60, 2, 10, QChar('0'));
    return QString("%1:%2").arg(t / 60).arg(t % 60, 2, 10, QChar('0'));
}

namespace {
enum Column { kName, kRecipe, kBeta, kStatus, kProgress, kEta, kTokens, kPpl, kAgility, kColumns };
QString num(double v, int prec) {
    return std::isfinite(v) ? QString::number(v, 'g', prec) : QString();
}
}  // namespace

RunTable::RunTable(QWidget* parent) : QWidget(parent), table_(new QTableWidget(0, kColumns, this)) {
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(0, 0, 0, 0);
    auto* buttons = new QHBoxLayout;
    cancel_ = new QPushButton("Cancel");
    pause_ = new QPushButton("Pause");
    resume_ = new QPushButton("Resume from checkpoint");
    resume_->setToolTip(
        "Continue the selected cancelled, failed or interrupted run from its last "
        "checkpoint");
    delete_ = new QPushButton("Delete...");
    open_ = new QPushButton("Open folder");
    for (QPushButton* b : {cancel_, pause_, resume_, delete_, open_})
        buttons->addWidget(b);
    buttons->addStretch(1);
    root->addLayout(buttons);
    root->addWidget(table_, 1);
    table_->setHorizontalHeaderLabels({"run", "recipe", "beta", "status", "progress", "ETA",
                                       "tokens/s", "perplexity", "agility"});
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->setVisible(false);
    table_->horizontalHeader()->setStretchLastSection(true);
    // The run's name is its label everywhere: never elided to "..." (the table scrolls instead).
    table_->horizontalHeader()->setSectionResizeMode(kName, QHeaderView::ResizeToContents);

    connectButtons();
    connect(table_, &QTableWidget::itemSelectionChanged, this, [this] {
        updateButtons();
        const QStringList ids = selectedIds();
        if (identities_ && !syncing_)
            identities_->setHighlighted(ids.size() == 1 ? ids.front() : QString());
        Q_EMIT selectionChanged(ids);
    });
    connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        // Only a checkbox the registry has synced (a fresh row has none yet).
        const QString id = item->data(Qt::UserRole).toString();
        if (syncing_ || !identities_ || item->column() != kName || id.isEmpty() ||
            !item->data(Qt::CheckStateRole).isValid())
            return;
        identities_->setVisible(id, item->checkState() == Qt::Checked);
    });
    updateButtons();
}

// Cancel, Pause, Resume, Delete and Open folder act on the selected rows.
void RunTable::connectButtons() {
    auto each = [this](auto signal) {
        return [this, signal] {
            for (const QString& id : selectedIds())
                Q_EMIT(this->*signal)(id);
        };
    };
    connect(cancel_, &QPushButton::clicked, this, [this] {
        const QStringList ids = selectedIds();
        if (ids.isEmpty() ||
            !confirmed("Cancel runs",
                       "Cancel %1 run(s)? A running run stops after writing a checkpoint (Resume "
                       "continues it); a queued run is removed.\n%2",
                       ids))
            return;
        for (const QString& id : ids)
            Q_EMIT cancelRequested(id);
    });
    connect(resume_, &QPushButton::clicked, this, [this] {
        for (const QString& id : selectedIds()) {
            if (rows_[find(id)].resumable && !isActive(rows_[find(id)].status))
                Q_EMIT resumeRequested(id);
        }
    });
    connect(pause_, &QPushButton::clicked, this, each(&RunTable::pauseToggled));
    connect(open_, &QPushButton::clicked, this, each(&RunTable::openFolderRequested));
    connect(delete_, &QPushButton::clicked, this, [this] {
        const QStringList ids = selectedIds();
        if (ids.isEmpty() ||
            !confirmed("Delete runs", "Delete %1 run(s) and their folders from disk?\n%2", ids))
            return;
        for (const QString& id : ids)
            Q_EMIT deleteRequested(id);
    });
}

// Whether the user agrees to `question` ("%1 run(s) ... %2": count and names) about `ids`;
// always when confirmations are off (tests).
bool RunTable::confirmed(const QString& title, const QString& question, const QStringList& ids) {
    return !confirm_ ||
           QMessageBox::question(this, title, question.arg(ids.size()).arg(ids.join("\n"))) ==
               QMessageBox::Yes;
}

void RunTable::setIdentities(RunIdentities* identities) {
    if (identities_)
        disconnect(identities_, nullptr, this, nullptr);
    identities_ = identities;
    if (!identities_)
        return;
    auto syncAll = [this] {
        for (int r = 0; r < rows_.size(); ++r)
            syncIdentity(r);
    };
    connect(identities_, &RunIdentities::runsChanged, this, syncAll);
    connect(identities_, &RunIdentities::visibilityChanged, this, syncAll);
    connect(identities_, &RunIdentities::highlightChanged, this, [this](const QString& id) {
        if (selectedIds() == QStringList{id} || (id.isEmpty() && selectedIds().size() > 1))
            return;
        syncing_ = true;  // a legend click: follow it without echoing it back
        if (id.isEmpty())
            table_->clearSelection();
        else
            select(id);
        syncing_ = false;
        updateButtons();
    });
    for (const RunRow& row : rows_)
        identities_->upsert({row.id, row.name, row.recipe, row.beta, {}});
    syncAll();
}

void RunTable::syncIdentity(int r) {
    QTableWidgetItem* item = table_->item(r, kName);
    if (!identities_ || !item)
        return;
    const QString id = rows_[r].id;
    syncing_ = true;
    item->setData(Qt::UserRole, id);
    item->setData(Qt::DecorationRole, identities_->colorOf(id));
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(identities_->isVisible(id) ? Qt::Checked : Qt::Unchecked);
    syncing_ = false;
}

int RunTable::find(const QString& id) const {
    for (int i = 0; i < rows_.size(); ++i) {
        if (rows_[i].id == id)
            return i;
    }
    return -1;
}

void RunTable::upsert(const RunRow& row) {
    int r = find(row.id);
    if (r < 0) {
        r = 0;  // newest on top
        rows_.insert(0, row);
        table_->insertRow(0);
        for (int c = 0; c < kColumns; ++c)
            table_->setItem(0, c, new QTableWidgetItem);
        auto* bar = new QProgressBar;
        bar->setRange(0, 1000);
        bar->setTextVisible(true);
        table_->setCellWidget(0, kProgress, bar);
    } else {
        rows_[r] = row;
    }
    table_->item(r, kName)->setText(row.name);
    table_->item(r, kName)->setToolTip(row.id);
    table_->item(r, kRecipe)->setText(row.recipe);
    table_->item(r, kBeta)->setText(row.beta > 0 ? QString::number(row.beta) : QString());
    table_->item(r, kStatus)
        ->setText(row.alert.isEmpty() ? runStatusName(row.status)
                                      : QString::fromUtf8("\u26a0 ") + runStatusName(row.status));
    QStringList tip;
    if (!row.reason.isEmpty())
        tip << row.reason;
    if (!row.alert.isEmpty())
        tip << row.alert;
    table_->item(r, kStatus)->setToolTip(tip.join("\n"));
    table_->item(r, kStatus)
        ->setForeground(row.status == RunStatus::Failed     ? QColor(200, 30, 30)
                        : row.status == RunStatus::Finished ? QColor(30, 130, 30)
                                                            : palette().text().color());
    auto* bar = static_cast<QProgressBar*>(table_->cellWidget(r, kProgress));
    const bool busy = !row.activity.isEmpty() && isActive(row.status);
    const qint64 done = busy ? row.activity_done : row.step;
    const qint64 total = busy ? row.activity_total : row.total_steps;
    bar->setValue(total > 0 ? int(std::lround(1000.0 * double(done) / double(total))) : 0);
    bar->setFormat(progressText(r));
    table_->item(r, kEta)->setText(row.status == RunStatus::Running ? formatEta(row.eta_s)
                                                                    : QString());
    table_->item(r, kTokens)
        ->setText(row.status == RunStatus::Running && row.tokens_per_s > 0
                      ? QString::number(row.tokens_per_s, 'f', 0)
                      : QString());
    table_->item(r, kPpl)->setText(num(row.perplexity, 5));
    table_->item(r, kAgility)->setText(num(row.agility, 4));
    if (identities_) {
        identities_->upsert({row.id, row.name, row.recipe, row.beta, {}});
        syncIdentity(r);
    }
    updateButtons();
}

QString RunTable::progressText(int r) const {
    const RunRow& row = rows_[r];
    if (!row.activity.isEmpty() && isActive(row.status)) {
        return row.activity_total > 0 ? QString("%1 %2/%3")
                                            .arg(row.activity)
                                            .arg(row.activity_done)
                                            .arg(row.activity_total)
                                      : row.activity;
    }
    return QString("%1/%2").arg(row.step).arg(row.total_steps);
}

void RunTable::remove(const QString& id) {
    int r = find(id);
    if (r < 0)
        return;
    rows_.removeAt(r);
    table_->removeRow(r);
    if (identities_)
        identities_->remove(id);
    updateButtons();
}

int RunTable::rowCount() const {
    return rows_.size();
}
RunRow RunTable::rowAt(int r) const {
    return rows_.value(r);
}

QStringList RunTable::selectedIds() const {
    QStringList ids;
    for (const QModelIndex& i : table_->selectionModel()->selectedRows())
        ids << rows_.value(i.row()).id;
    return ids;
}

void RunTable::select(const QString& id) {
    int r = find(id);
    if (r >= 0)
        table_->selectRow(r);
}

void RunTable::updateButtons() {
    QStringList ids = selectedIds();
    bool any_active = false, any_paused = false, any_done = false, any_resumable = false;
    bool any_pausable = false;
    for (const QString& id : ids) {
        const RunStatus s = rows_[find(id)].status;
        any_active |= isActive(s);
        any_pausable |= isActive(s) && rows_[find(id)].pausable;
        any_paused |= s == RunStatus::Paused;
        any_done |= !isActive(s);
        any_resumable |= !isActive(s) && rows_[find(id)].resumable;
    }
    resume_->setEnabled(any_resumable);
    cancel_->setEnabled(any_active);
    pause_->setEnabled(any_pausable);
    pause_->setText(any_paused ? "Resume" : "Pause");
    delete_->setEnabled(any_done && !any_active);
    open_->setEnabled(!ids.isEmpty());
}

}  // namespace rgpb::widgets
