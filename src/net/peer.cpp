// Client address text and shutdown registration for the servers' connections.
#include "net/peer.h"

namespace magpie::net {

std::string plain_ip(const asio::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
    return a.to_string();
}

std::optional<std::string> peer_ip(tcp::socket& sock) {
    boost::system::error_code ec;
    auto ep = sock.remote_endpoint(ec);
    if (ec) return std::nullopt;
    return plain_ip(ep.address());
}

uint64_t on_shutdown(SessionRegistry& sessions, const asio::any_io_executor& ex,
                     std::function<void()> cancel) {
    return sessions.add([ex, cancel = std::move(cancel)]() { asio::post(ex, cancel); });
}

}  // namespace magpie::net
