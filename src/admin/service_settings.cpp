// Service layer: run-time settings, validated and canonicalised through the registry.
#include "admin/service_impl.h"
#include "core/strings.h"

namespace magpie::admin {

static SettingInfo info_for(const store::SettingDef& def) {
    return {def.key, def.default_value, true, def.type, def.default_value, def.help};
}

static Result<const store::SettingDef*> find(std::string_view key) {
    auto* def = store::find_setting(to_lower(trim(key)));
    if (!def) return Status::error(Errc::NotFound, "no setting named '" + std::string(key) + "'");
    return def;
}

Result<std::vector<SettingInfo>> Service::list_settings() {
    return impl_->read<std::vector<SettingInfo>>([&]() -> Result<std::vector<SettingInfo>> {
        std::map<std::string, std::string> stored;
        for (auto st = impl_->db.prepare("SELECT key, value FROM settings"); st.step();)
            stored[st.text(0)] = st.text(1);
        std::vector<SettingInfo> out;
        for (auto& def : store::setting_defs()) {
            auto info = info_for(def);
            auto it = stored.find(def.key);
            if (it != stored.end()) {
                info.value = it->second;
                info.is_default = false;
            }
            out.push_back(std::move(info));
        }
        return out;
    });
}

Result<SettingInfo> Service::get_setting(std::string_view key) {
    auto def = find(key);
    if (!def.ok()) return Status(def);
    return impl_->read<SettingInfo>([&]() -> Result<SettingInfo> {
        auto info = info_for(*def.value);
        auto st = impl_->db.prepare("SELECT value FROM settings WHERE key = ?");
        st.bind(1, info.key);
        if (st.step()) {
            info.value = st.text(0);
            info.is_default = false;
        }
        return info;
    });
}

Status Service::set_setting(std::string_view key, std::string_view value) {
    auto def = find(key);
    if (!def.ok()) return def;
    std::string error;
    auto v = store::normalize_setting(*def.value, std::string(value), &error);
    if (!v) return Status::error(Errc::Invalid, error);
    return impl_->write([&]() -> Status {
        impl_->db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)")
            .bind_all(def.value->key, *v)
            .run();
        return {};
    });
}

Status Service::reset_setting(std::string_view key) {
    auto def = find(key);
    if (!def.ok()) return def;
    return impl_->write([&]() -> Status {
        impl_->db.prepare("DELETE FROM settings WHERE key = ?").bind(1, def.value->key).run();
        return {};
    });
}

}  // namespace magpie::admin
