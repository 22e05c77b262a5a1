// The HTTP side of `rgpb serve` (cpp-httplib): routes, limits, the bearer token, and the
// server-sent events of a streamed answer; the model is behind serve::GenerationQueue.
#include "core/serve/Server.h"

#include <httplib.h>

#include <chrono>
#include <ctime>
#include <thread>

#include "core/serve/GenerationQueue.h"
#include "core/serve/OpenAiJson.h"
#include "core/util/Error.h"

namespace rgpb {

using serve::ApiError;
using serve::ServeJob;

namespace {

constexpr const char* kJson = "application/json";

void sendError(httplib::Response& res, const ApiError& error) {
    res.status = error.status;
    res.set_content(serve::errorJson(error), kJson);
}

// What a streamed answer has sent so far.
struct StreamState {
    std::shared_ptr<ServeJob> job;
    serve::ApiResponseHead head;
    std::size_t sent = 0;
    bool role_sent = false;
};

}  // namespace

struct Server::Impl {
    ServerOptions options;
    std::unique_ptr<serve::GenerationQueue> queue;
    ChatTemplate chat;
    std::string name;
    int64_t created = 0;

    httplib::Server http;
    std::thread listener;
    int port = -1;
    bool started = false;
    std::atomic<bool> stopping{false};
    std::atomic<int64_t> requests{0}, next_id{0};

    void routes();
    bool authorized(const httplib::Request& req, httplib::Response& res) const;
    void post(const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader& reader, bool chat_route);
    void generate(const std::string& body, httplib::Response& res, bool chat_route);
    std::shared_ptr<ServeJob> makeJob(const serve::ApiRequest& request) const;
    void stream(httplib::Response& res, const std::shared_ptr<StreamState>& state);
};

// The bearer token, when the server has one (checked by every route; the body was read within
// the size limit, so the connection stays in step).
bool Server::Impl::authorized(const httplib::Request& req, httplib::Response& res) const {
    if (options.bearer_token.empty() ||
        req.get_header_value("Authorization") == "Bearer " + options.bearer_token)
        return true;
    sendError(res, ApiError(401,
                            "missing or wrong API key: send the header 'Authorization: Bearer "
                            "<token>' with the server's token",
                            {}, "authentication_error", "invalid_api_key"));
    return false;
}

std::shared_ptr<ServeJob> Server::Impl::makeJob(const serve::ApiRequest& request) const {
    auto job = std::make_shared<ServeJob>();
    if (request.chat) {
        try {
            job->prompt = chat.render(request.messages);
        } catch (const ArgumentError& e) {
            throw ApiError(400, e.what(), "messages");
        }
        job->stops = chat.stops();
        job->strip_leading_space = chat.kind == ChatTemplateKind::HhRlhf;
    } else {
        job->prompt = request.prompt;
    }
    job->stops.insert(job->stops.end(), request.stops.begin(), request.stops.end());
    job->settings = request.settings;
    return job;
}

// A POST route: the body read within the size limit (httplib's own limit covers bodies with a
// Content-Length; this one also chunked ones), then the token, then the request.
void Server::Impl::post(const httplib::Request& req, httplib::Response& res,
                        const httplib::ContentReader& reader, bool chat_route) {
    std::string body;
    bool too_large = false;
    const auto limit = static_cast<std::size_t>(options.max_request_bytes);
    const bool read = reader([&](const char* data, std::size_t size) {
        too_large = body.size() + size > limit;
        if (!too_large)
            body.append(data, size);
        return !too_large;
    });
    // httplib refuses a Content-Length over its limit before reading anything.
    if (too_large || (!read && req.get_header_value<uint64_t>("Content-Length") > limit))
        throw ApiError(413,
                       "the request body is larger than " +
                           std::to_string(options.max_request_bytes) + " bytes",
                       {}, "invalid_request_error", "request_too_large");
    if (!read)
        throw ApiError(400, "the request body could not be read to its end");
    if (authorized(req, res))
        generate(body, res, chat_route);
}

void Server::Impl::generate(const std::string& body, httplib::Response& res, bool chat_route) {
    serve::ApiLimits limits;
    limits.max_tokens_limit = options.max_tokens_limit;
    limits.default_max_tokens = std::min(options.default_max_tokens, options.max_tokens_limit);
    const serve::ApiRequest request = serve::parseApiRequest(body, chat_route, limits);
    if (!request.model.empty() && request.model != name)
        throw ApiError(404,
                       "model: expected '" + name + "' (the model this server serves), got '" +
                           excerpt(request.model, 80) + "'",
                       "model", "invalid_request_error", "model_not_found");
    auto state = std::make_shared<StreamState>();
    state->job = makeJob(request);
    state->head.chat = chat_route;
    state->head.id = (chat_route ? "chatcmpl-" : "cmpl-") + std::to_string(++next_id);
    state->head.created = static_cast<int64_t>(std::time(nullptr));
    state->head.model = name;
    queue->submit(state->job);
    if (request.stream) {
        stream(res, state);
        return;
    }
    ServeJob& job = *state->job;
    std::unique_lock<std::mutex> lock(job.mutex);
    job.changed.wait(lock, [&] { return job.done; });
    if (!job.error.empty())
        throw ApiError(503, job.error, {}, "server_error");
    serve::ApiResult result;
    result.text = job.text;
    result.finish_reason = job.finish_reason;
    result.prompt_tokens = job.prompt_tokens;
    result.completion_tokens = job.completion_tokens;
    lock.unlock();
    res.set_content(serve::completionJson(state->head, result), kJson);
}

// Server-sent events: (chat) the role, then the text as it becomes final, then the
// finish_reason, then [DONE]. A write that fails means the client left: its row is cancelled.
void Server::Impl::stream(httplib::Response& res, const std::shared_ptr<StreamState>& state) {
    res.set_header("Cache-Control", "no-cache");
    auto provider = [state](std::size_t, httplib::DataSink& sink) {
        StreamState& s = *state;
        auto send = [&](const std::string& event) {
            if (sink.write(event.data(), event.size()))
                return true;
            s.job->cancelled = true;
            return false;
        };
        if (s.head.chat && !s.role_sent) {
            s.role_sent = true;
            return send(serve::chunkEvent(s.head, {}, true));
        }
        ServeJob& job = *s.job;
        std::string piece, finish, error;
        bool done = false;
        {
            std::unique_lock<std::mutex> lock(job.mutex);
            job.changed.wait_for(lock, std::chrono::milliseconds(200),
                                 [&] { return job.done || job.final_bytes > s.sent; });
            if (job.final_bytes > s.sent && job.final_bytes <= job.text.size()) {
                piece = job.text.substr(s.sent, job.final_bytes - s.sent);
                s.sent = job.final_bytes;
            }
            done = job.done;
            finish = job.finish_reason;
            error = job.error;
        }
        if (!piece.empty() && !send(serve::chunkEvent(s.head, piece)))
            return false;
        if (!done)
            return true;
        const std::string last =
            error.empty()
                ? serve::chunkEvent(s.head, {}, false, finish)
                : "data: " + serve::errorJson(ApiError(503, error, {}, "server_error")) + "\n\n";
        if (!send(last) || !send("data: [DONE]\n\n"))
            return false;
        sink.done();
        return true;
    };
    res.set_chunked_content_provider("text/event-stream", provider, [state](bool success) {
        if (!success)
            state->job->cancelled = true;
    });
}

void Server::Impl::routes() {
    http.set_payload_max_length(static_cast<std::size_t>(options.max_request_bytes));
    http.set_logger([this](const httplib::Request&, const httplib::Response&) { ++requests; });
    http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                       httplib::Response& res) {
        if (!res.body.empty())
            return httplib::Server::HandlerResponse::Unhandled;
        if (res.status == 413) {
            sendError(res, ApiError(413,
                                    "the request body is larger than " +
                                        std::to_string(options.max_request_bytes) + " bytes",
                                    {}, "invalid_request_error", "request_too_large"));
        } else if (res.status == 404) {
            sendError(res, ApiError(404,
                                    "unknown route " + req.method + " " + excerpt(req.path, 80) +
                                        "; expected GET /v1/models, POST /v1/completions or POST "
                                        "/v1/chat/completions",
                                    {}, "invalid_request_error", "unknown_url"));
        } else {
            sendError(res, ApiError(res.status, "the request could not be read (HTTP " +
                                                    std::to_string(res.status) + ")"));
        }
        return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                  std::exception_ptr ep) {
        try {
            std::rethrow_exception(ep);
        } catch (const ApiError& e) {
            sendError(res, e);
        } catch (const std::exception& e) {
            sendError(
                res, ApiError(500, std::string("internal error: ") + e.what(), {}, "server_error"));
        } catch (...) {
            sendError(res, ApiError(500, "internal error", {}, "server_error"));
        }
    });
    http.Get("/v1/models", [this](const httplib::Request& req, httplib::Response& res) {
        if (authorized(req, res))
            res.set_content(serve::modelsJson(name, created), kJson);
    });
    for (const bool chat_route : {false, true}) {
        http.Post(chat_route ? "/v1/chat/completions" : "/v1/completions",
                  [this, chat_route](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& reader) {
                      post(req, res, reader, chat_route);
                  });
    }
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
    Impl& d = *impl_;
    d.options = std::move(options);
    const ServerOptions& o = d.options;
    requireArgument(o.port >= 0 && o.port <= 65535, "server options", "port", "in [0, 65535]",
                    o.port);
    requireArgument(o.max_request_bytes > 0, "server options", "max_request_bytes", "> 0",
                    o.max_request_bytes);
    requireArgument(o.max_tokens_limit > 0, "server options", "max_tokens_limit", "> 0",
                    o.max_tokens_limit);
    requireArgument(o.default_max_tokens > 0, "server options", "default_max_tokens", "> 0",
                    o.default_max_tokens);
    requireArgument(o.max_batch > 0 && o.max_batch <= 4096, "server options", "max_batch",
                    "in [1, 4096]", o.max_batch);
    requireArgument(o.batch_window_ms >= 0, "server options", "batch_window_ms", ">= 0",
                    o.batch_window_ms);
    d.chat = o.chat_template.empty() ? ChatTemplate{}
                                     : parseChatTemplate(o.chat_template, "chat_template");
    d.queue = std::make_unique<serve::GenerationQueue>(o);
    if (o.chat_template.empty())
        d.chat = d.queue->runChatTemplate();
    d.name = o.model_name.empty() ? d.queue->folderName() : o.model_name;
    d.created = static_cast<int64_t>(std::time(nullptr));
    const int threads = o.http_threads > 0 ? o.http_threads : static_cast<int>(2 * o.max_batch + 8);
    d.http.new_task_queue = [threads] {
        return new httplib::ThreadPool(static_cast<std::size_t>(threads));
    };
    d.routes();
}

Server::~Server() {
    stop();
}

void Server::start() {
    Impl& d = *impl_;
    if (d.started)
        return;
    const ServerOptions& o = d.options;
    d.port = o.port == 0 ? d.http.bind_to_any_port(o.host) : o.port;
    if (d.port < 0 || (o.port != 0 && !d.http.bind_to_port(o.host, o.port)))
        throw Error("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                    " (address in use, or not an address of this machine)");
    d.started = true;
    d.queue->start();
    d.listener = std::thread([&d] { d.http.listen_after_bind(); });
}

void Server::stop() {
    Impl& d = *impl_;
    if (d.stopping.exchange(true))
        return;
    d.queue->stop();
    if (d.started) {
        d.http.stop();
        if (d.listener.joinable())
            d.listener.join();
    }
}

int Server::port() const {
    return impl_->port;
}

std::string Server::url() const {
    const std::string& host = impl_->options.host;
    const bool v6 = host.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(impl_->port);
}

std::string Server::modelName() const {
    return impl_->name;
}

std::string Server::chatTemplate() const {
    return impl_->chat.name();
}

ServerCounters Server::counters() const {
    ServerCounters c = impl_->queue->counters();
    c.requests = impl_->requests.load();
    return c;
}

}  // namespace rgpb
