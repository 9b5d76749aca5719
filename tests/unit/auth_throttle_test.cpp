// The password-guessing throttle: free failures, spaced turns across connections, the
// block, the account rule, forgetting after a quiet window.
#include <gtest/gtest.h>

#include "auth/throttle.h"

namespace magpie::auth {
namespace {

using namespace std::chrono_literals;
using Clock = LoginThrottle::Clock;

ThrottlePolicy policy() {
    ThrottlePolicy p;
    p.free_failures = 3;
    p.delay_ms = 500;
    p.max_delay_ms = 4000;
    p.block_failures = 10;
    p.block_seconds = 600;
    p.window_seconds = 900;
    return p;
}

TEST(LoginThrottle, DelaySchedule) {
    auto p = policy();
    EXPECT_EQ(LoginThrottle::delay(0, p), 0ms);
    EXPECT_EQ(LoginThrottle::delay(3, p), 0ms);
    EXPECT_EQ(LoginThrottle::delay(4, p), 500ms);
    EXPECT_EQ(LoginThrottle::delay(5, p), 1000ms);
    EXPECT_EQ(LoginThrottle::delay(7, p), 4000ms);
    EXPECT_EQ(LoginThrottle::delay(50, p), 4000ms);
}

TEST(LoginThrottle, ParallelAttemptsGetSpacedTurns) {
    LoginThrottle t;
    auto p = policy();
    auto now = Clock::now();
    for (int i = 0; i < 4; ++i) {
        auto turn = t.reserve("192.0.2.1", "alice", now, p);
        EXPECT_EQ(turn.at, now);
        t.failure("192.0.2.1", "alice", now, p);
    }
    // Thirty connections asking at the same moment are served one after the other.
    // (Also before any of them is answered: see InFlightAttemptsCount.)
    Clock::time_point last = now;
    for (int i = 0; i < 30; ++i) {
        auto turn = t.reserve("192.0.2.1", "", now, p);
        EXPECT_GE(turn.at - last, 500ms) << i;
        last = turn.at;
    }
    // Another address is not slowed.
    EXPECT_EQ(t.reserve("192.0.2.2", "", now, p).at, now);
}

TEST(LoginThrottle, InFlightAttemptsCount) {
    LoginThrottle t;
    auto p = policy();
    auto now = Clock::now();
    int at_once = 0;
    for (int i = 0; i < 30; ++i) at_once += t.reserve("192.0.2.3", "", now, p).at == now;
    EXPECT_EQ(at_once, 4);  // the free failures and the first after them
}

TEST(LoginThrottle, BlockAfterManyFailuresThenForgotten) {
    LoginThrottle t;
    auto p = policy();
    auto now = Clock::now();
    bool blocked = false;
    for (int i = 0; i < 10; ++i) {
        t.reserve("198.51.100.7", "bob", now, p);
        blocked = t.failure("198.51.100.7", "bob", now, p);
    }
    EXPECT_TRUE(blocked);
    EXPECT_TRUE(t.reserve("198.51.100.7", "", now + 1s, p).blocked);
    auto b1 = t.reserve("198.51.100.7", "", now + 599s, p);
    auto b2 = t.reserve("198.51.100.7", "", now + 599s, p);
    EXPECT_TRUE(b1.blocked && b2.blocked);
    EXPECT_GE(b2.at - b1.at, 4000ms);  // blocked answers are spaced too
    auto later = now + 3600s;
    auto turn = t.reserve("198.51.100.7", "", later, p);
    EXPECT_FALSE(turn.blocked);
    EXPECT_LE(turn.at, later + 5s);
}

TEST(LoginThrottle, AccountUnderAttackSlowsOnlyFailedAddresses) {
    LoginThrottle t;
    auto p = policy();
    auto now = Clock::now();
    // Guesses at alice from many addresses, one each.
    for (int i = 0; i < 20; ++i) {
        t.reserve("203.0.113." + std::to_string(i), "alice", now, p);
        t.failure("203.0.113." + std::to_string(i), "alice", now, p);
    }
    // Alice from a clean address: at once.
    EXPECT_EQ(t.reserve("192.0.2.50", "alice", now, p).at, now);
    // An address that failed before waits for the account's turn.
    auto a = t.reserve("203.0.113.1", "alice", now, p);
    auto b = t.reserve("203.0.113.2", "alice", now, p);
    EXPECT_GE(b.at - a.at, 4000ms);
}

TEST(LoginThrottle, SuccessClearsTheAddress) {
    LoginThrottle t;
    auto p = policy();
    auto now = Clock::now();
    for (int i = 0; i < 6; ++i) {
        t.reserve("192.0.2.9", "carol", now, p);
        t.failure("192.0.2.9", "carol", now, p);
    }
    EXPECT_GT(t.reserve("192.0.2.9", "", now, p).at, now);
    t.success("192.0.2.9");
    EXPECT_EQ(t.reserve("192.0.2.9", "", now, p).at, now);
}

}  // namespace
}  // namespace magpie::auth
