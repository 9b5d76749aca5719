// Bayes autolearn (docs/bayes.md): messages whose verdict is clear teach the classifier,
// SpamAssassin/Rspamd style and bounded: spam when the rules other than Bayes alone reach
// bayes_autolearn_spam, ham when the BAYES_HAM rule fired and the whole score stays at or
// below bayes_autolearn_ham; never a message Bayes is already sure of in the same class, never a
// class that would outgrow the other fourfold, at most kAutolearnPerHour messages an hour.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

#include "filter/bayes_classifier.h"
#include "filter/verdict.h"
#include "store/settings.h"

namespace magpie::filter {

inline constexpr int kAutolearnPerHour = 200;
// Bayes probabilities past which a message is "already in class" and not learned again.
inline constexpr double kAutolearnSureSpam = 0.9999;
inline constexpr double kAutolearnSureHam = 0.0001;
// No class may be learned past this many times the other (once both passed activation).
inline constexpr int64_t kAutolearnMaxRatio = 4;

// The label autolearn would give the verdict (true = spam), or nullopt: pure.
std::optional<bool> autolearn_label(const Verdict& v, const store::Settings& s,
                                    const BayesProgress& progress);

class Autolearner {
  public:
    explicit Autolearner(Bayes& bayes) : bayes_(bayes) {}
    // Learns the message when autolearn_label() gives a label and the limits allow; returns
    // the label learned. Thread-safe.
    std::optional<bool> consider(std::string_view raw, const Verdict& v, const store::Settings& s,
                                 bool authenticated, int64_t now);

  private:
    Bayes& bayes_;
    std::mutex mu_;
    int64_t window_start_ = 0;
    int learned_in_window_ = 0;
};

}  // namespace magpie::filter
