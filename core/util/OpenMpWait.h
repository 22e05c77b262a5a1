// OpenMP's wait policy, chosen before OpenMP starts.
//
// With OpenMP's default wait policy, LibTorch's worker threads spin on their core between
// parallel regions; as soon as anything else runs on the machine (a second run, a build, the
// GUI) training becomes several times slower (issue 19 measured 7x). Every rgpb executable
// therefore starts with OMP_WAIT_POLICY=PASSIVE unless the user set a policy.
//
// GNU OpenMP reads the variable once, in its library constructor, before main(); setting it in
// main() does nothing (and in .preinit_array the C library's environment is not set up yet).
// RGPB_OPENMP_PASSIVE_WAIT() puts a function into the executable's .preinit_array, which the
// dynamic loader runs before any library's initialiser: when OMP_WAIT_POLICY is unset it
// executes the program again with OMP_WAIT_POLICY=PASSIVE added to its environment (and
// RGPB_OMP_WAIT_POLICY=rgpb, to say who chose it). No library has started at that point, but
// the loader has mapped and relocated them all: loading twice costs ~0.3 s with LibTorch, so a
// program whose short commands do no tensor work (rgpb runs, rgpb judge-stats) asks only for
// the commands that train or compute (RGPB_OPENMP_PASSIVE_WAIT_WHEN).
#pragma once

#include <string>

namespace rgpb {

// The .preinit_array entry: uses only execve and its own static storage. `wanted` (may be
// null: always) says from the command line whether the program will do tensor work; it runs
// before the C++ run-time starts, so it may use only C string functions.
void passiveOpenMpWaitAtLoad(int argc, char** argv, char** envp,
                             bool (*wanted)(int argc, char** argv));

// The policy in effect, said for logs: "PASSIVE (rgpb's default)", "ACTIVE (OMP_WAIT_POLICY)",
// or "OpenMP's default (spinning)".
std::string openMpWaitPolicy();

}  // namespace rgpb

// Use once, at namespace scope, in the file that holds an executable's main(); `wanted` is a
// function bool(int argc, char** argv), or nullptr for every start.
#define RGPB_OPENMP_PASSIVE_WAIT_WHEN(wanted)                                                \
    namespace {                                                                              \
    void rgpbOpenMpWaitAtLoad(int argc, char** argv, char** envp) {                          \
        rgpb::passiveOpenMpWaitAtLoad(argc, argv, envp, wanted);                             \
    }                                                                                        \
    __attribute__((section(".preinit_array"),                                                \
                   used)) void (*const rgpbOpenMpWaitEntry)(int, char**,                     \
                                                            char**) = &rgpbOpenMpWaitAtLoad; \
    }
#define RGPB_OPENMP_PASSIVE_WAIT() RGPB_OPENMP_PASSIVE_WAIT_WHEN(nullptr)
