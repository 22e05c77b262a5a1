#include "core/train/Distributed.h"

#include <torch/torch.h>
#include <torch/version.h>

// Gloo's headers come from Debian's libgloo-dev (a CUDA LibTorch ships its own); NCCL's
// process group is in CUDA builds of LibTorch only (RGPB_TORCH_CUDA, set by CMake).
#if __has_include(<gloo/algorithm.h>)
#define RGPB_HAVE_GLOO 1
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#endif
#if defined(RGPB_TORCH_CUDA) && __has_include(<nccl.h>) && \
    __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#define RGPB_HAVE_NCCL 1
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#endif

#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef RGPB_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef RGPB_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <spdlog/fmt/fmt.h>

#include <chrono>

#include "core/util/Error.h"

namespace rgpb {
namespace {

// ProcessGroupGloo/NCCL derive from ProcessGroup in LibTorch 1.x and from Backend in 2.x; both
// have the collectives used here.
#if TORCH_VERSION_MAJOR >= 2
using GroupBase = c10d::Backend;
#else
using GroupBase = c10d::ProcessGroup;
#endif

// A wait for rank 0's own work (an evaluation, a checkpoint): as long as it takes.
constexpr std::chrono::hours kRootWorkWait{24 * 7};

std::string firstLine(const std::exception& e) {
    std::string s;
    if (const auto* c = dynamic_cast<const c10::Error*>(&e))
        s = c->what_without_backtrace();
    else
        s = e.what();
    const auto nl = s.find('\n');
    return nl == std::string::npos ? s : s.substr(0, nl);
}

bool loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "localhost" || host == "::1";
}

std::vector<uint8_t> bytes(const std::string& s) {
    return {s.begin(), s.end()};
}

}  // namespace

struct Communicator::Groups {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<GroupBase> group;
};

Communicator::Communicator(const DistributedEnv& env, const DistributedConfig& config,
                           const torch::Device& device)
    : env_(env), config_(config), device_(device), groups_(std::make_unique<Groups>()) {
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(config.timeout_s * 1000));
    if (config.backend == "nccl") {
#ifndef RGPB_HAVE_NCCL
        throw Error(
            "distributed.backend nccl needs a CUDA build of LibTorch with NCCL; this is "
            "LibTorch " TORCH_VERSION
            " without it: use distributed.backend gloo (CPU), or build the workbench "
            "against a CUDA LibTorch");
#else
        if (!device.is_cuda())
            throw Error(
                "distributed.backend nccl moves CUDA tensors: set device: cuda (or use "
                "distributed.backend gloo on the CPU)");
#endif
    } else if (config.backend != "gloo") {
        throw InputError("distributed.backend",
                         "expected gloo or nccl, got '" + config.backend + "'");
    }
#ifndef RGPB_HAVE_GLOO
    if (config.backend == "gloo")
        throw Error(
            "distributed.backend gloo: this build has no Gloo headers (Debian: install "
            "libgloo-dev and rebuild); use distributed.backend nccl on GPUs");
#endif
    try {
        c10d::TCPStoreOptions so;
        so.port = static_cast<std::uint16_t>(env.master_port);
        so.isServer = env.root() && !env.agent_store;
        so.waitWorkers = false;
        so.timeout = timeout;
        groups_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
    } catch (const std::exception& e) {
        throw Error("data-parallel rank " + std::to_string(env.rank) + " of " +
                    std::to_string(env.world_size) + ": cannot reach the rendezvous store at " +
                    env.master_addr + ":" + std::to_string(env.master_port) + " within " +
                    std::to_string(config.timeout_s) + " s: " + firstLine(e));
    }
    try {
#ifdef RGPB_HAVE_NCCL
        if (config.backend == "nccl") {
            auto o = c10d::ProcessGroupNCCL::Options::create();
            o->timeout = timeout;
            groups_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(groups_->store, env.rank,
                                                                         env.world_size, o);
        }
#endif
#ifdef RGPB_HAVE_GLOO
        if (config.backend == "gloo") {
            auto o = c10d::ProcessGroupGloo::Options::create(timeout);
            if (!env.gloo_interface.empty())
                o->devices.push_back(
                    c10d::ProcessGroupGloo::createDeviceForInterface(env.gloo_interface));
            else if (loopback(env.master_addr))
                o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
            else
                o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            groups_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(groups_->store, env.rank,
                                                                         env.world_size, o);
        }
#endif
    } catch (const std::exception& e) {
        throw Error("data-parallel rank " + std::to_string(env.rank) + " of " +
                    std::to_string(env.world_size) + ": the " + config.backend +
                    " process group did not form within " + std::to_string(config.timeout_s) +
                    " s: " + firstLine(e));
    }
}

Communicator::~Communicator() = default;

std::string Communicator::describe() const {
    return config_.backend + ", " + std::to_string(env_.world_size) + " process" +
           (env_.world_size == 1 ? "" : "es");
}

namespace {

// Runs one collective; a failure names the rank, what it was doing and the likely cause.
template <class F>
void collective(const DistributedEnv& env, double timeout_s, const char* what, F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        throw Error("data-parallel " + std::string(what) + " failed on rank " +
                    std::to_string(env.rank) + " of " + std::to_string(env.world_size) +
                    " (another rank died, or did not answer within distributed.timeout_s = " +
                    fmt::format("{:g}", timeout_s) + " s): " + firstLine(e));
    }
}

}  // namespace

void Communicator::broadcast(const std::vector<torch::Tensor>& tensors) {
    collective(env_, config_.timeout_s, "broadcast of rank 0's weights", [&] {
        torch::NoGradGuard g;
        for (const torch::Tensor& t : tensors) {
            std::vector<at::Tensor> one{t.is_contiguous() ? t : t.contiguous()};
            groups_->group->broadcast(one)->wait();
            if (!t.is_contiguous())
                t.copy_(one[0]);
        }
    });
}

void Communicator::averageGradients(const std::vector<torch::Tensor>& params,
                                    int64_t bucket_bytes) {
    const auto t0 = std::chrono::steady_clock::now();
    torch::NoGradGuard g;
    std::vector<torch::Tensor> grads;
    grads.reserve(params.size());
    for (const torch::Tensor& p : params) {
        // A parameter this rank's batch did not reach still takes part (with zeros), so every
        // rank reduces the same buckets.
        if (!p.grad().defined())
            const_cast<torch::Tensor&>(p).mutable_grad() = torch::zeros_like(p);
        grads.push_back(p.grad());
    }
    const double scale = 1.0 / static_cast<double>(env_.world_size);
    std::size_t bucket_index = 0;
    std::size_t i = 0;
    while (i < grads.size()) {
        // One bucket: consecutive gradients of one dtype up to bucket_bytes (at least one).
        std::size_t j = i;
        int64_t bytes_in = 0;
        std::vector<torch::Tensor> flat;
        while (j < grads.size() && grads[j].scalar_type() == grads[i].scalar_type() &&
               (j == i || bytes_in + grads[j].numel() * grads[j].element_size() <= bucket_bytes)) {
            bytes_in += grads[j].numel() * grads[j].element_size();
            flat.push_back(grads[j].reshape({-1}));
            ++j;
        }
        // The flat buffers are kept from step to step (the buckets are the same every step): no
        // allocation of the gradients' size per step.
        if (bucket_index >= buckets_.size())
            buckets_.emplace_back();
        torch::Tensor& buffer = buckets_[bucket_index++];
        if (!buffer.defined() || buffer.numel() != bytes_in / grads[i].element_size() ||
            buffer.scalar_type() != grads[i].scalar_type() || buffer.device() != grads[i].device())
            buffer = torch::empty({bytes_in / grads[i].element_size()}, grads[i].options());
        at::cat_out(buffer, flat);
        std::vector<at::Tensor> bucket{buffer};
        collective(env_, config_.timeout_s, "gradient all-reduce",
                   [&] { groups_->group->allreduce(bucket)->wait(); });
        bucket[0].mul_(scale);
        int64_t offset = 0;
        for (std::size_t k = i; k < j; ++k) {
            const int64_t n = grads[k].numel();
            grads[k].copy_(bucket[0].narrow(0, offset, n).view_as(grads[k]));
            offset += n;
        }
        i = j;
    }
    allreduce_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<double> Communicator::sum(const std::vector<double>& values) {
    std::vector<at::Tensor> t{torch::tensor(values, torch::dtype(torch::kFloat64)).to(device_)};
    collective(env_, config_.timeout_s, "reduction of the step's metrics",
               [&] { groups_->group->allreduce(t)->wait(); });
    torch::Tensor out = t[0].to(torch::kCPU);
    return {out.data_ptr<double>(), out.data_ptr<double>() + out.numel()};
}

void Communicator::sumInPlace(torch::Tensor& t) {
    std::vector<at::Tensor> one{t.to(device_).contiguous()};
    collective(env_, config_.timeout_s, "gather of the reference log-probs",
               [&] { groups_->group->allreduce(one)->wait(); });
    t = one[0].to(t.device());
}

std::string Communicator::fromRoot(const std::string& name,
                                   const std::function<std::string()>& work) {
    const std::string key = "rgpb/root/" + std::to_string(round_++) + "/" + name;
    if (root()) {
        std::string value;
        try {
            value = work();
        } catch (const CancelledError& e) {
            groups_->store->set(key, bytes(std::string("~") + e.what()));
            throw;
        } catch (const std::exception& e) {
            groups_->store->set(key, bytes("!" + firstLine(e)));
            throw;
        }
        groups_->store->set(key, bytes("=" + value));
        return value;
    }
    std::vector<uint8_t> got;
    try {
        groups_->store->wait({key}, kRootWorkWait);
        got = groups_->store->get(key);
    } catch (const std::exception& e) {
        throw Error("data-parallel rank " + std::to_string(env_.rank) +
                    ": lost rank 0 while it worked on '" + name + "': " + firstLine(e));
    }
    const std::string s(got.begin(), got.end());
    if (!s.empty() && s[0] == '~')
        throw CancelledError();
    if (s.empty() || s[0] != '=')
        throw Error("rank 0 failed (" + name + "): " + (s.empty() ? s : s.substr(1)));
    return s.substr(1);
}

void Communicator::finish() noexcept {
    try {
        if (!root()) {
            groups_->store->set("rgpb/done/" + std::to_string(env_.rank), bytes("1"));
            return;
        }
        std::vector<std::string> keys;
        for (int r = 1; r < env_.world_size; ++r)
            keys.push_back("rgpb/done/" + std::to_string(r));
        groups_->store->wait(
            keys, std::chrono::milliseconds(static_cast<int64_t>(config_.timeout_s * 1000)));
    } catch (...) {
        // A rank that ended without saying so (killed after the run ended) changes nothing.
    }
}

void Communicator::publish(const std::string& key, const std::string& value) noexcept {
    try {
        groups_->store->set(key, bytes(value));
    } catch (...) {
        // The store may be gone with rank 0 (or the launcher): these keys only help the
        // launcher name the step and the reason, which this rank's log has either way.
    }
}

}  // namespace rgpb
