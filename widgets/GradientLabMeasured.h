// The gradient lab's measured view: pick a run (or checkpoint), a pair file and its format (or
// the run's synthetic task), the objective and K; the measurement runs elsewhere (the app's
// adapter, on a worker thread) and comes back as a GradientMeasureResult, shown as
//  - a histogram of log10 |f+ - f-| over pairs and a scatter against response length
//    (paper Fig. 3a/b),
//  - box plots of ||P+ - P-|| per response step (paper Fig. 3c; L1 or L2),
//  - the table of exact vs approximate coefficients per case with the gaps, and a verdict on
//    the paper's P+ ~ P- assumption.
// Torch-free: it only reads the plain result struct of core/analytic/GradientMeasure.h.
#pragma once

#include <QString>
#include <QWidget>

#include "core/analytic/GradientMeasure.h"
#include "widgets/GradientLabJob.h"

class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QGridLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace rgpb::widgets {

class GradientLabMeasured : public QWidget {
    Q_OBJECT

public:
    enum class Plot { Histogram, Scatter, Boxes };

    explicit GradientLabMeasured(QWidget* parent = nullptr);

    // The request the form describes.
    GradientMeasureRequest request() const;
    void setRequest(const GradientMeasureRequest& r);

    // Shows a finished measurement (GUI thread).
    void showResult(const GradientMeasureResult& result);
    void setProgress(qint64 done, qint64 total);
    void showError(const QString& message);
    void setRunning(bool running);
    bool running() const { return job_.running(); }

    const GradientMeasureResult& result() const { return result_; }
    QCustomPlot* plot(Plot which) const;
    QTableWidget* gapTable() const { return table_; }
    QString verdict() const;
    QProgressBar* progressBar() const { return job_.progress(); }
    QPushButton* measureButton() const { return job_.start(); }
    void setNorm(bool l2);  // box plots of L2 (true) or L1 (false)

    bool exportCsv(Plot which, const QString& path) const;
    bool exportPng(Plot which, const QString& path);

    // The run/checkpoint (dir) or pair-file picker: `edit` beside a "..." button that opens a
    // file dialog (the replay's form uses it too).
    static QWidget* pathPicker(QLineEdit* edit, bool dir, QWidget* owner);

Q_SIGNALS:
    void measureRequested(const rgpb::GradientMeasureRequest& request);
    void cancelRequested();

private:
    // The constructor's steps, in order (buildForm() and buildPlotGrid() lay out what
    // createInputs() and buildResultTable() made).
    void createInputs();
    void buildResultTable();
    QGroupBox* buildForm();
    QGridLayout* buildPlotGrid();
    void setUpPlots();
    void connectControls();
    QWidget* framed(Plot which, const QString& title, const QString& base_name);
    void redrawBoxes();

    QLineEdit* model_;
    QLineEdit* data_;
    QComboBox* format_;
    QComboBox* method_;
    QDoubleSpinBox* beta_;
    QSpinBox* steps_;
    QSpinBox* max_pairs_;
    QComboBox* norm_;
    GradientLabJob job_{"Measure", "pairs"};
    QLabel* verdict_;
    QTableWidget* table_;
    QCustomPlot* plots_[3];
    GradientMeasureResult result_;
};

}  // namespace rgpb::widgets
