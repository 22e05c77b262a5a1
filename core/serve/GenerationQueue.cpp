#include "core/serve/GenerationQueue.h"

#include <torch/torch.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <thread>

#include "core/generate/Comparison.h"
#include "core/generate/Generator.h"
#include "core/serve/OpenAiJson.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/train/Evaluation.h"
#include "core/train/HfRunExport.h"
#include "core/train/ModelSource.h"
#include "core/util/Error.h"

namespace rgpb::serve {
namespace {

namespace fs = std::filesystem;

std::string folderNameOf(const std::string& path) {
    fs::path p = fs::path(path).lexically_normal();
    if (p.filename().empty())
        p = p.parent_path();
    return fs::absolute(p).filename().string();
}

// Jobs decode together when their tokens are drawn the same way: all greedy ones, or sampled
// ones with equal temperature, top-k, top-p and seed (and the same EOS rule).
bool sameSampling(const GenerationSettings& a, const GenerationSettings& b) {
    if (a.stop_at_eos != b.stop_at_eos)
        return false;
    if (a.temperature == 0 || b.temperature == 0)
        return a.temperature == b.temperature;
    return a.temperature == b.temperature && a.top_k == b.top_k && a.top_p == b.top_p &&
           a.seed == b.seed;
}

void endJob(ServeJob& job, const std::string& error) {
    {
        std::lock_guard<std::mutex> lock(job.mutex);
        job.done = true;
        job.error = error;
    }
    job.changed.notify_all();
}

}  // namespace

struct GenerationQueue::Impl {
    ServerOptions options;
    torch::Device device{torch::kCPU};
    std::unique_ptr<Tokenizer> tokenizer;
    std::unique_ptr<Generator> generator;
    std::string name;
    ChatTemplate chat;
    int64_t max_prompt_tokens = -1;

    std::mutex mutex;  // guards queue, started
    std::condition_variable wake;
    std::deque<std::shared_ptr<ServeJob>> queue;
    std::atomic<bool> stopping{false};
    bool started = false;
    std::thread thread;

    mutable std::mutex counters_mutex;
    ServerCounters counters;

    void load();
    void run();
    std::vector<std::shared_ptr<ServeJob>> takeBatch();
    void decode(const std::vector<std::shared_ptr<ServeJob>>& batch);
    void record(ServeJob& job, int32_t token) const;
};

void GenerationQueue::Impl::load() {
    device = torch::Device(options.device);
    if (device.is_cuda() && !torch::cuda::is_available())
        throw ArgumentError("server options", "device", "cpu, or cuda with a CUDA device present",
                            options.device + " (CUDA is not available)");
    if (options.threads > 0)
        torch::set_num_threads(options.threads);
    const std::string path = checkpointPath(options.model_path, options.checkpoint);
    LanguageModel model;
    if (resolveModelSource(path).kind == ModelSourceKind::HuggingFace) {
        model = loadAnyModel(path, device);
        tokenizer = loadTokenizerFrom(path);
        name = folderNameOf(path);
        chat.kind = ChatTemplateKind::HhRlhf;  // the default for models of unknown data
        // Room for an answer in the model's context (T5: its pretraining inputs' 512 tokens).
        max_prompt_tokens =
            model.seq2seq() ? 512
                            : std::max<int64_t>(1, model.shape().decoderOnly().max_positions / 2);
    } else {
        LoadedRun run = loadRun(path, device);
        model = run.model;
        tokenizer = std::move(run.tokenizer);
        name = folderNameOf(run.run_dir);
        chat = chatTemplateFor(run.config.data);
        max_prompt_tokens = run.config.data.max_prompt_length;
    }
    model->eval();
    generator = std::make_unique<Generator>(model, tokenizer->specials(), device);
}

void GenerationQueue::Impl::run() {
    const auto window = std::chrono::milliseconds(options.batch_window_ms);
    while (true) {
        std::vector<std::shared_ptr<ServeJob>> batch;
        {
            std::unique_lock<std::mutex> lock(mutex);
            wake.wait(lock, [&] { return stopping.load() || !queue.empty(); });
            if (!stopping && window.count() > 0 &&
                queue.size() < static_cast<std::size_t>(options.max_batch)) {
                wake.wait_for(lock, window, [&] {
                    return stopping.load() ||
                           queue.size() >= static_cast<std::size_t>(options.max_batch);
                });
            }
            if (stopping)
                break;
            batch = takeBatch();
        }
        if (!batch.empty())
            decode(batch);
    }
    std::deque<std::shared_ptr<ServeJob>> left;
    {
        std::lock_guard<std::mutex> lock(mutex);
        left.swap(queue);
    }
    for (const auto& job : left)
        endJob(*job, "the server is stopping");
}

// Called with `mutex` held: the first queued job and those that sample like it (up to
// max_batch); jobs whose client already left end here.
std::vector<std::shared_ptr<ServeJob>> GenerationQueue::Impl::takeBatch() {
    std::vector<std::shared_ptr<ServeJob>> batch;
    for (auto it = queue.begin(); it != queue.end();) {
        ServeJob& job = **it;
        if (job.cancelled) {
            endJob(job, "cancelled: the client went away");
            std::lock_guard<std::mutex> lock(counters_mutex);
            ++counters.cancelled;
            ++counters.completions;
            it = queue.erase(it);
        } else if (static_cast<int64_t>(batch.size()) < options.max_batch &&
                   (batch.empty() || sameSampling(batch.front()->settings, job.settings))) {
            batch.push_back(*it);
            it = queue.erase(it);
        } else {
            ++it;
        }
    }
    return batch;
}

// A new token of `job`: the whole token list decoded again, cut at the first stop string, and
// the part that can no longer change marked final.
void GenerationQueue::Impl::record(ServeJob& job, int32_t token) const {
    job.tokens.push_back(token);
    std::string text = tokenizer->decode(job.tokens);
    const std::size_t stop = firstStop(text, job.stops);
    if (stop != std::string::npos)
        text.resize(stop);
    if (job.strip_leading_space && !text.empty() && text.front() == ' ')
        text.erase(0, 1);
    const std::size_t final_bytes =
        stop != std::string::npos
            ? text.size()
            : std::min(completeUtf8Prefix(text), stopSafePrefix(text, job.stops));
    {
        std::lock_guard<std::mutex> lock(job.mutex);
        job.text = std::move(text);
        // Never back (what was streamed stays streamed), never past the text.
        job.final_bytes = std::min(std::max(job.final_bytes, final_bytes), job.text.size());
        job.hit_stop = stop != std::string::npos;
    }
    job.changed.notify_all();
}

void GenerationQueue::Impl::decode(const std::vector<std::shared_ptr<ServeJob>>& batch) {
    std::vector<std::string> prompts;
    GenerationSettings settings = batch.front()->settings;
    settings.max_new_tokens = 1;
    for (const auto& job : batch) {
        prompts.push_back(job->prompt);
        settings.max_new_tokens = std::max(settings.max_new_tokens, job->settings.max_new_tokens);
        job->prompt_tokens =
            static_cast<int64_t>(promptContext(*tokenizer, job->prompt, max_prompt_tokens).size());
    }
    settings.batch_size = static_cast<int64_t>(batch.size());
    settings.use_kv_cache = true;

    GenerationHooks hooks;
    hooks.cancel = &stopping;
    hooks.token = [&](int64_t i, int32_t token) {
        record(*batch[static_cast<std::size_t>(i)], token);
    };
    hooks.stop_row = [&](int64_t i) {
        const ServeJob& job = *batch[static_cast<std::size_t>(i)];
        return job.cancelled.load() || job.hit_stop ||
               static_cast<int64_t>(job.tokens.size()) >= job.settings.max_new_tokens;
    };
    if (options.step_delay_ms > 0) {
        hooks.progress = [&](const GenerationProgress&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(options.step_delay_ms));
        };
    }
    std::vector<GeneratedText> out;
    try {
        out = generator->generateText(*tokenizer, prompts, max_prompt_tokens, settings, hooks);
    } catch (const CancelledError&) {
        for (const auto& job : batch)
            endJob(*job, "the server is stopping");
        return;
    } catch (const std::exception& e) {
        for (const auto& job : batch)
            endJob(*job, std::string("generation failed: ") + e.what());
        return;
    }
    ServerCounters add;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        ServeJob& job = *batch[i];
        {
            std::lock_guard<std::mutex> lock(job.mutex);
            job.done = true;
            job.final_bytes = job.text.size();
            job.completion_tokens = out[i].new_tokens;
            job.finish_reason = job.hit_stop || out[i].stopped_at_eos ? "stop" : "length";
        }
        job.changed.notify_all();
        add.tokens_generated += out[i].new_tokens;
        add.cancelled += job.cancelled ? 1 : 0;
    }
    std::lock_guard<std::mutex> lock(counters_mutex);
    counters.completions += static_cast<int64_t>(batch.size());
    counters.tokens_generated += add.tokens_generated;
    counters.cancelled += add.cancelled;
    counters.batches += 1;
    counters.batched_rows += static_cast<int64_t>(batch.size());
    counters.largest_batch = std::max(counters.largest_batch, static_cast<int64_t>(batch.size()));
}

GenerationQueue::GenerationQueue(const ServerOptions& options) : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
    impl_->load();
}

GenerationQueue::~GenerationQueue() {
    stop();
}

const std::string& GenerationQueue::folderName() const {
    return impl_->name;
}

const ChatTemplate& GenerationQueue::runChatTemplate() const {
    return impl_->chat;
}

int64_t GenerationQueue::promptTokens(const std::string& prompt) const {
    return static_cast<int64_t>(
        promptContext(*impl_->tokenizer, prompt, impl_->max_prompt_tokens).size());
}

void GenerationQueue::start() {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->started)
        return;
    impl_->started = true;
    impl_->thread = std::thread([this] { impl_->run(); });
}

void GenerationQueue::submit(const std::shared_ptr<ServeJob>& job) {
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        if (!impl_->stopping) {
            impl_->queue.push_back(job);
            impl_->wake.notify_all();
            return;
        }
    }
    endJob(*job, "the server is stopping");
}

void GenerationQueue::stop() {
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        impl_->stopping = true;
        impl_->wake.notify_all();
    }
    if (impl_->thread.joinable())
        impl_->thread.join();
    std::deque<std::shared_ptr<ServeJob>> left;
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        left.swap(impl_->queue);
    }
    for (const auto& job : left)
        endJob(*job, "the server is stopping");
}

ServerCounters GenerationQueue::counters() const {
    std::lock_guard<std::mutex> lock(impl_->counters_mutex);
    return impl_->counters;
}

}  // namespace rgpb::serve
