// The window's file writes (plot and table exports, presets, study files, typed prompts) go
// through the core's one writer, rgpb::AtomicFile (core/util/SafeFile.h): a temporary file
// created exclusively beside the target, synced and renamed over it; the folder must exist. A
// half-written file never replaces a whole one, and a symbolic link at the chosen name is replaced,
// never written through.
#pragma once

#include <QByteArray>
#include <QIODevice>
#include <QString>

#include <functional>

namespace rgpb::widgets {

// Writes `bytes` to `path`. Returns an empty string, or why it failed (the path and the
// system's reason, e.g. "No space left on device").
QString saveFile(const QString& path, const QByteArray& bytes);

// Renders with `render` into memory (a QBuffer open for writing), then saveFile()s the bytes.
// `render` returns false when it could not render; that is reported as such.
QString saveRendered(const QString& path, const std::function<bool(QIODevice&)>& render);

}  // namespace rgpb::widgets
