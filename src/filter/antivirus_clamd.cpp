// clamd INSTREAM over a unix or TCP socket, with send/receive timeouts.
#include "filter/antivirus_clamd.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace magpie::filter {
namespace {

constexpr size_t kChunk = 64 * 1024;  // well under clamd's StreamMaxLength
constexpr size_t kMaxReply = 4096;

class Fd {
  public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd& operator=(Fd&& o) noexcept {
        std::swap(fd_, o.fd_);
        return *this;
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

void set_timeouts(int fd, std::chrono::milliseconds t) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(t.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool connect_unix(const std::string& path, std::chrono::milliseconds t, Fd& out, std::string& err) {
    sockaddr_un sa{};
    if (path.size() >= sizeof sa.sun_path) {
        err = "socket path too long";
        return false;
    }
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.data(), path.size());
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
        err = std::strerror(errno);
        return false;
    }
    set_timeouts(fd.get(), t);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        err = path + ": " + std::strerror(errno);
        return false;
    }
    out = std::move(fd);
    return true;
}

bool connect_tcp(const std::string& endpoint, std::chrono::milliseconds t, Fd& out,
                 std::string& err) {
    std::string host, port;
    if (endpoint.starts_with('[')) {
        auto close = endpoint.find("]:");
        if (close == std::string::npos) {
            err = "bad clamd address " + endpoint;
            return false;
        }
        host = endpoint.substr(1, close - 1);
        port = endpoint.substr(close + 2);
    } else {
        auto colon = endpoint.rfind(':');
        if (colon == std::string::npos) {
            err = "bad clamd address " + endpoint;
            return false;
        }
        host = endpoint.substr(0, colon);
        port = endpoint.substr(colon + 1);
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int r = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); r != 0) {
        err = endpoint + ": " + ::gai_strerror(r);
        return false;
    }
    err = endpoint + ": no address";
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (fd.get() < 0) continue;
        set_timeouts(fd.get(), t);
        if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
            out = std::move(fd);
            ::freeaddrinfo(res);
            return true;
        }
        err = endpoint + ": " + std::strerror(errno);
    }
    ::freeaddrinfo(res);
    return false;
}

bool send_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

bool send_chunk(int fd, std::string_view data) {
    uint32_t n = static_cast<uint32_t>(data.size());
    unsigned char len[4] = {static_cast<unsigned char>(n >> 24),
                            static_cast<unsigned char>(n >> 16), static_cast<unsigned char>(n >> 8),
                            static_cast<unsigned char>(n)};
    return send_all(fd, reinterpret_cast<const char*>(len), 4) &&
           send_all(fd, data.data(), data.size());
}

// Reads up to the NUL that ends a z-command reply (or EOF).
bool read_reply(int fd, std::string& out) {
    char buf[512];
    while (out.size() < kMaxReply) {
        ssize_t r = ::recv(fd, buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return false;
        if (r == 0) return !out.empty();
        out.append(buf, static_cast<size_t>(r));
        if (auto nul = out.find('\0'); nul != std::string::npos) {
            out.resize(nul);
            return true;
        }
    }
    return true;
}

}  // namespace

ScanResult parse_clamd_reply(std::string_view reply) {
    while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.remove_suffix(1);
    if (reply.ends_with(" FOUND")) {
        auto body = reply.substr(0, reply.size() - 6);
        if (auto colon = body.find(": "); colon != std::string_view::npos)
            body = body.substr(colon + 2);
        return {ScanResult::Status::Infected, std::string(body)};
    }
    if (reply.ends_with(": OK")) return {ScanResult::Status::Clean, {}};
    if (reply.find("size limit exceeded") != std::string_view::npos)
        return {ScanResult::Status::Unscanned, "clamd: " + std::string(reply)};
    return {ScanResult::Status::Failed, "clamd: " + std::string(reply)};
}

ScanResult clamd_instream(const std::string& endpoint, std::string_view bytes,
                          std::chrono::milliseconds timeout) {
    Fd fd;
    std::string err;
    bool unix_socket = endpoint.starts_with('/') || endpoint.starts_with("unix:");
    bool ok = unix_socket
                  ? connect_unix(endpoint.starts_with("unix:") ? endpoint.substr(5) : endpoint,
                                 timeout, fd, err)
                  : connect_tcp(endpoint, timeout, fd, err);
    if (!ok) return {ScanResult::Status::Failed, "clamd: " + err};
    static constexpr char kCommand[] = "zINSTREAM";
    bool sent = send_all(fd.get(), kCommand, sizeof kCommand);  // with its NUL
    for (size_t off = 0; sent && off < bytes.size(); off += kChunk)
        sent = send_chunk(fd.get(), bytes.substr(off, kChunk));
    if (sent) sent = send_chunk(fd.get(), {});
    // clamd answers "INSTREAM size limit exceeded" and closes early: read even if sending
    // failed.
    std::string reply;
    if (!read_reply(fd.get(), reply) || reply.empty())
        return {ScanResult::Status::Failed,
                std::string("clamd: ") + (sent ? "no reply" : std::strerror(errno))};
    return parse_clamd_reply(reply);
}

}  // namespace magpie::filter
