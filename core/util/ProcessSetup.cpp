#include "core/util/ProcessSetup.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace rgpb {
namespace {

constexpr char kPolicy[] = "OMP_WAIT_POLICY=";
constexpr char kMarker[] = "RGPB_OMP_WAIT_POLICY";
char* g_environment[4096];  // static: no allocator is needed before the C library starts

}  // namespace

void passiveOpenMpWaitAtLoad(int argc, char** argv, char** envp,
                             bool (*wanted)(int argc, char** argv)) {
    if (envp == nullptr || argv == nullptr || (wanted != nullptr && !wanted(argc, argv)))
        return;
    int n = 0;
    for (; envp[n] != nullptr; ++n) {
        if (std::strncmp(envp[n], kPolicy, sizeof kPolicy - 1) == 0)
            return;  // the user's choice stands
    }
    if (n + 3 > static_cast<int>(sizeof g_environment / sizeof g_environment[0]))
        return;
    for (int i = 0; i < n; ++i)
        g_environment[i] = envp[i];
    g_environment[n] = const_cast<char*>("OMP_WAIT_POLICY=PASSIVE");
    g_environment[n + 1] = const_cast<char*>("RGPB_OMP_WAIT_POLICY=rgpb");
    g_environment[n + 2] = nullptr;
    execve("/proc/self/exe", argv, g_environment);
    // No /proc: go on with OpenMP's default policy (openMpWaitPolicy() says so).
}

void keepFreedMemoryForReuse() {
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // glibc's maximum on 64-bit systems
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
}

std::string openMpWaitPolicy() {
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    if (policy == nullptr)
        return "OpenMP's default (spinning)";
    const char* marker = std::getenv(kMarker);
    if (marker != nullptr && std::strcmp(marker, "rgpb") == 0)
        return std::string(policy) + " (rgpb's default)";
    return std::string(policy) + " (OMP_WAIT_POLICY)";
}

}  // namespace rgpb
