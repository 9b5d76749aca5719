// libFuzzer target: drives the POP3 session state machine with arbitrary client input,
// answering every step the way the server would, and checks that the message encoder
// gives the same bytes however its input is split.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pop3/proto/limits.h"
#include "pop3/proto/message_encoder.h"
#include "pop3/proto/session.h"

using namespace magpie;
using namespace magpie::pop3;

namespace {

std::shared_ptr<store::Snapshot> snapshot() {
    auto s = std::make_shared<store::Snapshot>();
    s->settings.mail_max_auth_failures = 5;
    return s;
}

void check_encoder(std::string_view in, int64_t lines, size_t cut) {
    std::string whole, split;
    MessageEncoder a(lines), b(lines);
    a.feed(in, whole);
    a.finish(whole);
    cut = std::min(cut, in.size());
    b.feed(in.substr(0, cut), split);
    b.feed(in.substr(cut), split);
    b.finish(split);
    if (whole != split) std::abort();
    if (lines < 0 && pop3_size(in) > whole.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static auto snap = snapshot();
    std::string_view in(reinterpret_cast<const char*>(data), size);
    if (size > 2) check_encoder(in.substr(2), data[0] % 4 == 0 ? -1 : data[0] % 8, data[1]);
    bool tls = size > 0 && (data[0] & 1);
    Session s(SessionInfo{"pop.example.org", *IpAddr::parse("192.0.2.1"), "192.0.2.2", !tls, tls},
              snap);
    s.greeting();
    Next next = Next::Line;
    int steps = 0;
    while (next != Next::Close && ++steps < 10000) {
        switch (next) {
            case Next::Line:
            case Next::AuthLine: {
                auto lf = in.find('\n');
                if (lf == std::string_view::npos) return 0;
                std::string_view line = in.substr(0, lf);
                in.remove_prefix(lf + 1);
                if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
                next = line.size() > s.line_limit() ? s.on_line_too_long() : s.on_line(line);
                break;
            }
            case Next::StartTls:
                next = s.on_tls_started();
                break;
            case Next::VerifyAuth: {
                std::optional<auth::MailLogin> login;
                if (s.auth_request().password == "pw") login = auth::MailLogin{"john", ""};
                next = s.on_auth_result(login);
                break;
            }
            case Next::OpenMaildrop: {
                Maildrop d;
                d.uidvalidity = 42;
                for (uint32_t uid = 1; uid < 6; ++uid) d.messages.push_back({uid * 3, uid * 100});
                next = s.on_maildrop(std::move(d));
                break;
            }
            case Next::SendMessage:
                if (s.send_request().number % 2) {
                    s.on_send_begin();
                    s.on_sent(10);
                    next = Next::Line;
                } else {
                    next = s.on_send_missing();
                }
                break;
            case Next::Update:
                next = s.on_update_done(s.deleted_uids().size());
                break;
            case Next::Close:
                break;
        }
        s.take_output();
        s.take_log();
    }
    s.on_closed(true);
    return 0;
}
