#include "core/util/ProcessStats.h"

#include <fstream>
#include <string>

namespace rgpb {

double peakResidentMemoryMb() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stod(line.substr(6)) / 1024.0;
    }
    return -1.0;
}

void resetPeakResidentMemory() {
    std::ofstream("/proc/self/clear_refs") << "5";
}

}  // namespace rgpb
