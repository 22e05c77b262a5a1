// Throughput of `rgpb serve` (core/serve/Server.h) over loopback HTTP: requests/s and new
// tokens/s for 1, 4 and 16 concurrent clients, each sending its requests one after another, on
// the micro and tiny model shapes (random weights, byte vocabulary). Every request is a greedy
// /v1/completions with the same max_tokens and "ignore_eos": true, so each makes exactly
// max_tokens tokens. Also prints the mean batch the server decoded. Prints a table; asserts
// nothing.
//
// Usage: bench_serve [threads=2] [max_tokens=32] [sizes=micro,tiny] [clients=1,4,16]
//                    [requests per client=4]
#include <httplib.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "bench/ListArgument.h"
#include "core/serve/Server.h"
#include "core/util/ProcessSetup.h"
#include "tests/support/MicroRun.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Round {
    double seconds = 0;
    int64_t requests = 0, tokens = 0, failures = 0;
};

Round runClients(const std::string& url, int clients, int per_client, int64_t max_tokens) {
    std::atomic<int64_t> tokens{0}, failures{0};
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            httplib::Client client(url);
            client.set_read_timeout(600, 0);
            for (int i = 0; i < per_client; ++i) {
                const nlohmann::json body = {
                    {"prompt", "benchmark prompt " + std::to_string(c * per_client + i)},
                    {"max_tokens", max_tokens},
                    {"temperature", 0},
                    {"ignore_eos", true}};
                auto r = client.Post("/v1/completions", body.dump(), "application/json");
                if (!r || r->status != 200) {
                    ++failures;
                    continue;
                }
                tokens +=
                    nlohmann::json::parse(r->body)["usage"]["completion_tokens"].get<int64_t>();
            }
        });
    }
    for (auto& t : threads)
        t.join();
    Round round;
    round.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    round.requests = int64_t(clients) * per_client;
    round.tokens = tokens;
    round.failures = failures;
    return round;
}

}  // namespace

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const int64_t max_tokens = argc > 2 ? std::atoll(argv[2]) : 32;
    const auto sizes = rgpb::bench::splitList(argc > 3 ? argv[3] : "micro,tiny");
    const auto clients = rgpb::bench::splitList(argc > 4 ? argv[4] : "1,4,16");
    const int per_client = argc > 5 ? std::atoi(argv[5]) : 4;
    std::printf(
        "rgpb serve throughput: %d LibTorch threads, float32 CPU, vocab 260, greedy, "
        "%lld tokens per request (EOS ignored), %d requests per client, loopback HTTP\n\n",
        threads, static_cast<long long>(max_tokens), per_client);
    std::printf("%-6s %7s %9s %10s %10s %10s\n", "model", "clients", "seconds", "requests/s",
                "tokens/s", "mean batch");
    const fs::path dir =
        fs::temp_directory_path() / ("rgpb-bench-serve-" + std::to_string(::getpid()));
    for (const std::string& size : sizes) {
        torch::manual_seed(0);
        const std::string run = rgpb::test::makeRandomRun(dir / size, size);
        rgpb::ServerOptions o;
        o.model_path = run;
        o.threads = threads;
        o.max_batch = 16;
        o.max_tokens_limit = std::max<int64_t>(max_tokens, 1);
        rgpb::Server server(o);
        server.start();
        runClients(server.url(), 1, 1, max_tokens);  // warm-up
        for (const std::string& n : clients) {
            const rgpb::ServerCounters before = server.counters();
            const Round r = runClients(server.url(), std::atoi(n.c_str()), per_client, max_tokens);
            const rgpb::ServerCounters after = server.counters();
            const double batches = static_cast<double>(after.batches - before.batches);
            std::printf("%-6s %7s %9.2f %10.2f %10.1f %10.2f%s\n", size.c_str(), n.c_str(),
                        r.seconds, r.requests / r.seconds, r.tokens / r.seconds,
                        batches > 0 ? (after.batched_rows - before.batched_rows) / batches : 0.0,
                        r.failures > 0 ? "  (some requests failed)" : "");
            std::fflush(stdout);
        }
    }
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    return 0;
}
