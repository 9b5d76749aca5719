// Asynchronous DNS for the servers: libunbound driven from the io_context (its result fd
// is watched by Asio, callbacks resume the waiting coroutine on its own executor). The
// upstream server is a setting, so tests point it at a DNS server on 127.0.0.1.
#pragma once
#include <memory>
#include <string>

#include "dns/records.h"
#include "net/asio.h"

namespace magpie::dns {

enum Type { A = 1, PTR = 12, MX = 15, TXT = 16, AAAA = 28 };

class Resolver {
public:
    // `forwarder`: "127.0.0.1:5353" / "127.0.0.1" (port 53) / "" = /etc/resolv.conf.
    Resolver(net::asio::io_context& io, const std::string& forwarder);
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    net::awaitable<Answer> query(std::string name, int type);
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace magpie::dns
