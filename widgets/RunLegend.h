// The one legend of the curves, outside the plots: a row per run with its colour swatch, a
// checkbox that shows or hides it in every plot, and its name with recipe and beta beside it;
// runs grouped by recipe or by sweep (a choice above the list). Clicking a run highlights it in
// every view (RunIdentities::setHighlighted); clicking it again clears the highlight.
#pragma once

#include <QString>
#include <QWidget>

class QComboBox;
class QTreeWidget;
class QTreeWidgetItem;

namespace rgpb::widgets {

class RunIdentities;

class RunLegend : public QWidget {
    Q_OBJECT

public:
    explicit RunLegend(RunIdentities* identities, QWidget* parent = nullptr);

    QTreeWidget* tree() const { return tree_; }
    QComboBox* groupingBox() const { return grouping_; }
    QTreeWidgetItem* itemOf(const QString& run) const;  // nullptr when not listed

private:
    void rebuild();
    void syncChecks();

    RunIdentities* identities_;
    QComboBox* grouping_;
    QTreeWidget* tree_;
    bool updating_ = false;
    QString toggled_;  // the run whose box the current click ticked
};

}  // namespace rgpb::widgets
