// libFuzzer target: drives a logged-in IMAP session over a real Maildir in a scratch folder
// with arbitrary client bytes, framed by the CommandReader as the server frames them, so
// every command's execution (SELECT, FETCH, STORE, SEARCH, COPY, APPEND...) sees hostile
// input. The mailbox is recreated every 500 inputs to keep runs bounded.
#include <crypt.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "imap/proto/reader.h"
#include "imap/session/session.h"
#include "mailbox/registry.h"

using namespace magpie;
using namespace magpie::imap;

namespace {

const char* kMessages[] = {
    "From: A <a@example.com>\r\nTo: b@example.com\r\nSubject: hello\r\nDate: Mon, 2 Nov 2026 "
    "10:00:00 +0000\r\nMessage-ID: <1@x>\r\n\r\nbody text\r\n",
    "Subject: Re: hello\r\nIn-Reply-To: <1@x>\r\nMIME-Version: 1.0\r\nContent-Type: "
    "multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\npart one\r\n--b\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--b--\r\n",
    "Subject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nx\r\n",
};

struct World {
    std::string dir;
    std::shared_ptr<store::Snapshot> snap = std::make_shared<store::Snapshot>();
    std::unique_ptr<mailbox::Registry> registry;
    int runs = 0;

    World() {
        char tmpl[] = "/tmp/fuzz-imap-XXXXXX";
        dir = ::mkdtemp(tmpl);
        snap->settings.allow_plaintext_auth = true;
        snap->settings.max_message_size = 1 << 20;
        snap->settings.smtp_auth_failure_delay_ms = 0;
        store::User u;
        u.name = "u";
        struct crypt_data cd {};
        u.password_hash = ::crypt_r("p", "$1$fuzzsalt$", &cd);  // cheap hash, fast logins
        snap->users["u"] = u;
        reset();
    }
    ~World() { std::filesystem::remove_all(dir); }

    void reset() {
        registry.reset();
        std::filesystem::remove_all(dir + "/mail");
        registry = std::make_unique<mailbox::Registry>(dir + "/mail", "fuzz.example");
        auto store = registry->store("u");
        auto inbox = store->folder("INBOX");
        for (const char* m : kMessages) {
            mailbox::AppendRequest req;
            req.data = m;
            inbox->append(req);
        }
    }
};

void feed(Session& s, CommandReader& reader, std::string_view in) {
    bool in_auth = false, in_idle = false;
    std::string out;
    int steps = 0;
    while (++steps < 2000) {
        ReadResult r = reader.feed(in);
        in.remove_prefix(r.used);
        out.clear();
        switch (r.status) {
            case ReadStatus::NeedMore:
                return;
            case ReadStatus::Continuation:
                if (s.literal_refusal(reader.command(), reader.literal_size()).empty()) {
                    reader.accept_literal();
                } else {
                    reader.reject_literal();
                }
                continue;
            case ReadStatus::Error:
                s.read_error(reader.error().response(), out);
                in_auth = false;
                continue;
            case ReadStatus::Command:
                break;
        }
        Step step;
        if (in_idle) {
            step = s.idle_done(reader.command(), out);
            in_idle = false;
        } else if (in_auth) {
            step = s.auth_line(reader.command(), out);
        } else {
            step = s.command(reader.command(), out);
        }
        while (step.action == Action::More) step = s.more(out);
        in_auth = step.action == Action::AuthContinue;
        if (step.action == Action::Idle) {
            s.idle_poll(out);
            in_idle = true;
        }
        if (step.action == Action::Logout) return;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static World world;
    if (++world.runs % 500 == 0) world.reset();
    SessionEnv env;
    env.hostname = "fuzz.example";
    env.client_ip = "192.0.2.1";
    env.tls = true;
    auto snap = world.snap;
    env.snapshot = [snap]() { return std::shared_ptr<const store::Snapshot>(snap); };
    env.registry = world.registry.get();
    Session s(env);
    std::string out;
    s.command("a LOGIN u p\r\n", out);
    if (!s.authenticated()) std::abort();
    ReaderLimits limits;
    limits.max_literal = s.max_literal();
    limits.max_nonsync_literal = limits.max_literal;
    CommandReader reader(limits);
    feed(s, reader, std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
