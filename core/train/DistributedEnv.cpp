#include "core/train/DistributedEnv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>

#include <cstdlib>
#include <string>

#include "core/util/Error.h"

namespace rgpb {
namespace {

std::optional<std::string> variable(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0')
        return std::nullopt;
    return std::string(v);
}

int64_t integerVariable(const char* name, int64_t min, int64_t max, int64_t fallback) {
    const std::optional<std::string> v = variable(name);
    if (!v)
        return fallback;
    std::size_t used = 0;
    int64_t n = 0;
    try {
        n = std::stoll(*v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v->size() || n < min || n > max)
        throw InputError(std::string("environment variable ") + name,
                         "expected a whole number in [" + std::to_string(min) + ", " +
                             std::to_string(max) + "], got '" + *v + "'");
    return n;
}

}  // namespace

std::optional<DistributedEnv> distributedEnvFromProcess() {
    if (!variable("WORLD_SIZE")) {
        if (variable("RANK"))
            throw InputError("environment variable RANK",
                             "is set but WORLD_SIZE is not: a data-parallel launcher sets both "
                             "(and MASTER_ADDR, MASTER_PORT)");
        return std::nullopt;
    }
    DistributedEnv e;
    e.world_size = static_cast<int>(integerVariable("WORLD_SIZE", 1, 1 << 20, 1));
    if (!variable("RANK"))
        throw InputError("environment variable RANK", "is missing (WORLD_SIZE is set)");
    e.rank = static_cast<int>(integerVariable("RANK", 0, e.world_size - 1, 0));
    e.local_rank = static_cast<int>(integerVariable("LOCAL_RANK", 0, 1 << 20, e.rank));
    e.local_world_size =
        static_cast<int>(integerVariable("LOCAL_WORLD_SIZE", 1, 1 << 20, e.world_size));
    if (e.world_size > 1 && !variable("MASTER_PORT"))
        throw InputError("environment variable MASTER_PORT",
                         "is missing: the ranks meet at MASTER_ADDR:MASTER_PORT");
    e.master_addr = variable("MASTER_ADDR").value_or("127.0.0.1");
    e.master_port = static_cast<int>(integerVariable("MASTER_PORT", 1, 65535, 29500));
    const std::string agent = variable("TORCHELASTIC_USE_AGENT_STORE").value_or("");
    e.agent_store = agent == "True" || agent == "true" || agent == "1";
    e.gloo_interface = variable("GLOO_SOCKET_IFNAME").value_or("");
    return e;
}

std::string deviceWithProcesses(const std::string& device, int64_t nproc) {
    return nproc > 1 ? device + " x " + std::to_string(nproc) + " processes" : device;
}

std::pair<std::string, int64_t> splitDeviceProcesses(const std::string& entry) {
    static const std::regex re(R"(^\s*(\S+) x (\d{1,4}) process(es)?\s*$)");
    std::smatch m;
    if (std::regex_match(entry, m, re))
        return {m[1].str(), std::stoll(m[2].str())};
    return {entry, 0};
}

int freeLoopbackPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        throw Error(std::string("cannot open a socket for the ranks' rendezvous: ") +
                    std::strerror(errno));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok)
        throw Error(std::string("no free port on 127.0.0.1 for the ranks' rendezvous: ") +
                    std::strerror(err));
    return ntohs(a.sin_port);
}

namespace store_key {
std::string step(int rank) {
    return "rgpb/step/" + std::to_string(rank);
}
std::string error(int rank) {
    return "rgpb/error/" + std::to_string(rank);
}
}  // namespace store_key

}  // namespace rgpb
