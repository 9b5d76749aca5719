// Bayes tokenizer: walks the message header, the part tree and the extracted text, adding
// each feature once. Stops adding once TokenizerOptions::max_tokens distinct tokens exist.
#include "filter/bayes_tokenizer.h"

#include <algorithm>
#include <unordered_set>

#include "core/strings.h"
#include "filter/bayes_words.h"
#include "mime/address.h"
#include "mime/text_extract.h"

namespace magpie::filter {
namespace {

constexpr size_t kMaxAddressesPerField = 20;
constexpr size_t kMaxMailerWords = 10;
constexpr size_t kMaxReceivedWords = 40;
constexpr size_t kMaxParts = 200;

class Collector {
  public:
    Collector(const mime::Message& msg, const TokenizerOptions& opt)
        : raw_(msg.data),
          root_(msg.root),
          opt_(opt),
          rules_{opt.min_token_len, opt.max_token_len} {}

    std::vector<std::string> take() { return std::move(out_); }

    bool full() const { return out_.size() >= opt_.max_tokens; }

    void add(std::string token) {
        if (full() || token.empty()) return;
        if (seen_.insert(token).second) out_.push_back(std::move(token));
    }

    // Each word of `text` as PREFIX + word, at most `limit` of them.
    void words(std::string_view prefix, std::string_view text, size_t limit = SIZE_MAX) {
        size_t n = 0;
        for_each_word(text, rules_, [&](std::string&& w) {
            add(std::string(prefix) + w);
            return ++n < limit && !full();
        });
    }

    void url_hosts(std::string_view text) {
        for_each_url_host(text, [&](std::string&& host) {
            if (is_ipv4(host)) {
                add("url:ip");
                return;
            }
            std::string_view base = last_two_labels(host);
            if (base.size() != host.size()) add("url:" + std::string(base));
            add("url:" + host);
        });
    }

    void body(std::string_view text) {
        std::string prev;
        for_each_word(text, rules_, [&](std::string&& w) {
            if (opt_.bigrams && !prev.empty()) add("b:" + prev + " " + w);
            add(w);
            prev = std::move(w);
            return !full();
        });
        url_hosts(text);
    }

    void header() {
        const auto& fields = root_.headers;
        size_t received = 0;
        bool has_date = false, has_msgid = false;
        for (size_t i = 0; i < fields.size() && i < opt_.max_header_fields; ++i) {
            const auto& f = fields[i];
            std::string name = to_lower(f.name);
            add("h:" + name);
            if (name == "date") has_date = true;
            if (name == "received" && received++ < opt_.max_received) received_hints(f.raw_value);
            if (name == "message-id") {
                has_msgid = true;
                message_id(f.raw_value);
            }
            if (name == "from") from(f.raw_value);
            if (name == "to" || name == "cc") recipients(f.raw_value);
            if (name == "x-mailer" || name == "user-agent")
                words("xm:", mime::unfold(f.raw_value), kMaxMailerWords);
        }
        if (!has_date) add("h:!date");
        if (!has_msgid) add("h:!message-id");
    }

    void parts(const mime::Part& p, size_t& count) {
        if (++count > kMaxParts) return;
        add("ct:" + p.type + "/" + p.subtype);
        if (std::string cs = to_lower(p.param("charset")); !cs.empty()) add("cs:" + cs);
        if (!p.encoding_raw.empty()) add("cte:" + to_lower(p.encoding_raw));
        if (p.message) parts(*p.message, count);
        for (const auto& c : p.children) parts(c, count);
        if (p.type == "text" && p.subtype == "html") html(p);
        if (std::string name = p.filename(); !name.empty()) {
            size_t dot = name.rfind('.');
            if (dot != std::string::npos && name.size() - dot <= 8)
                add("ext:" + to_lower(name.substr(dot + 1)));
        }
    }

  private:
    std::string_view raw_;
    const mime::Part& root_;
    const TokenizerOptions& opt_;
    WordRules rules_;
    std::unordered_set<std::string> seen_;
    std::vector<std::string> out_;

    // Host names and networks of the relays, plus the words of the clause ("esmtp", ...).
    void received_hints(std::string_view raw) {
        std::string v = mime::unfold(raw);
        size_t n = 0;
        for_each_word(v, rules_, [&](std::string&& w) {
            if (w.starts_with("n:")) return true;
            add("rcvd:" + w);
            return ++n < kMaxReceivedWords && !full();
        });
        for (size_t i = 0; i < v.size();) {
            size_t e = i;
            while (e < v.size() && ((v[e] >= '0' && v[e] <= '9') || v[e] == '.')) ++e;
            if (e > i && is_ipv4(std::string_view(v).substr(i, e - i))) {
                std::string ip = v.substr(i, e - i);
                add("rcvd:ip:" + ip.substr(0, ip.rfind('.')));
            }
            i = e > i ? e : i + 1;
        }
    }

    void message_id(std::string_view raw) {
        std::string v = mime::unfold_trim(raw);
        size_t at = v.rfind('@');
        if (at == std::string::npos) {
            add("mid:none");
            return;
        }
        std::string dom = to_lower(v.substr(at + 1));
        while (!dom.empty() && (dom.back() == '>' || dom.back() == ' ')) dom.pop_back();
        add("mid:" + dom);
    }

    void from(std::string_view raw) {
        auto list = mime::parse_address_list(mime::unfold(raw));
        for (const auto& a : list) {
            if (a.group_start || a.group_end) continue;
            std::string host = to_lower(a.host);
            add("from:" + host);
            add("fromaddr:" + to_lower(a.mailbox) + "@" + host);
            words("fromname:", a.display_name(), kMaxMailerWords);
            break;
        }
    }

    void recipients(std::string_view raw) {
        auto list = mime::parse_address_list(mime::unfold(raw));
        size_t n = 0;
        for (const auto& a : list) {
            if (a.group_start || a.group_end || a.host.empty()) continue;
            add("to:" + to_lower(a.host));
            if (++n >= kMaxAddressesPerField) break;
        }
    }

    // Tag names and link hosts of an HTML part, from its first max_html_scan bytes.
    void html(const mime::Part& p) {
        std::string body = mime::decoded_body(raw_, p, opt_.max_html_scan);
        for (size_t i = 0; i + 1 < body.size(); ++i) {
            if (body[i] != '<') continue;
            size_t s = i + 1, e = s;
            while (e < body.size() && e - s < 12 &&
                   ((body[e] | 0x20) >= 'a' && (body[e] | 0x20) <= 'z'))
                ++e;
            if (e > s) add("html:" + to_lower(std::string_view(body).substr(s, e - s)));
        }
        url_hosts(body);
    }
};

}  // namespace

std::vector<std::string> tokenize(const mime::Message& msg, const TokenizerOptions& opt) {
    Collector c(msg, opt);
    mime::ExtractOptions eo;
    eo.max_text_bytes = opt.max_text_bytes;
    eo.max_part_decode = opt.max_part_decode;
    mime::ExtractedText text = mime::extract_text(msg, eo);
    c.words("s:", text.subject);
    c.url_hosts(text.subject);
    c.header();
    size_t parts = 0;
    c.parts(msg.root, parts);
    for (const auto& a : text.attachments)
        if (!a.detected_type.empty()) c.add("att:" + a.detected_type);
    c.body(text.text);
    return c.take();
}

uint64_t token_hash(std::string_view token) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : token) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

std::vector<uint64_t> token_hashes(const mime::Message& msg, const TokenizerOptions& opt) {
    auto tokens = tokenize(msg, opt);
    std::vector<uint64_t> out;
    out.reserve(tokens.size());
    for (const auto& t : tokens) out.push_back(token_hash(t));
    // In the database's key order (signed 64-bit), so lookups and updates walk the B-tree
    // from left to right and reuse its pages.
    std::sort(out.begin(), out.end(), [](uint64_t a, uint64_t b) {
        return static_cast<int64_t>(a) < static_cast<int64_t>(b);
    });
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace magpie::filter
