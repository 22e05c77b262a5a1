#include "app/cli/Commands.h"

#include <algorithm>

#include "core/util/Error.h"

namespace rgpb::cli {

const std::vector<Command>& commands() {
    return rootCommand().subcommands;
}

const Command& rootCommand() {
    static const Command root = [] {
        Command c;
        c.name = "rgpb";
        c.summary = "train language models that reward good and penalize bad examples";
        c.help =
            "rgpb " RGPB_VERSION " - " + c.summary +
            "\n\nusage: rgpb <command> [options]\n"
            "       rgpb --version\n\n"
            "Exit code 0 on success, 1 with a one-line reason on failure, 2 for an unknown\n"
            "or missing command, 130 when cancelled (Ctrl-C stops cleanly with a checkpoint).\n";
        c.subcommands = {
            trainCommand(),      resumeCommand(),      sweepCommand(),      runsCommand(),
            evalCommand(),       gradlabCommand(),     sampleCommand(),     compareCommand(),
            judgeStatsCommand(), judgeImportCommand(), judgeModelCommand(), serveCommand(),
            tokenizeCommand(),   exportHfCommand(),    importHfCommand(),   logitsCommand(),
            studyCommand(),      versionCommand(),
        };
        return c;
    }();
    return root;
}

std::string helpText(const Command& command, const std::string& path) {
    std::string text = command.help;
    if (command.subcommands.empty()) {
        return text;
    }
    std::size_t width = 0;
    for (const Command& sub : command.subcommands) {
        width = std::max(width, sub.name.size());
    }
    text += "\ncommands:\n";
    for (const Command& sub : command.subcommands) {
        text +=
            "  " + sub.name + std::string(width + 3 - sub.name.size(), ' ') + sub.summary + "\n";
    }
    text += "\n'" + path + " <command> --help' describes a command.\n";
    return text;
}

bool asksForHelp(const std::vector<std::string>& args) {
    if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
        return true;
    }
    const auto end = std::find(args.begin(), args.end(), "--");
    return std::find(args.begin(), end, "--help") != end;
}

void noJudgmentsStore(const std::string& command, const std::string& verb) {
    throw Error(command +
                ": this build of rgpb has no Qt SQL (Qt 6 Core + Sql were not found at configure "
                "time), so it cannot " +
                verb + " judgments databases");
}

}  // namespace rgpb::cli
