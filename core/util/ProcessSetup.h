// How every rgpb executable starts (RGPB_PROCESS_SETUP() beside its main()): OpenMP's wait
// policy, chosen before OpenMP starts, and an allocator that keeps freed memory for reuse.
//
// Memory: glibc's malloc serves blocks above its mmap threshold (128 KiB, adapting upwards
// only after such blocks are freed) with fresh pages from the kernel and returns them at
// free(). A training step allocates and frees its activations and gradients (megabytes each)
// every step, so every step page-faults and zeroes them again: issue 19 measured the exact
// GELU backward at 2-6 ms per call in a training step against 0.4 ms on reused memory, and the
// whole micro/tiny step ~40% faster with freed memory kept. keepFreedMemoryForReuse() raises
// the threshold to glibc's maximum (32 MiB) and keeps freed memory in the heap: the process
// holds on to its peak working set (what the step needs anyway) instead of returning it.
//
// With OpenMP's default wait policy, LibTorch's worker threads spin on their core between
// parallel regions; as soon as anything else runs on the machine (a second run, a build, the
// GUI) training becomes several times slower (issue 19 measured 7x). Every rgpb executable
// therefore starts with OMP_WAIT_POLICY=PASSIVE unless the user set a policy.
//
// GNU OpenMP reads the variable once, in its library constructor, before main(); setting it in
// main() does nothing (and in .preinit_array the C library's environment is not set up yet).
// RGPB_PROCESS_SETUP() puts a function into the executable's .preinit_array, which the
// dynamic loader runs before any library's initialiser: when OMP_WAIT_POLICY is unset it
// executes the program again with OMP_WAIT_POLICY=PASSIVE added to its environment (and
// RGPB_OMP_WAIT_POLICY=rgpb, to say who chose it). No library has started at that point, but
// the loader has mapped and relocated them all: loading twice costs ~0.3 s with LibTorch, so a
// program whose short commands do no tensor work (rgpb runs, rgpb judge-stats) asks only for
// the commands that train or compute (RGPB_PROCESS_SETUP_WHEN).
#pragma once

#include <string>

namespace rgpb {

// The .preinit_array entry: uses only execve and its own static storage. `wanted` (may be
// null: always) says from the command line whether the program will do tensor work; it runs
// before the C++ run-time starts, so it may use only C string functions.
void passiveOpenMpWaitAtLoad(int argc, char** argv, char** envp,
                             bool (*wanted)(int argc, char** argv));

// mallopt(): blocks up to 32 MiB from the heap, freed memory kept for reuse (see above).
void keepFreedMemoryForReuse();

// The policy in effect, said for logs: "PASSIVE (rgpb's default)", "ACTIVE (OMP_WAIT_POLICY)",
// or "OpenMP's default (spinning)".
std::string openMpWaitPolicy();

}  // namespace rgpb

// Use once, at namespace scope, in the file that holds an executable's main(); `wanted` is a
// function bool(int argc, char** argv) saying when to choose the wait policy (nullptr: always).
// The allocator setting applies to every start.
#define RGPB_PROCESS_SETUP_WHEN(wanted)                                                 \
    namespace {                                                                         \
    void rgpbOpenMpWaitAtLoad(int argc, char** argv, char** envp) {                     \
        rgpb::passiveOpenMpWaitAtLoad(argc, argv, envp, wanted);                        \
    }                                                                                   \
    using RgpbPreinit = void (*)(int, char**, char**);                                  \
    __attribute__((section(".preinit_array"), used)) const RgpbPreinit rgpbPreinitEntry = \
        &rgpbOpenMpWaitAtLoad;                                                          \
    const bool rgpbMemoryKept = (rgpb::keepFreedMemoryForReuse(), true);                \
    }
#define RGPB_PROCESS_SETUP() RGPB_PROCESS_SETUP_WHEN(nullptr)
