#include "widgets/ComparisonDialog.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace rgpb::widgets {

namespace {

enum Source { EvalSplit, Synthetic, File, Typed };

// One form row of two widgets at 3:1 width.
QWidget* wideAndNarrow(QWidget* a, QWidget* b) {
    auto* w = new QWidget;
    auto* h = new QHBoxLayout(w);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(a, 3);
    h->addWidget(b, 1);
    return w;
}

}  // namespace

ComparisonDialog::ComparisonDialog(const QVector<RunChoice>& runs, const QString& out_base,
                                   QWidget* parent)
    : QDialog(parent), out_base_(out_base) {
    setWindowTitle("New comparison");
    auto* v = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    v->addLayout(form);
    addModelRows(form, runs);
    QPushButton* browse = addPromptRows(form);
    addGenerationRows(form);

    problem_ = new QLabel;
    problem_->setStyleSheet("color: #b00020;");
    problem_->setWordWrap(true);
    v->addWidget(problem_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText("Generate");
    v->addWidget(buttons);

    connectSignals(buttons, browse);
    proposeOutDir();
    updateSourceFields();
}

void ComparisonDialog::addModelRows(QFormLayout* form, const QVector<RunChoice>& runs) {
    run_a_ = new QComboBox;
    run_b_ = new QComboBox;
    for (const RunChoice& r : runs) {
        run_a_->addItem(r.label, r.dir);
        run_b_->addItem(r.label, r.dir);
    }
    if (runs.size() > 1)
        run_b_->setCurrentIndex(1);
    ckpt_a_ = new QLineEdit("final");
    ckpt_b_ = new QLineEdit("final");
    for (QLineEdit* c : {ckpt_a_, ckpt_b_})
        c->setToolTip("final (the newest checkpoint) or step-N");
    form->addRow("model A (run, checkpoint)", wideAndNarrow(run_a_, ckpt_a_));
    form->addRow("model B (run, checkpoint)", wideAndNarrow(run_b_, ckpt_b_));
}

// Returns the prompts file's browse button, for connectSignals().
QPushButton* ComparisonDialog::addPromptRows(QFormLayout* form) {
    source_ = new QComboBox;
    source_->addItem("eval split of run A's data", EvalSplit);
    source_->addItem("fresh synthetic prompts (known answers)", Synthetic);
    source_->addItem("a prompts file", File);
    source_->addItem("prompts typed below", Typed);
    form->addRow("prompts", source_);
    file_ = new QLineEdit;
    file_->setPlaceholderText("one prompt per line (\\n for a newline), or JSONL with \"prompt\"");
    auto* browse = new QPushButton("Browse...");
    form->addRow("prompts file", wideAndNarrow(file_, browse));
    typed_ = new QPlainTextEdit;
    typed_->setPlaceholderText("One prompt per line.");
    typed_->setMaximumHeight(110);
    form->addRow("typed prompts", typed_);
    count_ = new QSpinBox;
    count_->setRange(1, 100000);
    count_->setValue(20);
    form->addRow("items", count_);
    return browse;
}

void ComparisonDialog::addGenerationRows(QFormLayout* form) {
    max_new_ = new QSpinBox;
    max_new_->setRange(1, 100000);
    max_new_->setValue(64);
    temperature_ = new QDoubleSpinBox;
    temperature_->setRange(0, 100);
    temperature_->setDecimals(2);
    temperature_->setSingleStep(0.1);
    temperature_->setToolTip("0 = greedy");
    top_k_ = new QSpinBox;
    top_k_->setRange(0, 1000000);
    top_k_->setToolTip("0 = all tokens");
    top_p_ = new QDoubleSpinBox;
    top_p_->setRange(0.01, 1.0);
    top_p_->setDecimals(2);
    top_p_->setSingleStep(0.05);
    top_p_->setValue(1.0);
    seed_ = new QSpinBox;
    seed_->setRange(0, 2147483647);
    seed_->setValue(1);
    form->addRow("max new tokens", max_new_);
    form->addRow("temperature", temperature_);
    form->addRow("top-k", top_k_);
    form->addRow("top-p", top_p_);
    form->addRow("seed", seed_);
    out_ = new QLineEdit;
    form->addRow("save to", out_);
}

void ComparisonDialog::connectSignals(QDialogButtonBox* buttons, QPushButton* browse) {
    connect(buttons, &QDialogButtonBox::accepted, this, &ComparisonDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browse, &QPushButton::clicked, this, [this] {
        QString f = QFileDialog::getOpenFileName(this, "Prompts file", QString(),
                                                 "Prompts (*.txt *.jsonl);;All files (*)");
        if (!f.isEmpty())
            file_->setText(f);
    });
    connect(out_, &QLineEdit::textEdited, this, [this] { out_edited_ = true; });
    connect(run_a_, &QComboBox::currentIndexChanged, this, [this] { proposeOutDir(); });
    connect(run_b_, &QComboBox::currentIndexChanged, this, [this] { proposeOutDir(); });
    connect(source_, &QComboBox::currentIndexChanged, this, [this] { updateSourceFields(); });
    // A problem shown after Generate is re-checked as the fields change: it goes away with its
    // cause (and names the next one, if any), never stays stale.
    auto recheck = [this] {
        if (!problem_->text().isEmpty())
            problem_->setText(problem());
    };
    for (QComboBox* c : {run_a_, run_b_, source_})
        connect(c, &QComboBox::currentIndexChanged, this, recheck);
    for (QLineEdit* e : {ckpt_a_, ckpt_b_, file_, out_})
        connect(e, &QLineEdit::textChanged, this, recheck);
    connect(typed_, &QPlainTextEdit::textChanged, this, recheck);
}

void ComparisonDialog::proposeOutDir() {
    if (out_edited_)
        return;
    auto name = [](const QComboBox* c) {
        return QFileInfo(c->currentData().toString()).fileName();
    };
    out_->setText(QDir(out_base_).filePath(
        QString("%1-vs-%2-%3")
            .arg(name(run_a_), name(run_b_),
                 QDateTime::currentDateTimeUtc().toString("yyyyMMdd-HHmmss"))));
}

void ComparisonDialog::updateSourceFields() {
    int s = source_->currentData().toInt();
    file_->setEnabled(s == File);
    typed_->setEnabled(s == Typed);
}

QStringList ComparisonDialog::typedPrompts() const {
    QStringList out;
    for (const QString& line : typed_->toPlainText().split('\n'))
        if (!line.trimmed().isEmpty())
            out << line;
    return out;
}

ComparisonRequest ComparisonDialog::request() const {
    ComparisonRequest r;
    r.run_a = run_a_->currentData().toString().toStdString();
    r.run_b = run_b_->currentData().toString().toStdString();
    r.checkpoint_a = ckpt_a_->text().trimmed().toStdString();
    r.checkpoint_b = ckpt_b_->text().trimmed().toStdString();
    switch (source_->currentData().toInt()) {
        case Synthetic:
            r.prompts = ComparisonPrompts::Synthetic;
            break;
        case File:
            r.prompts = ComparisonPrompts::File;
            r.prompts_file = file_->text().trimmed().toStdString();
            break;
        case Typed:
            r.prompts = ComparisonPrompts::File;  // the caller writes them to a file
            break;
        default:
            r.prompts = ComparisonPrompts::EvalSplit;
    }
    r.count = count_->value();
    if (source_->currentData().toInt() == Typed)
        r.count = std::min<int64_t>(r.count, typedPrompts().size());
    r.generation.max_new_tokens = max_new_->value();
    r.generation.temperature = temperature_->value();
    r.generation.top_k = top_k_->value();
    r.generation.top_p = top_p_->value();
    r.generation.seed = static_cast<uint64_t>(seed_->value());
    r.out_dir = out_->text().trimmed().toStdString();
    return r;
}

QString ComparisonDialog::problem() const {
    if (run_a_->count() < 1)
        return "There are no runs to compare yet: train two first.";
    if (run_a_->currentData() == run_b_->currentData() && ckpt_a_->text() == ckpt_b_->text())
        return "Models A and B are the same run and checkpoint; pick two different ones.";
    for (const QLineEdit* c : {ckpt_a_, ckpt_b_}) {
        QString t = c->text().trimmed();
        if (t != "final" && !(t.startsWith("step-") && t.mid(5).toLongLong() > 0))
            return QString("Checkpoint '%1': expected final or step-N.").arg(t);
    }
    int s = source_->currentData().toInt();
    if (s == File && !QFileInfo(file_->text().trimmed()).isFile())
        return QString("Prompts file '%1' does not exist.").arg(file_->text().trimmed());
    if (s == Typed && typedPrompts().isEmpty())
        return "Type at least one prompt (one per line).";
    if (out_->text().trimmed().isEmpty())
        return "Choose where to save the comparison.";
    return {};
}

void ComparisonDialog::accept() {
    QString p = problem();
    problem_->setText(p);
    if (p.isEmpty())
        QDialog::accept();
}

}  // namespace rgpb::widgets
