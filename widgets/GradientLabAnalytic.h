// The gradient lab's analytic view: the paper's closed forms (spec.md 4.1-4.3, paper Fig. 1-2)
// drawn from core/analytic/GradientCoefficients.h (torch-free) and re-plotted as soon as a
// slider moves:
//  - loss landscapes of DPO, UL and ExMATE against P(y+|x+) with P(y-|x-) fixed and against
//    P(y-|x-) with P(y+|x+) fixed (the fixed value and beta on sliders);
//  - the shared-token coefficient (eq. 16-18) against u for several epsilon;
//  - the same as a heat map over (u, epsilon) with its zero contour (where the method stops
//    pushing the shared token up), found by bisection along each u column (or each epsilon row
//    when the coefficient does not depend on epsilon, as ExMATE's);
//  - the distinct-token coefficients (eq. 10-15) on y+, y- and all other tokens as bars.
// Every plot exports PNG and CSV.
#pragma once

#include <QPointF>
#include <QString>
#include <QVector>
#include <QWidget>

#include "core/analytic/GradientCoefficients.h"

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QCPCurve;
class QGridLayout;
class QGroupBox;
class QLabel;
class QSlider;

namespace rgpb::widgets {

class GradientLabAnalytic : public QWidget {
    Q_OBJECT

public:
    enum class Plot { LandscapePos, LandscapeNeg, Shared, HeatMap, Distinct };

    explicit GradientLabAnalytic(QWidget* parent = nullptr);

    // The epsilon values of the shared-coefficient curves.
    static QVector<double> sharedEpsilons();

    double beta() const;                    // beta slider: 0.05 .. 10 in steps of 0.05
    double fixedProbability() const;        // the probability held fixed in the landscapes
    analytic::Method sharedMethod() const;  // method of the shared curves and heat map
    void setSharedMethod(analytic::Method m);

    QSlider* betaSlider() const { return beta_; }
    QSlider* fixedSlider() const { return fixed_; }
    // Distinct-case sliders (0 .. 100 = probability 0 .. 1; epsilon -50 .. 50 = -0.5 .. 0.5).
    enum class Input { PosYpos, PosYneg, NegYpos, NegYneg, U, Epsilon };
    QSlider* inputSlider(Input which) const;
    analytic::DistinctInputs distinctInputs() const;

    QCustomPlot* plot(Plot which) const;
    QCPColorMap* heatMap() const { return heat_; }
    // Points (u, epsilon) of the heat map's zero contour, as drawn.
    QVector<QPointF> zeroContour() const { return contour_; }

    bool exportCsv(Plot which, const QString& path) const;
    bool exportPng(Plot which, const QString& path);

private:
    // Constructor steps.
    QWidget* buildControls();
    QGroupBox* buildObjectiveBox();
    QGroupBox* buildDistinctBox();
    QGridLayout* buildPlotGrid();
    void setUpLandscapePlots();
    void setUpSharedPlot();
    void setUpHeatMap();
    void setUpDistinctPlot();
    void connectSignals();

    void replotAll();
    void replotLandscapes();
    void replotShared();
    void replotHeatMap();
    void replotDistinct();
    QWidget* framed(Plot which, const QString& title, const QString& base_name);

    QSlider* beta_;
    QLabel* beta_label_;
    QSlider* fixed_;
    QLabel* fixed_label_;
    QComboBox* method_;
    QVector<QSlider*> inputs_;
    QVector<QLabel*> input_labels_;
    QLabel* distinct_note_;
    QCustomPlot* plots_[5];
    QCPColorMap* heat_ = nullptr;
    QCPCurve* contour_curve_ = nullptr;
    QVector<QPointF> contour_;
};

}  // namespace rgpb::widgets
