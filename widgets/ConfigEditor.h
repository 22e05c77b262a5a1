// Configure a run: pick a preset (or one of the paper's recipes with one click, each button named
// by its recipe as the run table names it: "mle -> dpo"), edit it in a form (every field, a
// stages table, a data preview) or as YAML with problems shown at their line as you type (the
// two stay in sync; form edits keep the YAML's comments), save it as a preset or load one from a
// file, and launch one run or a beta sweep. Loading a preset over unsaved edits is one undoable
// edit of the text: Undo (or Ctrl+Z) brings the edits back. Parsing, writing YAML and reading data
// are delegated to callbacks the application supplies (the core), so this widget stays free of the
// training core.
#pragma once

#include <QString>
#include <QWidget>
#include <functional>
#include <optional>

#include "core/config/RunConfig.h"
#include "widgets/ConfigForm.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QVBoxLayout;
class QTabWidget;
class QTimer;

namespace rgpb::widgets {

struct ValidationResult {
    bool ok = true;
    int line = 0;                     // 1-based line of the problem, 0 when unknown
    QString message;                  // the parser's message, or a one-line summary when ok
    std::optional<RunConfig> config;  // the parsed config when ok (the form shows it)
};

class ConfigEditor : public QWidget {
    Q_OBJECT

public:
    using Validator = std::function<ValidationResult(const QString& yaml)>;
    // Writes `config` into the YAML text the editor holds (`previous`), keeping its comments.
    using Serializer = std::function<QString(const RunConfig& config, const QString& previous)>;
    // Reads the first pairs of a data source; may work in the background and call `done` later
    // on the GUI thread.
    using Previewer = std::function<void(const DataConfig& data, quint64 seed,
                                         std::function<void(const DataPreview&)> done)>;
    ConfigEditor(Validator validator, QWidget* parent = nullptr);

    // Enables the form view (it needs the serializer to write the YAML it edits).
    void setFormSupport(Serializer serializer, const ConfigChoices& choices);
    void setPreviewer(Previewer previewer) { previewer_ = std::move(previewer); }
    ConfigForm* form() const { return form_; }
    QTabWidget* views() const { return tabs_; }

    // Lists *.yaml under `dir` (recursively) in the preset picker.
    void setPresetDirectory(const QString& dir);
    // Replaces the text with the file's, as one undoable edit; false (and a message) when
    // unreadable. Over unsaved edits it says so and offers Undo.
    bool loadPreset(const QString& path);
    // Edits since the text was last loaded or saved.
    bool hasUnsavedEdits() const;
    // The one-click recipe buttons (labelled by RunConfig::recipe() of their preset files).
    QList<QPushButton*> recipeButtons() const { return recipe_buttons_; }
    // "Loaded ... over your edits" with its Undo button; hidden otherwise.
    QWidget* undoNotice() const { return notice_row_; }
    // Brings back the text a preset load replaced (the notice's Undo, Ctrl+Z).
    void undoLoad();
    QString yaml() const;
    void setYaml(const QString& yaml);
    QString currentPath() const { return path_; }
    ValidationResult validateNow();
    QStringList sweepBetas() const;  // parsed from the sweep field; empty when invalid
    // Methods of the grid (mle, dpo, ul, exmate); empty = the preset's own. `ok` false when a
    // name is unknown.
    QStringList sweepMethods(bool* ok = nullptr) const;
    QPushButton* runButton() const { return run_; }

Q_SIGNALS:
    void runRequested(const QString& yaml, const QString& source);
    // One run per method x beta (methods empty: the preset's own method(s)).
    void sweepRequested(const QString& yaml, const QString& source, const QStringList& betas,
                        const QStringList& methods);

private:
    void buildPresetRow(QVBoxLayout* root);
    void buildRecipeButtons(QVBoxLayout* root);
    void buildViews(QVBoxLayout* root);
    void buildLaunchRow(QVBoxLayout* root);
    void connectFileButtons(QPushButton* load, QPushButton* save);
    void showValidation(const ValidationResult& r);
    void formEdited();
    void labelRecipeButtons();
    void textEdited();
    Validator validator_;
    Serializer serializer_;
    Previewer previewer_;
    ConfigForm* form_;
    QLabel* form_banner_;
    QTabWidget* tabs_;
    bool from_form_ = false;
    QString form_yaml_;             // the YAML text the form wrote last
    bool form_shows_text_ = false;  // the form shows a config parsed from the current file
    QComboBox* presets_;
    QPlainTextEdit* editor_;
    QLabel* status_;
    QLineEdit* betas_;
    QLineEdit* methods_;
    QPushButton *run_, *sweep_;
    QTimer* debounce_;
    QString dir_, path_;
    QList<QPushButton*> recipe_buttons_;
    QString saved_yaml_;  // the text as last loaded or saved
    bool loading_ = false;
    // What the last preset load replaced, while the notice offers to bring it back.
    QString replaced_yaml_, replaced_path_, replaced_saved_;
    QWidget* notice_row_;
    QLabel* notice_;
};

}  // namespace rgpb::widgets
