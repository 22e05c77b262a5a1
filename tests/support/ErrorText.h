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

// Whether a message contains `part` (for QVERIFY2(contains(m, "..."), m.c_str())).
inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace rgpb::test
