// FETCH response assembly: index items written directly, file items through FetchSource,
// ENVELOPE/BODYSTRUCTURE through the folder cache.
#include "imap/session/fetch.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "imap/proto/datetime.h"
#include "imap/session/fetch_binary.h"
#include "imap/session/fetch_body.h"
#include "imap/session/fetch_literal.h"
#include "imap/session/fetch_source.h"
#include "imap/session/fetch_whole.h"
#include "imap/session/index_items.h"
#include "mailbox/flags.h"
#include "mime/imap_bodystructure.h"
#include "mime/imap_envelope.h"

namespace magpie::imap {

namespace {

using K = FetchAttKind;
using detail::append_number;

bool asks(const std::vector<FetchAtt>& atts, K kind) {
    return std::any_of(atts.begin(), atts.end(),
                       [kind](const FetchAtt& a) { return a.kind == kind; });
}

// Items that walk the MIME tree rather than only the top-level header.
bool needs_tree(const FetchAtt& a) {
    switch (a.kind) {
        case K::Body:
        case K::BodyStructure:
        case K::Binary:
        case K::BinarySize:
            return true;
        case K::BodySection:
            return !a.section.part.empty();
        default:
            return false;
    }
}

bool needs_file(const FetchAtt& a) {
    switch (a.kind) {
        case K::Envelope:
        case K::Body:
        case K::BodyStructure:
        case K::BodySection:
        case K::Binary:
        case K::BinarySize:
        case K::Rfc822:
        case K::Rfc822Header:
        case K::Rfc822Text:
            return true;
        default:
            return false;
    }
}

// RFC 9051 §2.3.2 system flags, \Recent (IMAP4rev1 only), then keywords.
void append_flags(std::string& out, const mailbox::MessageInfo& info, const FetchOptions& opt) {
    static constexpr std::pair<uint32_t, std::string_view> kFlags[] = {
        {mailbox::kAnswered, "\\Answered"}, {mailbox::kFlagged, "\\Flagged"},
        {mailbox::kDeleted, "\\Deleted"},   {mailbox::kSeen, "\\Seen"},
        {mailbox::kDraft, "\\Draft"},
    };
    out += "FLAGS (";
    size_t start = out.size();
    auto add = [&](std::string_view f) {
        if (out.size() != start) out.push_back(' ');
        out += f;
    };
    for (const auto& [bit, name] : kFlags)
        if (info.flags & bit) add(name);
    if (opt.recent && !opt.imap4rev2) add("\\Recent");
    for (const auto& k : info.keywords) add(k);
    out.push_back(')');
}

void append_modseq(std::string& out, uint64_t modseq) {
    out += "MODSEQ (";
    append_number(out, modseq);
    out.push_back(')');
}

// ENVELOPE and BODYSTRUCTURE from the folder cache; on a miss both are computed from the
// file and stored. nullopt without a folder (items are then computed where they go).
struct Structure {
    std::string envelope, bodystructure;
};

std::optional<Structure> cached_structure(MessageData& msg, bool& gone) {
    mailbox::Folder* folder = msg.folder();
    if (!folder) return std::nullopt;
    uint32_t uid = msg.info().uid;
    if (auto c = folder->cached(uid)) return Structure{std::move(c->first), std::move(c->second)};
    if (!msg.load()) {
        gone = true;
        return std::nullopt;
    }
    Structure s;
    const mime::Message& m = msg.parsed();
    mime::append_envelope(s.envelope, m.root.headers);
    mime::append_bodystructure(s.bodystructure, m, true);
    // The header block goes into the cache too: clients ask HEADER.FIELDS of the same
    // messages next (Dovecot's cache keeps the ENVELOPE's fields for the same reason).
    folder->set_cached(uid, s.envelope, s.bodystructure, msg.bytes().substr(0, m.root.header_end));
    return s;
}

// Items answered from the top-level header block alone.
bool top_header_item(const FetchAtt& a) {
    if (a.kind == K::Rfc822Header) return true;
    if (a.kind != K::BodySection || !a.section.part.empty()) return false;
    return a.section.text == SectionText::Header || a.section.text == SectionText::HeaderFields ||
           a.section.text == SectionText::HeaderFieldsNot;
}

}  // namespace

FetchError append_fetch(std::string& out, uint32_t seq, MessageData& msg,
                        const std::vector<FetchAtt>& atts, const FetchOptions& opt) {
    const mailbox::MessageInfo& info = msg.info();
    std::optional<Structure> cache;
    if (asks(atts, K::Envelope) || asks(atts, K::BodyStructure)) {
        bool gone = false;
        cache = cached_structure(msg, gone);
        if (gone) return FetchError::Gone;
    }
    bool tree = std::any_of(atts.begin(), atts.end(), [&](const FetchAtt& a) {
        return needs_tree(a) && !(cache && a.kind == K::BodyStructure);
    });
    // Only header items need the file: the cached header block does instead, and when
    // it is not cached yet, it is stored after reading the file.
    bool header_only = false, store_header = false;
    for (const FetchAtt& a : atts) {
        bool from_cache = cache && (a.kind == K::Envelope || a.kind == K::BodyStructure);
        if (!needs_file(a) || from_cache) continue;
        header_only = top_header_item(a);
        if (!header_only) break;
    }
    // BODY[] as the only file item: read straight into the response.
    const FetchAtt* whole = nullptr;
    int file_items = 0;
    for (const FetchAtt& a : atts) {
        bool from_cache = cache && (a.kind == K::Envelope || a.kind == K::BodyStructure);
        if (!needs_file(a) || from_cache) continue;
        ++file_items;
        if (a.kind == K::BodySection && a.section.part.empty() &&
            a.section.text == SectionText::None && !a.partial) {
            whole = &a;
        }
    }
    if (file_items != 1) whole = nullptr;
    if (header_only && msg.folder()) {
        if (auto h = msg.folder()->cached_header(info.uid)) {
            msg.use_bytes(std::move(*h));
        } else {
            store_header = true;
        }
    }
    detail::FetchSource src(msg, tree);

    size_t start = out.size();
    out += "* ";
    append_number(out, seq);
    out += " FETCH (";
    size_t items = out.size();
    auto next = [&] {
        if (out.size() != items) out.push_back(' ');
    };
    if (opt.uid && !asks(atts, K::Uid)) {
        out += "UID ";
        append_number(out, info.uid);
    }
    if (opt.modseq && !asks(atts, K::Modseq)) {
        next();
        append_modseq(out, info.modseq);
    }
    for (const FetchAtt& a : atts) {
        next();
        bool from_cache = cache && (a.kind == K::Envelope || a.kind == K::BodyStructure);
        if (&a == whole) {
            size_t mark = out.size();
            out += "BODY[] ";
            if (detail::append_whole_file_literal(out, info.path)) continue;
            out.resize(mark);
        }
        if (needs_file(a) && !from_cache && !src.load()) {
            out.resize(start);
            return FetchError::Gone;
        }
        switch (a.kind) {
            case K::Flags:
                append_flags(out, info, opt);
                break;
            case K::Uid:
                out += "UID ";
                append_number(out, info.uid);
                break;
            case K::InternalDate:
                out += "INTERNALDATE ";
                append_datetime(out, info.internal_date, 0);
                break;
            case K::Rfc822Size:
                out += "RFC822.SIZE ";
                append_number(out, imap_size(info));
                break;
            case K::Modseq:
                append_modseq(out, info.modseq);
                break;
            case K::SaveDate:  // RFC 8514 §4: NIL when the server does not know it
                out += "SAVEDATE ";
                if (info.save_date)
                    append_datetime(out, info.save_date, 0);
                else
                    out += "NIL";
                break;
            case K::EmailId:
                out += "EMAILID (";
                append_email_id(out, info);
                out.push_back(')');
                break;
            case K::ThreadId:  // RFC 8474 §5.2: NIL when the mailbox has no threads
                out += "THREADID NIL";
                break;
            case K::Envelope:
                out += "ENVELOPE ";
                if (cache)
                    out += cache->envelope;
                else
                    mime::append_envelope(out, src.root_fields());
                break;
            case K::BodyStructure:
                out += "BODYSTRUCTURE ";
                if (cache)
                    out += cache->bodystructure;
                else
                    mime::append_bodystructure(out, src.tree(), true);
                break;
            case K::Body:
                out += "BODY ";
                mime::append_bodystructure(out, src.tree(), false);
                break;
            case K::BodySection:
                detail::append_body_section(out, src, a);
                break;
            case K::Rfc822:
            case K::Rfc822Header:
            case K::Rfc822Text:
                detail::append_rfc822(out, src, a.kind);
                break;
            case K::Binary:
            case K::BinarySize:
                if (FetchError e = detail::append_binary(out, src, a); e != FetchError::None) {
                    out.resize(start);
                    return e;
                }
                break;
        }
    }
    if (opt.add_flags && !asks(atts, K::Flags)) {
        next();
        append_flags(out, info, opt);
    }
    out += ")\r\n";
    if (store_header && src.load()) {
        msg.folder()->set_cached_header(info.uid, src.bytes().substr(0, src.root_header_end()));
    }
    return FetchError::None;
}

bool fetch_sets_seen(const std::vector<FetchAtt>& atts) {
    return std::any_of(atts.begin(), atts.end(), [](const FetchAtt& a) {
        switch (a.kind) {
            case K::BodySection:
            case K::Binary:
                return !a.peek;
            case K::Rfc822:
            case K::Rfc822Text:
                return true;
            default:
                return false;
        }
    });
}

bool fetch_needs_file(const std::vector<FetchAtt>& atts) {
    return std::any_of(atts.begin(), atts.end(), needs_file);
}

}  // namespace magpie::imap
