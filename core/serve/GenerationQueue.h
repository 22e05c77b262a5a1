// The generation side of `rgpb serve`: one thread owns the model and decodes the queued jobs in
// batches through the KV-cache Generator (jobs with the same sampling settings share a batch);
// each job's text grows as its tokens come, for the HTTP side to stream. Torch-free header (the
// model lives in the implementation).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/generate/ChatTemplate.h"
#include "core/generate/Generation.h"
#include "core/serve/Server.h"

namespace rgpb::serve {

// One request's generation, shared by the HTTP thread that waits on it and the generation thread.
struct ServeJob {
    // Set before submit().
    std::string prompt;                // the model's prompt text (a chat already rendered)
    GenerationSettings settings;       // max_new_tokens, temperature, top_k, top_p, seed
    std::vector<std::string> stops;    // the text is cut before the first of them
    bool strip_leading_space = false;  // HH-RLHF answers start with the space after "Assistant:"

    // Written by the generation thread under `mutex`; `changed` is notified on every change.
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<int32_t> tokens;  // response tokens so far (EOS excluded)
    std::string text;             // the response so far, cut at a stop string
    std::size_t final_bytes = 0;  // leading bytes of `text` that can no longer change
    bool done = false;
    std::string finish_reason;  // "stop" (EOS or a stop string) or "length", when done
    std::string error;          // when done without an answer (server stopping, model error)
    int64_t prompt_tokens = 0, completion_tokens = 0;
    bool hit_stop = false;

    // Set by the HTTP side when its client went away: the row ends at the next step.
    std::atomic<bool> cancelled{false};
};

class GenerationQueue {
public:
    // Loads options.model_path: a run or checkpoint folder (loadRun) or a Hugging Face folder;
    // uses the options' checkpoint, device, threads, max_batch, batch_window_ms, step_delay_ms.
    explicit GenerationQueue(const ServerOptions& options);
    ~GenerationQueue();  // stop()s

    const std::string& folderName() const;        // the run's (or HF folder's) name
    const ChatTemplate& runChatTemplate() const;  // the run's data template; hh-rlhf for HF
    int64_t promptTokens(const std::string& prompt) const;  // the context the model will see

    // Starts the generation thread (once).
    void start();
    // Queues a job; it is done (with an error) at once when the queue has stopped.
    void submit(const std::shared_ptr<ServeJob>& job);
    // Wakes the waiters: jobs not done end with an error; the thread is joined.
    void stop();
    ServerCounters counters() const;  // all but `requests` (the HTTP side's)

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rgpb::serve
