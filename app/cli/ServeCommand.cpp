// `rgpb serve RUN|HF-FOLDER`: an OpenAI-compatible HTTP server for a trained run
// (core/serve/Server.h). Needs cpp-httplib (rgpb_serve); a build without it still has the
// command and says so.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/StopSignals.h"
#include "core/util/Error.h"
#ifdef RGPB_HAVE_SERVE
#include "core/serve/Server.h"
#endif

namespace rgpb::cli {
namespace {

#ifdef RGPB_HAVE_SERVE
int serve(const std::vector<std::string>& argv) {
    CliArgs args(argv,
                 {"checkpoint", "host", "port", "device", "threads", "token-env", "chat-template",
                  "max-batch", "max-tokens-limit", "max-request-bytes", "model-name"});
    if (args.positional().size() != 1)
        throw Error("expected one RUN_DIR, CHECKPOINT or HF_FOLDER (see 'rgpb serve --help')");
    ServerOptions o;
    o.model_path = args.positional()[0];
    o.checkpoint = args.value("checkpoint").value_or(o.checkpoint);
    o.host = args.value("host").value_or(o.host);
    o.port = static_cast<int>(args.integer("port", 8000));
    o.device = args.value("device").value_or(o.device);
    o.threads = static_cast<int>(args.integer("threads", 0));
    o.chat_template = args.value("chat-template").value_or("");
    o.max_batch = args.integer("max-batch", o.max_batch);
    o.max_tokens_limit = args.integer("max-tokens-limit", o.max_tokens_limit);
    o.max_request_bytes = args.integer("max-request-bytes", o.max_request_bytes);
    o.model_name = args.value("model-name").value_or("");
    if (auto var = args.value("token-env")) {
        const char* token = std::getenv(var->c_str());
        if (token == nullptr || *token == '\0')
            throw Error("--token-env " + *var +
                        ": the environment variable is not set or empty; expected the bearer "
                        "token clients must send");
        o.bearer_token = token;
    }
    std::cerr << "serve: loading " << o.model_path << " ...\n";
    Server server(o);
    StopSignals stop;
    server.start();
    std::cout << "serving " << server.modelName() << " (chat template " << server.chatTemplate()
              << ") at " << server.url() << "/v1" << std::endl;
    if (o.host != "127.0.0.1" && o.host != "localhost" && o.host != "::1" && o.bearer_token.empty())
        std::cerr << "serve: warning: listening on " << o.host
                  << " without a token (--token-env): anyone who can reach it can use it\n";
    while (!stop.flag()->load())
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server.stop();
    const ServerCounters c = server.counters();
    std::cerr << "serve: stopped; " << c.requests << " request(s), " << c.tokens_generated
              << " token(s) generated, " << c.cancelled << " cancelled\n";
    return 0;
}
#else
int serve(const std::vector<std::string>&) {
    throw Error(
        "this build has no HTTP server (cpp-httplib was not found when it was "
        "configured; install libcpp-httplib-dev and configure again)");
}
#endif

}  // namespace

Command serveCommand() {
    return {
        "serve", "an OpenAI-compatible HTTP server for a trained run (or a Hugging Face folder)",
        "usage: rgpb serve RUN_DIR|CHECKPOINT|HF_FOLDER [--checkpoint final|step-N]\n"
        "                  [--host H] [--port N] [--device D] [--token-env VAR]\n"
        "                  [--chat-template hh-rlhf|plain] [--max-batch N]\n"
        "                  [--max-tokens-limit N] [options]\n\n"
        "Serves GET /v1/models, POST /v1/completions and POST /v1/chat/completions in\n"
        "OpenAI's format (\"stream\": true answers as server-sent events). Concurrent\n"
        "requests are decoded together in batches. Chat messages become the prompt through\n"
        "the chat template the run was trained with (HH-RLHF's \\n\\nHuman: ... \\n\\nAssistant:\n"
        "for HH-RLHF data and Hugging Face folders, the last user message alone otherwise).\n"
        "Prints the URL it listens on; Ctrl-C stops it.\n\n"
        "options:\n"
        "  --checkpoint C          final (newest, default) or step-N of a run\n"
        "  --host H                address to listen on (127.0.0.1: this machine only)\n"
        "  --port N                port (8000); 0 = any free port, printed\n"
        "  --device D              cpu (default), cuda, cuda:N\n"
        "  --threads N             LibTorch threads (0 = LibTorch's default)\n"
        "  --token-env VAR         require 'Authorization: Bearer <token>' with the token\n"
        "                          read from environment variable VAR\n"
        "  --chat-template T       hh-rlhf or plain instead of the run's own\n"
        "  --model-name NAME       the model's name for clients (the folder's name)\n"
        "  --max-batch N           requests decoded together (8)\n"
        "  --max-tokens-limit N    largest max_tokens a request may ask for (512)\n"
        "  --max-request-bytes N   larger request bodies get 413 (1048576)\n",
        serve};
}

}  // namespace rgpb::cli
