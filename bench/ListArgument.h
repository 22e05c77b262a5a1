// The benchmarks' list arguments: "micro,tiny" or "1 2" -> {"micro", "tiny"} / {"1", "2"}.
#pragma once

#include <string>
#include <vector>

namespace rgpb::bench {

inline std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    std::string item;
    for (char c : text + ",") {
        if (c == ',' || c == ' ') {
            if (!item.empty())
                out.push_back(item);
            item.clear();
        } else {
            item += c;
        }
    }
    return out;
}

}  // namespace rgpb::bench
