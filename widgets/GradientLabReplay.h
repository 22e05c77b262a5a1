// The gradient lab's replay (the Measured view's "Replay" tab): pick a checkpoint (and
// optionally DPO's reference), a batch of pairs, the methods, beta and the learning rates; the
// replay runs elsewhere (the app's adapter, on a worker thread) and comes back as a
// GradientReplayResult, shown side by side as
//  - the gradient norm of each method per layer group (grouped bars),
//  - the cosine matrix between the methods' gradients (a heat map with the values),
//  - per pair, the predicted vs the actual change of S+ and S- after one SGD step of the picked
//    lr (a scatter with the y = x line).
// Each plot exports PNG/SVG/PDF and CSV. Torch-free: it reads core/analytic/GradientReplay.h.
#pragma once

#include <QString>
#include <QWidget>

#include "core/analytic/GradientReplay.h"
#include "widgets/GradientLabJob.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace rgpb::widgets {

class GradientLabReplay : public QWidget {
    Q_OBJECT

public:
    enum class Plot { Norms, Cosines, Effects };

    explicit GradientLabReplay(QWidget* parent = nullptr);

    // The request the form describes; an empty lrs list when the lr field does not parse (the
    // core names the field).
    GradientReplayRequest request() const;
    void setRequest(const GradientReplayRequest& r);

    void showResult(const GradientReplayResult& result);
    void setProgress(qint64 done, qint64 total);
    void showError(const QString& message);
    void setRunning(bool running);
    bool running() const { return job_.running(); }

    const GradientReplayResult& result() const { return result_; }
    QCustomPlot* plot(Plot which) const;
    // What a plot shows, counted (for tests that cannot include QCustomPlot): Norms: bars over
    // all series; Cosines: filled cells; Effects: scatter points (the y = x line excluded).
    int shownValues(Plot which) const;
    QPushButton* replayButton() const { return job_.start(); }
    QComboBox* lrChoice() const { return lr_choice_; }
    QString status() const;

    bool exportCsv(Plot which, const QString& path) const;
    bool exportPng(Plot which, const QString& path);

Q_SIGNALS:
    void replayRequested(const rgpb::GradientReplayRequest& request);
    void cancelRequested();

private:
    QWidget* buildForm();
    void setUpPlots();
    void redrawEffects();
    QWidget* framed(Plot which, const QString& title, const QString& base_name);

    QLineEdit* model_;
    QLineEdit* reference_;
    QLineEdit* data_;
    QComboBox* format_;
    QCheckBox* methods_[4];
    QDoubleSpinBox* beta_;
    QLineEdit* lrs_;
    QSpinBox* pairs_;
    QComboBox* lr_choice_;
    GradientLabJob job_{"Replay", "steps"};
    QCustomPlot* plots_[3];
    GradientReplayResult result_;
};

}  // namespace rgpb::widgets
