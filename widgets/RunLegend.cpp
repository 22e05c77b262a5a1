#include "widgets/RunLegend.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMap>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>

#include "widgets/RunIdentity.h"

namespace rgpb::widgets {

namespace {
constexpr int kRunRole = Qt::UserRole + 1;
}

RunLegend::RunLegend(RunIdentities* identities, QWidget* parent)
    : QWidget(parent),
      identities_(identities),
      grouping_(new QComboBox(this)),
      tree_(new QTreeWidget(this)) {
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(0, 0, 0, 0);
    auto* head = new QHBoxLayout;
    head->addWidget(new QLabel("Runs, by"));
    grouping_->addItem("recipe", int(RunGrouping::Recipe));
    grouping_->addItem("sweep / study", int(RunGrouping::Sweep));
    grouping_->addItem("none", int(RunGrouping::None));
    grouping_->setToolTip("Group the runs by recipe, or by the sweep (study) they belong to");
    grouping_->setCurrentIndex(grouping_->findData(int(identities_->grouping())));
    head->addWidget(grouping_, 1);
    root->addLayout(head);
    tree_->setHeaderHidden(true);
    tree_->setRootIsDecorated(true);
    tree_->setToolTip("Tick to show a run in every plot; click to highlight it everywhere");
    tree_->setMinimumWidth(150);
    root->addWidget(tree_, 1);

    connect(grouping_, &QComboBox::currentIndexChanged, this,
            [this] { identities_->setGrouping(RunGrouping(grouping_->currentData().toInt())); });
    connect(identities_, &RunIdentities::groupingChanged, this, [this](RunGrouping g) {
        grouping_->setCurrentIndex(grouping_->findData(int(g)));
        rebuild();
    });
    connect(identities_, &RunIdentities::runsChanged, this, &RunLegend::rebuild);
    connect(identities_, &RunIdentities::visibilityChanged, this, &RunLegend::syncChecks);
    connect(identities_, &RunIdentities::highlightChanged, this, &RunLegend::syncChecks);
    connect(tree_, &QTreeWidget::itemChanged, this, [this](QTreeWidgetItem* item) {
        if (updating_)
            return;
        const QString run = item->data(0, kRunRole).toString();
        const bool on = item->checkState(0) == Qt::Checked;
        toggled_ = run;  // the click that ticked a box does not also highlight
        if (!run.isEmpty()) {
            identities_->setVisible(run, on);
            return;
        }
        for (int i = 0; i < item->childCount(); ++i)  // a group's box: all of its runs
            identities_->setVisible(item->child(i)->data(0, kRunRole).toString(), on);
    });
    connect(tree_, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item, int) {
        const QString run = item->data(0, kRunRole).toString();
        const bool ticked = !toggled_.isNull() && toggled_ == run;
        toggled_ = QString();
        if (run.isEmpty() || ticked)
            return;
        identities_->setHighlighted(identities_->highlighted() == run ? QString() : run);
    });
    rebuild();
}

QTreeWidgetItem* RunLegend::itemOf(const QString& run) const {
    for (QTreeWidgetItemIterator it(tree_); *it; ++it) {
        if ((*it)->data(0, kRunRole).toString() == run)
            return *it;
    }
    return nullptr;
}

void RunLegend::rebuild() {
    updating_ = true;
    tree_->clear();
    const RunGrouping grouping = identities_->grouping();
    QMap<QString, QTreeWidgetItem*> groups;
    for (const QString& id : identities_->ids()) {
        const RunIdentity run = identities_->identity(id);
        auto* item = new QTreeWidgetItem;
        item->setData(0, kRunRole, id);
        item->setText(0, identities_->fullLabelOf(id));
        item->setToolTip(0, id);
        item->setData(0, Qt::DecorationRole, run.color);  // the swatch
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
        if (grouping == RunGrouping::None) {
            tree_->addTopLevelItem(item);
            continue;
        }
        const QString key = groupKey(run, grouping);
        QTreeWidgetItem*& group = groups[key];
        if (!group) {
            group = new QTreeWidgetItem(tree_, {key.isEmpty() ? QString("(none)") : key});
            group->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
            group->setExpanded(true);
        }
        group->addChild(item);
    }
    tree_->expandAll();
    updating_ = false;
    syncChecks();
}

// Checkboxes and the highlight's bold text from the registry.
void RunLegend::syncChecks() {
    updating_ = true;
    for (int g = 0; g < tree_->topLevelItemCount(); ++g) {
        QTreeWidgetItem* top = tree_->topLevelItem(g);
        auto sync = [this](QTreeWidgetItem* item) {
            const QString run = item->data(0, kRunRole).toString();
            item->setCheckState(0, identities_->isVisible(run) ? Qt::Checked : Qt::Unchecked);
            QFont f = item->font(0);
            f.setBold(run == identities_->highlighted());
            item->setFont(0, f);
        };
        if (!top->data(0, kRunRole).toString().isEmpty()) {
            sync(top);
            continue;
        }
        int shown = 0;
        for (int i = 0; i < top->childCount(); ++i) {
            sync(top->child(i));
            shown += top->child(i)->checkState(0) == Qt::Checked;
        }
        top->setCheckState(0, shown == 0                   ? Qt::Unchecked
                              : shown == top->childCount() ? Qt::Checked
                                                           : Qt::PartiallyChecked);
    }
    updating_ = false;
}

}  // namespace rgpb::widgets
