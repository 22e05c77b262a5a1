#include "widgets/ConfigForm.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>

namespace rgpb::widgets {

namespace {

const char* kBad = "background: #f8d0d0;";
const QColor kBadCell(248, 208, 208);

QString numberText(double v) {
    // Shortest text that reads back as the same double (the YAML writes 17 digits).
    for (int digits = 6; digits <= 17; ++digits) {
        QString s = QLocale::c().toString(v, 'g', digits);
        if (QLocale::c().toDouble(s) == v)
            return s;
    }
    return QLocale::c().toString(v, 'g', 17);
}

bool parseNumber(const QString& text, double& out) {
    bool ok = false;
    double v = QLocale::c().toDouble(text.trimmed(), &ok);
    if (ok && std::isfinite(v))
        out = v;
    return ok && std::isfinite(v);
}

QGroupBox* group(QVBoxLayout* into, const QString& title, QFormLayout*& form) {
    auto* box = new QGroupBox(title);
    form = new QFormLayout(box);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    into->addWidget(box);
    return box;
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

ConfigForm::ConfigForm(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    outer->addWidget(scroll);
    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);
    scroll->setWidget(body);
    auto* hint = new QLabel(
        "Editing the form rewrites the YAML view in its full form (every key written, comments "
        "dropped). Fields marked red do not hold a valid value.");
    hint->setWordWrap(true);
    hint->setStyleSheet("color: palette(mid);");
    v->addWidget(hint);

    QFormLayout* f = nullptr;
    group(v, "Run", f);
    addText(f, "name", "name", "Run name; the run folder is <name>-<UTC time>.");
    addInt(f, "seed", "seed", 0, std::numeric_limits<int>::max(),
           "Seeds data split, shuffling, initialisation and sampling.");
    addCombo(f, "device", "device", "Where the run trains; only what this machine has is listed.",
             true);
    device_note_ = new QLabel;
    device_note_->setWordWrap(true);
    f->addRow("", device_note_);
    addInt(f, "threads", "threads", 0, 1024,
           "LibTorch intra-op threads for this run; 0 = all cores.");
    addCheck(f, "bf16", "bf16 autocast", "bf16 mixed precision (CUDA only).");
    addInt(f, "max_nonfinite_steps", "max NaN/Inf steps", 1, 1000000,
           "Consecutive skipped (NaN/Inf) steps before the run fails.");

    group(v, "Data", f);
    auto* source = addCombo(f, "data.source", "source",
                            "'synthetic' (the built-in task) or a pair dataset file.", true);
    auto* browse = new QPushButton("Browse...");
    f->addRow("", browse);
    connect(browse, &QPushButton::clicked, this, [this, source] {
        QString file = QFileDialog::getOpenFileName(
            this, "Pair dataset", QString(), "Pair data (*.jsonl *.json *.gz);;All files (*)");
        if (file.isEmpty())
            return;
        static_cast<QComboBox*>(source)->setEditText(file);
        edited();
    });
    addCombo(f, "data.format", "format", "File format; auto detects it from the first record.");
    addCombo(f, "data.synthetic.regime", "synthetic regime",
             "response-contrast: high information difference; context-contrast: low.");
    addInt(f, "data.synthetic.count", "synthetic pairs", 10, 10000000,
           "Pairs generated (train + eval).");
    addText(f, "data.synthetic.overlap", "synthetic overlap",
            "Literal overlap of the negative side, in [0, 1].");
    addInt(f, "data.eval_pairs", "eval pairs", 1, 100000000, "Held-out pairs for evaluation.");
    addInt(f, "data.max_length", "max length", 8, 1000000,
           "Tokens per sequence (prompt + response + specials).");
    addInt(f, "data.max_prompt_length", "max prompt length", 1, 1000000,
           "Prompt tokens kept (the end of long prompts).");
    addCombo(f, "data.on_malformed", "malformed records",
             "skip: count and go on; stop: fail at the first bad record.");
    addInt(f, "data.limit", "limit", 0, std::numeric_limits<int>::max(),
           "Use at most this many pairs (0 = all).");
    preview_button_ = new QPushButton("Preview data");
    preview_button_->setToolTip("Reads the source as the run would and shows the first pairs.");
    f->addRow("", preview_button_);
    preview_summary_ = new QLabel;
    preview_summary_->setWordWrap(true);
    preview_summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    f->addRow(preview_summary_);
    preview_table_ = new QTableWidget(0, 4);
    preview_table_->setHorizontalHeaderLabels(
        {"x+ (prompt)", "y+ (good)", "x- (prompt)", "y- (bad)"});
    preview_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    preview_table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    preview_table_->setWordWrap(true);
    preview_table_->setMinimumHeight(140);
    preview_table_->setVisible(false);
    f->addRow(preview_table_);
    connect(preview_button_, &QPushButton::clicked, this, [this] {
        RunConfig c = config();
        preview_summary_->setText("reading...");
        Q_EMIT previewRequested(c.data, c.seed);
    });

    group(v, "Tokenizer", f);
    addCombo(f, "tokenizer.kind", "kind",
             "byte: 260 ids; sentencepiece: trained on the run's texts.");
    addInt(f, "tokenizer.vocab_size", "vocab size", 16, 10000000, "SentencePiece only.");

    group(v, "Model", f);
    auto* from = static_cast<QLineEdit*>(addText(
        f, "model.from", "start from (HF folder)",
        "A local Hugging Face GPT-NeoX or GPT-2 folder (config.json, safetensors, tokenizer.json): "
        "its shape, weights and tokenizer. Empty = a fresh model of the size below."));
    auto* browse_model = new QPushButton("Browse folder...");
    f->addRow("", browse_model);
    connect(browse_model, &QPushButton::clicked, this, [this, from] {
        QString dir = QFileDialog::getExistingDirectory(this, "Hugging Face model folder");
        if (dir.isEmpty())
            return;
        from->setText(dir);
        edited();
    });
    addCombo(f, "model.architecture", "architecture", "gpt_neox (Pythia) or gpt2.");
    addCombo(f, "model.size", "size", "Named shape; the fields below override it.");
    addInt(f, "model.hidden_size", "hidden size", 0, 1000000, "0 = the size's value.");
    addInt(f, "model.num_layers", "layers", 0, 100000, "0 = the size's value.");
    addInt(f, "model.num_heads", "heads", 0, 100000, "0 = the size's value.");
    addInt(f, "model.intermediate_size", "MLP width", 0, 10000000, "0 = the size's value.");
    addInt(f, "model.max_positions", "max positions", 0, 10000000, "0 = the size's value.");
    addText(f, "model.rotary_pct", "rotary fraction", "-1 = the size's value; else in [0, 1].");
    auto* pr = static_cast<QComboBox*>(addCombo(f, "model.parallel_residual", "parallel residual",
                                                "Pythia's x + attn(ln1 x) + mlp(ln2 x)."));
    pr->addItem("size's value", -1);
    pr->addItem("off", 0);
    pr->addItem("on", 1);

    group(v, "Optimizer (AdamW)", f);
    addText(f, "optimizer.lr", "learning rate", "Peak learning rate; a stage may override it.");
    addText(f, "optimizer.betas", "betas", "beta1, beta2 in [0, 1).");
    addText(f, "optimizer.eps", "eps", "AdamW epsilon.");
    addText(f, "optimizer.weight_decay", "weight decay", "Decoupled weight decay.");
    addInt(f, "optimizer.warmup_steps", "warmup steps", 0, 100000000,
           "Linear warmup at the start of every stage.");
    addCombo(f, "optimizer.schedule", "schedule", "After warmup, per stage.");
    addText(f, "optimizer.min_lr_ratio", "min lr ratio", "Cosine floor as a fraction of lr.");
    addText(f, "optimizer.grad_clip", "grad clip", "Max global grad norm; 0 = off.");
    addInt(f, "optimizer.grad_accum", "grad accumulation", 1, 1000000,
           "Micro-batches per optimizer step.");
    addInt(f, "optimizer.batch_size", "batch size", 1, 1000000, "Pairs per micro-batch.");

    group(v, "Evaluation", f);
    addInt(f, "eval.every", "every (steps)", 0, 100000000,
           "Optimizer steps between evaluations; 0 = only at stage ends.");
    addInt(f, "eval.grad_diff_steps", "grad_diff steps K", 0, 10000,
           "Response steps of the gradient-difference metric.");
    addInt(f, "eval.batch_size", "batch size", 1, 1000000, "Pairs per evaluation batch.");
    addInt(f, "eval.samples", "samples", 0, 1000,
           "Greedy responses to the first N eval prompts at every evaluation (0 = off).");
    addInt(f, "eval.sample_max_new_tokens", "sample max tokens", 1, 100000,
           "Longest sampled response, in tokens.");

    group(v, "Checkpoints", f);
    addInt(f, "checkpoint.every", "every (steps)", 0, 100000000, "0 = only at the end.");
    addInt(f, "checkpoint.keep_last", "keep last", 1, 100000, "Older checkpoints are deleted.");

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
    v->addWidget(stage_box);
    v->addStretch(1);
    connect(add, &QPushButton::clicked, this, [this] { addStage(); });
    connect(remove, &QPushButton::clicked, this, [this] { removeStage(stages_->currentRow()); });
    connect(up, &QPushButton::clicked, this, [this] { moveStage(stages_->currentRow(), -1); });
    connect(down, &QPushButton::clicked, this, [this] { moveStage(stages_->currentRow(), +1); });
    connect(stages_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem*) {
        if (!filling_)
            edited();
    });

    connect(static_cast<QComboBox*>(fields_["data.source"]), &QComboBox::currentTextChanged, this,
            [this] { updateDataFields(); });
    setConfig(RunConfig{});
}

QWidget* ConfigForm::addText(QFormLayout* form, const QString& key, const QString& label,
                             const QString& tip) {
    auto* w = new QLineEdit;
    w->setToolTip(tip);
    form->addRow(label, w);
    fields_[key] = w;
    keys_ << key;
    connect(w, &QLineEdit::editingFinished, this, [this, w] {
        if (!filling_ && w->isModified()) {
            w->setModified(false);
            edited();
        }
    });
    return w;
}

QWidget* ConfigForm::addInt(QFormLayout* form, const QString& key, const QString& label, int min,
                            int max, const QString& tip) {
    auto* w = new QSpinBox;
    w->setRange(min, max);
    w->setToolTip(tip);
    w->setKeyboardTracking(false);
    form->addRow(label, w);
    fields_[key] = w;
    keys_ << key;
    connect(w, &QSpinBox::valueChanged, this, [this] {
        if (!filling_)
            edited();
    });
    return w;
}

QWidget* ConfigForm::addCombo(QFormLayout* form, const QString& key, const QString& label,
                              const QString& tip, bool editable) {
    auto* w = new QComboBox;
    w->setEditable(editable);
    w->setToolTip(tip);
    w->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    form->addRow(label, w);
    fields_[key] = w;
    keys_ << key;
    connect(w, &QComboBox::activated, this, [this] {
        if (!filling_)
            edited();
    });
    if (editable) {
        connect(w->lineEdit(), &QLineEdit::editingFinished, this, [this, w] {
            if (!filling_ && w->lineEdit()->isModified()) {
                w->lineEdit()->setModified(false);
                edited();
            }
        });
    }
    return w;
}

QWidget* ConfigForm::addCheck(QFormLayout* form, const QString& key, const QString& label,
                              const QString& tip) {
    auto* w = new QCheckBox;
    w->setToolTip(tip);
    form->addRow(label, w);
    fields_[key] = w;
    keys_ << key;
    connect(w, &QCheckBox::toggled, this, [this] {
        if (!filling_)
            edited();
    });
    return w;
}

void ConfigForm::setChoices(const ConfigChoices& choices) {
    choices_ = choices;
    filling_ = true;
    auto fill = [this](const QString& key, const QStringList& items) {
        auto* c = static_cast<QComboBox*>(fields_[key]);
        QString current = c->currentText();
        c->clear();
        c->addItems(items);
        c->setCurrentText(current);
    };
    auto* device = static_cast<QComboBox*>(fields_["device"]);
    QString current_device = device->currentText();
    device->clear();
    for (int i = 0; i < choices.devices.size(); ++i) {
        device->addItem(choices.devices[i]);
        if (i < choices.device_notes.size())
            device->setItemData(i, choices.device_notes[i], Qt::ToolTipRole);
    }
    fill("model.size", choices.model_sizes);
    fill("model.architecture", choices.architectures);
    fill("data.format", choices.data_formats);
    fill("data.synthetic.regime", choices.synthetic_regimes);
    fill("tokenizer.kind", choices.tokenizer_kinds);
    fill("optimizer.schedule", choices.schedules);
    fill("data.on_malformed", choices.malformed_policies);
    auto* source = static_cast<QComboBox*>(fields_["data.source"]);
    if (source->findText("synthetic") < 0)
        source->insertItem(0, "synthetic");
    filling_ = false;
    RunConfig c = config();  // what is shown, edits included, re-shown with the new choices
    c.device = current_device.toStdString();
    setConfig(c);
}

void ConfigForm::setText(const QString& key, const QString& text) {
    auto* w = static_cast<QLineEdit*>(fields_.value(key));
    w->setText(text);
    w->setModified(false);
    w->setStyleSheet({});
}
void ConfigForm::setNumber(const QString& key, double value) {
    setText(key, numberText(value));
}
void ConfigForm::setInt(const QString& key, qint64 value) {
    auto* w = static_cast<QSpinBox*>(fields_.value(key));
    w->setValue(static_cast<int>(std::clamp<qint64>(value, w->minimum(), w->maximum())));
    w->setStyleSheet({});
}
void ConfigForm::setCombo(const QString& key, const QString& value) {
    auto* w = static_cast<QComboBox*>(fields_.value(key));
    int i = w->findText(value);
    if (i < 0 && !w->isEditable()) {
        // A value the choices do not list (a newer preset): keep it selectable, not lost.
        w->addItem(value);
        i = w->count() - 1;
    }
    if (w->isEditable())
        w->setEditText(value);
    if (i >= 0)
        w->setCurrentIndex(i);
    w->setStyleSheet({});
}
void ConfigForm::setCheck(const QString& key, bool on) {
    static_cast<QCheckBox*>(fields_.value(key))->setChecked(on);
}

QString ConfigForm::text(const QString& key) const {
    QWidget* w = fields_.value(key);
    if (auto* e = qobject_cast<QLineEdit*>(w))
        return e->text().trimmed();
    if (auto* c = qobject_cast<QComboBox*>(w))
        return c->currentText().trimmed();
    return {};
}

double ConfigForm::number(const QString& key, double fallback) const {
    auto* w = static_cast<QLineEdit*>(fields_.value(key));
    double v = fallback;
    bool ok = parseNumber(w->text(), v);
    w->setStyleSheet(ok ? QString() : QString(kBad));
    if (ok)
        unparsed_.remove(key);
    else
        unparsed_.insert(key);
    return v;
}

qint64 ConfigForm::integer(const QString& key) const {
    return static_cast<QSpinBox*>(fields_.value(key))->value();
}

bool ConfigForm::check(const QString& key) const {
    return static_cast<QCheckBox*>(fields_.value(key))->isChecked();
}

void ConfigForm::setConfig(const RunConfig& c) {
    filling_ = true;
    base_ = c;
    setText("name", QString::fromStdString(c.name));
    setInt("seed", static_cast<qint64>(c.seed));
    auto* device = static_cast<QComboBox*>(fields_["device"]);
    QString dev = QString::fromStdString(c.device);
    device->setEditText(dev);
    device->setCurrentIndex(device->findText(dev));
    device->setEditText(dev);
    bool available = choices_.devices.isEmpty() || choices_.devices.contains(dev) ||
                     (dev == "cuda" && choices_.devices.filter("cuda").size() > 0);
    device_note_->setText(available ? QString()
                                    : QString("%1 is not available on this machine (it has: %2); "
                                              "a run started here will fail.")
                                          .arg(dev, choices_.devices.join(", ")));
    device_note_->setStyleSheet(available ? QString() : QString("color: #b00020;"));
    device_note_->setVisible(!available);
    device->setStyleSheet(available ? QString() : QString(kBad));
    device_missing_ = !available;
    unparsed_.clear();
    setInt("threads", c.threads);
    setCheck("bf16", c.bf16);
    setInt("max_nonfinite_steps", c.max_nonfinite_steps);

    setCombo("data.source", QString::fromStdString(c.data.source));
    setCombo("data.format", QString::fromStdString(c.data.format));
    setCombo("data.synthetic.regime", QString::fromStdString(c.data.synthetic_regime));
    setInt("data.synthetic.count", c.data.synthetic_count);
    setNumber("data.synthetic.overlap", c.data.synthetic_overlap);
    setInt("data.eval_pairs", c.data.eval_pairs);
    setInt("data.max_length", c.data.max_length);
    setInt("data.max_prompt_length", c.data.max_prompt_length);
    setCombo("data.on_malformed", QString::fromStdString(c.data.on_malformed));
    setInt("data.limit", c.data.limit);

    setCombo("tokenizer.kind", QString::fromStdString(c.tokenizer.kind));
    setInt("tokenizer.vocab_size", c.tokenizer.vocab_size);

    setText("model.from", QString::fromStdString(c.model.from));
    setCombo("model.architecture", QString::fromStdString(c.model.architecture));
    setCombo("model.size", QString::fromStdString(c.model.size));
    setInt("model.hidden_size", c.model.hidden_size);
    setInt("model.num_layers", c.model.num_layers);
    setInt("model.num_heads", c.model.num_heads);
    setInt("model.intermediate_size", c.model.intermediate_size);
    setInt("model.max_positions", c.model.max_positions);
    setNumber("model.rotary_pct", c.model.rotary_pct);
    auto* pr = static_cast<QComboBox*>(fields_["model.parallel_residual"]);
    pr->setCurrentIndex(std::max(0, pr->findData(c.model.parallel_residual)));

    const OptimizerConfig& o = c.optimizer;
    setNumber("optimizer.lr", o.lr);
    setText("optimizer.betas", numberText(o.beta1) + ", " + numberText(o.beta2));
    setNumber("optimizer.eps", o.eps);
    setNumber("optimizer.weight_decay", o.weight_decay);
    setInt("optimizer.warmup_steps", o.warmup_steps);
    setCombo("optimizer.schedule", QString::fromStdString(o.schedule));
    setNumber("optimizer.min_lr_ratio", o.min_lr_ratio);
    setNumber("optimizer.grad_clip", o.grad_clip);
    setInt("optimizer.grad_accum", o.grad_accum);
    setInt("optimizer.batch_size", o.batch_size);

    setInt("eval.every", c.eval.every);
    setInt("eval.grad_diff_steps", c.eval.grad_diff_steps);
    setInt("eval.batch_size", c.eval.batch_size);
    setInt("eval.samples", c.eval.samples);
    setInt("eval.sample_max_new_tokens", c.eval.sample_max_new_tokens);
    setInt("checkpoint.every", c.checkpoint.every);
    setInt("checkpoint.keep_last", c.checkpoint.keep_last);
    fillStages(c.stages);
    filling_ = false;
    updateDataFields();
}

RunConfig ConfigForm::config() const {
    RunConfig c = base_;
    c.name = text("name").toStdString();
    c.seed = static_cast<uint64_t>(integer("seed"));
    c.device = text("device").toStdString();
    c.threads = integer("threads");
    c.bf16 = check("bf16");
    c.max_nonfinite_steps = integer("max_nonfinite_steps");

    c.data.source = text("data.source").toStdString();
    c.data.format = text("data.format").toStdString();
    c.data.synthetic_regime = text("data.synthetic.regime").toStdString();
    c.data.synthetic_count = integer("data.synthetic.count");
    c.data.synthetic_overlap = number("data.synthetic.overlap", c.data.synthetic_overlap);
    c.data.eval_pairs = integer("data.eval_pairs");
    c.data.max_length = integer("data.max_length");
    c.data.max_prompt_length = integer("data.max_prompt_length");
    c.data.on_malformed = text("data.on_malformed").toStdString();
    c.data.limit = integer("data.limit");

    c.tokenizer.vocab_size = integer("tokenizer.vocab_size");

    const std::string from = text("model.from").toStdString();
    if (from != c.model.from) {
        // Starting from a model brings its tokenizer; leaving it goes back to the byte one.
        if (!from.empty())
            c.tokenizer.kind = "model";
        else if (c.tokenizer.kind == "model")
            c.tokenizer.kind = "byte";
    } else {
        c.tokenizer.kind = text("tokenizer.kind").toStdString();
    }
    c.model.from = from;
    c.model.architecture = text("model.architecture").toStdString();
    c.model.size = text("model.size").toStdString();
    c.model.hidden_size = integer("model.hidden_size");
    c.model.num_layers = integer("model.num_layers");
    c.model.num_heads = integer("model.num_heads");
    c.model.intermediate_size = integer("model.intermediate_size");
    c.model.max_positions = integer("model.max_positions");
    c.model.rotary_pct = number("model.rotary_pct", c.model.rotary_pct);
    c.model.parallel_residual =
        static_cast<QComboBox*>(fields_["model.parallel_residual"])->currentData().toInt();

    OptimizerConfig& o = c.optimizer;
    o.lr = number("optimizer.lr", o.lr);
    {
        auto* betas = static_cast<QLineEdit*>(fields_["optimizer.betas"]);
        QStringList parts = betas->text().split(QRegularExpression("[,\\s]+"), Qt::SkipEmptyParts);
        double b1 = o.beta1, b2 = o.beta2;
        bool ok = parts.size() == 2 && parseNumber(parts[0], b1) && parseNumber(parts[1], b2);
        if (ok) {
            o.beta1 = b1;
            o.beta2 = b2;
        }
        betas->setStyleSheet(ok ? QString() : QString(kBad));
        if (ok)
            unparsed_.remove("optimizer.betas");
        else
            unparsed_.insert("optimizer.betas");
    }
    o.eps = number("optimizer.eps", o.eps);
    o.weight_decay = number("optimizer.weight_decay", o.weight_decay);
    o.warmup_steps = integer("optimizer.warmup_steps");
    o.schedule = text("optimizer.schedule").toStdString();
    o.min_lr_ratio = number("optimizer.min_lr_ratio", o.min_lr_ratio);
    o.grad_clip = number("optimizer.grad_clip", o.grad_clip);
    o.grad_accum = integer("optimizer.grad_accum");
    o.batch_size = integer("optimizer.batch_size");

    c.eval.every = integer("eval.every");
    c.eval.grad_diff_steps = integer("eval.grad_diff_steps");
    c.eval.batch_size = integer("eval.batch_size");
    c.eval.samples = integer("eval.samples");
    c.eval.sample_max_new_tokens = integer("eval.sample_max_new_tokens");
    c.checkpoint.every = integer("checkpoint.every");
    c.checkpoint.keep_last = integer("checkpoint.keep_last");

    c.stages.clear();
    for (int r = 0; r < stages_->rowCount(); ++r)
        c.stages.push_back(stageAt(r));
    return c;
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
        for (ObjectiveKind k : {ObjectiveKind::Mle, ObjectiveKind::Dpo, ObjectiveKind::Unlikelihood,
                                ObjectiveKind::Exmate})
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
        if (t.kind != ObjectiveKind::Mle || s.objective.terms.size() == 1)
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

void ConfigForm::updateDataFields() {
    bool synthetic = text("data.source") == "synthetic";
    for (const char* key :
         {"data.synthetic.regime", "data.synthetic.count", "data.synthetic.overlap"})
        fields_[key]->setEnabled(synthetic);
    for (const char* key : {"data.format", "data.on_malformed"})
        fields_[key]->setEnabled(!synthetic);
    // A model folder fixes the shape and the tokenizer.
    const bool from = !text("model.from").isEmpty();
    for (const char* key :
         {"model.architecture", "model.size", "model.hidden_size", "model.num_layers",
          "model.num_heads", "model.intermediate_size", "model.max_positions", "model.rotary_pct",
          "model.parallel_residual", "tokenizer.kind", "tokenizer.vocab_size"})
        fields_[key]->setEnabled(!from);
}

void ConfigForm::edited() {
    updateDataFields();
    Q_EMIT changed();
}

void ConfigForm::showPreview(const DataPreview& p) {
    preview_summary_->setText(p.summary);
    preview_summary_->setStyleSheet(p.ok ? QString() : QString("color: #b00020;"));
    preview_table_->setRowCount(0);
    preview_table_->setVisible(p.ok && !p.pairs.empty());
    for (const PairText& pair : p.pairs) {
        int row = preview_table_->rowCount();
        preview_table_->insertRow(row);
        int col = 0;
        for (const std::string* s :
             {&pair.prompt_pos, &pair.response_pos, &pair.prompt_neg, &pair.response_neg}) {
            QString text = QString::fromStdString(*s);
            auto* item = new QTableWidgetItem(text.size() > 300 ? text.left(300) + "..." : text);
            item->setToolTip(text.left(4000));
            preview_table_->setItem(row, col++, item);
        }
        preview_table_->setVerticalHeaderItem(
            row, new QTableWidgetItem(QString::fromStdString(pair.origin)));
    }
    preview_table_->resizeRowsToContents();
}

bool ConfigForm::markProblem(const QString& key) {
    const QSignalBlocker quiet(stages_);  // marking a cell is not an edit
    for (QWidget* w : std::as_const(fields_))
        w->setStyleSheet({});
    for (int r = 0; r < stages_->rowCount(); ++r)
        for (int c = 0; c < ColumnCount; ++c)
            if (QTableWidgetItem* it = stages_->item(r, c))
                it->setBackground(QBrush());
    for (const QString& k : std::as_const(unparsed_))
        fields_.value(k)->setStyleSheet(kBad);
    if (device_missing_)
        fields_.value("device")->setStyleSheet(kBad);
    if (key.isEmpty())
        return true;
    if (QWidget* w = fields_.value(key)) {
        w->setStyleSheet(kBad);
        return true;
    }
    // "optimizer.betas" may be reported as one of its elements, stage keys as stages.N.key.
    static const QRegularExpression stage_key("^stages\\.(\\d+)(?:\\.(\\w+))?");
    QRegularExpressionMatch m = stage_key.match(key);
    if (m.hasMatch()) {
        int row = m.captured(1).toInt();
        if (row >= stages_->rowCount())
            return false;
        const QHash<QString, int> columns{{"name", Name},   {"method", Method}, {"beta", Beta},
                                          {"steps", Steps}, {"epochs", Epochs}, {"lr", Lr},
                                          {"dpo", OnTheFly}};
        int col = columns.value(m.captured(2), Name);
        if (col == Method)
            stages_->cellWidget(row, Method)->setStyleSheet(kBad);
        else if (QTableWidgetItem* it = stages_->item(row, col))
            it->setBackground(kBadCell);
        return true;
    }
    for (auto it = fields_.cbegin(); it != fields_.cend(); ++it) {
        if (key.startsWith(it.key() + ".")) {
            it.value()->setStyleSheet(kBad);
            return true;
        }
    }
    return false;
}

QString ConfigForm::markProblemIn(const QString& message) {
    markProblem({});
    for (const QString& part : message.split(": ")) {
        QString key = part.trimmed();
        if (key.isEmpty() || key.contains(' '))
            continue;
        if ((fields_.contains(key) || key.startsWith("stages.") ||
             std::any_of(keys_.begin(), keys_.end(),
                         [&](const QString& k) { return key.startsWith(k + "."); })) &&
            markProblem(key))
            return key;
    }
    return {};
}

QWidget* ConfigForm::field(const QString& key) const {
    return fields_.value(key);
}
QStringList ConfigForm::fieldKeys() const {
    return keys_;
}

}  // namespace rgpb::widgets
