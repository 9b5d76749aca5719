// Formatting of filter verdicts for the maillog and the X-Spam-Status header.
#include "filter/verdict.h"

#include <fmt/format.h>

namespace magpie::filter {

void Verdict::add(std::string name, double s, std::string detail) {
    score += s;
    hits.push_back({std::move(name), s, std::move(detail)});
}

std::string Verdict::symbols() const {
    std::string out;
    for (const auto& h : hits) {
        if (!out.empty()) out += ", ";
        out += fmt::format("{}({:.2f})", h.name, h.score);
        if (!h.detail.empty()) out += "{" + h.detail + "}";
    }
    return out;
}

std::string Verdict::explain() const {
    std::string out;
    if (bayes_probability)
        out += fmt::format(", bayes={:.8g}", *bayes_probability);
    else if (bayes_ran)
        out += ", bayes=inactive";
    if (!av.empty()) out += ", av=" + av;
    return out;
}

std::string Verdict::status_header(double required) const {
    std::string tests;
    for (const auto& h : hits) {
        if (!tests.empty()) tests += ',';
        tests += fmt::format("{}={:.2f}", h.name, h.score);
    }
    return fmt::format("{}, score={:.2f} required={:.2f} tests=[{}]", score >= required ? "Yes" : "No",
                       score, required, tests);
}

}  // namespace magpie::filter
