#include "widgets/ConfigEditor.h"

#include <QAction>
#include <QComboBox>
#include <QDirIterator>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QTabWidget>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

#include "widgets/SaveFile.h"

namespace rgpb::widgets {

namespace {
// The paper's recipes, one click each: preset files under presets/. Each button is labelled with
// its file's recipe as RunConfig::recipe() writes it, the run table's words ("mle -> dpo").
const char* const kRecipes[] = {
    "paper/micro_mle.yaml",        "paper/micro_dpo.yaml",     "paper/micro_ul.yaml",
    "paper/micro_exmate.yaml",     "paper/micro_mle_dpo.yaml", "paper/micro_exmate_dpo.yaml",
    "paper/micro_mle_exmate.yaml",
};
}  // namespace

ConfigEditor::ConfigEditor(Validator validator, QWidget* parent)
    : QWidget(parent), validator_(std::move(validator)), debounce_(new QTimer(this)) {
    auto* root = new QVBoxLayout(this);
    buildPresetRow(root);
    buildRecipeButtons(root);
    buildViews(root);
    buildLaunchRow(root);
    debounce_->setSingleShot(true);
    debounce_->setInterval(250);
    connect(editor_, &QPlainTextEdit::textChanged, this, &ConfigEditor::textEdited);
    // Ctrl+Z anywhere in the panel (a recipe button has the focus after a click) undoes the
    // last edit of the text; fields that take Ctrl+Z themselves (the form's) keep it.
    auto* undo = new QAction("Undo", this);
    undo->setShortcut(QKeySequence::Undo);
    undo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(undo, &QAction::triggered, this, [this] { undoLoad(); });
    addAction(undo);
    connect(form_, &ConfigForm::changed, this, &ConfigEditor::formEdited);
    connect(form_, &ConfigForm::previewRequested, this, [this](const DataConfig& d, quint64 seed) {
        if (!previewer_) {
            form_->showPreview({false, "no data reader in this build", {}});
            return;
        }
        QPointer<ConfigForm> form = form_;
        previewer_(d, seed, [form](const DataPreview& p) {
            if (form)
                form->showPreview(p);
        });
    });
    connect(debounce_, &QTimer::timeout, this, [this] { validateNow(); });
    connect(presets_, &QComboBox::activated, this,
            [this](int index) { loadPreset(presets_->itemData(index).toString()); });
}

void ConfigEditor::buildPresetRow(QVBoxLayout* root) {
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel("preset:"));
    presets_ = new QComboBox;
    presets_->setMinimumContentsLength(18);
    top->addWidget(presets_, 1);
    auto* load = new QPushButton("Open...");
    auto* save = new QPushButton("Save as...");
    connectFileButtons(load, save);
    top->addWidget(load);
    top->addWidget(save);
    root->addLayout(top);
}

void ConfigEditor::buildRecipeButtons(QVBoxLayout* root) {
    root->addWidget(new QLabel("Load a paper recipe (replaces the text; Undo brings it back):"));
    auto* recipes = new QGridLayout;
    int i = 0;
    for (const char* file : kRecipes) {
        auto* b = new QPushButton(QFileInfo(file).completeBaseName());
        b->setProperty("preset", QString(file));
        connect(b, &QPushButton::clicked, this, [this, b] {
            if (!dir_.isEmpty())
                loadPreset(dir_ + "/" + b->property("preset").toString());
        });
        recipes->addWidget(b, i / 4, i % 4);
        recipe_buttons_ << b;
        ++i;
    }
    root->addLayout(recipes);
    notice_row_ = new QWidget;
    auto* notice = new QHBoxLayout(notice_row_);
    notice->setContentsMargins(0, 0, 0, 0);
    notice_ = new QLabel;
    notice_->setWordWrap(true);
    auto* undo = new QPushButton("Undo");
    undo->setObjectName("undoLoad");
    undo->setToolTip("Bring back the text the preset replaced (Ctrl+Z)");
    connect(undo, &QPushButton::clicked, this, &ConfigEditor::undoLoad);
    notice->addWidget(notice_, 1);
    notice->addWidget(undo);
    notice_row_->setVisible(false);
    root->addWidget(notice_row_);
    labelRecipeButtons();
}

// Names each recipe button by the recipe of its preset file, as the run table names runs.
void ConfigEditor::labelRecipeButtons() {
    for (QPushButton* b : std::as_const(recipe_buttons_)) {
        const QString rel = b->property("preset").toString();
        QString recipe;
        QFile f(dir_ + "/" + rel);
        if (!dir_.isEmpty() && validator_ && f.open(QIODevice::ReadOnly | QIODevice::Text)) {
            const ValidationResult r = validator_(QString::fromUtf8(f.readAll()));
            if (r.config)
                recipe = QString::fromStdString(r.config->recipe());
        }
        b->setEnabled(!recipe.isEmpty());
        b->setText(recipe.isEmpty() ? QFileInfo(rel).completeBaseName() : recipe);
        b->setToolTip(recipe.isEmpty()
                          ? QString("presets/%1 is missing or not valid").arg(rel)
                          : QString("Load the %1 preset (presets/%2). It replaces the text in the "
                                    "editor; Undo (Ctrl+Z) brings back what it replaced.")
                                .arg(recipe, rel));
    }
}

void ConfigEditor::buildViews(QVBoxLayout* root) {
    editor_ = new QPlainTextEdit;
    editor_->setFont(QFont("monospace"));
    editor_->setLineWrapMode(QPlainTextEdit::NoWrap);
    form_ = new ConfigForm;
    form_banner_ = new QLabel;
    form_banner_->setWordWrap(true);
    form_banner_->setStyleSheet("color: #b00020;");
    form_banner_->setVisible(false);
    auto* form_page = new QWidget;
    auto* form_layout = new QVBoxLayout(form_page);
    form_layout->setContentsMargins(0, 0, 0, 0);
    form_layout->addWidget(form_banner_);
    form_layout->addWidget(form_, 1);
    tabs_ = new QTabWidget;
    tabs_->addTab(form_page, "Form");
    tabs_->addTab(editor_, "YAML");
    tabs_->setTabVisible(0, false);  // until setFormSupport()
    tabs_->setCurrentIndex(1);
    root->addWidget(tabs_, 1);
    status_ = new QLabel;
    status_->setWordWrap(true);
    root->addWidget(status_);
}

void ConfigEditor::buildLaunchRow(QVBoxLayout* root) {
    auto* launch = new QHBoxLayout;
    run_ = new QPushButton("Run");
    run_->setDefault(true);
    launch->addWidget(run_);
    launch->addSpacing(12);
    launch->addWidget(new QLabel("sweep beta:"));
    betas_ = new QLineEdit("0.05,0.1,0.5,1,5");
    betas_->setObjectName("sweepBetas");
    betas_->setToolTip("The betas of a sweep: comma-separated numbers > 0");
    // Wide enough for what it holds: it grows with the text (up to 400 px, then it scrolls).
    auto fit = [this] {
        const int text = betas_->fontMetrics().horizontalAdvance(betas_->text() + "00");
        betas_->setMinimumWidth(std::clamp(text + 16, 120, 400));
    };
    fit();
    launch->addWidget(betas_, 2);
    methods_ = new QLineEdit;
    methods_->setPlaceholderText("methods: preset's");
    methods_->setToolTip(
        "A method grid: comma-separated mle, dpo, ul, exmate (each single-objective "
        "stage takes it); empty = the preset's own method(s)");
    launch->addWidget(methods_, 1);
    sweep_ = new QPushButton("Sweep");
    launch->addWidget(sweep_);
    root->addLayout(launch);
    // A sweep field's error stays only while its cause does.
    connect(betas_, &QLineEdit::textChanged, this, [this, fit] {
        fit();
        debounce_->start();
    });
    connect(methods_, &QLineEdit::textChanged, this, [this] { debounce_->start(); });

    connect(run_, &QPushButton::clicked, this, [this] {
        if (validateNow().ok)
            Q_EMIT runRequested(yaml(), path_);
    });
    connect(sweep_, &QPushButton::clicked, this, [this] {
        QStringList b = sweepBetas();
        if (b.isEmpty()) {
            status_->setText(
                "<span style='color:#c81e1e'>sweep beta: expected comma-separated numbers > 0, "
                "e.g. 0.05,0.1,0.5</span>");
            return;
        }
        bool methods_ok = false;
        QStringList m = sweepMethods(&methods_ok);
        if (!methods_ok) {
            status_->setText(
                "<span style='color:#c81e1e'>sweep methods: expected comma-separated "
                "names of mle, dpo, ul, exmate</span>");
            return;
        }
        if (validateNow().ok)
            Q_EMIT sweepRequested(yaml(), path_, b, m);
    });
}

void ConfigEditor::connectFileButtons(QPushButton* load, QPushButton* save) {
    connect(load, &QPushButton::clicked, this, [this] {
        QString f =
            QFileDialog::getOpenFileName(this, "Open a run preset", dir_, "YAML (*.yaml *.yml)");
        if (!f.isEmpty())
            loadPreset(f);
    });
    connect(save, &QPushButton::clicked, this, [this] {
        QString f = QFileDialog::getSaveFileName(this, "Save preset", dir_, "YAML (*.yaml)");
        if (f.isEmpty())
            return;
        // Temporary file + rename: an existing preset is never half-written.
        if (const QString error = saveFile(f, yaml().toUtf8()); !error.isEmpty()) {
            status_->setText("cannot save: " + error);
            return;
        }
        path_ = f;
        saved_yaml_ = yaml();
    });
}

void ConfigEditor::setFormSupport(Serializer serializer, const ConfigChoices& choices) {
    serializer_ = std::move(serializer);
    form_->setChoices(choices);
    tabs_->setTabVisible(0, static_cast<bool>(serializer_));
    if (serializer_)
        tabs_->setCurrentIndex(0);
    validateNow();
}

void ConfigEditor::formEdited() {
    if (!serializer_)
        return;
    // The form's config goes into the YAML (its comments kept); one undoable edit of the text.
    QString text = serializer_(form_->config(), yaml());
    from_form_ = true;
    QTextCursor cursor(editor_->document());
    cursor.select(QTextCursor::Document);
    cursor.insertText(text);
    form_yaml_ = yaml();
    validateNow();
    from_form_ = false;
}

void ConfigEditor::setPresetDirectory(const QString& dir) {
    dir_ = dir;
    presets_->clear();
    QStringList files;
    QDirIterator it(dir, {"*.yaml"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString f = it.next();
        if (!QDir(dir).relativeFilePath(f).startsWith("studies/"))  // study files, not runs
            files << f;
    }
    files.sort();
    for (const QString& f : files)
        presets_->addItem(QDir(dir).relativeFilePath(f), f);
    labelRecipeButtons();
}

bool ConfigEditor::loadPreset(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) {
        status_->setText("<span style='color:#c81e1e'>cannot open " + path.toHtmlEscaped() + ": " +
                         f.errorString().toHtmlEscaped() + "</span>");
        presets_->setCurrentIndex(-1);  // the picker names no other preset as if it were open
        return false;
    }
    const bool unsaved = hasUnsavedEdits();
    const QString before = yaml(), before_path = path_, before_saved = saved_yaml_;
    path_ = path;
    form_shows_text_ = false;  // a new file: the form shows it once it validates
    int index = presets_->findData(path);
    if (index < 0) {  // a file from elsewhere: list it, so the picker names what is open
        presets_->addItem(QFileInfo(path).fileName(), path);
        index = presets_->count() - 1;
    }
    presets_->setCurrentIndex(index);
    // One undoable edit (setPlainText would clear the undo history).
    loading_ = true;
    QTextCursor cursor(editor_->document());
    cursor.beginEditBlock();
    cursor.select(QTextCursor::Document);
    cursor.insertText(QString::fromUtf8(f.readAll()));
    cursor.endEditBlock();
    loading_ = false;
    saved_yaml_ = yaml();
    notice_row_->setVisible(unsaved && before != yaml());
    if (notice_row_->isVisible()) {
        replaced_yaml_ = before;
        replaced_path_ = before_path;
        replaced_saved_ = before_saved;
        notice_->setText(QString("Loaded %1 over your unsaved edits. Undo (Ctrl+Z) brings them "
                                 "back.")
                             .arg(QFileInfo(path).fileName()));
    }
    validateNow();
    return true;
}

bool ConfigEditor::hasUnsavedEdits() const {
    return yaml() != saved_yaml_;
}

void ConfigEditor::undoLoad() {
    editor_->undo();  // textEdited() restores the path when this brought the edits back
}

void ConfigEditor::textEdited() {
    if (loading_)
        return;
    if (notice_row_->isVisible()) {
        // Undone (Ctrl+Z in the text, or the notice's Undo): the edits and their file are back.
        if (yaml() == replaced_yaml_) {
            path_ = replaced_path_;
            saved_yaml_ = replaced_saved_;
            const int index = presets_->findData(path_);
            presets_->setCurrentIndex(index);
            form_shows_text_ = false;
            notice_row_->setVisible(false);
            validateNow();  // the form shows the edits again at once
            return;
        }
        notice_row_->setVisible(false);
    }
    if (!from_form_)
        debounce_->start();
}

QString ConfigEditor::yaml() const {
    return editor_->toPlainText();
}

void ConfigEditor::setYaml(const QString& yaml) {
    notice_row_->setVisible(false);
    editor_->setPlainText(yaml);
    validateNow();
}

QStringList ConfigEditor::sweepBetas() const {
    QStringList out;
    for (const QString& part : betas_->text().split(',', Qt::SkipEmptyParts)) {
        bool ok = false;
        double v = part.trimmed().toDouble(&ok);
        if (!ok || v <= 0)
            return {};
        out << part.trimmed();
    }
    return out;
}

QStringList ConfigEditor::sweepMethods(bool* ok) const {
    QStringList out;
    bool good = true;
    for (const QString& part : methods_->text().split(',', Qt::SkipEmptyParts)) {
        const QString name = part.trimmed();
        try {
            out << QString(objectiveKindName(parseObjectiveKind(name.toStdString())));
        } catch (const std::exception&) {
            good = false;
        }
    }
    if (ok)
        *ok = good;
    return good ? out : QStringList();
}

ValidationResult ConfigEditor::validateNow() {
    debounce_->stop();
    ValidationResult r = validator_ ? validator_(yaml()) : ValidationResult{};
    showValidation(r);
    if (serializer_) {
        // YAML -> form, unless the form wrote this YAML (it already shows it).
        // The form wrote this text: it shows it already, with any field whose text is no value
        // (which the YAML holds at its last good value); refilling would hide that text.
        const bool form_wrote_it = from_form_ || yaml() == form_yaml_;
        if (r.ok && r.config && !form_wrote_it) {
            form_->setConfig(*r.config);
            form_shows_text_ = true;
        }
        form_->markProblemIn(r.ok ? QString() : r.message);
        // Until this text has been valid once, the form would show another config (the
        // defaults or the previous preset): it stays disabled rather than mislead.
        form_->setEnabled(form_shows_text_);
        form_banner_->setVisible(!r.ok && !from_form_);
        const QString where = r.line > 0 ? QString(" at line %1").arg(r.line) : QString();
        form_banner_->setText(
            form_shows_text_
                ? QString("The YAML view has a problem%1; the form shows the last valid "
                          "configuration and editing it replaces the YAML.")
                      .arg(where)
                : QString("The YAML view has a problem%1: fix it there; the form fills in once "
                          "the YAML is valid.")
                      .arg(where));
        // A form field holding no valid value gives the YAML its last good value: running
        // now would not run what the form shows.
        const QStringList bad =
            r.ok && form_shows_text_ && form_wrote_it ? form_->invalidFields() : QStringList();
        if (r.ok && !bad.isEmpty()) {
            r.ok = false;
            r.message = QString(
                            "the form's %1 %2 no valid value (marked red); fix %3 before "
                            "running")
                            .arg(bad.join(", "), bad.size() == 1 ? "holds" : "hold",
                                 bad.size() == 1 ? "it" : "them");
            showValidation(r);
        }
    }
    return r;
}

void ConfigEditor::showValidation(const ValidationResult& r) {
    QList<QTextEdit::ExtraSelection> marks;
    if (!r.ok && r.line > 0) {
        QTextEdit::ExtraSelection sel;
        sel.format.setBackground(QColor(255, 215, 215));
        sel.format.setProperty(QTextFormat::FullWidthSelection, true);
        sel.cursor = QTextCursor(editor_->document()->findBlockByNumber(r.line - 1));
        marks << sel;
    }
    editor_->setExtraSelections(marks);
    status_->setText(r.ok ? "<span style='color:#1e821e'>" + r.message.toHtmlEscaped() + "</span>"
                          : "<span style='color:#c81e1e'>" + r.message.toHtmlEscaped() + "</span>");
    run_->setEnabled(r.ok);
    sweep_->setEnabled(r.ok);
}

}  // namespace rgpb::widgets
