#include "core/util/Devices.h"

#include <torch/torch.h>

#include <algorithm>
#include <thread>

namespace rgpb {

std::vector<std::string> availableDevices() {
    std::vector<std::string> out = {"cpu"};
    if (torch::cuda::is_available()) {
        for (std::size_t i = 0; i < torch::cuda::device_count(); ++i) {
            out.push_back("cuda:" + std::to_string(i));
        }
    }
    return out;
}

std::string describeDevices() {
    std::string s = "cpu (" + std::to_string(std::max(1u, std::thread::hardware_concurrency())) + " cores)";
    auto all = availableDevices();
    if (all.size() == 1) return s + "; CUDA: none (this LibTorch " TORCH_VERSION " build or machine has no GPU)";
    s += "; CUDA:";
    for (std::size_t i = 1; i < all.size(); ++i) s += " " + all[i];
    return s;
}

}  // namespace rgpb
