// Envelope text codec: one field per line, "key SP value[ SP value...]\n", values xtext
// (RFC 3461 §4), so fields are separated by exactly one space and an empty field is empty.
//
//   magpie-envelope 1
//   id 0VJ1Q3M5K8A0B7XZ
//   arrival 1700000000
//   sender alice@example.org
//   rcpt bob@example.org SUCCESS,FAILURE rfc822;bob@example.org   (address notify orcpt)
//   target M 0 bob                     (M mailbox, P public, R remote; rcpt index; name)
//   ...
//   end
#include "queue/envelope_codec.h"

#include <charconv>
#include <vector>

namespace magpie::queue {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

template <typename Int>
std::optional<Int> parse_int(std::string_view s) {
    Int v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> out;
    for (;;) {
        size_t sp = line.find(' ');
        out.push_back(line.substr(0, sp));
        if (sp == std::string_view::npos) break;
        line.remove_prefix(sp + 1);
    }
    return out;
}

void add(std::string& out, std::string_view key, std::string_view value) {
    out += key;
    out += ' ';
    out += xtext_encode(value);
    out += '\n';
}

char kind_letter(store::Target::Kind k) {
    switch (k) {
        case store::Target::Kind::Mailbox:
            return 'M';
        case store::Target::Kind::Public:
            return 'P';
        case store::Target::Kind::Remote:
            return 'R';
    }
    return '?';
}

}  // namespace

std::string xtext_encode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (unsigned char c : in) {
        if (c < '!' || c > '~' || c == '+' || c == '=') {
            out += '+';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::optional<std::string> xtext_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (c == '+') {
            if (i + 2 >= in.size()) return std::nullopt;
            int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c < '!' || c > '~') {
            return std::nullopt;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string format_envelope(const Envelope& env) {
    std::string out = "magpie-envelope " + std::to_string(kEnvelopeVersion) + "\n";
    add(out, "id", env.id);
    add(out, "arrival", std::to_string(env.arrival));
    add(out, "size", std::to_string(env.size));
    add(out, "sender", env.sender);
    for (const auto& r : env.recipients) {
        out += "rcpt " + xtext_encode(r.address) + ' ' + xtext_encode(r.notify) + ' ' +
               xtext_encode(r.orcpt) + '\n';
    }
    for (const auto& t : env.targets) {
        out += "target ";
        out += kind_letter(t.kind);
        out += ' ' + std::to_string(t.rcpt) + ' ' + xtext_encode(t.name) + '\n';
    }
    add(out, "client_ip", env.client_ip);
    add(out, "client_helo", env.client_helo);
    add(out, "auth_user", env.auth_user);
    add(out, "listener", env.listener);
    add(out, "protocol", env.protocol);
    add(out, "body", env.body);
    add(out, "smtputf8", env.smtputf8 ? "1" : "0");
    add(out, "dsn_ret", env.dsn_ret);
    add(out, "dsn_envid", env.dsn_envid);
    add(out, "message_id", env.message_id);
    for (const auto& h : env.headers) add(out, "header", h);
    if (env.spam) add(out, "spam", "1");
    out += "end\n";
    return out;
}

std::optional<Envelope> parse_envelope(std::string_view text) {
    Envelope env;
    bool first = true, ended = false, have_id = false;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        if (nl == std::string_view::npos) return std::nullopt;  // truncated line
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl + 1);
        if (ended) return std::nullopt;  // bytes after "end"
        auto f = split_fields(line);
        std::string_view key = f[0];
        if (first) {
            if (key != "magpie-envelope" || f.size() != 2) return std::nullopt;
            auto v = parse_int<int>(f[1]);
            if (!v || *v < 1 || *v > kEnvelopeVersion) return std::nullopt;
            first = false;
            continue;
        }
        if (key == "end" && f.size() == 1) {
            ended = true;
            continue;
        }
        std::vector<std::string> vals;
        for (size_t i = 1; i < f.size(); ++i) {
            auto d = xtext_decode(f[i]);
            if (!d) return std::nullopt;
            vals.push_back(std::move(*d));
        }
        auto one = [&](std::string& dst) {
            if (vals.size() != 1) return false;
            dst = std::move(vals[0]);
            return true;
        };
        bool ok = true;
        if (key == "id") {
            ok = one(env.id) && !env.id.empty();
            have_id = true;
        } else if (key == "arrival" || key == "size") {
            std::string s;
            std::optional<int64_t> v;
            ok = one(s) && (v = parse_int<int64_t>(s)).has_value();
            if (ok) (key == "arrival" ? env.arrival : env.size) = *v;
            if (ok && env.size < 0) ok = false;
        } else if (key == "sender") {
            ok = one(env.sender);
        } else if (key == "rcpt") {
            ok = vals.size() == 3;
            if (ok) env.recipients.push_back({vals[0], vals[1], vals[2]});
        } else if (key == "target") {
            ok = vals.size() == 3 && vals[0].size() == 1;
            std::optional<int> idx;
            if (ok) ok = (idx = parse_int<int>(vals[1])).has_value();
            if (ok) {
                store::Target t;
                switch (vals[0][0]) {
                    case 'M':
                        t.kind = store::Target::Kind::Mailbox;
                        break;
                    case 'P':
                        t.kind = store::Target::Kind::Public;
                        break;
                    case 'R':
                        t.kind = store::Target::Kind::Remote;
                        break;
                    default:
                        return std::nullopt;
                }
                t.rcpt = *idx;
                t.name = std::move(vals[2]);
                env.targets.push_back(std::move(t));
            }
        } else if (key == "client_ip") {
            ok = one(env.client_ip);
        } else if (key == "client_helo") {
            ok = one(env.client_helo);
        } else if (key == "auth_user") {
            ok = one(env.auth_user);
        } else if (key == "listener") {
            ok = one(env.listener);
        } else if (key == "protocol") {
            ok = one(env.protocol);
        } else if (key == "body") {
            ok = one(env.body);
        } else if (key == "smtputf8") {
            std::string s;
            ok = one(s) && (s == "0" || s == "1");
            env.smtputf8 = s == "1";
        } else if (key == "dsn_ret") {
            ok = one(env.dsn_ret);
        } else if (key == "dsn_envid") {
            ok = one(env.dsn_envid);
        } else if (key == "message_id") {
            ok = one(env.message_id);
        } else if (key == "header") {
            std::string h;
            ok = one(h);
            env.headers.push_back(std::move(h));
        } else if (key == "spam") {
            std::string v;
            ok = one(v);
            env.spam = v == "1";
        }
        // Unknown keys from a newer minor writer are skipped.
        if (!ok) return std::nullopt;
    }
    if (first || !ended || !have_id) return std::nullopt;
    for (const auto& t : env.targets) {
        if (t.rcpt < -1 || t.rcpt >= static_cast<int>(env.recipients.size())) return std::nullopt;
    }
    return env;
}

}  // namespace magpie::queue
