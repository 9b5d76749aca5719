// Connection admission for the front door: open connections counted per port class, per
// client address and in total, against each class's limits and its share of the process's
// open-file budget, so a flood on one class (port 25) cannot take the descriptors another
// class (submission, IMAP/POP3) needs. Pure bookkeeping, no sockets; thread-safe.
#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace magpie::net {

// MX (port 25), submission (587, 465), mailbox access (IMAP and POP3, all ports).
enum class PortClass { Mx, Submission, Mail, Admin };
inline constexpr size_t kPortClasses = 4;
const char* port_class_name(PortClass c);

enum class Refusal {
    None,
    PerIp,        // the client's address has its class's per_ip connections open
    Total,        // the class has its total open
    Descriptors,  // the class has used its share of the open-file budget
};

struct ClassLimits {
    int64_t total = 0;   // connections of the class at once
    int64_t per_ip = 0;  // connections of the class from one address at once
};

struct AdmissionLimits {
    std::array<ClassLimits, kPortClasses> cls{};
    // Descriptors the connections of all classes may use: the open-file limit minus the
    // reserve kept for queue files, mailboxes, the database and logs.
    int64_t fd_budget = 0;
};

// The share of the descriptor budget a class may use, in percent: 40 port 25, 20
// submission, 40 IMAP/POP3.
int64_t class_share_percent(PortClass c);
// The connections a class may have open at once: its total, capped by its budget share.
int64_t class_capacity(PortClass c, const AdmissionLimits& l);

class Admissions;

// One admitted connection; leaving scope (or being reset) frees its place.
class Ticket {
  public:
    Ticket() = default;
    Ticket(Admissions* a, PortClass c, std::string ip) : a_(a), c_(c), ip_(std::move(ip)) {}
    Ticket(Ticket&& o) noexcept : a_(o.a_), c_(o.c_), ip_(std::move(o.ip_)) { o.a_ = nullptr; }
    Ticket& operator=(Ticket&& o) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() { reset(); }
    void reset();
    explicit operator bool() const { return a_ != nullptr; }

  private:
    Admissions* a_ = nullptr;
    PortClass c_ = PortClass::Mx;
    std::string ip_;
};

class Admissions {
  public:
    struct Result {
        Refusal refusal = Refusal::None;
        int64_t per_ip = 0;  // the client's open connections of the class, this one included
        int64_t open = 0;    // the class's open connections, this one included
        Ticket ticket;       // valid when refusal is None
    };
    Result admit(PortClass c, std::string_view ip, const AdmissionLimits& limits);
    int64_t open(PortClass c) const;
    int64_t open_total() const;

  private:
    friend class Ticket;
    void release(PortClass c, const std::string& ip);

    struct Counts {
        std::unordered_map<std::string, int64_t> per_ip;
        int64_t open = 0;
    };
    mutable std::mutex mu_;
    std::array<Counts, kPortClasses> cls_;
};

}  // namespace magpie::net
