// Route matching: literal segments and {parameters}; role checks.
#include "api/router.h"

namespace magpie::api {

void Router::add(Route r) {
    std::vector<std::string> segs;
    std::string_view p = r.pattern;
    while (!p.empty()) {
        if (p[0] == '/') p.remove_prefix(1);
        auto slash = p.find('/');
        segs.emplace_back(p.substr(0, slash));
        p = slash == std::string_view::npos ? std::string_view() : p.substr(slash);
    }
    split_.push_back(std::move(segs));
    routes_.push_back(std::move(r));
}

Router::Match Router::find(const std::string& method,
                           const std::vector<std::string>& segments) const {
    Match m;
    for (size_t i = 0; i < routes_.size(); ++i) {
        auto& pat = split_[i];
        if (pat.size() != segments.size()) continue;
        std::map<std::string, std::string> params;
        bool ok = true;
        for (size_t k = 0; k < pat.size() && ok; ++k) {
            if (pat[k].size() > 2 && pat[k].front() == '{' && pat[k].back() == '}')
                params[pat[k].substr(1, pat[k].size() - 2)] = segments[k];
            else
                ok = pat[k] == segments[k];
        }
        if (!ok) continue;
        m.path_found = true;
        m.allowed.push_back(routes_[i].method);
        if (routes_[i].method == method && !m.route) {
            m.route = &routes_[i];
            m.params = std::move(params);
        }
    }
    return m;
}

bool allowed(Access a, const Principal& p) {
    switch (a) {
        case Access::Public:
            return true;
        case Access::Any:
            return !p.kind.empty();
        case Access::Self:
            return p.kind == "user";
        case Access::Read:
            return p.kind == "admin";
        case Access::Mail:
            return p.kind == "admin" && (p.role == "admin" || p.role == "mailadm");
        case Access::Admin:
            return p.kind == "admin" && p.role == "admin";
    }
    return false;
}

}  // namespace magpie::api
