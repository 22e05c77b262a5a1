#include "core/train/DataOrder.h"

#include <numeric>

#include "core/data/SeededRandom.h"
#include "core/util/Error.h"

namespace rgpb {

DataOrder::DataOrder(uint64_t seed, std::size_t size, int64_t epoch, std::size_t cursor)
    : seed_(seed), epoch_(epoch), cursor_(cursor), perm_(size) {
    requireArgument(size > 0, "DataOrder", "size", "> 0 (no training pairs)", size);
    requireArgument(cursor <= size, "DataOrder", "cursor", "<= size", cursor, " > ", size);
    shuffle();
}

void DataOrder::shuffle() {
    std::iota(perm_.begin(), perm_.end(), std::size_t(0));
    SeededRandom rng(seed_ * 0x100000001B3ull + static_cast<uint64_t>(epoch_) + 1);
    rng.shuffle(perm_);
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
