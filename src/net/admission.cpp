// Connection admission per port class, client address and descriptor budget.
#include "net/admission.h"

#include <algorithm>

namespace magpie::net {

const char* port_class_name(PortClass c) {
    switch (c) {
        case PortClass::Mx:
            return "mx";
        case PortClass::Submission:
            return "submission";
        case PortClass::Mail:
            return "mail";
        case PortClass::Admin:
            return "admin";
    }
    return "?";
}

int64_t class_share_percent(PortClass c) {
    switch (c) {
        case PortClass::Mx:
            return 40;
        case PortClass::Submission:
            return 20;
        case PortClass::Mail:
            return 40;
        case PortClass::Admin:  // the HTTP API; within the reserve's slack (docs/security.md)
            return 5;
    }
    return 0;
}

int64_t class_capacity(PortClass c, const AdmissionLimits& l) {
    int64_t share = std::max<int64_t>(1, l.fd_budget * class_share_percent(c) / 100);
    return std::min(l.cls[static_cast<size_t>(c)].total, share);
}

Ticket& Ticket::operator=(Ticket&& o) noexcept {
    if (this != &o) {
        reset();
        a_ = o.a_;
        c_ = o.c_;
        ip_ = std::move(o.ip_);
        o.a_ = nullptr;
    }
    return *this;
}

void Ticket::reset() {
    if (a_) a_->release(c_, ip_);
    a_ = nullptr;
}

Admissions::Result Admissions::admit(PortClass c, std::string_view ip,
                                     const AdmissionLimits& limits) {
    const auto i = static_cast<size_t>(c);
    const ClassLimits& cl = limits.cls[i];
    Result r;
    std::lock_guard lock(mu_);
    Counts& counts = cls_[i];
    auto it = counts.per_ip.find(std::string(ip));
    int64_t mine = it == counts.per_ip.end() ? 0 : it->second;
    r.per_ip = mine + 1;
    r.open = counts.open + 1;
    if (r.open > cl.total)
        r.refusal = Refusal::Total;
    else if (r.open > class_capacity(c, limits))
        r.refusal = Refusal::Descriptors;
    else if (r.per_ip > cl.per_ip)
        r.refusal = Refusal::PerIp;
    if (r.refusal != Refusal::None) return r;
    ++counts.per_ip[std::string(ip)];
    ++counts.open;
    r.ticket = Ticket(this, c, std::string(ip));
    return r;
}

void Admissions::release(PortClass c, const std::string& ip) {
    std::lock_guard lock(mu_);
    Counts& counts = cls_[static_cast<size_t>(c)];
    auto it = counts.per_ip.find(ip);
    if (it != counts.per_ip.end() && --it->second <= 0) counts.per_ip.erase(it);
    --counts.open;
}

int64_t Admissions::open(PortClass c) const {
    std::lock_guard lock(mu_);
    return cls_[static_cast<size_t>(c)].open;
}

int64_t Admissions::open_total() const {
    std::lock_guard lock(mu_);
    int64_t n = 0;
    for (const auto& c : cls_) n += c.open;
    return n;
}

}  // namespace magpie::net
