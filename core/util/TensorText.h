// Tensor descriptions for error messages ("[2, 3, 5]"). Implementation header (LibTorch).
#pragma once

#include <torch/types.h>

#include <string>

namespace rgpb {

inline std::string shapeText(c10::IntArrayRef shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

inline std::string shapeOf(const torch::Tensor& t) {
    return t.defined() ? shapeText(t.sizes()) : "undefined";
}

}  // namespace rgpb
