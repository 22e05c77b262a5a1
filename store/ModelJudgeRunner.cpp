#include "store/ModelJudgeRunner.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/judging/JudgeTemplate.h"
#include "core/util/Error.h"
#include "store/JudgmentStore.h"
#ifdef RGPB_HAVE_HTTPLIB
#include "core/judging/ChatCompletionsClient.h"
#endif

namespace rgpb::judging {

bool modelJudgeAvailable() {
#ifdef RGPB_HAVE_HTTPLIB
    return true;
#else
    return false;
#endif
}

#ifndef RGPB_HAVE_HTTPLIB
ModelJudgeSummary runModelJudge(JudgmentStore&, int64_t, const ModelJudgeSettings&,
                                const ModelJudgeCallbacks&) {
    throw Error(
        "the model judge: this build of rgpb has no HTTP client (cpp-httplib was not found at "
        "configure time; apt-get install libcpp-httplib-dev and reconfigure)");
}
#else

namespace {

// One prompt to send: an item in one order.
struct Task {
    ModelAnswer answer;  // filled but for the reply
    std::vector<ChatMessage> messages;
    std::vector<std::size_t> copies;  // later tasks with the very same prompt
};

struct Done {
    std::size_t task = 0;
    ChatReply reply;
};

// The HTTP workers' side: tasks handed out by index, replies queued for the store's thread.
class ReplyQueue {
public:
    void push(Done d) {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(std::move(d));
        ready_.notify_one();
    }
    void workerFinished() {
        std::lock_guard<std::mutex> lock(mutex_);
        --workers_;
        ready_.notify_one();
    }
    void setWorkers(int n) { workers_ = n; }
    // The next reply; nullopt once every worker has finished and the queue is empty.
    std::optional<Done> pop() {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return !queue_.empty() || workers_ == 0; });
        if (queue_.empty())
            return std::nullopt;
        Done d = std::move(queue_.front());
        queue_.pop_front();
        return d;
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Done> queue_;
    int workers_ = 0;
};

ChatClientSettings clientSettings(const ModelJudgeSettings& s) {
    ChatClientSettings c;
    c.base_url = s.endpoint;
    c.model = s.model;
    c.api_key_env = s.api_key_env;
    c.temperature = s.temperature;
    c.max_tokens = s.max_tokens;
    c.timeout_s = s.timeout_s;
    c.retries = s.retries;
    c.backoff_s = s.backoff_s;
    return c;
}

bool cancelled(const ModelJudgeCallbacks& cb) {
    return cb.cancel && cb.cancel->load();
}

}  // namespace

ModelJudgeSummary runModelJudge(JudgmentStore& store, int64_t set_id,
                                const ModelJudgeSettings& settings,
                                const ModelJudgeCallbacks& callbacks) {
    requireArgument(settings.concurrency >= 1 && settings.concurrency <= 256, "the model judge",
                    "concurrency", "between 1 and 256", settings.concurrency);
    requireArgument(settings.limit >= 0, "the model judge", "limit", ">= 0 (0: every item)",
                    settings.limit);
    requireArgument(settings.price_in_per_million >= 0 && settings.price_out_per_million >= 0,
                    "the model judge", "prices", "amounts >= 0", settings.price_in_per_million,
                    ", ", settings.price_out_per_million);
    const JudgeTemplate tmpl = loadJudgeTemplate(settings.template_name);
    const ChatCompletionsClient client(clientSettings(settings));

    ModelJudgeSummary summary;
    summary.judge = "model:" + settings.model;
    summary.template_source = tmpl.source;
    ModelJudgeProgress& progress = summary.progress;

    std::vector<Presentation> items;
    for (const Presentation& p : store.presentations(set_id)) {
        if (!p.swapped_repeat)
            items.push_back(p);
    }
    std::sort(items.begin(), items.end(),
              [](const auto& a, const auto& b) { return a.item_index < b.item_index; });
    if (settings.limit > 0 && static_cast<int64_t>(items.size()) > settings.limit)
        items.resize(static_cast<std::size_t>(settings.limit));
    summary.items = static_cast<int64_t>(items.size());

    std::map<std::pair<int64_t, bool>, bool> answered;  // (item, model_a_first) -> ok
    for (const ModelAnswer& a : store.modelAnswers(set_id, summary.judge)) {
        if (a.failure.empty())
            answered[{a.item_index, a.model_a_first}] = true;
    }

    auto addCost = [&](int64_t in, int64_t out) {
        progress.tokens_in += in;
        progress.tokens_out += out;
        progress.cost =
            (static_cast<double>(progress.tokens_in) * settings.price_in_per_million +
             static_cast<double>(progress.tokens_out) * settings.price_out_per_million) /
            1e6;
    };
    auto report = [&] {
        if (callbacks.progress)
            callbacks.progress(progress);
    };
    auto recordCached = [&](ModelAnswer a, const ModelAnswer& from) {
        a.raw_answer = from.raw_answer;
        a.verdict = from.verdict;
        a.cached = true;
        store.recordModelAnswer(a);
        summary.unparsed += a.verdict == judgeVerdictName(JudgeVerdict::Unparsed);
        ++progress.cached;
        ++progress.done;
    };

    // Every prompt not yet answered: from the cache when an identical one was, else a task.
    std::vector<Task> tasks;
    std::vector<std::pair<ModelAnswer, ModelAnswer> > from_cache;
    std::map<std::string, std::size_t> first_task;  // system + '\0' + user -> task
    for (const Presentation& p : items) {
        const std::string& a = p.model_a_left ? p.left_response : p.right_response;
        const std::string& b = p.model_a_left ? p.right_response : p.left_response;
        for (bool model_a_first : {true, false}) {
            if (answered.count({p.item_index, model_a_first})) {
                ++summary.already_judged;
                continue;
            }
            const JudgePrompt prompt =
                renderJudgePrompt(tmpl, p.prompt, model_a_first ? a : b, model_a_first ? b : a);
            ModelAnswer answer;
            answer.set_id = set_id;
            answer.item_index = p.item_index;
            answer.judge = summary.judge;
            answer.model_a_first = model_a_first;
            answer.template_text = tmpl.text;
            answer.endpoint = settings.endpoint;
            answer.system_prompt = prompt.system;
            answer.user_prompt = prompt.user;
            if (auto hit =
                    store.cachedModelAnswer(summary.judge, tmpl.text, prompt.system, prompt.user)) {
                from_cache.emplace_back(answer, *hit);
                continue;
            }
            const std::string key = prompt.system + std::string(1, '\0') + prompt.user;
            if (auto it = first_task.find(key); it != first_task.end()) {
                tasks[it->second].copies.push_back(tasks.size());
            } else {
                first_task[key] = tasks.size();
            }
            Task t;
            t.answer = answer;
            if (!prompt.system.empty())
                t.messages.push_back({"system", prompt.system});
            t.messages.push_back({"user", prompt.user});
            tasks.push_back(std::move(t));
        }
    }
    std::vector<bool> is_copy(tasks.size(), false);
    for (const Task& t : tasks) {
        for (std::size_t c : t.copies)
            is_copy[c] = true;
    }
    progress.total = static_cast<int64_t>(from_cache.size() + tasks.size());
    report();
    for (auto& [answer, hit] : from_cache) {
        recordCached(answer, hit);
        report();
    }

    std::vector<std::size_t> to_send;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (!is_copy[i])
            to_send.push_back(i);
    }
    ReplyQueue replies;
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    const int workers = static_cast<int>(
        std::min<std::size_t>(static_cast<std::size_t>(settings.concurrency), to_send.size()));
    replies.setWorkers(workers);
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
        threads.emplace_back([&] {
            for (;;) {
                if (stop.load() || cancelled(callbacks))
                    break;
                const std::size_t k = next.fetch_add(1);
                if (k >= to_send.size())
                    break;
                Done d;
                d.task = to_send[k];
                try {
                    d.reply = client.complete(tasks[d.task].messages, callbacks.cancel);
                } catch (const std::exception& e) {
                    d.reply.failure = "client error";
                    d.reply.message = e.what();
                }
                replies.push(std::move(d));
            }
            replies.workerFinished();
        });
    }
    try {
        while (auto done = replies.pop()) {
            const ChatReply& r = done->reply;
            if (r.failure == "cancelled")
                continue;  // not a failure of the endpoint: the next run sends it
            Task& task = tasks[done->task];
            ModelAnswer a = task.answer;
            a.latency_s = r.latency_s;
            a.attempts = r.attempts;
            a.prompt_tokens = r.prompt_tokens;
            a.completion_tokens = r.completion_tokens;
            if (r.ok) {
                a.raw_answer = r.content;
                a.verdict = judgeVerdictName(parseJudgeVerdict(r.content));
                summary.unparsed += a.verdict == judgeVerdictName(JudgeVerdict::Unparsed);
                ++summary.answered;
                addCost(r.prompt_tokens, r.completion_tokens);
            } else {
                a.failure = r.failure;
                a.failure_message = r.message;
                ++progress.failed;
                ++summary.failures[r.failure];
                if (summary.first_failure.empty())
                    summary.first_failure = r.message;
            }
            store.recordModelAnswer(a);
            ++progress.done;
            for (std::size_t c : task.copies) {
                ModelAnswer copy = tasks[c].answer;
                if (r.ok) {
                    recordCached(copy, a);
                    continue;
                }
                copy.failure = a.failure;
                copy.failure_message = a.failure_message;
                store.recordModelAnswer(copy);
                ++progress.failed;
                ++summary.failures[a.failure];
                ++progress.done;
            }
            report();
        }
    } catch (...) {
        stop = true;
        for (std::thread& t : threads)
            t.join();
        throw;
    }
    for (std::thread& t : threads)
        t.join();
    summary.cancelled = cancelled(callbacks);

    // The items in scope with both orders answered, and how consistent they were.
    std::map<int64_t, std::optional<JudgeVerdict>[2]> orders;
    for (const ModelAnswer& a : store.modelAnswers(set_id, summary.judge)) {
        if (a.failure.empty())
            orders[a.item_index][a.model_a_first ? 0 : 1] = parseJudgeVerdictName(a.verdict);
    }
    for (const Presentation& p : items) {
        const auto it = orders.find(p.item_index);
        if (it == orders.end() || !it->second[0] || !it->second[1])
            continue;
        ++summary.votes;
        const JudgeVerdict first = *it->second[0], second = *it->second[1];
        if (first == JudgeVerdict::Unparsed || second == JudgeVerdict::Unparsed)
            continue;
        ++summary.both_parsed;
        summary.consistent += winnerOfAnswer(first, true) == winnerOfAnswer(second, false);
    }
    return summary;
}

#endif

}  // namespace rgpb::judging
