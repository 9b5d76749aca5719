// Asio include and aliases for the network servers. Only .cpp files under src/net,
// src/smtp (servers, not proto) and src/server include this.
#pragma once
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace magpie::net {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
template <typename T>
using awaitable = asio::awaitable<T>;
}  // namespace magpie::net
