// Which data-parallel process this is: torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR, MASTER_PORT), read and checked once, and the keys ranks and the launcher share
// in the c10d TCPStore. Torch-free (rgpb_core_light); the process group is Distributed.h's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace rgpb {

struct DistributedEnv {
    int rank = 0;
    int world_size = 1;
    int local_rank = 0;
    int local_world_size = 1;  // ranks on this machine (LOCAL_WORLD_SIZE; default WORLD_SIZE)
    std::string master_addr = "127.0.0.1";
    int master_port = 29500;
    // TORCHELASTIC_USE_AGENT_STORE=True: the launcher (torchrun's agent, or `rgpb train --nproc`)
    // hosts the TCPStore and every rank is its client; otherwise rank 0 hosts it.
    bool agent_store = false;
    // Gloo's network interface (GLOO_SOCKET_IFNAME), empty: by MASTER_ADDR.
    std::string gloo_interface;

    bool root() const { return rank == 0; }
};

// This process's place in a data-parallel run: nullopt when WORLD_SIZE is not set (one process,
// no c10d). Throws InputError naming the variable and what it expected when one is malformed
// or missing (RANK without WORLD_SIZE, RANK >= WORLD_SIZE, a port out of range).
std::optional<DistributedEnv> distributedEnvFromProcess();

// The device picker's entry for a run of `nproc` data-parallel processes on `device`: "cpu"
// (one process), "cpu x 2 processes".
std::string deviceWithProcesses(const std::string& device, int64_t nproc);
// Its inverse: "cpu x 2 processes" -> {"cpu", 2}; a plain device -> {device, 0}.
std::pair<std::string, int64_t> splitDeviceProcesses(const std::string& entry);

// A TCP port on 127.0.0.1 that nothing listens on now (for rank 0's store when this process is
// rank 0 and starts the other ranks itself). Throws Error when none can be had.
int freeLoopbackPort();

// The TCPStore keys of a run (one place for both sides): the run folder rank 0 chose, each
// rank's last finished step and, when it fails, its reason.
namespace store_key {
inline const char* runDir() {
    return "rgpb/run_dir";
}
std::string step(int rank);
std::string error(int rank);
}  // namespace store_key

}  // namespace rgpb
