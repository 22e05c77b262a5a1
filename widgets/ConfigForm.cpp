#include "widgets/ConfigForm.h"

#include "core/train/DistributedEnv.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
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
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>

namespace rgpb::widgets {

namespace {

const char* kBad = "background: #f8d0d0;";
const QColor kBadCell(248, 208, 208);

// The group box of each section of the table.
const QHash<QString, QString>& groupTitles() {
    static const QHash<QString, QString> titles{{"", "Run"},
                                                {"data", "Data"},
                                                {"tokenizer", "Tokenizer"},
                                                {"model", "Model"},
                                                {"optimizer", "Optimizer (AdamW)"},
                                                {"eval", "Evaluation"},
                                                {"diagnostics", "Gradient diagnostics"},
                                                {"checkpoint", "Checkpoints"},
                                                {"distributed", "Data-parallel processes"}};
    return titles;
}

QString groupOf(const std::string& key) {
    const auto dot = key.find('.');
    return dot == std::string::npos ? QString() : QString::fromStdString(key.substr(0, dot));
}

// Text fields whose values the running core suggests (editable combo boxes).
bool isSuggested(const std::string& key) {
    return key == "device" || key == "data.source" || key == "model.size";
}

// Spin boxes and combo boxes take the mouse wheel only when focused, so scrolling the form
// never changes an experiment.
class WheelGuard : public QObject {
public:
    using QObject::QObject;
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::Wheel) {
            auto* w = qobject_cast<QWidget*>(watched);
            if (w && !w->hasFocus()) {
                event->ignore();
                return true;
            }
        }
        return false;
    }
};

bool parseDouble(const QString& text, double& out) {
    bool ok = false;
    const double v = QLocale::c().toDouble(text.trimmed(), &ok);
    if (ok && std::isfinite(v))
        out = v;
    return ok && std::isfinite(v);
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
        "Editing the form writes into the YAML view: the values you change, the keys the config "
        "now needs; its comments and the rest of its text stay. Fields marked red do not hold a "
        "valid value.");
    hint->setWordWrap(true);
    hint->setStyleSheet("color: palette(mid);");
    v->addWidget(hint);

    QFormLayout* form = nullptr;
    QString group = "-";
    for (const ConfigField& f : configFields()) {
        if (groupOf(f.key) != group) {
            group = groupOf(f.key);
            auto* box = new QGroupBox(groupTitles().value(group, group));
            form = new QFormLayout(box);
            form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
            v->addWidget(box);
        }
        addField(form, f);
        addFieldExtras(form, QString::fromStdString(f.key));
    }
    addStagesBox(v);
    v->addStretch(1);
    connect(static_cast<QComboBox*>(fields_["data.source"]), &QComboBox::currentTextChanged, this,
            [this] { updateDataFields(); });
    setConfig(RunConfig{});
}

QWidget* ConfigForm::makeFieldWidget(const ConfigField& f) {
    auto edited_if = [this](bool user) {
        if (!filling_ && user)
            edited();
    };
    const bool fits_int =
        f.min >= std::numeric_limits<int>::min() && f.max <= std::numeric_limits<int>::max();
    if (f.type == FieldType::Integer && fits_int) {
        auto* w = new QSpinBox;
        w->setRange(static_cast<int>(f.min), static_cast<int>(f.max));
        w->setKeyboardTracking(false);
        connect(w, &QSpinBox::valueChanged, this, [edited_if] { edited_if(true); });
        return w;
    }
    if (f.type == FieldType::Boolean) {
        auto* w = new QCheckBox;
        connect(w, &QCheckBox::toggled, this, [edited_if] { edited_if(true); });
        return w;
    }
    if (f.type == FieldType::Choice || f.type == FieldType::TriState || isSuggested(f.key)) {
        auto* w = new QComboBox;
        w->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        if (f.type == FieldType::TriState) {
            w->addItem("size's value", -1);
            w->addItem("off", 0);
            w->addItem("on", 1);
        }
        for (const std::string& c : f.choices)
            w->addItem(QString::fromStdString(c));
        connect(w, &QComboBox::activated, this, [edited_if] { edited_if(true); });
        if (isSuggested(f.key)) {
            w->setEditable(true);
            connect(w->lineEdit(), &QLineEdit::editingFinished, this, [w, edited_if] {
                const bool user = w->lineEdit()->isModified();
                w->lineEdit()->setModified(false);
                edited_if(user);
            });
        }
        return w;
    }
    // Text, numbers, a number pair, and whole numbers beyond a spin box's int (the seed).
    auto* w = new QLineEdit;
    connect(w, &QLineEdit::editingFinished, this, [w, edited_if] {
        const bool user = w->isModified();
        w->setModified(false);
        edited_if(user);
    });
    return w;
}

QWidget* ConfigForm::addField(QFormLayout* form, const ConfigField& f) {
    QWidget* w = makeFieldWidget(f);
    QString tip = QString::fromStdString(f.doc);
    if (f.type != FieldType::Text)
        tip += QString("\nAccepts %1.").arg(QString::fromStdString(expectedText(f)));
    tip += QString("\nYAML key: %1").arg(QString::fromStdString(f.key));
    w->setToolTip(tip);
    if (qobject_cast<QSpinBox*>(w) || qobject_cast<QComboBox*>(w)) {
        w->setFocusPolicy(Qt::StrongFocus);
        w->installEventFilter(new WheelGuard(w));
    }
    form->addRow(QString::fromStdString(f.label), w);
    const QString key = QString::fromStdString(f.key);
    fields_[key] = w;
    keys_ << key;
    return w;
}

// Rows that belong beside a field: the device note, browse buttons, the data preview.
void ConfigForm::addFieldExtras(QFormLayout* f, const QString& key) {
    if (key == "device") {
        device_note_ = new QLabel;
        device_note_->setWordWrap(true);
        f->addRow("", device_note_);
        // "cpu x 2 processes" is the device and distributed.nproc (and the backend) at once.
        auto* device = static_cast<QComboBox*>(fields_[key]);
        connect(device, &QComboBox::activated, this, [this, device] {
            const auto [dev, n] = splitDeviceProcesses(device->currentText().toStdString());
            auto* nproc = qobject_cast<QSpinBox*>(fields_.value("distributed.nproc"));
            auto* backend = qobject_cast<QComboBox*>(fields_.value("distributed.backend"));
            if (nproc == nullptr || backend == nullptr)
                return;
            nproc->setValue(static_cast<int>(std::max<int64_t>(1, n)));
            backend->setCurrentText(dev.rfind("cuda", 0) == 0 ? "nccl" : "gloo");
        });
    } else if (key == "distributed.nproc") {
        auto* nproc = static_cast<QSpinBox*>(fields_[key]);
        connect(nproc, &QSpinBox::valueChanged, this, [this](int n) {
            auto* device = static_cast<QComboBox*>(fields_["device"]);
            if (filling_)
                return;
            const std::string dev = splitDeviceProcesses(device->currentText().toStdString()).first;
            device->setEditText(QString::fromStdString(deviceWithProcesses(dev, n)));
        });
    } else if (key == "data.source") {
        auto* browse = new QPushButton("Browse...");
        f->addRow("", browse);
        connect(browse, &QPushButton::clicked, this, [this] {
            QString file = QFileDialog::getOpenFileName(
                this, "Pair dataset", QString(), "Pair data (*.jsonl *.json *.gz);;All files (*)");
            if (file.isEmpty())
                return;
            static_cast<QComboBox*>(fields_["data.source"])->setEditText(file);
            edited();
        });
    } else if (key == "data.limit") {
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
            previewed_ = dataKey();
            preview_summary_->setText("reading...");
            Q_EMIT previewRequested(c.data, c.dataSeed());
        });
    } else if (key == "model.from") {
        auto* browse = new QPushButton("Browse folder...");
        f->addRow("", browse);
        connect(browse, &QPushButton::clicked, this, [this] {
            QString dir = QFileDialog::getExistingDirectory(this, "Hugging Face model folder");
            if (dir.isEmpty())
                return;
            static_cast<QLineEdit*>(fields_["model.from"])->setText(dir);
            edited();
        });
    }
}

void ConfigForm::setChoices(const ConfigChoices& choices) {
    choices_ = choices;
    filling_ = true;
    auto* device = static_cast<QComboBox*>(fields_["device"]);
    const QString current_device = device->currentText();
    device->clear();
    for (int i = 0; i < choices.devices.size(); ++i) {
        device->addItem(choices.devices[i]);
        if (i < choices.device_notes.size())
            device->setItemData(i, choices.device_notes[i], Qt::ToolTipRole);
    }
    auto* size = static_cast<QComboBox*>(fields_["model.size"]);
    const QString current_size = size->currentText();
    size->clear();
    size->addItems(choices.model_sizes);
    size->setEditText(current_size);
    auto* source = static_cast<QComboBox*>(fields_["data.source"]);
    if (source->findText("synthetic") < 0)
        source->insertItem(0, "synthetic");
    if (source->findText("synthetic-text") < 0)
        source->insertItem(1, "synthetic-text");  // after the current default: it stays current
    filling_ = false;
    RunConfig c = config();  // what is shown, edits included, re-shown with the new choices
    c.device = current_device.toStdString();
    setConfig(c);
}

void ConfigForm::setValue(const ConfigField& f, const FieldValue& v) {
    QWidget* w = fields_.value(QString::fromStdString(f.key));
    w->setStyleSheet({});
    if (auto* spin = qobject_cast<QSpinBox*>(w)) {
        spin->setValue(static_cast<int>(std::get<int64_t>(v)));
    } else if (auto* check = qobject_cast<QCheckBox*>(w)) {
        check->setChecked(std::get<bool>(v));
    } else if (auto* combo = qobject_cast<QComboBox*>(w)) {
        if (f.type == FieldType::TriState) {
            combo->setCurrentIndex(std::max(0, combo->findData(int(std::get<int64_t>(v)))));
            return;
        }
        QString text = QString::fromStdString(valueText(v));
        if (f.key == "device")
            text = QString::fromStdString(
                deviceWithProcesses(text.toStdString(), base_.distributed.nproc));
        int i = combo->findText(text);
        if (i < 0 && !combo->isEditable()) {
            // A value the choices do not list (a newer preset): keep it shown, not lost; the
            // validator says what is allowed.
            combo->addItem(text);
            i = combo->count() - 1;
        }
        if (i >= 0)
            combo->setCurrentIndex(i);
        if (combo->isEditable())
            combo->setEditText(text);
    } else if (auto* line = qobject_cast<QLineEdit*>(w)) {
        QString text = QString::fromStdString(valueText(v));
        if (f.type == FieldType::NumberPair)
            text = text.mid(1, text.size() - 2);  // "0.9, 0.95"
        line->setText(text);
        line->setModified(false);
    }
}

FieldValue ConfigForm::value(const ConfigField& f, const FieldValue& fallback) const {
    const QString key = QString::fromStdString(f.key);
    QWidget* w = fields_.value(key);
    FieldValue v = fallback;
    bool parsed = true;
    if (auto* spin = qobject_cast<QSpinBox*>(w)) {
        v = static_cast<int64_t>(spin->value());
    } else if (auto* check = qobject_cast<QCheckBox*>(w)) {
        v = check->isChecked();
    } else if (f.type == FieldType::TriState) {
        v = static_cast<int64_t>(static_cast<QComboBox*>(w)->currentData().toInt());
    } else {
        const QString t = text(key);
        if (f.type == FieldType::Integer) {
            bool ok = false;
            const qlonglong n = t.toLongLong(&ok);
            parsed = ok;
            if (ok)
                v = static_cast<int64_t>(n);
        } else if (f.type == FieldType::Number) {
            double d = 0;
            parsed = parseDouble(t, d);
            if (parsed)
                v = d;
        } else if (f.type == FieldType::NumberPair) {
            const QStringList parts =
                t.split(QRegularExpression("[,\\s\\[\\]]+"), Qt::SkipEmptyParts);
            std::vector<double> pair(2, 0.0);
            parsed = parts.size() == 2 && parseDouble(parts[0], pair[0]) &&
                     parseDouble(parts[1], pair[1]);
            if (parsed)
                v = pair;
        } else if (f.key == "device") {
            v = splitDeviceProcesses(t.toStdString()).first;  // "cpu x 2 processes" -> cpu
        } else {
            v = t.toStdString();
        }
    }
    // A value out of range goes on to the YAML, where the validator names the range at its
    // line; what the form keeps back is text that is no value of the field's type at all.
    if (!parsed) {
        unparsed_.insert(key);
        w->setStyleSheet(kBad);
        return fallback;
    }
    unparsed_.remove(key);
    return v;
}

QString ConfigForm::text(const QString& key) const {
    QWidget* w = fields_.value(key);
    if (auto* e = qobject_cast<QLineEdit*>(w))
        return e->text().trimmed();
    if (auto* c = qobject_cast<QComboBox*>(w))
        return c->currentText().trimmed();
    return {};
}

QStringList ConfigForm::invalidFields() const {
    // Re-reads the fields (not the stages table, whose cells keep their own marks).
    for (const ConfigField& f : configFields()) {
        if (f.key != "tokenizer.kind" && f.key != "model.from")
            (void)value(f, f.get(base_));
    }
    QStringList keys = unparsed_.values();
    keys.sort();
    return keys;
}

void ConfigForm::setConfig(const RunConfig& c) {
    filling_ = true;
    base_ = c;
    unparsed_.clear();
    for (const ConfigField& f : configFields())
        setValue(f, f.get(c));
    const QString dev = QString::fromStdString(c.device);
    const bool available = choices_.devices.isEmpty() || choices_.devices.contains(dev) ||
                           (dev == "cuda" && choices_.devices.filter("cuda").size() > 0);
    device_note_->setText(available ? QString()
                                    : QString("%1 is not available on this machine (it has: %2); "
                                              "a run started here will fail.")
                                          .arg(dev, choices_.devices.join(", ")));
    device_note_->setStyleSheet(available ? QString() : QString("color: #b00020;"));
    device_note_->setVisible(!available);
    fields_["device"]->setStyleSheet(available ? QString() : QString(kBad));
    device_missing_ = !available;
    fillStages(c.stages);
    filling_ = false;
    updateDataFields();
    dropStalePreview();
}

RunConfig ConfigForm::config() const {
    RunConfig c = base_;
    for (const ConfigField& f : configFields()) {
        if (f.key == "tokenizer.kind" || f.key == "model.from")
            continue;
        f.set(c, value(f, f.get(c)));
    }
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
    c.stages.clear();
    for (int r = 0; r < stages_->rowCount(); ++r)
        c.stages.push_back(stageAt(r));
    return c;
}

void ConfigForm::updateDataFields() {
    const bool pairs = text("data.source") == "synthetic";
    const bool synthetic = pairs || text("data.source") == "synthetic-text";
    for (const char* key : {"data.synthetic.regime", "data.synthetic.overlap"})
        fields_[key]->setEnabled(pairs);
    fields_["data.synthetic.count"]->setEnabled(synthetic);  // documents for synthetic-text
    for (const char* key : {"data.format", "data.on_malformed"})
        fields_[key]->setEnabled(!synthetic);
    // A model folder fixes the shape and the tokenizer.
    const bool from = !text("model.from").isEmpty();
    for (const ConfigField& f : configFields()) {
        const QString key = QString::fromStdString(f.key);
        if ((key.startsWith("model.") && key != "model.from") || key.startsWith("tokenizer."))
            fields_[key]->setEnabled(!from);
    }
}

void ConfigForm::edited() {
    updateDataFields();
    dropStalePreview();
    Q_EMIT changed();
}

QString ConfigForm::dataKey() const {
    const RunConfig c = config();
    QString key;
    for (const ConfigField& f : configFields()) {
        if (f.key == "seed" || f.key.rfind("data.", 0) == 0)
            key += QString::fromStdString(f.key + "=" + valueText(f.get(c))) + "\n";
    }
    return key;
}

void ConfigForm::dropStalePreview() {
    // The preview (or its error) describes the data as it was: once the data fields change,
    // it would mislead.
    if (previewed_.isEmpty() || dataKey() == previewed_)
        return;
    previewed_.clear();
    preview_summary_->clear();
    preview_summary_->setStyleSheet({});
    preview_table_->setRowCount(0);
    preview_table_->setVisible(false);
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
        // A short row number: the origin ("data/pairs.jsonl:1234", record ids) would widen the
        // row header until it ate the columns; it is the header's tooltip.
        auto* header = new QTableWidgetItem(QString::number(row + 1));
        header->setToolTip(QString::fromStdString(pair.origin));
        preview_table_->setVerticalHeaderItem(row, header);
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
