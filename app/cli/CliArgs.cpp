#include "app/cli/CliArgs.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/util/Error.h"

namespace rgpb::cli {
namespace {

bool parseDouble(const std::string& s, double& out) {
    if (s.empty())
        return false;
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end && *end == '\0';
}

// "--data VALUE, --format VALUE, --plain": what a command accepts, for an unknown option.
std::string acceptedOptions(const std::vector<std::string>& flags_with_values,
                            const std::vector<std::string>& switches) {
    std::string out;
    for (const std::string& f : flags_with_values)
        out += (out.empty() ? "--" : ", --") + f + " VALUE";
    for (const std::string& f : switches)
        out += (out.empty() ? "--" : ", --") + f;
    return out.empty() ? "no options" : out;
}

}  // namespace

CliArgs::CliArgs(const std::vector<std::string>& args,
                 const std::vector<std::string>& flags_with_values,
                 const std::vector<std::string>& switches) {
    auto takes = [&](const std::string& f) {
        return std::find(flags_with_values.begin(), flags_with_values.end(), f) !=
               flags_with_values.end();
    };
    auto isSwitch = [&](const std::string& f) {
        return std::find(switches.begin(), switches.end(), f) != switches.end();
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) != 0 || a == "--") {
            positional_.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        bool inline_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inline_value = true;
        }
        if (isSwitch(name)) {
            if (inline_value)
                throw UsageError("option --" + name + " takes no value");
            flags_.emplace(name, "");
        } else if (takes(name)) {
            if (!inline_value) {
                if (i + 1 >= args.size())
                    throw UsageError("option --" + name + " needs a value");
                value = args[++i];
            }
            flags_.emplace(name, value);
        } else {
            throw UsageError("unknown option --" + name +
                             "; accepted: " + acceptedOptions(flags_with_values, switches));
        }
    }
}

bool CliArgs::has(const std::string& flag) const {
    return flags_.count(flag) > 0;
}

std::optional<std::string> CliArgs::value(const std::string& flag) const {
    auto range = flags_.equal_range(flag);
    if (range.first == range.second)
        return std::nullopt;
    return std::prev(range.second)->second;
}

std::vector<std::string> CliArgs::values(const std::string& flag) const {
    std::vector<std::string> out;
    auto range = flags_.equal_range(flag);
    for (auto it = range.first; it != range.second; ++it)
        out.push_back(it->second);
    return out;
}

double CliArgs::number(const std::string& flag, double fallback) const {
    auto v = value(flag);
    if (!v)
        return fallback;
    double d = 0;
    if (!parseDouble(*v, d) || !std::isfinite(d)) {
        throw Error("option --" + flag + " expects a number, got '" + *v + "'");
    }
    return d;
}

long long CliArgs::integer(const std::string& flag, long long fallback) const {
    double d = number(flag, static_cast<double>(fallback));
    if (d != std::floor(d)) {
        throw Error("option --" + flag + " expects a whole number, got '" + *value(flag) + "'");
    }
    return static_cast<long long>(d);
}

std::vector<double> parseNumberList(const std::string& flag, const std::string& text) {
    std::vector<double> out;
    const std::string expected =
        "a number, a comma-separated list (0.05,0.1) or a range "
        "start:stop:count (0.01:0.99:99)";
    if (std::count(text.begin(), text.end(), ':') == 2) {
        auto a = text.find(':'), b = text.rfind(':');
        double lo = 0, hi = 0, n = 0;
        if (!parseDouble(text.substr(0, a), lo) ||
            !parseDouble(text.substr(a + 1, b - a - 1), hi) ||
            !parseDouble(text.substr(b + 1), n) || n < 1 || n != std::floor(n) || n > 1e6) {
            throw Error("option --" + flag + " expects " + expected + ", got '" + text + "'");
        }
        int count = static_cast<int>(n);
        for (int i = 0; i < count; ++i) {
            out.push_back(count == 1 ? lo : lo + (hi - lo) * i / (count - 1));
        }
        return out;
    }
    std::size_t start = 0;
    while (start <= text.size()) {
        auto comma = text.find(',', start);
        std::string part =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        double d = 0;
        if (!parseDouble(part, d)) {
            throw Error("option --" + flag + " expects " + expected + ", got '" + text + "'");
        }
        out.push_back(d);
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return out;
}

}  // namespace rgpb::cli
