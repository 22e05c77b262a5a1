// What the torch-free widgets ask of the core, in one place: YAML validation and writing for
// the config editor, the choices its form offers (model sizes, devices, data formats), a data
// preview read in the background, and landscape points (perplexity and agility with bootstrap
// intervals) from a run folder. The widgets get these as callbacks and plain values.
#pragma once

#include <QString>
#include <optional>

#include "app/gui/WorkerJob.h"
#include "core/run/RunStore.h"
#include "widgets/ConfigEditor.h"
#include "widgets/LandscapeView.h"

namespace rgpb::app {

// Parses the editor's text and checks that the files it names exist (core/config/InputPaths.h).
widgets::ValidationResult validateYaml(const QString& yaml);
// The config written into the editor's text, its comments kept (core/config/RunConfigMerge.h).
QString configToYaml(const RunConfig& config, const QString& previous);
widgets::ConfigChoices configChoices();
using PreviewDone = std::function<void(const widgets::DataPreview&)>;
// Reads the first `count` training pairs of `data` as a run with `seed` would, on a WorkerJob
// that is a child of `context`: `done` runs on the GUI thread, and destroying `context` joins
// the reader and drops a result not yet delivered.
void previewData(const DataConfig& data, quint64 seed, QObject* context, PreviewDone done,
                 int count = 20);
// previewData() with the reader given (tests pass a slow one). The job deletes itself when done.
WorkerJob* startPreview(QObject* context, std::function<widgets::DataPreview()> read,
                        PreviewDone done);
// Synchronous form of the above (tests, the worker).
widgets::DataPreview readDataPreview(const DataConfig& data, quint64 seed, int count = 20);
// Gives the editor the form, the preview, and the core's choices.
void connectEditorToCore(widgets::ConfigEditor* editor);

// The landscape point of a run from its latest evaluation on disk (eval_pairs.csv), with 95%
// bootstrap intervals (1000 resamples, seeded by the run's step). nullopt when the run has not
// been evaluated yet or its file is unreadable.
std::optional<widgets::LandscapePoint> landscapePoint(const RunSummary& summary);

}  // namespace rgpb::app
