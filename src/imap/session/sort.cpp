// SORT (RFC 5256 §3, RFC 5957): each message's keys are computed once from its header
// block (the file is released right after), then the rows are sorted. Strings compare
// case-folded (casefold.h) and then, as i;unicode-casemap's titlecase does (RFC 5051 §2),
// with ASCII letters in upper case, byte-wise, which orders by code point: "_" and "["
// sort after "Z" (RFC 5256 §2.1 names i;unicode-casemap for SORT).
#include "imap/session/sort.h"

#include <algorithm>
#include <array>

#include "core/strings.h"
#include "imap/session/base_subject.h"
#include "imap/session/casefold.h"
#include "imap/session/sort_keys.h"

namespace magpie::imap {

namespace {

enum class Key { Arrival, Cc, Date, From, Size, Subject, To, DisplayFrom, DisplayTo };

struct Criterion {
    Key key;
    bool reverse;
};

struct Row {
    uint32_t seq = 0;
    int64_t arrival = 0;
    int64_t date = 0;
    uint64_t size = 0;
    std::array<std::string, 9> text;  // indexed by Key, for the string keys
};

Key key_of(const std::string& name) {
    if (name == "ARRIVAL") return Key::Arrival;
    if (name == "CC") return Key::Cc;
    if (name == "DATE") return Key::Date;
    if (name == "FROM") return Key::From;
    if (name == "SIZE") return Key::Size;
    if (name == "SUBJECT") return Key::Subject;
    if (name == "TO") return Key::To;
    if (name == "DISPLAYFROM") return Key::DisplayFrom;
    return Key::DisplayTo;
}

// The comparison key of a string (see the file comment).
std::string sort_fold(std::string_view in) {
    std::string out = fold(in);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
}

bool needs_header(Key k) {
    return k != Key::Arrival && k != Key::Size;
}

// RFC 5256 §3: the local part of the first address.
std::string mailbox_key(const std::vector<mime::HeaderField>& fields, std::string_view name) {
    mime::Address a;
    return first_address(fields, name, a) ? sort_fold(a.mailbox) : std::string();
}

// RFC 5957 §3: the display name of the first address, else its addr-spec.
std::string display_key(const std::vector<mime::HeaderField>& fields, std::string_view name) {
    mime::Address a;
    if (!first_address(fields, name, a)) return {};
    if (a.group_start) return sort_fold(a.mailbox);  // a group: its name
    std::string display(trim(a.display_name()));
    return sort_fold(display.empty() ? a.addr_spec() : display);
}

void fill(Row& r, Key k, const std::vector<mime::HeaderField>& fields) {
    std::string& t = r.text[static_cast<size_t>(k)];
    switch (k) {
        case Key::Date:
            r.date = sent_date(fields, r.arrival);
            break;
        case Key::From:
            t = mailbox_key(fields, "from");
            break;
        case Key::To:
            t = mailbox_key(fields, "to");
            break;
        case Key::Cc:
            t = mailbox_key(fields, "cc");
            break;
        case Key::DisplayFrom:
            t = display_key(fields, "from");
            break;
        case Key::DisplayTo:
            t = display_key(fields, "to");
            break;
        case Key::Subject:
            t = sort_fold(base_subject(decoded_field(fields, "subject")));
            break;
        default:
            break;
    }
}

template <class T>
int three_way(const T& a, const T& b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}

int compare(const Row& a, const Row& b, Key k) {
    switch (k) {
        case Key::Arrival:
            return three_way(a.arrival, b.arrival);
        case Key::Date:
            return three_way(a.date, b.date);
        case Key::Size:
            return three_way(a.size, b.size);
        default: {
            size_t i = static_cast<size_t>(k);
            return a.text[i].compare(b.text[i]);
        }
    }
}

}  // namespace

std::vector<uint32_t> sort_messages(const std::vector<SortCriterion>& criteria,
                                    const std::vector<uint32_t>& seqs,
                                    std::vector<MessageData>& msgs) {
    std::vector<Criterion> crit;
    bool header = false;
    for (const SortCriterion& c : criteria) {
        crit.push_back({key_of(c.key), c.reverse});
        header = header || needs_header(crit.back().key);
    }
    std::vector<Row> rows;
    rows.reserve(seqs.size());
    for (uint32_t seq : seqs) {
        if (seq == 0 || seq > msgs.size()) continue;
        MessageData& m = msgs[seq - 1];
        Row r;
        r.seq = seq;
        r.arrival = m.info().internal_date;
        r.size = m.info().size;
        if (header) {
            std::vector<mime::HeaderField> fields = read_header(m);
            for (const Criterion& c : crit) fill(r, c.key, fields);
            m.release();
        }
        rows.push_back(std::move(r));
    }
    std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
        for (const Criterion& c : crit) {
            int d = compare(a, b, c.key);
            if (d != 0) return c.reverse ? d > 0 : d < 0;
        }
        return a.seq < b.seq;
    });
    std::vector<uint32_t> out;
    out.reserve(rows.size());
    for (const Row& r : rows) out.push_back(r.seq);
    return out;
}

}  // namespace magpie::imap
