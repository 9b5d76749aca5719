// The front door's pure parts: admission per port class, address and descriptor budget;
// the growing accept pause; the log limiter.
#include <gtest/gtest.h>

#include "net/accept_pause.h"
#include "net/admission.h"

namespace magpie::net {
namespace {

AdmissionLimits limits(int64_t total, int64_t per_ip, int64_t budget = 1000000) {
    AdmissionLimits l;
    for (auto& c : l.cls) c = {total, per_ip};
    l.fd_budget = budget;
    return l;
}

TEST(Admission, PerAddressThenFreedWhenTicketEnds) {
    Admissions a;
    auto l = limits(100, 2);
    auto r1 = a.admit(PortClass::Mail, "192.0.2.1", l);
    auto r2 = a.admit(PortClass::Mail, "192.0.2.1", l);
    EXPECT_EQ(r1.refusal, Refusal::None);
    EXPECT_EQ(r2.refusal, Refusal::None);
    auto r3 = a.admit(PortClass::Mail, "192.0.2.1", l);
    EXPECT_EQ(r3.refusal, Refusal::PerIp);
    EXPECT_FALSE(r3.ticket);
    EXPECT_EQ(r3.per_ip, 3);
    EXPECT_EQ(a.admit(PortClass::Mail, "192.0.2.2", l).refusal, Refusal::None);
    r1.ticket.reset();
    auto r4 = a.admit(PortClass::Mail, "192.0.2.1", l);
    EXPECT_EQ(r4.refusal, Refusal::None);
    EXPECT_EQ(a.open(PortClass::Mail), 2);  // r2 and r4; the 192.0.2.2 one ended at once
}

TEST(Admission, ClassesAreCountedApart) {
    Admissions a;
    auto l = limits(2, 10);
    std::vector<Ticket> held;
    for (int i = 0; i < 2; ++i)
        held.push_back(
            std::move(a.admit(PortClass::Mx, "198.51.100." + std::to_string(i), l).ticket));
    EXPECT_EQ(a.admit(PortClass::Mx, "198.51.100.9", l).refusal, Refusal::Total);
    // A full port 25 leaves submission and IMAP/POP3 alone.
    auto sub = a.admit(PortClass::Submission, "198.51.100.9", l);
    EXPECT_EQ(sub.refusal, Refusal::None);
    EXPECT_EQ(a.admit(PortClass::Mail, "198.51.100.9", l).refusal, Refusal::None);
    EXPECT_EQ(a.open(PortClass::Mx), 2);
    EXPECT_EQ(a.open_total(), 3);  // the Mail ticket above ended at once
}

TEST(Admission, DescriptorBudgetIsShared) {
    Admissions a;
    auto l = limits(1000, 1000, 100);  // 40 for port 25, 20 for submission, 40 for mailboxes
    EXPECT_EQ(class_capacity(PortClass::Mx, l), 40);
    EXPECT_EQ(class_capacity(PortClass::Submission, l), 20);
    std::vector<Ticket> held;
    for (int i = 0; i < 40; ++i) {
        auto r = a.admit(PortClass::Mx, "203.0.113." + std::to_string(i), l);
        ASSERT_EQ(r.refusal, Refusal::None) << i;
        held.push_back(std::move(r.ticket));
    }
    EXPECT_EQ(a.admit(PortClass::Mx, "203.0.113.200", l).refusal, Refusal::Descriptors);
    EXPECT_EQ(a.admit(PortClass::Submission, "203.0.113.200", l).refusal, Refusal::None);
    // A tiny budget still lets one connection per class in.
    EXPECT_EQ(class_capacity(PortClass::Submission, limits(10, 10, 0)), 1);
}

TEST(Admission, TicketMoves) {
    Admissions a;
    auto l = limits(1, 1);
    Ticket t = std::move(a.admit(PortClass::Mx, "192.0.2.1", l).ticket);
    Ticket u;
    u = std::move(t);
    EXPECT_FALSE(t);
    EXPECT_TRUE(u);
    EXPECT_EQ(a.open(PortClass::Mx), 1);
    u = Ticket();
    EXPECT_EQ(a.open(PortClass::Mx), 0);
}

TEST(AcceptPause, GrowsToTheCapAndCalmsDown) {
    AcceptPause p;
    auto t = Clock::now();
    EXPECT_EQ(p.next(t), std::chrono::milliseconds(50));
    EXPECT_EQ(p.next(t + std::chrono::milliseconds(60)), std::chrono::milliseconds(100));
    EXPECT_EQ(p.next(t + std::chrono::milliseconds(200)), std::chrono::milliseconds(200));
    auto last = std::chrono::milliseconds(0);
    for (int i = 0; i < 20; ++i) last = p.next(t + std::chrono::seconds(1));
    EXPECT_EQ(last, AcceptPause::kMax);
    EXPECT_EQ(p.next(t + std::chrono::seconds(60)), AcceptPause::kFirst);
}

TEST(LogLimiter, OneLinePerIntervalWithCount) {
    LogLimiter lim(std::chrono::seconds(1));
    auto t = Clock::now();
    int64_t held = -1;
    EXPECT_TRUE(lim.allow(t, held));
    EXPECT_EQ(held, 0);
    for (int i = 0; i < 999; ++i) EXPECT_FALSE(lim.allow(t + std::chrono::milliseconds(i), held));
    EXPECT_TRUE(lim.allow(t + std::chrono::milliseconds(1001), held));
    EXPECT_EQ(held, 999);
}

}  // namespace
}  // namespace magpie::net
