// The registry of `rgpb` subcommands. A command takes its arguments (without its own name)
// and returns the process exit code; it throws for errors, which main() prints as one line.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace rgpb::cli {

struct Command {
    std::string name;
    std::string summary;  // one line for `rgpb help`
    std::string help;     // full text for `rgpb <name> --help`
    std::function<int(const std::vector<std::string>&)> run;
};

const std::vector<Command>& commands();

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
Command tokenizeCommand();
Command exportHfCommand();
Command importHfCommand();
Command logitsCommand();

}  // namespace rgpb::cli
