// The one front door of every listener (SMTP, submission, IMAP, POP3, and the HTTP and
// ManageSieve listeners to come): it binds the address, accepts connections, admits each
// against its port class's limits (per client address, in total, and its share of the
// open-file budget) or answers it with the protocol's own refusal and closes it, and hands
// admitted ones to the protocol on their own strand. When the process runs out of file
// descriptors it stops accepting for a short, growing pause and logs once per pause.
// Refusals are logged at most once a second per listener, with a count of the rest.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/accept_pause.h"
#include "net/admission.h"
#include "net/asio.h"

namespace magpie::net {

// Raises the soft RLIMIT_NOFILE to the hard limit (capped at 1M); returns the soft limit
// in force afterwards.
int64_t raise_open_file_limit();

struct Door {
    std::string name;     // listener name for logs: "smtp", "imaps", ...
    std::string address;  // "host:port"
    PortClass cls = PortClass::Mx;
    std::string log_component;  // maillog component of refusals ("smtpd", "imap-login", ...)
    // The line that refuses a connection, written before it is closed; empty (implicit-TLS
    // ports: no handshake is spent on a refused client) closes without a word.
    std::function<std::string(Refusal, const std::string& ip)> refusal;
    // Starts the protocol on an admitted connection (called on the connection's strand
    // executor; the session keeps the ticket for as long as it runs).
    std::function<void(tcp::socket, std::string ip, Ticket)> start;
};

class FrontDoor {
  public:
    // `limits` is asked on every connection (the settings may change while running).
    FrontDoor(asio::io_context& io, std::function<AdmissionLimits()> limits);
    ~FrontDoor();
    // Binds and listens (throws on failure), starts accepting, logs "NAME listening on ADDR".
    void open(Door door);
    // Stops accepting on every listener.
    void close();
    Admissions& admissions() { return admissions_; }

  private:
    struct Entry;
    awaitable<void> accept_loop(std::shared_ptr<Entry> e);
    void admit(Entry& e, tcp::socket sock);

    asio::io_context& io_;
    std::function<AdmissionLimits()> limits_;
    Admissions admissions_;
    std::vector<std::shared_ptr<Entry>> entries_;
};

}  // namespace magpie::net
