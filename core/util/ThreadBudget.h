// The cores of this process, shared by the runs that train in it at the same time.
//
// Each training run takes a lease when it starts and returns it when it ends. A lease's share is
// the cores divided among the runs holding leases (at least 1), capped by the threads the run
// asked for (0 = no cap), so that N concurrent runs x T threads <= cores and no run spins on a
// core another run needs. Shares change as runs come and go; a run reads its share between steps
// and applies it (LibTorch's thread count is per thread under OpenMP). Torch-free.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

namespace rgpb {

class ThreadBudget {
public:
    class Lease {
    public:
        Lease(Lease&&) noexcept;
        Lease& operator=(Lease&&) noexcept;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease();
        struct Share {
            int threads = 1;  // this run's share now
            int runs = 1;     // leases held now, this one included
            int cores = 1;
        };
        Share share() const;  // one consistent reading
        int threads() const { return share().threads; }
        int concurrentRuns() const { return share().runs; }

    private:
        friend class ThreadBudget;
        Lease(ThreadBudget* budget, int requested) : budget_(budget), requested_(requested) {}
        ThreadBudget* budget_;
        int requested_;
    };

    explicit ThreadBudget(int cores);
    // The process's budget: std::thread::hardware_concurrency() cores.
    static ThreadBudget& process();

    // `requested` > 0 caps the share (RunConfig::threads); 0 takes the fair share.
    Lease acquire(int requested);
    int cores() const { return cores_; }
    int leases() const;

private:
    void release();
    Lease::Share shareFor(int requested) const;
    const int cores_;
    mutable std::mutex mutex_;
    int leases_ = 0;
};

}  // namespace rgpb
