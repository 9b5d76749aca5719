// Runs blocking work (fsync, password hashing) on the blocking thread pool and resumes the
// calling coroutine on its own executor afterwards.
#pragma once
#include <utility>

#include "net/asio.h"

namespace magpie::net {

template <typename F>
auto run_blocking(asio::thread_pool& pool, F f) -> awaitable<decltype(f())> {
    co_return co_await asio::co_spawn(
        pool, [f = std::move(f)]() mutable -> awaitable<decltype(f())> { co_return f(); }, asio::use_awaitable);
}

}  // namespace magpie::net
