// The compute devices this process can train on, for the GUI's device list and `rgpb` messages.
// Torch-free header.
#pragma once

#include <string>
#include <vector>

namespace rgpb {

// "cpu" first, then "cuda:0", "cuda:1", ... for every visible CUDA device.
std::vector<std::string> availableDevices();
// One line for people: "cpu (2 cores); CUDA: none (...)".
std::string describeDevices();

}  // namespace rgpb
