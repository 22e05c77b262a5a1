#include "core/train/DataOrder.h"

#include <numeric>

#include "core/util/Error.h"

namespace rgpb {

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

DataOrder::DataOrder(uint64_t seed, std::size_t size, int64_t epoch, std::size_t cursor)
    : seed_(seed), epoch_(epoch), cursor_(cursor), perm_(size) {
    requireArgument(size > 0, "DataOrder", "size", "> 0 (no training pairs)", size);
    requireArgument(cursor <= size, "DataOrder", "cursor", "<= size", cursor, " > ", size);
    shuffle();
}

void DataOrder::shuffle() {
    std::iota(perm_.begin(), perm_.end(), std::size_t(0));
    uint64_t state = seed_ * 0x100000001B3ull + static_cast<uint64_t>(epoch_) + 1;
    for (std::size_t i = perm_.size(); i > 1; --i) {
        std::size_t j = static_cast<std::size_t>(splitmix64(state) % i);
        std::swap(perm_[i - 1], perm_[j]);
    }
}

std::vector<std::size_t> DataOrder::next(std::size_t count) {
    std::vector<std::size_t> out;
    out.reserve(count);
    while (out.size() < count) {
        if (cursor_ == perm_.size()) {
            ++epoch_;
            cursor_ = 0;
            shuffle();
        }
        out.push_back(perm_[cursor_++]);
    }
    return out;
}

}  // namespace rgpb
