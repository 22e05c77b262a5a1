// The order in which training pairs are visited: a seeded permutation per epoch, advanced by a
// cursor. Its whole state is (seed, epoch, cursor), which checkpoints save, so a resumed run
// sees exactly the batches an uninterrupted one would. Shuffles with SeededRandom
// (core/data/SeededRandom.h), the same on every platform.
//
// Grouped by length (data.batch_order: by-length, issue 19): each epoch's permutation is cut
// into windows of `batch_size` x kLengthGroupBatches pairs; inside a window the pairs are
// sorted by length (longest first) and cut into batches, and the batches' order inside the
// window is shuffled. Batches then hold pairs of similar length, so less of each batch is
// padding, while every pair is still seen once per epoch in a seeded random window. The state
// is still (seed, epoch, cursor): resuming with the same lengths and batch size is exact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rgpb {

class DataOrder {
public:
    DataOrder(uint64_t seed, std::size_t size, int64_t epoch = 0, std::size_t cursor = 0);
    // By length: `lengths[i]` is pair i's padded length (the longer of its two sequences).
    DataOrder(uint64_t seed, std::vector<int> lengths, std::size_t batch_size, int64_t epoch = 0,
              std::size_t cursor = 0);
    static constexpr std::size_t kLengthGroupBatches = 32;
    // The next `count` indices, wrapping into a freshly shuffled epoch when one runs out.
    std::vector<std::size_t> next(std::size_t count);
    int64_t epoch() const { return epoch_; }
    std::size_t cursor() const { return cursor_; }
    std::size_t size() const { return perm_.size(); }

private:
    void shuffle();
    uint64_t seed_;
    int64_t epoch_;
    std::size_t cursor_;
    std::vector<std::size_t> perm_;
    std::vector<int> lengths_;    // empty: plain shuffle
    std::size_t batch_size_ = 0;  // by length: the batch the windows are cut into
};

}  // namespace rgpb
