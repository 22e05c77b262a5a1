// The gradient lab commands' progress line on stderr (measure and replay):
// "gradlab replay: [######......] 12/24 steps (50%), 3 s, ETA 3 s", once per whole percent and
// at the end.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

namespace rgpb::cli {

inline std::function<void(std::size_t, std::size_t)> gradlabProgress(const std::string& label,
                                                                     const std::string& unit) {
    struct State {
        std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
        int last_pct = -1;
    };
    auto state = std::make_shared<State>();
    return [state, label, unit](std::size_t done, std::size_t total) {
        const int pct = static_cast<int>(100 * done / std::max<std::size_t>(1, total));
        if (pct == state->last_pct && done != total)
            return;
        state->last_pct = pct;
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - state->t0).count();
        const double eta =
            done > 0 ? s * static_cast<double>(total - done) / static_cast<double>(done) : 0.0;
        const int width = 20, fill = width * pct / 100;
        std::cerr << label << ": [" << std::string(static_cast<std::size_t>(fill), '#')
                  << std::string(static_cast<std::size_t>(width - fill), '.') << "] " << done << "/"
                  << total << " " << unit << " (" << pct << "%), " << static_cast<int>(s)
                  << " s, ETA " << static_cast<int>(eta) << " s\n";
    };
}

}  // namespace rgpb::cli
