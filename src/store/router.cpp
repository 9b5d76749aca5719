// Recipient lookup and expansion over a directory Snapshot, in the manner of Postfix
// virtual alias maps: case-insensitive, with recipient_delimiter extensions, and bounded
// so that alias and forward loops end.
#include "store/router.h"

#include <set>
#include <utility>

#include "core/strings.h"
#include "store/address.h"
#include "store/relay_rules.h"

namespace magpie::store {
namespace {

constexpr int kMaxDepth = 10;
constexpr size_t kMaxTargets = 10000;
constexpr std::string_view kPublicPrefix = "public:";

// What a local address resolves to, in precedence order.
struct Match {
    enum class Kind { None, Address, User, Group, Wildcard, CatchAll } kind = Kind::None;
    const Address* address = nullptr;
    const User* user = nullptr;
    const Group* group = nullptr;
    const Domain* domain = nullptr;
};

template <typename Map>
auto find_ptr(const Map& m, const std::string& key) -> const typename Map::mapped_type* {
    auto it = m.find(key);
    return it == m.end() ? nullptr : &it->second;
}

// Lookup of one local part without extension handling or catch-all.
Match match_local(const Snapshot& s, const Domain& d, const std::string& local) {
    Match m;
    m.domain = &d;
    if ((m.address = find_ptr(s.addresses, local + "@" + d.name))) {
        m.kind = Match::Kind::Address;
    } else if (d.user_addresses && (m.user = find_ptr(s.users, local))) {
        m.kind = Match::Kind::User;
    } else if (d.group_addresses && (m.group = find_ptr(s.groups, local))) {
        m.kind = Match::Kind::Group;
    } else if ((m.address = find_ptr(s.addresses, local))) {
        m.kind = Match::Kind::Wildcard;
    }
    return m;
}

// The full lookup: exact local part, then without its extension, then catch-all.
// `local` and `domain` must be lower case.
Match match_address(const Snapshot& s, const std::string& local, const std::string& domain) {
    Match m;
    auto* d = find_ptr(s.domains, domain);
    if (!d) return m;
    m = match_local(s, *d, local);
    if (m.kind != Match::Kind::None) return m;
    auto& delim = s.settings.recipient_delimiter;
    if (!delim.empty()) {
        auto cut = local.find_first_of(delim);
        if (cut != std::string::npos && cut > 0) {
            m = match_local(s, *d, local.substr(0, cut));
            if (m.kind != Match::Kind::None) return m;
        }
    }
    if (!d->catch_all.empty()) m.kind = Match::Kind::CatchAll;
    return m;
}

class Expander {
  public:
    explicit Expander(const Snapshot& s) : s_(s) {}

    void address(const std::string& addr, int rcpt, int depth) {
        if (depth > kMaxDepth || full()) return;
        auto [local_v, domain_v] = split_address(addr);
        std::string domain = to_lower(domain_v);
        auto* dom = domain.empty() ? nullptr : find_ptr(s_.domains, domain);
        // Remote domains, and relay domains (their next hop decides about local parts).
        if (!dom || !dom->relay_host.empty()) {
            if (!domain.empty()) add(Target::Kind::Remote, normalize_remote(addr), rcpt);
            return;
        }
        auto m = match_address(s_, to_lower(local_v), domain);
        if (m.kind == Match::Kind::User) return user(*m.user, rcpt, depth + 1);
        // Users track their own loops; everything else expands once per message.
        if (!addresses_.insert(to_lower(addr)).second) return;
        switch (m.kind) {
            case Match::Kind::Address:
            case Match::Kind::Wildcard:
                for (auto& d : m.address->destinations) destination(d, rcpt, depth + 1);
                break;
            case Match::Kind::Group:
                group(*m.group, rcpt, depth + 1);
                break;
            case Match::Kind::CatchAll:
                for (auto& d : m.domain->catch_all) destination(d, rcpt, depth + 1);
                break;
            case Match::Kind::User:
            case Match::Kind::None:
                break;
        }
    }

    const std::vector<Target>& targets() const { return targets_; }

  private:
    void destination(const std::string& dest, int rcpt, int depth) {
        if (depth > kMaxDepth || full()) return;
        if (istarts_with(dest, kPublicPrefix)) {
            auto name = to_lower(dest.substr(kPublicPrefix.size()));
            if (s_.public_mailboxes.count(name)) add(Target::Kind::Public, name, rcpt);
        } else if (dest.find('@') != std::string::npos) {
            address(dest, rcpt, depth);
        } else if (auto* u = find_ptr(s_.users, to_lower(dest))) {
            user(*u, rcpt, depth);
        } else if (auto* g = find_ptr(s_.groups, to_lower(dest))) {
            group(*g, rcpt, depth);
        }
    }

    void group(const Group& g, int rcpt, int depth) {
        for (auto& name : g.members)
            if (auto* u = find_ptr(s_.users, name)) user(*u, rcpt, depth);
    }

    void user(const User& u, int rcpt, int depth) {
        if (u.disabled || depth > kMaxDepth) return;
        if (u.forwards.empty()) {
            add(Target::Kind::Mailbox, u.name, rcpt);
            return;
        }
        if (in_progress_.count(u.name)) {
            // A forward that leads back to its own user delivers to the mailbox.
            add(Target::Kind::Mailbox, u.name, rcpt);
            return;
        }
        if (!users_done_.insert(u.name).second) return;
        in_progress_.insert(u.name);
        if (u.keep_copy) add(Target::Kind::Mailbox, u.name, rcpt);
        for (auto& f : u.forwards) address(f, rcpt, depth + 1);
        in_progress_.erase(u.name);
    }

    void add(Target::Kind kind, std::string name, int rcpt) {
        if (full()) return;
        if (!seen_.emplace(kind, name).second) return;
        targets_.push_back(Target{kind, std::move(name), rcpt});
    }

    bool full() const { return targets_.size() >= kMaxTargets; }

    const Snapshot& s_;
    std::vector<Target> targets_;
    std::set<std::pair<Target::Kind, std::string>> seen_;
    std::set<std::string> addresses_;    // aliases, groups, catch-alls already expanded
    std::set<std::string> users_done_;   // users with forwards already expanded
    std::set<std::string> in_progress_;  // users whose forwards are being expanded
};

}  // namespace

bool is_local_domain(const Snapshot& s, std::string_view domain) {
    return s.domains.count(to_lower(domain)) != 0;
}

RcptStatus check_recipient(const Snapshot& s, std::string_view address, bool inside) {
    auto [local, domain] = split_address(address);
    if (domain.empty()) return RcptStatus::Unknown;
    if (!is_local_domain(s, domain)) return RcptStatus::NotLocalDomain;
    // A relay domain accepts every local part; the next hop decides (store/relay_rules.h).
    if (relay_domain_for(s, address)) return RcptStatus::Ok;
    auto m = match_address(s, to_lower(local), to_lower(domain));
    switch (m.kind) {
        case Match::Kind::Address:
        case Match::Kind::Wildcard:
            return m.address->internal && !inside ? RcptStatus::InternalOnly : RcptStatus::Ok;
        case Match::Kind::User:
            return m.user->disabled ? RcptStatus::Disabled : RcptStatus::Ok;
        case Match::Kind::Group:
        case Match::Kind::CatchAll:
            return RcptStatus::Ok;
        case Match::Kind::None:
            break;
    }
    return RcptStatus::Unknown;
}

std::vector<Target> expand_recipients(const Snapshot& s, const std::vector<std::string>& rcpts) {
    Expander ex(s);
    std::vector<std::string> hidden;  // hidden-copy addresses of the domains addressed
    for (size_t i = 0; i < rcpts.size(); ++i) {
        ex.address(rcpts[i], static_cast<int>(i), 0);
        auto domain = to_lower(split_address(rcpts[i]).domain);
        auto* d = find_ptr(s.domains, domain);
        if (d && !d->hidden_copy.empty()) hidden.push_back(d->hidden_copy);
    }
    for (auto& h : hidden) ex.address(h, -1, 0);
    if (!s.settings.always_bcc.empty()) ex.address(s.settings.always_bcc, -1, 0);
    return ex.targets();
}

bool address_reaches_user(const Snapshot& s, std::string_view address, std::string_view user) {
    auto name = to_lower(user);
    for (auto& t : expand_recipients(s, {std::string(address)}))
        if (t.rcpt == 0 && t.kind == Target::Kind::Mailbox && t.name == name) return true;
    return false;
}

}  // namespace magpie::store
