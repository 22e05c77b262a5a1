// A small seeded random number generator (splitmix64) with the two draws the data code needs:
// an unbiased integer below n and a uniform double. It exists because std::shuffle and
// std::uniform_int_distribution give different results on libstdc++, libc++ and MSVC, and a
// data split or a synthetic data set must be the same for a seed on every platform (a run
// saved on one machine is reproduced on another). splitmix64 is tiny, fast, and passes BigCrush
// for this use; its output for a seed is fixed by its published definition.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace rgpb {

class SeededRandom {
public:
    explicit SeededRandom(uint64_t seed) : state_(seed) {}

    // splitmix64 (Steele, Lea, Flood 2014; Vigna's reference code).
    uint64_t next() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    // Uniform in [0, n), n > 0, without modulo bias: draws above the largest multiple of n are
    // rejected (at most one extra draw on average).
    uint64_t below(uint64_t n) {
        const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
        uint64_t x = next();
        while (x >= limit) {
            x = next();
        }
        return x % n;
    }

    // Uniform in [0, 1) from the top 53 bits (exactly representable doubles).
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    // True with probability p (never for p <= 0, always for p >= 1). A draw is taken even then,
    // so the draws that follow do not depend on p (changing one knob changes nothing else).
    bool chance(double p) { return unit() < p; }

    // Fisher-Yates, last element first (Durstenfeld).
    template <typename T>
    void shuffle(std::vector<T>& items) {
        for (std::size_t i = items.size(); i > 1; --i) {
            const std::size_t j = static_cast<std::size_t>(below(i));
            std::swap(items[i - 1], items[j]);
        }
    }

private:
    uint64_t state_;
};

}  // namespace rgpb
