// The stages table of the run form: one row per training stage (name, method, beta, steps,
// epochs, lr, DPO reference on the fly), added, removed and reordered; what a row does not
// show (a mixed objective's weights, DPO options) is carried through from the config.
#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLocale>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

#include "widgets/ConfigForm.h"

namespace rgpb::widgets {

namespace {

const QColor kBadCell(248, 208, 208);

QString numberText(double v) {
    return QString::fromStdString(shortestNumberText(v));
}

bool parseNumber(const QString& text, double& out) {
    bool ok = false;
    double v = QLocale::c().toDouble(text.trimmed(), &ok);
    if (ok && std::isfinite(v))
        out = v;
    return ok && std::isfinite(v);
}

// The beta a stage shows: its first term that uses one (MLE does not).
double stageBeta(const StageConfig& s) {
    if (auto b = s.beta())
        return *b;
    return s.objective.terms.empty() ? 0.1 : s.objective.terms.front().beta;
}

bool isMix(const StageConfig& s) {
    return s.objective.terms.size() != 1 || s.objective.terms.front().weight != 1.0;
}

}  // namespace

void ConfigForm::addStagesBox(QVBoxLayout* into) {
    auto* stage_box = new QGroupBox("Stages (run in order, each from the previous weights)");
    auto* sv = new QVBoxLayout(stage_box);
    stages_ = new QTableWidget(0, ColumnCount);
    stages_->setHorizontalHeaderLabels(
        {"name", "method", "beta", "steps", "epochs", "lr", "DPO ref on the fly"});
    stages_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    stages_->horizontalHeader()->setStretchLastSection(true);
    stages_->setSelectionBehavior(QAbstractItemView::SelectRows);
    stages_->setSelectionMode(QAbstractItemView::SingleSelection);
    stages_->setMinimumHeight(120);
    stages_->setToolTip("lr: empty = the optimizer's. steps wins over epochs when both are set.");
    sv->addWidget(stages_);
    auto* buttons = new QHBoxLayout;
    auto* add = new QPushButton("Add stage");
    auto* remove = new QPushButton("Remove");
    auto* up = new QPushButton("Move up");
    auto* down = new QPushButton("Move down");
    for (QPushButton* b : {add, remove, up, down})
        buttons->addWidget(b);
    buttons->addStretch(1);
    sv->addLayout(buttons);
    into->addWidget(stage_box);
    connect(add, &QPushButton::clicked, this, [this] { addStage(); });
    connect(remove, &QPushButton::clicked, this, [this] { removeStage(stages_->currentRow()); });
    connect(up, &QPushButton::clicked, this, [this] { moveStage(stages_->currentRow(), -1); });
    connect(down, &QPushButton::clicked, this, [this] { moveStage(stages_->currentRow(), +1); });
    connect(stages_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem*) {
        if (!filling_)
            edited();
    });
}

void ConfigForm::fillStages(const std::vector<StageConfig>& stages) {
    const bool was = filling_;
    filling_ = true;
    stages_->setRowCount(0);
    stage_base_.clear();
    for (const StageConfig& s : stages) {
        int row = stages_->rowCount();
        stages_->insertRow(row);
        stage_base_.push_back(s);
        setStageRow(row, s);
    }
    filling_ = was;
}

void ConfigForm::setStageRow(int row, const StageConfig& s) {
    const bool was = filling_;
    filling_ = true;
    auto item = [](const QString& text) { return new QTableWidgetItem(text); };
    stages_->setItem(row, Name, item(QString::fromStdString(s.name)));
    auto* method = new QComboBox;
    method->addItems(choices_.methods);
    if (isMix(s)) {
        method->insertItem(0,
                           QString("mix: %1").arg(QString::fromStdString(s.objective.describe())));
        method->setItemData(0, "Weights of a mixed objective are edited in the YAML view.",
                            Qt::ToolTipRole);
        method->setCurrentIndex(0);
    } else {
        QString name = objectiveKindName(s.objective.terms.front().kind);
        if (method->findText(name) < 0)
            method->addItem(name);
        method->setCurrentText(name);
    }
    connect(method, &QComboBox::activated, this, [this] {
        if (!filling_)
            edited();
    });
    stages_->setCellWidget(row, Method, method);
    stages_->setItem(row, Beta, item(numberText(stageBeta(s))));
    stages_->setItem(row, Steps, item(QString::number(s.steps)));
    stages_->setItem(row, Epochs, item(numberText(s.epochs)));
    stages_->setItem(row, Lr, item(s.lr ? numberText(*s.lr) : QString()));
    auto* otf = item(QString());
    otf->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
    otf->setCheckState(s.on_the_fly_reference ? Qt::Checked : Qt::Unchecked);
    stages_->setItem(row, OnTheFly, otf);
    filling_ = was;
}

StageConfig ConfigForm::stageAt(int row) const {
    StageConfig s = stage_base_.at(static_cast<std::size_t>(row));
    auto cell = [&](int col) {
        QTableWidgetItem* it = stages_->item(row, col);
        return it ? it->text().trimmed() : QString();
    };
    const QSignalBlocker quiet(stages_);  // marking a cell is not an edit
    auto mark = [&](int col, bool ok) {
        if (QTableWidgetItem* it = stages_->item(row, col))
            it->setBackground(ok ? QBrush() : QBrush(kBadCell));
    };
    s.name = cell(Name).toStdString();
    double beta = stageBeta(s);
    mark(Beta, parseNumber(cell(Beta), beta));
    auto* method = static_cast<QComboBox*>(stages_->cellWidget(row, Method));
    if (!method->currentText().startsWith("mix:")) {
        ObjectiveKind kind = ObjectiveKind::Mle;
        QString name = method->currentText();
        for (ObjectiveKind k : objectiveKinds())
            if (name == objectiveKindName(k))
                kind = k;
        ObjectiveTerm term =
            s.objective.terms.empty() ? ObjectiveTerm{} : s.objective.terms.front();
        if (isMix(s) || term.kind != kind) {
            // A different method: a single term with the row's beta (options reset).
            term = ObjectiveTerm{};
            term.kind = kind;
        }
        term.weight = 1.0;
        s.objective.terms = {term};
    }
    for (ObjectiveTerm& t : s.objective.terms)
        if (usesBeta(t.kind) || s.objective.terms.size() == 1)
            t.beta = beta;
    bool ok = false;
    qlonglong steps = cell(Steps).toLongLong(&ok);
    mark(Steps, ok && steps >= 0);
    if (ok && steps >= 0)
        s.steps = steps;
    double epochs = s.epochs;
    mark(Epochs, cell(Epochs).isEmpty() || parseNumber(cell(Epochs), epochs));
    s.epochs = cell(Epochs).isEmpty() ? 0.0 : epochs;
    if (cell(Lr).isEmpty()) {
        s.lr.reset();
        mark(Lr, true);
    } else {
        double lr = s.lr.value_or(base_.optimizer.lr);
        bool lr_ok = parseNumber(cell(Lr), lr);
        mark(Lr, lr_ok);
        if (lr_ok)
            s.lr = lr;
    }
    s.on_the_fly_reference = stages_->item(row, OnTheFly)->checkState() == Qt::Checked;
    return s;
}

void ConfigForm::addStage() {
    StageConfig s;
    if (stages_->rowCount() > 0)
        s = stageAt(stages_->rowCount() - 1);
    else
        s.objective = ObjectiveSpec::single(ObjectiveKind::Mle, 0.1), s.steps = 100;
    s.name.clear();
    int row = stages_->rowCount();
    stages_->insertRow(row);
    stage_base_.push_back(s);
    setStageRow(row, s);
    stages_->selectRow(row);
    edited();
}

void ConfigForm::removeStage(int row) {
    if (row < 0 || row >= stages_->rowCount())
        return;
    stages_->removeRow(row);
    stage_base_.erase(stage_base_.begin() + row);
    edited();
}

void ConfigForm::moveStage(int row, int delta) {
    int to = row + delta;
    if (row < 0 || row >= stages_->rowCount() || to < 0 || to >= stages_->rowCount() || to == row)
        return;
    std::vector<StageConfig> stages;
    for (int r = 0; r < stages_->rowCount(); ++r)
        stages.push_back(stageAt(r));
    StageConfig moving = stages[static_cast<std::size_t>(row)];
    stages.erase(stages.begin() + row);
    stages.insert(stages.begin() + to, moving);
    fillStages(stages);
    stages_->selectRow(to);
    edited();
}

}  // namespace rgpb::widgets
