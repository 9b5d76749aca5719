// Runs blocking work (fsync, password hashing) on the blocking thread pool and resumes the
// calling coroutine on its own executor afterwards. Not itself a coroutine: the callable
// is moved through plain handlers, never held as a coroutine parameter.
// Capture by reference only: GCC 12 mishandles closure temporaries with non-trivial
// captures inside co_await expressions (a moved std::string was freed twice). The
// awaiting coroutine stays suspended until the work is done, so references stay valid.
#pragma once
#include <exception>
#include <type_traits>
#include <utility>

#include "net/asio.h"

namespace magpie::net {

template <typename F>
auto run_blocking(asio::thread_pool& pool, F&& f) {
    using R = std::invoke_result_t<std::decay_t<F>&>;
    static_assert(std::is_default_constructible_v<R>, "run_blocking needs a default-constructible result");
    return asio::async_initiate<const asio::use_awaitable_t<>, void(std::exception_ptr, R)>(
        [&pool](auto handler, std::decay_t<F> fn) {
            auto ex = asio::get_associated_executor(handler);
            asio::post(pool, [handler = std::move(handler), fn = std::move(fn), ex]() mutable {
                std::exception_ptr ep;
                R result{};
                try {
                    result = fn();
                } catch (...) {
                    ep = std::current_exception();
                }
                asio::post(ex, [handler = std::move(handler), ep, result = std::move(result)]() mutable {
                    std::move(handler)(ep, std::move(result));
                });
            });
        },
        asio::use_awaitable, std::forward<F>(f));
}

}  // namespace magpie::net
