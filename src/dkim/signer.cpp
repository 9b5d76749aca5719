// DKIM signing, RFC 6376 §5 (rsa-sha256) and RFC 8463 (ed25519-sha256).
#include "dkim/signer.h"

#include <ctime>
#include <stdexcept>

#include "core/base64.h"
#include "core/strings.h"
#include "dkim/header_hash.h"
#include "dkim/message.h"

namespace magpie::dkim {
namespace {

constexpr size_t kFoldColumn = 76;

// Appends tokens to a header field, folding with CRLF TAB before a token that would pass
// kFoldColumn (RFC 5322 §2.2.3 folding; DKIM allows FWS between tags and in h=/b=).
struct Folder {
    std::string out;
    size_t column = 0;
    void add(std::string_view token, bool space_before = true) {
        size_t need = token.size() + (space_before ? 1 : 0);
        if (column > 0 && column + need > kFoldColumn) {
            out += "\r\n\t";
            column = 1;
        } else if (space_before) {
            out += ' ';
            ++column;
        }
        out += token;
        column += token.size();
    }
};

// RFC 6376 §5.4: the header fields to sign, bottom instance first per name when repeated.
std::vector<std::string> choose_headers(const SplitMessage& msg, const SignOptions& opts) {
    const auto& wanted = opts.headers.empty() ? default_signed_headers() : opts.headers;
    std::vector<std::string> out;
    for (auto& name : wanted) {
        auto lname = to_lower(name);
        size_t present = 0;
        for (auto& h : msg.headers)
            if (iequals(h.name, lname)) ++present;
        for (size_t i = 0; i < present; ++i) out.push_back(lname);
        for (auto& o : opts.oversign)
            if (iequals(o, lname)) out.push_back(lname);  // RFC 6376 §8.15
    }
    return out;
}

}  // namespace

const std::vector<std::string>& default_signed_headers() {
    static const std::vector<std::string> names = {
        "from",
        "sender",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "to",
        "cc",
        "in-reply-to",
        "references",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-id",
        "content-description",
        "resent-date",
        "resent-from",
        "resent-sender",
        "resent-to",
        "resent-cc",
        "resent-message-id",
        "list-id",
        "list-help",
        "list-unsubscribe",
        "list-unsubscribe-post",
        "list-subscribe",
        "list-post",
        "list-owner",
        "list-archive",
    };
    return names;
}

Signer::Signer(SigningKey key, SignOptions opts)
    : key_(std::move(key)), opts_(std::move(opts)), body_(opts_.body_canon, HashAlg::Sha256) {}

void Signer::write(std::string_view chunk) {
    if (in_body_) {
        body_.update(chunk);
        return;
    }
    size_t from = header_.size() >= 2 ? header_.size() - 2 : 0;
    header_ += chunk;
    // The header ends at the first empty line: "\n\n" or "\n\r\n", or at the very start.
    size_t end = std::string::npos;
    if (header_.starts_with("\n"))
        end = 1;
    else if (header_.starts_with("\r\n"))
        end = 2;
    else
        for (size_t i = header_.find('\n', from); i != std::string::npos;
             i = header_.find('\n', i + 1)) {
            if (i + 1 < header_.size() && header_[i + 1] == '\n') {
                end = i + 2;
                break;
            }
            if (i + 2 < header_.size() && header_[i + 1] == '\r' && header_[i + 2] == '\n') {
                end = i + 3;
                break;
            }
        }
    if (end == std::string::npos) {
        if (header_.size() > kMaxHeaderBytes) {
            too_big_ = true;  // reported by finish(); drop the rest
            header_.clear();
            in_body_ = true;
        }
        return;
    }
    in_body_ = true;
    body_.update(std::string_view(header_).substr(end));
    header_.resize(end);
}

std::string Signer::finish() {
    if (too_big_) throw std::runtime_error("header section too large to sign");
    std::string body_hash = body_.finish();
    auto msg = split_message(header_);
    auto names = choose_headers(msg, opts_);

    // RFC 6376 §3.5: the tags, in a conventional order.
    Folder f;
    f.out = "DKIM-Signature:";
    f.column = f.out.size();
    auto alg = key_.key.type() == KeyType::Rsa ? "rsa-sha256" : "ed25519-sha256";
    f.add("v=1;");
    f.add(std::string("a=") + alg + ";");
    f.add("c=" + std::string(canon_name(opts_.header_canon)) + "/" +
          std::string(canon_name(opts_.body_canon)) + ";");
    f.add("d=" + key_.domain + ";");
    f.add("s=" + key_.selector + ";");
    int64_t t = opts_.timestamp ? *opts_.timestamp : static_cast<int64_t>(std::time(nullptr));
    f.add("t=" + std::to_string(t) + ";");
    if (opts_.expire_after > 0) f.add("x=" + std::to_string(t + opts_.expire_after) + ";");
    if (!opts_.identity.empty()) f.add("i=" + opts_.identity + ";");
    if (opts_.body_length) f.add("l=" + std::to_string(body_.canonical_length()) + ";");
    for (size_t i = 0; i < names.size(); ++i)
        f.add((i == 0 ? "h=" : "") + names[i] + (i + 1 < names.size() ? ":" : ";"), i == 0);
    f.add("bh=" + base64_encode(body_hash) + ";");
    f.add("b=");

    // RFC 6376 §3.7: hash the signed fields, then this field with an empty b= value.
    std::string input = header_hash_input(msg.headers, names, opts_.header_canon, f.out + "\r\n");
    std::string sig = base64_encode(key_.key.sign(input));
    for (size_t i = 0; i < sig.size();) {
        size_t room = f.column < kFoldColumn ? kFoldColumn - f.column : 0;
        if (room < 8) {
            f.out += "\r\n\t";
            f.column = 1;
            continue;
        }
        size_t n = std::min(room, sig.size() - i);
        f.out.append(sig, i, n);
        f.column += n;
        i += n;
    }
    return f.out + "\r\n";
}

std::string sign(std::string_view message, const SigningKey& key, const SignOptions& opts) {
    Signer s(key, opts);
    s.write(message);
    return s.finish();
}

}  // namespace magpie::dkim
