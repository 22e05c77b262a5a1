// A live metric curve for one or more runs (QCustomPlot): raw points kept in memory, a
// debiased-EMA smoothed line drawn over a faint raw line, optional log scale, x by step, tokens
// or wall time, a hover read-out, and PNG/SVG/PDF/CSV export. Points are appended in batches and
// the plot redraws from a timer at most ~30 times a second, never per point. Runs take their
// colour, label, visibility and highlight from a RunIdentities registry (shared with the other
// views; a plot without one keeps its own). With no point to draw the plot shows a message
// instead of empty axes; evaluation curves can mark every point, so a first evaluation shows.
#pragma once

#include <QColor>
#include <QHash>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCPTextElement;
class QLabel;
class QStackedWidget;

namespace rgpb::widgets {

class RunIdentities;

struct CurvePoint {
    double step = 0;     // optimizer step
    double tokens = 0;   // tokens seen
    double seconds = 0;  // wall time since the run started
    double value = 0;
};

enum class XAxis { Step, Tokens, WallTime };

// Debiased exponential moving average (as TensorBoard): s_t = a s_{t-1} + (1 - a) x_t,
// reported as s_t / (1 - a^t). alpha = 0 returns the input.
QVector<double> debiasedEma(const QVector<double>& values, double alpha);

// Clears `readout` when the mouse leaves `plot`: a hover read-out never outlives the hover.
void clearReadoutOnLeave(QWidget* plot, QLabel* readout);

class CurvePlot : public QWidget {
    Q_OBJECT

public:
    explicit CurvePlot(const QString& title, QWidget* parent = nullptr);

    // The registry of run colours, labels, visibility and highlight (not owned; it outlives the
    // plot). Until one is set the plot uses a registry of its own.
    void setIdentities(RunIdentities* identities);
    RunIdentities* identities() const { return identities_; }
    // `label` names the run when the registry does not know it.
    void appendPoints(const QString& run, const QString& label, const QVector<CurvePoint>& points);
    void removeRun(const QString& run);
    void clear();
    QStringList runs() const;
    int pointCount(const QString& run) const;
    QVector<double> smoothedValues(const QString& run) const;  // as drawn

    void setLogScale(bool on);
    void setSmoothing(double alpha);  // [0, 0.999]
    void setXAxis(XAxis axis);
    bool logScale() const { return log_scale_; }
    double smoothing() const { return alpha_; }
    // Draws a marker on every point (evaluation curves: few points, the first one alone).
    void setMarkers(bool on);
    bool markers() const { return markers_; }
    void setYLabel(const QString& label);  // the y axis title (exports need it)

    // Shown instead of the axes while no run has a point here.
    void setEmptyText(const QString& text);
    QString emptyText() const;
    bool showsEmptyState() const;
    // A line under the plot (e.g. which runs this metric does not apply to); empty hides it.
    void setNote(const QString& text);
    QString note() const;

    // An event of `run` at optimizer step `step` (a diagnostics alert): a dashed vertical line in
    // the run's colour, labelled `text` at the top. On the tokens and wall-time axes it stands at
    // the run's first point at or after that step (hidden while the run has none). Removed with
    // the run.
    void addMarker(const QString& run, double step, const QString& text);
    QStringList markerTexts() const;  // "run: text" of every marker, for tests
    // The pens as drawn, for tests: a run's smoothed (or raw, without smoothing) line.
    QCPGraph* lineOf(const QString& run) const;

    bool exportPng(const QString& path, int width = 900, int height = 540);
    // By suffix: .png, .svg or .pdf.
    bool exportFigure(const QString& path, int width = 900, int height = 540);
    // Long form, every raw point of every run: run,label,step,tokens,seconds,value,smoothed.
    bool exportCsv(const QString& path) const;

    QCustomPlot* plot() const { return plot_; }
    // The read-out text for the point nearest to plot coordinate x (for tests and hover).
    QString readoutAt(double x) const;
    // What the read-out line under the plot shows now (empty when the mouse is not over a curve).
    QString readoutText() const;
    // Replots now if anything changed (the timer calls it; tests may too).
    void flush();
    // The title's font: one point over the widget's, bold, smaller when the plot is too narrow
    // for the whole title (a 1024-px window shows two columns of ~190 px).
    QFont titleFont() const;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    struct Series {
        QString label;
        QVector<CurvePoint> points;
        QCPGraph* raw = nullptr;
        QCPGraph* smooth = nullptr;
        int drawn = 0;                                  // points already handed to the graphs
        double ema = 0.0, ema_weight = 1.0;             // smoothing state after `drawn` points
        double xmin = 0, xmax = 0, ymin = 0, ymax = 0;  // ranges of the drawn points
        bool has_range = false;
    };
    void extend(Series& s, int from);
    double xOf(const CurvePoint& p) const;
    void rebuild(Series& s);
    void onMouseMove(QMouseEvent* event);
    void restyle();  // colours, widths, visibility from the registry
    QString labelOf(const QString& run) const;
    void updateEmptyState();
    void placeMarkers();

    struct Marker {
        QString run, text;
        double step = 0;
        QCPItemStraightLine* line = nullptr;
        QCPItemText* label = nullptr;
    };

    RunIdentities* identities_ = nullptr;
    RunIdentities* own_identities_ = nullptr;
    QStackedWidget* stack_;
    QLabel* empty_;
    QCustomPlot* plot_;
    QLabel* note_;
    QLabel* readout_;
    QString title_, empty_text_;
    QCPTextElement* heading_ = nullptr;
    QTimer timer_;
    QHash<QString, Series> series_;
    QStringList order_;
    QVector<Marker> markers_list_;
    bool dirty_ = false;
    bool rescale_ = true;
    bool log_scale_ = false;
    double alpha_ = 0.0;
    bool markers_ = false;
    XAxis x_axis_ = XAxis::Step;
};

}  // namespace rgpb::widgets
