// The registry of `rgpb` commands and the one help mechanism for all of them. A command takes
// its arguments (without its own name) and returns the process exit code; it throws for
// errors, which main() prints as one line. A command may instead group subcommands
// (`rgpb gradlab analytic`, `rgpb gradlab measure`); `rgpb` itself is the root group. Every
// level answers `--help` (and `-h`, and `rgpb help <command>...`) with helpText(), built here
// from the commands' own texts and summaries.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace rgpb::cli {

struct Command {
    std::string name;
    std::string summary;  // one line for the list of the parent's commands
    std::string help;     // full text for `--help`; a group's list of subcommands is appended
    std::function<int(const std::vector<std::string>&)> run = {};  // empty for a group
    std::vector<Command> subcommands = {};
};

// `rgpb` itself: every command below as its subcommands.
const Command& rootCommand();
const std::vector<Command>& commands();

// What `<path> --help` prints, e.g. helpText(gradlab, "rgpb gradlab"): the command's help and,
// for a group, its subcommands with their summaries.
std::string helpText(const Command& command, const std::string& path);

// True when `args` (a command's arguments) ask for help: -h or --help first, or --help
// anywhere before a "--".
bool asksForHelp(const std::vector<std::string>& args);

// What a judgments command (judge-stats, judge-import, judge-model) says in a build without
// Qt SQL: `command` cannot `verb` ("read", "write") judgments databases.
[[noreturn]] void noJudgmentsStore(const std::string& command, const std::string& verb);

// Defined in their own files.
Command gradlabCommand();
Command trainCommand();
Command resumeCommand();
Command sweepCommand();
Command runsCommand();
Command evalCommand();
Command sampleCommand();
Command compareCommand();
Command judgeStatsCommand();
Command judgeImportCommand();
Command judgeModelCommand();
Command tokenizeCommand();
Command exportHfCommand();
Command importHfCommand();
Command logitsCommand();
Command versionCommand();
Command studyCommand();
Command serveCommand();

}  // namespace rgpb::cli
