#include "widgets/RunIdentity.h"

#include <QComboBox>
#include <QRegularExpression>

#include <string>
#include <vector>

#include "core/run/RunStore.h"

namespace rgpb::widgets {

QString runDetail(const QString& recipe, double beta) {
    return beta > 0 ? QString("%1, β=%2").arg(recipe).arg(beta) : recipe;
}

QString sweepKey(const QString& name, const QString& recipe) {
    QString key = name;
    // The run folder's "-YYYYMMDD-HHMMSS[-N]" (createRunDir).
    key.remove(QRegularExpression("-\\d{8}-\\d{6}(-\\d+)?$"));
    // A sweep cell's "-b<beta>" and the "-<method>" before it (sweepGrid's run names).
    key.remove(QRegularExpression("-b[0-9.eE+-]+$"));
    QString method = recipe;
    method.replace(QRegularExpression("[^A-Za-z0-9._+]+"), "-");
    if (!method.isEmpty() && key.endsWith("-" + method))
        key.chop(method.size() + 1);
    return key.isEmpty() ? name : key;
}

QString groupKey(const RunIdentity& run, RunGrouping grouping) {
    switch (grouping) {
        case RunGrouping::None:
            return {};
        case RunGrouping::Recipe:
            return run.recipe;
        case RunGrouping::Sweep:
            return sweepKey(run.name, run.recipe);
    }
    return {};
}

RunIdentities::RunIdentities(QObject* parent) : QObject(parent) {}

void RunIdentities::setColorSource(std::function<QColor(const QString& id)> source) {
    color_source_ = std::move(source);
}

void RunIdentities::upsert(const RunIdentity& run) {
    RunIdentity r = run;
    auto old = runs_.constFind(r.id);
    if (!r.color.isValid()) {
        if (old != runs_.constEnd()) {
            r.color = old->color;
        } else if (color_source_ && (r.color = color_source_(r.id)).isValid()) {
            // the stored colour
        } else {
            std::vector<std::string> used;
            for (const RunIdentity& o : runs_)
                used.push_back(o.color.name().toStdString());
            r.color = QColor(QString::fromStdString(nextRunColor(used)));
        }
    }
    if (old != runs_.constEnd() && old->name == r.name && old->recipe == r.recipe &&
        old->beta == r.beta && old->color == r.color)
        return;
    if (old == runs_.constEnd())
        order_.append(r.id);
    runs_.insert(r.id, r);
    Q_EMIT runsChanged();
}

void RunIdentities::remove(const QString& id) {
    if (!runs_.remove(id))
        return;
    order_.removeAll(id);
    hidden_.remove(id);
    if (highlighted_ == id)
        setHighlighted({});
    Q_EMIT runsChanged();
}

QColor RunIdentities::colorOf(const QString& id) const {
    auto it = runs_.constFind(id);
    return it == runs_.constEnd() ? QColor(128, 128, 128) : it->color;
}

QString RunIdentities::labelOf(const QString& id) const {
    auto it = runs_.constFind(id);
    return it == runs_.constEnd() || it->name.isEmpty() ? id : it->name;
}

QString RunIdentities::fullLabelOf(const QString& id) const {
    auto it = runs_.constFind(id);
    if (it == runs_.constEnd())
        return id;
    const QString detail = runDetail(it->recipe, it->beta);
    return detail.isEmpty() ? labelOf(id) : QString("%1 (%2)").arg(labelOf(id), detail);
}

void RunIdentities::setVisible(const QString& id, bool visible) {
    if (isVisible(id) == visible)
        return;
    if (visible)
        hidden_.remove(id);
    else
        hidden_.insert(id, true);
    Q_EMIT visibilityChanged(id, visible);
}

void RunIdentities::setHighlighted(const QString& id) {
    if (highlighted_ == id)
        return;
    highlighted_ = id;
    Q_EMIT highlightChanged(id);
}

void RunIdentities::setGrouping(RunGrouping grouping) {
    if (grouping_ == grouping)
        return;
    grouping_ = grouping;
    Q_EMIT groupingChanged(grouping);
}

void restyleRunBox(QComboBox* box, const RunIdentities* identities,
                   const std::function<QString(const QString&)>& fallback_label) {
    for (int i = 0; i < box->count(); ++i) {
        const QString run = box->itemData(i).toString();
        if (identities && identities->contains(run)) {
            box->setItemText(i, identities->fullLabelOf(run));
            box->setItemData(i, identities->colorOf(run), Qt::DecorationRole);
        } else {
            box->setItemText(i, fallback_label(run));
        }
    }
}

}  // namespace rgpb::widgets
