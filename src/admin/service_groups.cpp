// Service layer: groups and their members, and public (shared) mailboxes.
#include "admin/service_impl.h"
#include "core/strings.h"

namespace magpie::admin {

static Status set_members(Service::Impl& impl, const std::string& group,
                          const std::vector<std::string>& members) {
    std::vector<std::string> names;
    for (auto& m : members) {
        auto n = to_lower(trim(m));
        if (!impl.user_exists(n))
            return Status::error(Errc::Invalid, "no user named '" + std::string(m) + "'");
        names.push_back(n);
    }
    impl.db.prepare("DELETE FROM group_members WHERE group_name = ?").bind(1, group).run();
    auto ins = impl.db.prepare(
        "INSERT OR IGNORE INTO group_members (group_name, user_name) VALUES (?, ?)");
    for (auto& n : names) ins.bind_all(group, n).run();
    return {};
}

Result<std::vector<store::Group>> Service::list_groups() {
    return impl_->read<std::vector<store::Group>>([&]() -> Result<std::vector<store::Group>> {
        std::vector<store::Group> out;
        for (auto st = impl_->db.prepare("SELECT name FROM mail_groups ORDER BY name"); st.step();)
            out.push_back({st.text(0), {}});
        auto st = impl_->db.prepare(
            "SELECT user_name FROM group_members WHERE group_name = ? ORDER BY user_name");
        for (auto& g : out) {
            st.bind(1, g.name);
            while (st.step()) g.members.push_back(st.text(0));
            st.reset();
        }
        return out;
    });
}

Result<store::Group> Service::get_group(std::string_view name) {
    auto all = list_groups();
    if (!all.ok()) return Status(all);
    auto n = to_lower(trim(name));
    for (auto& g : all.value)
        if (g.name == n) return g;
    return Status::error(Errc::NotFound, "no group named '" + std::string(name) + "'");
}

Status Service::add_group(std::string_view name, const std::vector<std::string>& members) {
    return impl_->write([&]() -> Status {
        auto n = check_name(name, "group");
        if (!n.ok()) return n;
        if (impl_->group_exists(n.value))
            return Status::error(Errc::Exists, "group '" + n.value + "' already exists");
        if (impl_->user_exists(n.value))
            return Status::error(Errc::Exists, "a user named '" + n.value + "' exists");
        impl_->db.prepare("INSERT INTO mail_groups (name) VALUES (?)").bind(1, n.value).run();
        return set_members(*impl_, n.value, members);
    });
}

Status Service::set_group_members(std::string_view name, const std::vector<std::string>& members) {
    return impl_->write([&]() -> Status {
        auto n = to_lower(trim(name));
        if (!impl_->group_exists(n))
            return Status::error(Errc::NotFound, "no group named '" + std::string(name) + "'");
        return set_members(*impl_, n, members);
    });
}

Status Service::remove_group(std::string_view name) {
    return impl_->write([&]() -> Status {
        auto n = to_lower(trim(name));
        if (!impl_->group_exists(n))
            return Status::error(Errc::NotFound, "no group named '" + std::string(name) + "'");
        impl_->db.prepare("DELETE FROM mail_groups WHERE name = ?").bind(1, n).run();
        impl_->drop_destination(n);
        return {};
    });
}

Result<std::vector<store::PublicMailbox>> Service::list_public() {
    return impl_->read<std::vector<store::PublicMailbox>>(
        [&]() -> Result<std::vector<store::PublicMailbox>> {
            std::vector<store::PublicMailbox> out;
            for (auto st = impl_->db.prepare("SELECT name FROM public_mailboxes ORDER BY name");
                 st.step();)
                out.push_back({st.text(0)});
            return out;
        });
}

Status Service::add_public(std::string_view name) {
    return impl_->write([&]() -> Status {
        auto n = check_name(name, "public mailbox");
        if (!n.ok()) return n;
        if (impl_->public_exists(n.value))
            return Status::error(Errc::Exists, "public mailbox '" + n.value + "' already exists");
        impl_->db.prepare("INSERT INTO public_mailboxes (name) VALUES (?)").bind(1, n.value).run();
        return {};
    });
}

Status Service::remove_public(std::string_view name) {
    return impl_->write([&]() -> Status {
        auto n = to_lower(trim(name));
        if (!impl_->public_exists(n))
            return Status::error(Errc::NotFound,
                                 "no public mailbox named '" + std::string(name) + "'");
        impl_->db.prepare("DELETE FROM public_mailboxes WHERE name = ?").bind(1, n).run();
        impl_->drop_destination("public:" + n);
        return {};
    });
}

}  // namespace magpie::admin
