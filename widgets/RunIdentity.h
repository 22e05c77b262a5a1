// Which curve is which: one registry of the runs the window shows, shared by every view (the
// curves, the landscape, the samples, the run table, the legend). A run's identity is its name
// (the run folder's name) as the label, its recipe and beta beside it, and one colour, the one
// stored in its run.json (core/run/RunStore.h), so it is the same in every panel and after a
// restart. The registry also holds which runs are shown and which one is highlighted; views
// listen to its signals and restyle.
#pragma once

#include <QColor>
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

class QComboBox;

namespace rgpb::widgets {

struct RunIdentity {
    QString id;      // the run folder (the key every view uses)
    QString name;    // the run folder's name: the label
    QString recipe;  // "exmate -> dpo"
    double beta = 0;
    QColor color;  // from run.json; invalid: the registry picks one for this session
};

// How runs are grouped in the legend and the run table.
enum class RunGrouping { None, Recipe, Sweep };

// "exmate, β=0.5" (recipe alone when there is no beta).
QString runDetail(const QString& recipe, double beta);
// The sweep (or study: the runs of one config name, whatever their method and beta) a run
// belongs to: its name without the folder's timestamp and without the "-<method>-b<beta>"
// suffix sweeps give their cells ("demo-exmate-b0.5-20260101-120000" -> "demo").
QString sweepKey(const QString& name, const QString& recipe);
QString groupKey(const RunIdentity& run, RunGrouping grouping);

class RunIdentities : public QObject {
    Q_OBJECT

public:
    explicit RunIdentities(QObject* parent = nullptr);

    // Where a new run without a colour gets one (the application reads or assigns the run's
    // stored colour, core/run/RunStore.h). Without a source, or when it returns an invalid
    // colour, the next palette colour no listed run uses.
    void setColorSource(std::function<QColor(const QString& id)> source);

    // Adds or updates a run (keeps its visibility; a new colour replaces the old one).
    void upsert(const RunIdentity& run);
    void remove(const QString& id);
    bool contains(const QString& id) const { return runs_.contains(id); }
    QStringList ids() const { return order_; }  // in insertion order
    RunIdentity identity(const QString& id) const { return runs_.value(id); }

    QColor colorOf(const QString& id) const;   // a neutral grey for an unknown run
    QString labelOf(const QString& id) const;  // the run's name (its id when unknown)
    // "name (recipe, β=0.5)": the label with recipe and beta beside it.
    QString fullLabelOf(const QString& id) const;

    void setVisible(const QString& id, bool visible);
    bool isVisible(const QString& id) const { return !hidden_.contains(id); }
    // One highlighted run (thicker, the others faded); empty: none.
    void setHighlighted(const QString& id);
    QString highlighted() const { return highlighted_; }

    void setGrouping(RunGrouping grouping);
    RunGrouping grouping() const { return grouping_; }

Q_SIGNALS:
    void runsChanged();  // added, removed, renamed or recoloured
    void visibilityChanged(const QString& id, bool visible);
    void highlightChanged(const QString& id);
    void groupingChanged(rgpb::widgets::RunGrouping grouping);

private:
    std::function<QColor(const QString&)> color_source_;
    QHash<QString, RunIdentity> runs_;
    QStringList order_;
    QHash<QString, bool> hidden_;
    QString highlighted_;
    RunGrouping grouping_ = RunGrouping::Recipe;
};

// A run selector (the samples and diagnostics views): each item, whose data is a run id, gets
// the registry's full label and colour swatch; a run the registry does not know (or no registry)
// gets `fallback_label(id)`.
void restyleRunBox(QComboBox* box, const RunIdentities* identities,
                   const std::function<QString(const QString&)>& fallback_label);

}  // namespace rgpb::widgets
