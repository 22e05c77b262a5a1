#include "core/train/DataOrder.h"

#include <algorithm>
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

DataOrder::DataOrder(uint64_t seed, std::vector<int> lengths, std::size_t batch_size, int64_t epoch,
                     std::size_t cursor)
    : seed_(seed),
      epoch_(epoch),
      cursor_(cursor),
      perm_(lengths.size()),
      lengths_(std::move(lengths)),
      batch_size_(batch_size) {
    requireArgument(!perm_.empty(), "DataOrder", "lengths", "one per pair (no training pairs)", 0);
    requireArgument(batch_size > 0, "DataOrder", "batch_size", "> 0", batch_size);
    requireArgument(cursor <= perm_.size(), "DataOrder", "cursor", "<= size", cursor, " > ",
                    perm_.size());
    shuffle();
}

void DataOrder::shuffle() {
    std::iota(perm_.begin(), perm_.end(), std::size_t(0));
    SeededRandom rng(seed_ * 0x100000001B3ull + static_cast<uint64_t>(epoch_) + 1);
    rng.shuffle(perm_);
    if (lengths_.empty())
        return;
    const std::size_t window = batch_size_ * kLengthGroupBatches;
    for (std::size_t start = 0; start < perm_.size(); start += window) {
        const auto first = perm_.begin() + static_cast<std::ptrdiff_t>(start);
        const auto last =
            perm_.begin() + static_cast<std::ptrdiff_t>(std::min(perm_.size(), start + window));
        std::stable_sort(first, last,
                         [&](std::size_t a, std::size_t b) { return lengths_[a] > lengths_[b]; });
        // Shuffle whole batches inside the window (a short last batch stays last).
        std::vector<std::vector<std::size_t>> batches;
        for (auto it = first; it < last; it += static_cast<std::ptrdiff_t>(std::min<std::size_t>(
                                             batch_size_, static_cast<std::size_t>(last - it))))
            batches.emplace_back(it, it + static_cast<std::ptrdiff_t>(std::min<std::size_t>(
                                              batch_size_, static_cast<std::size_t>(last - it))));
        const bool ragged = batches.back().size() < batch_size_;
        std::vector<std::size_t> order(batches.size() - (ragged ? 1 : 0));
        std::iota(order.begin(), order.end(), std::size_t(0));
        rng.shuffle(order);
        if (ragged)
            order.push_back(batches.size() - 1);
        auto out = first;
        for (std::size_t b : order)
            out = std::copy(batches[b].begin(), batches[b].end(), out);
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
