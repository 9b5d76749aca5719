// MIME structure parsing (RFC 2046 §5.1 multipart, §5.2 message/rfc822) in one pass over
// the buffer. Boundary lines are matched against every open multipart, so a missing close
// delimiter ends the inner part at the outer boundary (as Dovecot does). Limits: nesting
// depth, message/rfc822 depth and part count (limits.h); past them a part is a leaf.
#include "mime/parser.h"

#include <algorithm>
#include <cstring>

#include "core/strings.h"
#include "mime/lexer.h"

namespace magpie::mime {

namespace {

class StructureParser {
  public:
    StructureParser(std::string_view m, const Limits& lim) : m_(m), lim_(lim) {}

    size_t parts = 0;

    // Parses the entity at `start`. `end_line` receives the start of the boundary line
    // that ended it (or the buffer size), `matched` that boundary's index (or -1).
    Part entity(size_t start, int depth, int msg_depth, bool digest_child, size_t& end_line,
                int& matched) {
        ++parts;
        Part p;
        p.header_start = start;
        HeaderBlock hb = parse_header(m_, start, lim_.max_header_fields,
                                      [this](size_t pos) { return match(pos) >= 0; });
        p.headers = std::move(hb.fields);
        p.header_end = hb.end;
        apply_headers(p, digest_child);

        const Param* b = boundary_param(p.params);
        // Depth counts the root as level 1, as Dovecot's limit does.
        bool is_msg = is_message_type(p);
        bool can_nest = depth + 1 < lim_.max_depth && parts < lim_.max_parts &&
                        (!is_msg || msg_depth < lim_.max_message_depth);
        // boundary="" is a boundary too: its lines are "--" (and "----"), as Dovecot reads it.
        bool has_boundary = p.is_multipart() && b;
        bool nests = has_boundary || is_msg;
        if (nests && !can_nest) {
            // Too deep or too many parts: the part becomes an opaque leaf (as in Dovecot).
            p.nesting_truncated = true;
            p.type = p.type_as_written = "application";
            p.subtype = p.subtype_as_written = "octet-stream";
            p.has_content_type = true;
            p.content_type_invalid = false;
        }
        if (!hb.has_blank_line && hb.end < m_.size()) {
            // A boundary line cut the header short: the body is empty, and the line end
            // before the boundary belongs to the boundary (Dovecot agrees).
            end_line = hb.end;
            matched = match(hb.end);
            give_eol_to_boundary(p, hb.end);
            p.body_end = p.header_end;
            if (!is_message_type(p) || !can_nest) return p;
        }
        if (has_boundary && p.nesting_truncated) {
            // Its own boundary still ends its body; what follows up to an outer boundary
            // belongs to no part.
            bounds_.push_back(std::string_view(b->imap_value).substr(0, lim_.max_boundary_len));
            size_t own = find_boundary(p.header_end, matched);
            if (matched >= 0 && own == p.header_end) give_eol_to_boundary(p, own);
            p.body_end = before_eol(own, p.header_end);
            bounds_.pop_back();
            end_line = find_boundary(own, matched);
            return p;
        }
        if (has_boundary && can_nest) {
            multipart(p, std::string_view(b->imap_value).substr(0, lim_.max_boundary_len), depth,
                      msg_depth, end_line, matched);
            return p;
        }
        // Parsed as a message whatever its transfer encoding, as Dovecot does.
        if (nests && can_nest) {
            if (hb.has_blank_line && match(p.header_end) >= 0) {
                // A boundary right after the header: the inner message is empty and the
                // blank line's line end belongs to the boundary.
                size_t line = p.header_end;
                give_eol_to_boundary(p, line);
                p.message = std::make_unique<Part>(
                    entity(line, depth + 1, msg_depth + 1, false, end_line, matched));
                p.message->header_start = p.message->header_end = p.message->body_end = p.body_end =
                    p.header_end;
                return p;
            }
            p.message = std::make_unique<Part>(
                entity(p.header_end, depth + 1, msg_depth + 1, false, end_line, matched));
            // An inner header cut short by a boundary gave its line end to the boundary,
            // but the message part's body still includes it.
            p.body_end = p.message->eol_given_to_boundary ? end_line : p.message->body_end;
            if (end_line >= m_.size()) p.body_end = m_.size();
            return p;
        }
        end_line = find_boundary(p.header_end, matched);
        if (matched >= 0 && end_line == p.header_end) {
            // Empty body: the blank line's line end is the one before the boundary.
            give_eol_to_boundary(p, end_line);
        }
        p.body_end = before_eol(end_line, p.header_end);
        return p;
    }

  private:
    std::string_view m_;
    const Limits& lim_;
    std::vector<std::string_view> bounds_;  // open multipart boundaries, innermost last

    // The raw "boundary" value; an RFC 2231-encoded one is ignored (as Dovecot does).
    static const Param* boundary_param(const Params& params) {
        for (const auto& p : params)
            if (iequals(p.imap_name, "boundary")) return &p;
        return nullptr;
    }

    static bool is_message_type(const Part& p) {
        return p.type == "message" && (p.subtype == "rfc822" || p.subtype == "global");
    }

    // RFC 2046 §5.1.1: a boundary line is "--" boundary, optionally "--", at a line start.
    // Trailing text after the boundary is tolerated, as mail clients do. When several open
    // boundaries match (one a prefix of another), the longest wins, as in Dovecot.
    int match(size_t pos) const {
        if (bounds_.empty() || pos + 2 > m_.size() || m_[pos] != '-' || m_[pos + 1] != '-')
            return -1;
        std::string_view rest = m_.substr(pos + 2);
        int best = -1;
        for (int i = int(bounds_.size()) - 1; i >= 0; --i) {
            std::string_view b = bounds_[size_t(i)];
            if (rest.starts_with(b) && (best < 0 || b.size() > bounds_[size_t(best)].size()))
                best = i;
        }
        return best;
    }

    size_t next_line(size_t pos) const {
        const void* nl = std::memchr(m_.data() + pos, '\n', m_.size() - pos);
        return nl ? size_t(static_cast<const char*>(nl) - m_.data()) + 1 : m_.size();
    }

    // First boundary line at or after line start `pos`.
    size_t find_boundary(size_t pos, int& matched) const {
        matched = -1;
        if (bounds_.empty()) return m_.size();
        while (pos < m_.size()) {
            if (m_[pos] == '-') {
                int i = match(pos);
                if (i >= 0) {
                    matched = i;
                    return pos;
                }
            }
            pos = next_line(pos);
        }
        return m_.size();
    }

    // A boundary line right at the end of p's header: the line end before it (the blank
    // line's, or the last header line's) belongs to the boundary, not the header.
    void give_eol_to_boundary(Part& p, size_t boundary_line) const {
        p.header_end = before_eol(boundary_line, p.header_start);
        p.eol_given_to_boundary = true;
    }

    // RFC 2046 §5.1.1: the line end before a boundary belongs to the boundary.
    size_t before_eol(size_t line, size_t floor) const {
        if (line >= m_.size()) return m_.size();
        size_t e = line;
        if (e > floor && m_[e - 1] == '\n') --e;
        if (e > floor && m_[e - 1] == '\r') --e;
        return e;
    }

    void multipart(Part& p, std::string_view boundary, int depth, int msg_depth, size_t& end_line,
                   int& matched) {
        bounds_.push_back(boundary);
        const int mine = int(bounds_.size()) - 1;
        bool digest = p.subtype == "digest";
        int idx;
        size_t line = find_boundary(p.header_end, idx);  // skips the preamble
        if (idx >= 0 && idx < mine && line == p.header_end) {
            // An outer boundary right after the header takes the blank line's line end.
            give_eol_to_boundary(p, line);
        }
        for (;;) {
            if (idx < 0) {  // end of buffer: missing close delimiter
                bounds_.pop_back();
                end_line = m_.size();
                matched = -1;
                p.body_end = m_.size();
                return;
            }
            if (idx < mine) {  // an outer boundary closes this multipart too
                bounds_.pop_back();
                end_line = line;
                matched = idx;
                // The line end before the boundary ends the last part's body; if that
                // part had none (its header gave it away), it stays in this one.
                bool kept = !p.children.empty() && (p.children.back().eol_given_to_boundary ||
                                                    p.children.back().keeps_boundary_eol);
                p.keeps_boundary_eol = kept;
                p.body_end = kept ? line : before_eol(line, p.header_end);
                return;
            }
            size_t after = line + 2 + boundary.size();
            bool close = m_.substr(after, 2) == "--";
            size_t next = next_line(line);
            if (!close && next == m_.size() && m_.back() != '\n') {
                // A boundary line at the very end, without a line end, opens no part:
                // the multipart ends there unclosed (Dovecot shows no empty part).
                bounds_.pop_back();
                end_line = m_.size();
                matched = -1;
                p.body_end = m_.size();
                return;
            }
            if (close || parts >= lim_.max_parts) {
                bounds_.pop_back();  // the epilogue runs to the next outer boundary
                end_line = find_boundary(next, matched);
                p.body_end = before_eol(end_line, next);
                return;
            }
            p.children.push_back(entity(next, depth + 1, msg_depth, digest, line, idx));
        }
    }

    void apply_headers(Part& p, bool digest_child) {
        for (const auto& f : p.headers) {
            if (!istarts_with(f.name, "content-")) continue;
            std::string_view n = f.name.substr(8);
            // The first occurrence of each Content-* field wins, as in Dovecot.
            if (iequals(n, "type")) {
                if (p.has_content_type || !p.type_as_written.empty()) continue;
                ContentType ct = parse_content_type(f.raw_value);
                p.type_as_written = ct.type.empty() ? " " : ct.type;  // " " marks "seen"
                if (ct.type.empty()) {
                    p.content_type_invalid = true;
                    continue;
                }
                p.has_content_type = true;
                p.type_as_written = ct.type;
                p.subtype_as_written = ct.subtype;
                p.type = to_lower(ct.type);
                p.subtype = to_lower(ct.subtype);
                p.params = std::move(ct.params);
            } else if (iequals(n, "disposition")) {
                if (p.has_disposition) continue;
                p.has_disposition = true;
                p.disposition = parse_disposition(f.raw_value);
            } else if (iequals(n, "transfer-encoding")) {
                if (!p.encoding_raw.empty()) continue;
                p.encoding_raw = unfold_trim(f.raw_value);
                // A value that is not one token (e.g. "8 bit") counts as absent.
                if (p.encoding_raw.find_first_of(" \t;()") != std::string::npos)
                    p.encoding_raw = " ";
                p.encoding = parse_encoding(p.encoding_raw);
            } else if (iequals(n, "id")) {
                if (p.has_id) continue;
                p.has_id = true;
                p.id = unfold_trim(f.raw_value);
            } else if (iequals(n, "description")) {
                if (p.has_description) continue;
                p.has_description = true;
                p.description = unfold_trim(f.raw_value);
            } else if (iequals(n, "md5")) {
                if (p.has_md5) continue;
                p.has_md5 = true;
                p.md5 = unfold_trim(f.raw_value);
            } else if (iequals(n, "location")) {
                if (p.has_location) continue;
                p.has_location = true;
                p.location = unfold_trim(f.raw_value);
            } else if (iequals(n, "language")) {
                if (!p.language.empty()) continue;
                // RFC 3282 §2: a comma-separated list of language tags, with CFWS.
                Lexer lx(f.raw_value);
                while (!lx.eof()) {
                    lx.skip_cfws();
                    std::string_view tag = lx.token();
                    if (!tag.empty())
                        p.language.emplace_back(tag);
                    else
                        lx.advance();
                }
            }
        }
        if (p.type_as_written == " ") p.type_as_written.clear();
        if (p.encoding_raw == " ") p.encoding_raw.clear();
        if (!p.has_content_type) {
            // RFC 2045 §5.2 default; RFC 2046 §5.1.5 default inside multipart/digest.
            bool digest_default = digest_child && !p.content_type_invalid;
            p.type = digest_default ? "message" : "text";
            p.subtype = digest_default ? "rfc822" : "plain";
        }
    }
};

}  // namespace

std::string Part::param(std::string_view name) const {
    const Param* p = find_param(params, name);
    return p ? p->value : std::string();
}

std::string Part::filename() const {
    if (const Param* p = find_param(disposition.params, "filename")) return p->value;
    if (const Param* p = find_param(params, "name")) return p->value;
    return {};
}

Message parse_message(std::string_view data, const Limits& limits) {
    Message msg;
    msg.data = data;
    StructureParser sp(data, limits);
    size_t end_line;
    int matched;
    msg.root = sp.entity(0, 0, 0, false, end_line, matched);
    msg.root.is_root = true;
    msg.part_count = sp.parts;
    return msg;
}

}  // namespace magpie::mime
