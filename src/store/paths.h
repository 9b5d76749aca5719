// Where mailboxes live under the data folder; the delivery agent creates them lazily.
#pragma once
#include <string>

namespace magpie::store {

inline std::string mailbox_path(const std::string& data_dir, const std::string& user) {
    return data_dir + "/mail/" + user;
}

// Left by `magpie spam expire`: the running server expires the Junk folders within a second.
inline std::string junk_expiry_trigger(const std::string& data_dir) {
    return data_dir + "/filter/expire-junk";
}

inline std::string public_mailbox_path(const std::string& data_dir, const std::string& name) {
    return data_dir + "/public/" + name;
}

}  // namespace magpie::store
