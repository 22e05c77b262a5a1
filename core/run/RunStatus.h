// The state of a run, as one enum for the trainer, the run store, the command line and the
// window. It becomes text only at the edges: summary.json, tables, labels (runStatusName), and
// is read back from text by parseRunStatus. Torch-free (rgpb_core_light).
#pragma once

#include <optional>
#include <string>

namespace rgpb {

enum class RunStatus {
    Queued,     // waiting in the window's queue (never written by the trainer)
    Running,    // training now
    Paused,     // training, held by the user (window only)
    Finished,   // every stage done; final weights saved
    Failed,     // stopped by an error (the reason says which)
    Cancelled,  // stopped by the user or --stop-after, with a checkpoint
};

// "queued", "running", "paused", "finished", "failed", "cancelled".
const char* runStatusName(RunStatus status);
// The inverse of runStatusName; nullopt for any other text.
std::optional<RunStatus> parseRunStatus(const std::string& text);
// Queued, running or paused: the run may still change.
bool isActive(RunStatus status);

}  // namespace rgpb
