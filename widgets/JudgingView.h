// Blinded side-by-side judging of two models' responses, keyboard first. The prompt is on top,
// the two responses side by side labelled A (left) and B (right); which model is on which side
// was drawn per item at import (seeded, stored in the judgments database) and the names stay
// hidden until the vote is in, then a history line reveals them. Keys: 1 or Left = A better,
// 2 or Right = B better, 3 = tie, 4 = both bad, 5 or S = skip, Ctrl+Z or Backspace = undo the
// last vote. Every vote is committed to the database before the next item appears (the
// application can be killed at any time). Below: progress, and the results table (same numbers
// as `rgpb judge-stats`) with the kappa line.
//
// The view owns a JudgmentStore (store/, Qt SQL): it opens <runs dir>/judgments.sqlite by
// default (created on the first import), imports `rgpb compare` directories, and lists their
// sets. Torch-free.
#pragma once

#include <QString>
#include <QWidget>
#include <memory>
#include <optional>

#include "store/JudgmentStore.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QGroupBox;
class QHBoxLayout;

namespace rgpb::widgets {

class JudgingResults;

class JudgingView : public QWidget {
    Q_OBJECT

public:
    // `default_db`: the database opened when it exists, created on the first import otherwise.
    explicit JudgingView(const QString& default_db, QWidget* parent = nullptr);
    ~JudgingView() override;

    // Each returns false and shows the error in the view (errorText()) on failure.
    bool openDatabase(const QString& path);
    bool importComparison(const QString& dir);
    bool selectSet(const QString& name);
    void setJudge(const QString& name);  // also remembered in QSettings (judging/judge)
    QString judge() const;

    void vote(judging::SideChoice choice);
    void undo();
    // Reads the set's votes again (after another connection, e.g. the model judge, wrote some):
    // the results table, and the sets list when `sets` is true.
    void reload(bool sets = false);
    // The set being judged ("" when none).
    QString currentSetName() const;
    // Records a voted Chat-tab exchange under this view's judge name, into its database
    // (created when missing); the sets list then shows the chat set. Empty on success, else
    // why not (no judge name, a database error).
    QString recordChatVote(judging::ChatVote vote);

    // Read-outs (tests, status).
    judging::JudgmentStore* store() const { return store_.get(); }
    std::optional<judging::Presentation> current() const { return current_; }
    std::optional<int64_t> currentSetId() const { return set_id_; }
    QString errorText() const;
    QString databasePath() const { return db_path_; }
    JudgingResults* results() const { return results_; }

    // Import options (spin boxes in the view).
    void setRepeatPercent(int percent);
    void setImportSeed(int seed);

Q_SIGNALS:
    void voted(qint64 presentation_id);
    // "New comparison…": the application asks for two runs and generates a set to import.
    void newComparisonRequested();
    // "Model judge…": the application opens the model judge on the current set.
    void modelJudgeRequested();

private:
    // Constructor steps, in the order the widgets are created.
    QHBoxLayout* buildSetRow();
    QHBoxLayout* buildJudgeRow();
    QHBoxLayout* buildSides();
    QHBoxLayout* buildVoteButtons();
    QWidget* buildItemPane(QHBoxLayout* sides, QHBoxLayout* buttons);
    void connectSignals();
    void addShortcuts();

    void chooseAndImport();
    void chooseDatabase();     // an open dialog: an existing database
    void chooseNewDatabase();  // a save dialog: a new one
    void refreshSets(const QString& select = {});
    void loadNext();
    void refreshResults();
    void showError(const QString& message);
    bool ensureStore();

    QString db_path_;
    std::unique_ptr<judging::JudgmentStore> store_;
    std::optional<int64_t> set_id_;
    std::optional<judging::Presentation> current_;

    QLabel* db_label_;
    QComboBox* sets_;
    QLineEdit* judge_;
    QSpinBox* repeat_percent_;
    QSpinBox* seed_;
    QPlainTextEdit* prompt_;
    QGroupBox* box_a_;
    QGroupBox* box_b_;
    QPlainTextEdit* response_a_;
    QPlainTextEdit* response_b_;
    QPushButton* a_better_;
    QPushButton* b_better_;
    QPushButton* tie_;
    QPushButton* both_bad_;
    QPushButton* skip_;
    QPushButton* undo_;
    QLabel* reveal_;
    QLabel* progress_text_;
    QProgressBar* progress_;
    QLabel* error_;
    JudgingResults* results_;
};

}  // namespace rgpb::widgets
