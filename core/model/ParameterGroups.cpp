#include "core/model/ParameterGroups.h"

#include <algorithm>
#include <map>

namespace rgpb {

std::string parameterGroup(const std::string& name) {
    const std::string layers = "layers.";
    const auto at = name.find(layers);
    if (at != std::string::npos) {
        const std::size_t start = at + layers.size();
        const std::size_t end = name.find('.', start);
        return "layer " + std::to_string(std::stoll(name.substr(start, end - start)) + 1);
    }
    if (name.find("embed_in") != std::string::npos || name.find("embed_pos") != std::string::npos)
        return "embeddings";
    return "head";
}

ParameterGrouping groupParameters(const std::vector<std::string>& names) {
    // Display rank: embeddings, then layers by number, then the head.
    auto rank = [](const std::string& name) -> long long {
        const std::string g = parameterGroup(name);
        if (g == "embeddings")
            return -1;
        if (g == "head")
            return 1LL << 40;
        return std::stoll(g.substr(6));  // "layer N"
    };
    std::map<long long, std::string> ordered;
    for (const std::string& n : names)
        ordered.emplace(rank(n), parameterGroup(n));
    ParameterGrouping out;
    std::map<long long, std::size_t> index;
    for (const auto& [r, g] : ordered) {
        index[r] = out.groups.size();
        out.groups.push_back(g);
    }
    for (const std::string& n : names)
        out.group_of.push_back(index[rank(n)]);
    return out;
}

}  // namespace rgpb
