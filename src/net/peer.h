// What every server connection does first: read the client's address, and register with
// the SessionRegistry so that shutdown interrupts it on its own strand.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "net/asio.h"
#include "net/registry.h"

namespace magpie::net {

// An address as text, an IPv4-mapped IPv6 address shown as IPv4.
std::string plain_ip(const asio::ip::address& a);

// The client's address as text (an IPv4-mapped IPv6 address shown as IPv4); nullopt when
// the socket is already closed.
std::optional<std::string> peer_ip(tcp::socket& sock);

// Registers a connection: shutdown posts `cancel` to `ex` (the connection's strand).
// Returns the handle for SessionRegistry::remove().
uint64_t on_shutdown(SessionRegistry& sessions, const asio::any_io_executor& ex,
                     std::function<void()> cancel);

}  // namespace magpie::net
