#include "core/run/RunStatus.h"

namespace rgpb {

namespace {
constexpr RunStatus kAll[] = {RunStatus::Queued,   RunStatus::Running, RunStatus::Paused,
                              RunStatus::Finished, RunStatus::Failed,  RunStatus::Cancelled};
}

const char* runStatusName(RunStatus status) {
    switch (status) {
        case RunStatus::Queued:
            return "queued";
        case RunStatus::Running:
            return "running";
        case RunStatus::Paused:
            return "paused";
        case RunStatus::Finished:
            return "finished";
        case RunStatus::Failed:
            return "failed";
        case RunStatus::Cancelled:
            return "cancelled";
    }
    return "failed";
}

std::optional<RunStatus> parseRunStatus(const std::string& text) {
    for (RunStatus s : kAll) {
        if (text == runStatusName(s))
            return s;
    }
    return std::nullopt;
}

bool isActive(RunStatus status) {
    return status == RunStatus::Queued || status == RunStatus::Running ||
           status == RunStatus::Paused;
}

}  // namespace rgpb
