// The project's commit as CMake saw it at configure time (studies record it in their
// provenance); the version when the source is not a git checkout. Its own file so that a new
// commit recompiles this file alone.
namespace rgpb::cli {

const char* buildCommit() {
    return RGPB_COMMIT;
}

}  // namespace rgpb::cli
