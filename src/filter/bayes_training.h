// Training the Bayes classifier from users' IMAP moves: a message moved into Junk is
// learned as spam, one moved out of Junk (except into Trash) as ham. When the group
// `spamtrainers` exists, only its members train; otherwise every user does.
#pragma once
#include <optional>
#include <string_view>

#include "filter/bayes_classifier.h"
#include "store/directory.h"

namespace magpie::filter {

inline constexpr std::string_view kSpamTrainersGroup = "spamtrainers";
inline constexpr std::string_view kJunkFolder = "Junk";
inline constexpr std::string_view kTrashFolder = "Trash";

// Whether `user` may train: a member of `spamtrainers` when that group exists, else anyone.
bool may_train(const store::Snapshot& snap, std::string_view user);

// What moving a message from folder `from` to folder `to` teaches: true spam, false ham,
// nullopt nothing (neither is Junk, Junk to Junk, or Junk to Trash). Folder names are
// compared case-insensitively.
std::optional<bool> junk_move_label(std::string_view from, std::string_view to);

// The IMAP hook: learns `raw` as spam (to_junk) or ham when `user` may train; nullopt when
// the user may not. Throws store::DbError when the database fails.
std::optional<LearnResult> train_from_move(Bayes& bayes, const store::Snapshot& snap,
                                           std::string_view user, std::string_view raw,
                                           bool to_junk);

}  // namespace magpie::filter
