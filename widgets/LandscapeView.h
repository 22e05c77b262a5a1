// The landscape view (paper Fig. 4 and 6): one point per run at its final (or, while it trains,
// latest) evaluation, perplexity on a log x axis against agility, each with its 95% bootstrap
// interval over eval pairs drawn as error bars in both directions. A point has its run's colour
// (RunIdentities, as in every other view), a marker shape fixed by its recipe (the legend lists
// the shapes), is filled when the run finished and hollow otherwise (still training, or stopped
// early), and is labelled with the run's name. Points that would overlap are nudged apart by a
// few pixels and drawn half transparent with an outline. Hovering a point reads out its run and
// values; PNG, SVG, PDF and CSV export.
// Torch-free: the application computes the points (core/metrics/Bootstrap.h) and hands them over.
#pragma once

#include <QHash>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QLabel;
class QCheckBox;

namespace rgpb::widgets {

class RunIdentities;

struct LandscapePoint {
    QString run;         // run id (folder)
    QString label;       // run name shown in the read-out
    QString method;      // recipe: "exmate", "mle -> dpo", ...
    double beta = 0;     // 0 when the recipe has none (MLE)
    qint64 step = 0;     // step of the evaluation
    bool final = false;  // the run has finished (else: latest evaluation of a running run)
    int pairs = 0;       // eval pairs the intervals resample
    double perplexity = 0, perplexity_low = 0, perplexity_high = 0;
    double agility = 0, agility_low = 0, agility_high = 0;
};

class LandscapeView : public QWidget {
    Q_OBJECT

public:
    explicit LandscapeView(QWidget* parent = nullptr);

    // Run colours, names, visibility and highlight (not owned); the view has its own until set.
    void setIdentities(RunIdentities* identities);

    // Adds the run's point or replaces it (a newer evaluation of the same run).
    void setPoint(const LandscapePoint& point);
    void removeRun(const QString& run);
    void clear();
    QVector<LandscapePoint> points() const;  // in insertion order
    QStringList methods() const;             // legend entries, in first-seen order
    QColor colorOfRun(const QString& run) const;
    // The marker of a recipe: the same for a recipe in every session (a fixed table for the
    // paper's recipes, a stable hash of the name for others), whatever order runs appear in.
    static int shapeOf(const QString& method);  // a QCPScatterStyle::ScatterShape
    bool showsLabels() const;
    // Where a run's marker is drawn (plot coordinates, after the overlap nudge); for tests.
    QPointF drawnAt(const QString& run) const { return drawn_.value(run); }

    // The read-out for the point nearest to the pixel position (empty when no point is within
    // 20 px); the hover handler shows it under the plot.
    QString readoutAt(const QPointF& pixel) const;
    QString readoutText() const;  // the read-out line now (cleared when the mouse leaves)
    bool exportPng(const QString& path, int width = 900, int height = 640);
    bool exportFigure(const QString& path, int width = 900, int height = 640);  // by suffix
    // run,label,method,beta,step,final,pairs,perplexity,perplexity_low,perplexity_high,
    // agility,agility_low,agility_high; written to a temporary file, then renamed.
    bool exportCsv(const QString& path) const;
    QCustomPlot* plot() const { return plot_; }
    void replot();

protected:
    // Label placement is in pixels: redone when the plot's size changes.
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    QCustomPlot* plot_;
    QLabel* readout_;
    QCheckBox* labels_;
    QVector<LandscapePoint> points_;
    QStringList methods_;
    RunIdentities* identities_ = nullptr;
    RunIdentities* own_identities_ = nullptr;
    QHash<QString, QPointF> drawn_;
};

}  // namespace rgpb::widgets
