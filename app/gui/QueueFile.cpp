#include "app/gui/QueueFile.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <filesystem>

#include "core/run/RunStore.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace rgpb::app {

QString queueFilePath(const QString& runs_dir) {
    return QDir(runs_dir).filePath("queue.json");
}

void writeQueueFile(const QString& runs_dir, const QVector<QueuedRun>& runs) {
    const QString path = queueFilePath(runs_dir);
    if (runs.isEmpty()) {
        std::error_code ec;
        std::filesystem::remove(path.toStdString(), ec);
        return;
    }
    QJsonArray list;
    for (const QueuedRun& r : runs) {
        QJsonObject o{{"dir", r.dir}};
        if (r.resume)
            o["resume"] = true;
        else
            o["config"] = r.config_yaml;
        list.append(o);
    }
    QDir().mkpath(runs_dir);
    const QJsonObject root{{"queued", list}};
    writeFileAtomic(path.toStdString(), QJsonDocument(root).toJson().toStdString());
}

QVector<QueuedRun> readQueueFile(const QString& runs_dir) {
    const QString path = queueFilePath(runs_dir);
    if (!QFile::exists(path))
        return {};
    QJsonParseError error;
    const QJsonDocument doc =
        QJsonDocument::fromJson(QByteArray::fromStdString(readFile(path.toStdString())), &error);
    if (doc.isNull())
        throw InputError(path.toStdString(), error.errorString().toStdString());
    if (!doc.object().value("queued").isArray())
        throw InputError(path.toStdString(), "expected an object with a 'queued' list");
    QVector<QueuedRun> runs;
    for (const QJsonValue& v : doc.object().value("queued").toArray()) {
        const QJsonObject o = v.toObject();
        QueuedRun r;
        r.dir = o.value("dir").toString();
        r.resume = o.value("resume").toBool();
        r.config_yaml = o.value("config").toString();
        if (r.dir.isEmpty() || (!r.resume && r.config_yaml.isEmpty()))
            throw InputError(path.toStdString(),
                             "each queued run needs a 'dir' and a 'config' (or 'resume': true)");
        runs.append(r);
    }
    return runs;
}

}  // namespace rgpb::app
