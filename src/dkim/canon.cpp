// DKIM canonicalization, RFC 6376 §3.4.
#include "dkim/canon.h"

#include "core/strings.h"

namespace magpie::dkim {
namespace {

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

}  // namespace

std::string_view canon_name(Canon c) {
    return c == Canon::Simple ? "simple" : "relaxed";
}

std::optional<Canon> parse_canon(std::string_view name) {
    if (iequals(name, "simple")) return Canon::Simple;
    if (iequals(name, "relaxed")) return Canon::Relaxed;
    return std::nullopt;
}

std::string canon_header(Canon c, std::string_view raw) {
    // RFC 6376 §3.4.1: "simple" changes nothing.
    if (c == Canon::Simple) return std::string(raw);
    // RFC 6376 §3.4.2: lower-case the name, unfold, reduce WSP runs to one SP, drop WSP at
    // the end of the value and around the colon.
    std::string out;
    size_t colon = raw.find(':');
    if (colon == std::string_view::npos) return std::string(raw);
    std::string_view name = raw.substr(0, colon);
    while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
    out = to_lower(name);
    out += ':';
    bool wsp = false;
    size_t value_start = out.size();
    for (size_t i = colon + 1; i < raw.size(); ++i) {
        char ch = raw[i];
        if (ch == '\r' || ch == '\n' || is_wsp(ch)) {
            wsp = true;  // unfolding: CRLF before WSP vanishes, and the WSP run becomes one SP
            continue;
        }
        if (wsp && out.size() > value_start) out += ' ';  // none right after the colon
        wsp = false;
        out += ch;
    }
    out += "\r\n";
    return out;
}

void BodyCanonicalizer::content(char c, std::string& out) {
    if (canon_ == Canon::Relaxed && is_wsp(c)) {
        // RFC 6376 §3.4.4: WSP runs become one SP; WSP at the end of a line goes.
        pending_wsp_ = true;
        return;
    }
    if (!line_has_content_) {
        // RFC 6376 §3.4.3, §3.4.4: empty lines count only when content follows them.
        for (; blank_lines_ > 0; --blank_lines_) {
            out += "\r\n";
            produced_ += 2;
        }
        line_has_content_ = true;
    }
    if (pending_wsp_) {
        out += ' ';
        ++produced_;
        pending_wsp_ = false;
    }
    out += c;
    ++produced_;
}

void BodyCanonicalizer::end_line(std::string& out) {
    if (line_has_content_) {
        out += "\r\n";
        produced_ += 2;
    } else {
        ++blank_lines_;
    }
    line_has_content_ = false;
    pending_wsp_ = false;
}

void BodyCanonicalizer::update(std::string_view chunk, std::string& out) {
    for (char c : chunk) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (c == '\n') {
                end_line(out);
                continue;
            }
            content('\r', out);  // a lone CR is ordinary text
        }
        if (c == '\r')
            pending_cr_ = true;
        else if (c == '\n')
            end_line(out);  // a bare LF counts as a line end
        else
            content(c, out);
    }
}

void BodyCanonicalizer::finish(std::string& out) {
    if (pending_cr_) {
        pending_cr_ = false;
        content('\r', out);
    }
    // RFC 6376 §3.4.3, §3.4.4: a last line without CRLF gets one.
    if (line_has_content_) end_line(out);
    // RFC 6376 §3.4.3: an empty body is one CRLF under "simple" (and nothing under
    // "relaxed", §3.4.4).
    if (canon_ == Canon::Simple && produced_ == 0) {
        out += "\r\n";
        produced_ += 2;
    }
}

BodyHasher::BodyHasher(Canon c, HashAlg alg, std::optional<uint64_t> limit)
    : canon_(c), digest_(alg), limit_(limit) {}

void BodyHasher::hash(std::string& buf) {
    std::string_view out = buf;
    if (limit_) {
        if (length_ >= *limit_)
            out = {};
        else if (length_ + out.size() > *limit_)
            out = out.substr(0, *limit_ - length_);
    }
    digest_.update(out);
    length_ += buf.size();
    buf.clear();
}

void BodyHasher::update(std::string_view chunk) {
    canon_.update(chunk, buf_);
    hash(buf_);
}

std::string BodyHasher::finish() {
    canon_.finish(buf_);
    hash(buf_);
    return digest_.finish();
}

std::string canon_body(Canon c, std::string_view body) {
    std::string out;
    BodyCanonicalizer bc(c);
    bc.update(body, out);
    bc.finish(out);
    return out;
}

}  // namespace magpie::dkim
