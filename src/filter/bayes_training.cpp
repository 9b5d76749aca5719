// Bayes training rules for IMAP moves (who trains, which moves teach what).
#include "filter/bayes_training.h"

#include <algorithm>

#include "core/strings.h"

namespace magpie::filter {

bool may_train(const store::Snapshot& snap, std::string_view user) {
    auto it = snap.groups.find(std::string(kSpamTrainersGroup));
    if (it == snap.groups.end()) return true;
    const auto& members = it->second.members;
    return std::any_of(members.begin(), members.end(),
                       [&](const std::string& m) { return iequals(m, user); });
}

std::optional<bool> junk_move_label(std::string_view from, std::string_view to) {
    bool from_junk = iequals(from, kJunkFolder);
    bool to_junk = iequals(to, kJunkFolder);
    if (from_junk == to_junk) return std::nullopt;
    if (to_junk) return true;
    if (iequals(to, kTrashFolder)) return std::nullopt;
    return false;
}

std::optional<LearnResult> train_from_move(Bayes& bayes, const store::Snapshot& snap,
                                           std::string_view user, std::string_view raw,
                                           bool to_junk) {
    if (!may_train(snap, user)) return std::nullopt;
    return bayes.learn(raw, to_junk);
}

}  // namespace magpie::filter
