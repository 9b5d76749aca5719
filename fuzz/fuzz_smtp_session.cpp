// libFuzzer target: drives the SMTP session state machine and the DATA/BDAT reader with
// arbitrary client input, answering every step the way the server would.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/proto/data_reader.h"
#include "smtp/proto/session.h"

using namespace magpie;
using namespace magpie::smtp;

namespace {
std::shared_ptr<store::Snapshot> snapshot() {
    auto s = std::make_shared<store::Snapshot>();
    s->settings.max_message_size = 4096;
    s->settings.smtp_header_size_limit = 1024;
    s->settings.smtp_data_line_limit = 200;
    s->domains["example.org"] = store::Domain{"example.org"};
    s->users["john"] = store::User{"john"};
    s->groups["team"] = store::Group{"team", {"john", "ghost"}};
    s->addresses["all"] = store::Address{"all", {"team", "john@example.org", "x@remote.example"}, false};
    return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static auto snap = snapshot();
    std::string_view in(reinterpret_cast<const char*>(data), size);
    bool tls = size > 0 && (data[0] & 1);
    Listener l = size > 0 && (data[0] & 2) ? Listener::Submission : Listener::Smtp;
    Session s(SessionInfo{l, "mx.example.org", *IpAddr::parse("192.0.2.1"), true, tls}, snap);
    s.greeting();
    Next next = Next::Line;
    std::string out;
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
                next = line.size() > 512 ? s.on_line_too_long() : s.on_line(line);
                break;
            }
            case Next::Data: {
                DataReader r(s.data_limits(), true);
                size_t used = r.feed(in, out);
                in.remove_prefix(used);
                if (!r.done()) return 0;
                next = s.on_data_end(r.stats());
                break;
            }
            case Next::Bdat: {
                DataReader r(s.data_limits(), false);
                size_t n = std::min<size_t>(in.size(), static_cast<size_t>(s.bdat_size()));
                r.feed(in.substr(0, n), out);
                in.remove_prefix(n);
                next = s.on_bdat_chunk(r.stats());
                break;
            }
            case Next::StartTls: next = s.on_tls_started("TLSv1.3"); break;
            case Next::VerifyAuth:
                next = s.on_auth_result(s.auth_request().password == "pw" ? std::optional<std::string>("john")
                                                                           : std::nullopt);
                break;
            case Next::Commit: {
                auto env = s.envelope("Q", 0, {});
                s.received_header("Q", 0);
                next = s.on_commit(!env.targets.empty(), "Q", "disk full");
                break;
            }
            case Next::Close: break;
        }
        out.clear();
        s.take_output();
        s.take_log();
    }
    return 0;
}
