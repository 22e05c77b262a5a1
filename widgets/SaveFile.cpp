#include "widgets/SaveFile.h"

#include <QBuffer>
#include <QFile>

#include <exception>
#include <string>

#include "core/util/SafeFile.h"

namespace rgpb::widgets {

QString saveFile(const QString& path, const QByteArray& bytes) {
    if (path.isEmpty())
        return "no file name given";
    try {
        // The folder must exist (a save dialog's choice does): a typo is not a new folder.
        AtomicFile file(QFile::encodeName(path).toStdString());
        file.write(bytes.constData(), static_cast<std::size_t>(bytes.size()));
        file.commit();
    } catch (const std::exception& e) {
        return QString::fromLocal8Bit(e.what());
    }
    return {};
}

QString saveRendered(const QString& path, const std::function<bool(QIODevice&)>& render) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    if (!buffer.open(QIODevice::WriteOnly) || !render(buffer))
        return path + ": could not be rendered";
    buffer.close();
    return saveFile(path, bytes);
}

}  // namespace rgpb::widgets
