// SMTP client protocol pieces: RFC 5321 §4.2 replies, §4.1.1.1 EHLO, RFC 1870/3461/6152/
// 6531 parameters, §4.5.2 transparency.
#include "smtp/proto/client.h"

#include <charconv>

#include "core/strings.h"

namespace magpie::smtp {

std::string ClientReply::text() const {
    std::string t = std::to_string(code);
    if (!enhanced.empty()) t += " " + enhanced;
    for (auto& l : lines) {
        auto v = std::string_view(l);
        if (!enhanced.empty() && v.substr(0, enhanced.size()) == enhanced) v = trim(v.substr(enhanced.size()));
        if (!v.empty()) t += " " + std::string(v);
    }
    return t;
}

static bool is_enhanced(std::string_view s) {
    // class "." subject "." detail, RFC 3463 §2
    if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
    size_t dots = 0;
    for (char c : s.substr(2)) {
        if (c == '.') ++dots;
        else if (c < '0' || c > '9') return false;
    }
    return dots == 1 && s.back() != '.';
}

bool ReplyReader::feed(std::string_view line) {
    int code = 0;
    bool ok = line.size() >= 3;
    if (ok) {
        auto [p, ec] = std::from_chars(line.data(), line.data() + 3, code);
        ok = ec == std::errc() && p == line.data() + 3 && code >= 200 && code <= 599;
    }
    bool last = true;
    std::string_view text;
    if (ok && line.size() > 3) {
        if (line[3] == '-') last = false;
        else if (line[3] != ' ') ok = false;
        text = line.substr(4);
    }
    if (!ok) bad_ = true;
    if (cur_.lines.empty()) {
        cur_.code = ok ? code : 0;
        auto sp = text.find(' ');
        auto first = text.substr(0, sp);
        if (is_enhanced(first)) cur_.enhanced = std::string(first);
    } else if (ok && code != cur_.code) {
        bad_ = true;
    }
    cur_.lines.emplace_back(text);
    if (cur_.lines.size() > 1000) bad_ = true, last = true;  // bounded
    return last;
}

ClientReply ReplyReader::take() {
    ClientReply r = std::move(cur_);
    if (bad_) r.code = 0;
    cur_ = {};
    bad_ = false;
    return r;
}

EhloCaps parse_ehlo(const ClientReply& r) {
    EhloCaps caps;
    for (size_t i = 1; i < r.lines.size(); ++i) {  // line 0 is the greeting name
        auto words = split_list(r.lines[i], " ");
        if (words.empty()) continue;
        std::string key = words[0];
        for (auto& c : key) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
        caps.keywords.insert(key);
        if (key == "SIZE" && words.size() > 1) {
            int64_t v = 0;
            auto [p, ec] = std::from_chars(words[1].data(), words[1].data() + words[1].size(), v);
            if (ec == std::errc()) caps.size_limit = v;
        }
        if (key == "AUTH")
            for (size_t j = 1; j < words.size(); ++j) {
                std::string m = words[j];
                for (auto& c : m) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
                caps.auth.insert(m);
            }
    }
    return caps;
}

std::string encode_xtext(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (c < 33 || c > 126 || c == '+' || c == '=') {
            out += '+';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string mail_command(const queue::Envelope& env, const EhloCaps& caps, int64_t size) {
    std::string cmd = "MAIL FROM:<" + env.sender + ">";
    if (caps.has("SIZE")) cmd += " SIZE=" + std::to_string(size);
    if (caps.has("8BITMIME") && env.body == "8BITMIME") cmd += " BODY=8BITMIME";
    if (caps.has("SMTPUTF8") && env.smtputf8) cmd += " SMTPUTF8";
    if (caps.has("DSN")) {
        if (!env.dsn_ret.empty()) cmd += " RET=" + env.dsn_ret;
        if (!env.dsn_envid.empty()) cmd += " ENVID=" + encode_xtext(env.dsn_envid);
    }
    return cmd;
}

std::string rcpt_command(const queue::Recipient& r, std::string_view address, const EhloCaps& caps) {
    std::string cmd = "RCPT TO:<" + std::string(address) + ">";
    if (caps.has("DSN")) {
        if (!r.notify.empty()) cmd += " NOTIFY=" + r.notify;
        if (!r.orcpt.empty()) cmd += " ORCPT=" + r.orcpt;
    }
    return cmd;
}

void DotStuffer::feed(std::string_view in, std::string& out) {
    out.reserve(out.size() + in.size() + 16);
    for (char c : in) {
        if (at_line_start_ && c == '.') out += '.';
        out += c;
        at_line_start_ = c == '\n';
        last_ = c;
    }
}

void DotStuffer::finish(std::string& out) {
    if (last_ != '\n') out += "\r\n";
    out += ".\r\n";
}

}  // namespace magpie::smtp
