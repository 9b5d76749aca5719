// Queue IDs: 16 characters of Crockford base32 (digits and upper-case letters only):
// 11 for the microseconds since the epoch (55 bits, sortable by arrival), 2 for a
// per-process counter and 3 for random bits chosen once per process, so IDs are unique
// across processes and restarts without any shared state.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>

#include "queue/queue_file.h"

namespace magpie::queue {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // ASCII order = value order

void put_base32(std::string& out, uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) out += kAlphabet[(v >> (5 * i)) & 31];
}

struct IdState {
    std::mutex mu;
    uint64_t last_us = 0;
    uint64_t counter = 0;
    uint64_t random = 0;
    IdState() {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), static_cast<unsigned>(getpid())};
        std::mt19937_64 gen(seq);
        random = gen();
    }
};

}  // namespace

std::string new_queue_id() {
    static IdState st;
    uint64_t us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
    uint64_t counter, time;
    {
        std::lock_guard lock(st.mu);
        // Never go backwards within a process, so IDs stay ordered and distinct even when
        // the clock steps back or many IDs are made in one microsecond.
        if (us > st.last_us) {
            st.last_us = us;
            st.counter = 0;
        } else if (++st.counter >= 1024) {
            st.last_us++;
            st.counter = 0;
        }
        time = st.last_us;
        counter = st.counter;
    }
    std::string id;
    id.reserve(16);
    put_base32(id, time, 11);
    put_base32(id, counter, 2);
    put_base32(id, st.random, 3);
    return id;
}

int64_t queue_id_time_us(std::string_view id) {
    if (id.size() != 16) return 0;
    uint64_t v = 0;
    for (char c : id.substr(0, 11)) {
        const char* p = std::strchr(kAlphabet, c);
        if (!p || !c) return 0;
        v = (v << 5) | static_cast<uint64_t>(p - kAlphabet);
    }
    return v > static_cast<uint64_t>(INT64_MAX) ? 0 : static_cast<int64_t>(v);
}

}  // namespace magpie::queue
