// Test helper: the message of the exception of type E that `f` throws, or "(no exception)".
// Tests compare it with the text a user would see.
#pragma once

#include <string>

namespace rgpb::test {

template <typename E, typename F>
std::string messageOf(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return "(no exception)";
}

}  // namespace rgpb::test
