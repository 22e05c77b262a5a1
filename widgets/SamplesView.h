// What a run's model answers as it trains: the greedy responses to a few fixed eval prompts
// generated at every evaluation (samples.jsonl). Pick a run, then an evaluation step; the table
// shows each prompt, the response, and whether it is correct when the answer is known (the
// synthetic task). New steps of a live run are followed while the newest step is selected.
#pragma once

#include <QMap>
#include <QString>
#include <QVector>
#include <QWidget>

class QComboBox;
class QListWidget;
class QTableWidget;
class QLabel;

namespace rgpb::widgets {

class RunIdentities;

struct SampleRow {
    QString prompt;
    QString response;
    int correct = -1;  // 1 correct, 0 incorrect, -1 unknown
};

struct SampleSet {
    qint64 step = 0;
    int stage = 0;
    QVector<SampleRow> samples;
};

class SamplesView : public QWidget {
    Q_OBJECT

public:
    explicit SamplesView(QWidget* parent = nullptr);

    // The run selector shows each run's colour swatch and its name with recipe and beta from
    // the registry (not owned); the label given with the samples names runs it does not know.
    void setIdentities(RunIdentities* identities);
    QComboBox* runBox() const { return run_; }

    // Adds one evaluation's samples of `run` (a set for a step already shown replaces it).
    // `label` names the run in the selector.
    void addSamples(const QString& run, const QString& label, const SampleSet& set);
    // Replaces everything shown for `run` (a run opened from disk).
    void setRunSamples(const QString& run, const QString& label, const QVector<SampleSet>& sets);
    void removeRun(const QString& run);
    void clear();

    QStringList runs() const;
    QString currentRun() const;
    void setCurrentRun(const QString& run);
    QVector<qint64> steps(const QString& run) const;
    qint64 currentStep() const;  // -1 when none
    void setCurrentStep(qint64 step);

    QListWidget* stepList() const { return steps_; }
    QTableWidget* table() const { return table_; }

private:
    struct Run {
        QString label;
        QVector<SampleSet> sets;  // by increasing step
    };
    void showRun();
    void showStep();
    void restyleRuns();
    RunIdentities* identities_ = nullptr;
    static QString stepText(const SampleSet& set);

    QMap<QString, Run> runs_;
    QComboBox* run_;
    QListWidget* steps_;
    QTableWidget* table_;
    QLabel* summary_;
};

}  // namespace rgpb::widgets
