// Numbers as the gradient lab's files write them (measure and replay): CSV fields with 9
// significant digits ("nan", "inf", "-inf" for the non-finite), and JSON numbers (null for the
// non-finite); the output folder. Torch-free; implemented in GradientMeasureSummary.cpp.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace rgpb {

std::string gradlabNumber(double v);
nlohmann::ordered_json gradlabJsonNumber(double v);

// Creates the output folder `dir` (InputError naming it when that fails) and returns the path
// of `name` inside it.
std::string gradlabOutputFile(const std::string& dir, const char* name);

}  // namespace rgpb
