// mime_dump: prints BODYSTRUCTURE, BODY and ENVELOPE of each message file given, one
// block per file, then a SECTIONS line: every section spec of the message with the length
// and FNV-1a hash of its bytes as IMAP sends them (bare LF as CRLF). Used by the Dovecot
// cross-check and to look at outputs by hand.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "mime/imap_bodystructure.h"
#include "mime/imap_envelope.h"
#include "mime/mapped_file.h"
#include "mime/parser.h"
#include "mime/sections.h"

using namespace magpie::mime;

namespace {

// Length and FNV-1a 64 of `s` as an IMAP server sends it in a literal: bare LF as CRLF,
// NUL as 0x80 (as Dovecot does; a literal cannot carry NUL, RFC 9051 §4.3).
std::string fingerprint(std::string_view s) {
    uint64_t h = 1469598103934665603ull;
    size_t len = 0;
    auto add = [&](unsigned char c) {
        h = (h ^ c) * 1099511628211ull;
        ++len;
    };
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) add('\r');
        add(s[i] == '\0' ? 0x80 : static_cast<unsigned char>(s[i]));
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%zu:%016llx", len, static_cast<unsigned long long>(h));
    return buf;
}

void add_section(const Message& msg, const std::string& spec, std::string& out) {
    if (auto r = find_section(msg, spec))
        out += " " + (spec.empty() ? std::string("-") : spec) + "=" +
               fingerprint(msg.data.substr(r->start, r->size()));
}

void walk_part(const Message& msg, const Part& p, const std::string& path, std::string& out);

// The parts of a message whose top entity is `m`, numbered under `prefix`.
void walk_message(const Message& msg, const Part& m, const std::string& prefix, std::string& out) {
    auto child = [&](size_t i) { return (prefix.empty() ? "" : prefix + ".") + std::to_string(i); };
    if (m.is_multipart()) {
        for (size_t i = 0; i < m.children.size(); ++i)
            walk_part(msg, m.children[i], child(i + 1), out);
    } else {
        walk_part(msg, m, child(1), out);
    }
}

void walk_part(const Message& msg, const Part& p, const std::string& path, std::string& out) {
    add_section(msg, path, out);
    add_section(msg, path + ".MIME", out);
    if (p.message) {
        add_section(msg, path + ".HEADER", out);
        add_section(msg, path + ".TEXT", out);
        walk_message(msg, *p.message, path, out);
    } else if (p.is_multipart()) {
        for (size_t i = 0; i < p.children.size(); ++i)
            walk_part(msg, p.children[i], path + "." + std::to_string(i + 1), out);
    }
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        MappedFile file;
        try {
            file = MappedFile(argv[i]);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s\n", e.what());
            continue;
        }
        Message msg = parse_message(file.data());
        std::string sections;
        for (const char* s : {"", "HEADER", "TEXT"}) add_section(msg, s, sections);
        walk_message(msg, msg.root, "", sections);
        // fwrite, not printf: literals may carry NUL bytes.
        std::string out = std::string("FILE ") + argv[i] + "\nBODYSTRUCTURE " +
                          bodystructure(msg, true) + "\nBODY " + bodystructure(msg, false) +
                          "\nENVELOPE " + envelope(msg.root.headers) + "\nSECTIONS" + sections +
                          "\n";
        std::fwrite(out.data(), 1, out.size(), stdout);
    }
}
