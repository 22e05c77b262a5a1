// `rgpb judge-import DB DIR`: imports a comparison set written by `rgpb compare` into a
// judgments database without the GUI (the same import as the Judge tab: seeded sides, swapped
// repeats, the automatic judge on items with a known answer), so synthetic-task comparisons can
// be scored on a headless machine and judged later in the workbench.
#include <iostream>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "core/util/Error.h"
#ifdef RGPB_HAVE_JUDGING
#include "store/JudgmentStore.h"
#endif

namespace rgpb::cli {
namespace {

int judgeImport(const std::vector<std::string>& argv) {
#ifdef RGPB_HAVE_JUDGING
    CliArgs args(argv, {"name", "seed", "repeat-fraction"}, {"no-auto"});
    if (args.positional().size() != 2)
        throw Error("judge-import: expected DB and a comparison set DIR");
    judging::ImportOptions o;
    o.name = args.value("name").value_or("");
    o.seed = static_cast<uint64_t>(args.integer("seed", 1));
    o.repeat_fraction = args.number("repeat-fraction", 0.1);
    if (o.repeat_fraction < 0 || o.repeat_fraction > 1)
        throw Error("judge-import: --repeat-fraction must be in [0, 1]");
    o.auto_judge = !args.has("no-auto");
    const judging::ComparisonSet set = judging::readComparisonSet(args.positional()[1]);
    judging::JudgmentStore store(args.positional()[0]);
    const int64_t id = store.importSet(set, o);
    for (const judging::SetInfo& s : store.sets()) {
        if (s.id != id)
            continue;
        std::cout << "imported '" << s.name << "' into " << store.path() << ": " << s.items
                  << " items, " << s.presentations << " showings, " << s.models[0] << " vs "
                  << s.models[1] << "; automatic judge: " << store.judgedCount(id, "auto")
                  << " votes\n";
    }
    return 0;
#else
    (void)argv;
    noJudgmentsStore("judge-import", "write");
#endif
}

}  // namespace

Command judgeImportCommand() {
    return {"judge-import", "import a comparison set into a judgments database",
            "usage: rgpb judge-import DB DIR [--name NAME] [--seed N] [--repeat-fraction F]\n"
            "                         [--no-auto]\n\n"
            "Imports DIR (comparison.json + items.jsonl from `rgpb compare`) into the judgments\n"
            "database DB (created when missing), as the workbench's Judge tab does: each item's\n"
            "sides are drawn with --seed (default 1) and stored, a fraction F of the items\n"
            "(--repeat-fraction, default 0.1) is queued again with the sides swapped, and items\n"
            "with a known answer get the automatic judge's vote ('auto'; --no-auto skips it).\n"
            "--name names the set (default: the folder's name).\n",
            judgeImport};
}

}  // namespace rgpb::cli
