// Test helper: approximate comparisons of numbers that, on failure, print the compared
// expressions, both values (shortest round-trip form), their difference and the tolerance:
//
//   RGPB_COMPARE_NEAR(c.kappa, 57.0 / 93, 1e-12);        // |actual - expected| <= 1e-12
//   RGPB_COMPARE_NEAR_REL(perplexity, last, 1e-9);       // |actual - expected| <= 1e-9 |expected|
//
// A NaN on either side fails. Each argument is evaluated once. Like QVERIFY2, they return from
// the test function on failure.
#pragma once

#include <QtTest>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace rgpb::test {

// Shortest text that reads back as `value` (0.1 -> "0.1", 1.0 / 3 -> "0.3333333333333333").
inline std::string shortestText(double value) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    return std::string(buffer, result.ptr);
}

// Empty when |actual - expected| <= max(absolute, relative * |expected|); otherwise the failure
// message "<macro>(<exprs>): actual A, expected E, |difference| D > tolerance T".
inline std::string approxFailure(const char* call, double actual, double expected, double absolute,
                                 double relative) {
    const double difference = std::abs(actual - expected);
    const double tolerance =
        relative > 0 ? std::max(absolute, relative * std::abs(expected)) : absolute;
    if (difference <= tolerance) {  // false for NaN
        return {};
    }
    return std::string(call) + ": actual " + shortestText(actual) + ", expected " +
           shortestText(expected) + ", |difference| " + shortestText(difference) + " > tolerance " +
           shortestText(tolerance);
}

}  // namespace rgpb::test

#define RGPB_APPROX_VERIFY_(call, actual, expected, absolute, relative)                            \
    do {                                                                                           \
        const std::string rgpb_approx_failure_ = ::rgpb::test::approxFailure(                      \
            call, static_cast<double>(actual), static_cast<double>(expected), absolute, relative); \
        QVERIFY2(rgpb_approx_failure_.empty(), rgpb_approx_failure_.c_str());                      \
    } while (false)

// |actual - expected| <= tolerance.
#define RGPB_COMPARE_NEAR(actual, expected, tolerance)                                           \
    RGPB_APPROX_VERIFY_("RGPB_COMPARE_NEAR(" #actual ", " #expected ", " #tolerance ")", actual, \
                        expected, static_cast<double>(tolerance), 0.0)

// |actual - expected| <= relative * |expected|.
#define RGPB_COMPARE_NEAR_REL(actual, expected, relative)                                   \
    RGPB_APPROX_VERIFY_("RGPB_COMPARE_NEAR_REL(" #actual ", " #expected ", " #relative ")", \
                        actual, expected, 0.0, static_cast<double>(relative))
