// Tensor descriptions for error messages ("[2, 3, 5]"). Implementation header (LibTorch).
#pragma once

#include <torch/types.h>

#include <sstream>
#include <string>

namespace rgpb {

inline std::string shapeOf(const torch::Tensor& t) {
    if (!t.defined())
        return "undefined";
    std::ostringstream out;
    out << t.sizes();
    return out.str();
}

}  // namespace rgpb
