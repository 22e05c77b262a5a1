// Data-parallel training on c10d (PyTorch's own distributed engine): one Communicator per rank,
// made by the Trainer when the process runs under a launcher (DistributedEnv). Gloo moves CPU
// tensors; NCCL (a CUDA build of LibTorch) moves CUDA tensors. The c10d headers stay in
// Distributed.cpp; this header is the Trainer's (LibTorch through <torch/types.h>).
//
// What the ranks exchange:
//  - rank 0's initial weights (broadcast), so every rank starts from the same model;
//  - the gradients, summed in flat buckets and divided by the world size before clipping;
//  - the step's scalars (loss, token counts, the objective's statistics) and whether any rank
//    was asked to stop, in one small all-reduce;
//  - the DPO reference table, computed in shards and summed;
//  - through the TCPStore: the run folder rank 0 chose, each rank's last step, a rank's failure
//    reason, and rank 0's "go" after the work only it does (evaluation, checkpoints, writing).
// Every collective waits at most distributed.timeout_s; waits for rank 0's own work wait as
// long as it runs (a rank that dies ends them at once: its connection closes).
#pragma once

#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config/RunConfig.h"
#include "core/train/DistributedEnv.h"

namespace rgpb {

class Communicator {
public:
    // Joins the process group: connects to the TCPStore (rank 0 hosts it unless the launcher
    // does) and meets the other ranks. Throws Error with the reason (NCCL without CUDA, a
    // backend this LibTorch lacks, no rendezvous within the timeout).
    Communicator(const DistributedEnv& env, const DistributedConfig& config,
                 const torch::Device& device);
    ~Communicator();
    Communicator(const Communicator&) = delete;
    Communicator& operator=(const Communicator&) = delete;

    int rank() const { return env_.rank; }
    int size() const { return env_.world_size; }
    bool root() const { return env_.rank == 0; }
    // "gloo, 2 processes"
    std::string describe() const;

    // Rank 0's values of `tensors` on every rank (in place).
    void broadcast(const std::vector<torch::Tensor>& tensors);
    // Every gradient summed over the ranks and divided by the world size, in flat buckets of at
    // most `bucket_bytes` (one collective per bucket, not per parameter).
    void averageGradients(const std::vector<torch::Tensor>& params,
                          int64_t bucket_bytes = 25 << 20);
    // The element-wise sum of `values` over the ranks.
    std::vector<double> sum(const std::vector<double>& values);
    // `t` summed over the ranks, in place.
    void sumInPlace(torch::Tensor& t);

    // Rank 0 runs `work` and publishes its result under `key`; the other ranks wait (as long as
    // rank 0 works) and return what it published. Rank 0's exception is the others' failure:
    // it publishes "!" + its reason before rethrowing.
    std::string fromRoot(const std::string& key, const std::function<std::string()>& work);
    // Sets a TCPStore key for the launcher (store_key: the run folder, this rank's last step,
    // its failure reason); best effort, never throws.
    void publish(const std::string& key, const std::string& value) noexcept;

    // The end of a run every rank reached: rank 0 waits (up to timeout_s) until the others
    // say they are done, so that it does not take the store (which it may host) away while they
    // still read rank 0's last word. Never throws.
    void finish() noexcept;

    // Seconds spent in gradient all-reduces so far (the benchmark's number).
    double allReduceSeconds() const { return allreduce_s_; }

private:
    struct Groups;
    DistributedEnv env_;
    DistributedConfig config_;
    torch::Device device_;
    std::unique_ptr<Groups> groups_;
    int64_t round_ = 0;  // fromRoot() calls so far: each key is used once
    double allreduce_s_ = 0.0;
    std::vector<torch::Tensor> buckets_;  // averageGradients()' flat buffers, reused each step
};

}  // namespace rgpb
