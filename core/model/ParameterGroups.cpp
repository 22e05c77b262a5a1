#include "core/model/ParameterGroups.h"

#include <algorithm>
#include <map>

namespace rgpb {

namespace {

// The number after `prefix` in `name` ("layers.3.mlp" -> 3), or -1 when `prefix` is absent.
long long indexAfter(const std::string& name, const std::string& prefix) {
    const auto at = name.find(prefix);
    if (at == std::string::npos)
        return -1;
    const std::size_t start = at + prefix.size();
    return std::stoll(name.substr(start, name.find('.', start) - start));
}

// Display rank of a group: embeddings, (encoder) layers, decoder layers, head.
constexpr long long kDecoderRank = 1LL << 20, kHeadRank = 1LL << 40;

}  // namespace

std::string parameterGroup(const std::string& name) {
    if (const long long i = indexAfter(name, "layers."); i >= 0)
        return "layer " + std::to_string(i + 1);
    if (const long long i = indexAfter(name, "encoder.block."); i >= 0)
        return "encoder " + std::to_string(i + 1);
    if (const long long i = indexAfter(name, "decoder.block."); i >= 0)
        return "decoder " + std::to_string(i + 1);
    if (name.find("embed_in") != std::string::npos || name.find("embed_pos") != std::string::npos ||
        name.rfind("shared.", 0) == 0)
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
            return kHeadRank;
        if (g.rfind("decoder ", 0) == 0)
            return kDecoderRank + std::stoll(g.substr(8));
        return std::stoll(g.substr(g.find(' ') + 1));  // "layer N", "encoder N"
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
