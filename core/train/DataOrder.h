// The order in which training pairs are visited: a seeded permutation per epoch, advanced by a
// cursor. Its whole state is (seed, epoch, cursor), which checkpoints save, so a resumed run
// sees exactly the batches an uninterrupted one would. Shuffles with SeededRandom
// (core/data/SeededRandom.h), the same on every platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rgpb {

class DataOrder {
public:
    DataOrder(uint64_t seed, std::size_t size, int64_t epoch = 0, std::size_t cursor = 0);
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
};

}  // namespace rgpb
