// Corpus tests: every real-world and torture message parses, and its BODYSTRUCTURE, BODY,
// ENVELOPE and the byte ranges of all its BODY[section]s match the checked-in expected
// output (tests/data/mime/expected/) and the answers Debian's Dovecot gave for the same
// files (tests/data/mime/dovecot_answers.txt, written by crosscheck_dovecot.py).
// MAGPIE_UPDATE_EXPECTED=1 rewrites expected/.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "mime/imap_bodystructure.h"
#include "mime/imap_envelope.h"
#include "mime/parser.h"
#include "mime/sections.h"
#include "mime/text_extract.h"
#include "mime_test_util.h"

using namespace magpie::mime;
namespace fs = std::filesystem;

namespace {

// Length and FNV-1a 64 of a section as IMAP sends it: bare LF as CRLF, NUL as 0x80
// (what crosscheck_dovecot.py records from Dovecot's answers).
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

void section_specs(const Part& p, const std::string& path, std::vector<std::string>& out);

// The parts of a message whose top entity is `m`, numbered under `prefix`.
void message_specs(const Part& m, const std::string& prefix, std::vector<std::string>& out) {
    auto num = [&](size_t i) { return (prefix.empty() ? "" : prefix + ".") + std::to_string(i); };
    if (!m.is_multipart()) return section_specs(m, num(1), out);
    for (size_t i = 0; i < m.children.size(); ++i) section_specs(m.children[i], num(i + 1), out);
}

void section_specs(const Part& p, const std::string& path, std::vector<std::string>& out) {
    out.push_back(path);
    out.push_back(path + ".MIME");
    if (p.message) {
        out.push_back(path + ".HEADER");
        out.push_back(path + ".TEXT");
        message_specs(*p.message, path, out);
    } else {
        for (size_t i = 0; i < p.children.size(); ++i)
            section_specs(p.children[i], path + "." + std::to_string(i + 1), out);
    }
}

// "spec=len:hash" for every section, sorted, "" written as "-".
std::string sections_line(const Message& msg) {
    std::vector<std::string> specs{"", "HEADER", "TEXT"};
    message_specs(msg.root, "", specs);
    std::map<std::string, std::string> fps;
    for (const auto& spec : specs)
        if (auto r = find_section(msg, spec))
            fps[spec.empty() ? "-" : spec] = fingerprint(msg.data.substr(r->start, r->size()));
    std::string out = "SECTIONS";
    for (const auto& [spec, fp] : fps) out += " " + spec + "=" + fp;
    return out + "\n";
}

std::string dump(const std::string& data) {
    Message msg = parse_message(data);
    return "BODYSTRUCTURE " + bodystructure(msg, true) + "\nBODY " + bodystructure(msg, false) +
           "\nENVELOPE " + envelope(msg.root.headers) + "\n" + sections_line(msg);
}

std::string expected_name(std::string label) {
    for (auto& c : label)
        if (c == '/' || c == ' ' || c == ',' || c == ':') c = '_';
    return label + ".txt";
}

// The answers file writes adjacent lists without a space, envelope fields included.
std::string no_space_between_lists(std::string s) {
    size_t pos = 0;
    while ((pos = s.find(") (", pos)) != std::string::npos) s.erase(pos + 1, 1);
    return s;
}

// dovecot_answers.txt: "FILE label" then three "KEY value" lines per message.
std::map<std::string, std::string> dovecot_answers() {
    std::map<std::string, std::string> out;
    std::string all = mime_test::read_file(mime_test::testdata_dir() / "dovecot_answers.txt");
    size_t pos = 0;
    while ((pos = all.find("FILE ", pos)) != std::string::npos) {
        size_t eol = all.find('\n', pos);
        std::string label = all.substr(pos + 5, eol - pos - 5);
        size_t next = all.find("\nFILE ", eol);
        if (next == std::string::npos) next = all.size();
        out[label] = all.substr(eol + 1, next + 1 - eol - 1);
        pos = next;
    }
    return out;
}

}  // namespace

TEST(MimeCorpus, MatchesExpectedAndDovecot) {
    bool shared = false;
    auto files = mime_test::corpus_files(&shared);
    if (!shared) std::cerr << "shared corpus absent; checking the torture messages only\n";
    bool update = std::getenv("MAGPIE_UPDATE_EXPECTED") != nullptr;
    fs::path exp_dir = mime_test::testdata_dir() / "expected";
    if (update) fs::create_directories(exp_dir);
    auto answers = dovecot_answers();
    size_t compared_with_dovecot = 0, sections_compared = 0;
    for (const auto& f : files) {
        SCOPED_TRACE(f.label);
        std::string data = mime_test::read_file(f.path);
        std::string ours = dump(data);
        fs::path exp = exp_dir / expected_name(f.label);
        if (update) {
            std::ofstream(exp, std::ios::binary) << ours;
        } else {
            EXPECT_EQ(ours, mime_test::read_file(exp));
        }
        // Outputs without literals are byte-identical to Dovecot's canonical form.
        auto it = answers.find(f.label);
        if (it == answers.end()) continue;
        // Section byte ranges: always comparable.
        auto sections = [](const std::string& s) { return s.substr(s.rfind("SECTIONS")); };
        EXPECT_EQ(sections(ours), sections(it->second));
        ++sections_compared;
        if (ours.find("}\r\n") == std::string::npos) {
            EXPECT_EQ(no_space_between_lists(ours), it->second);
            ++compared_with_dovecot;
        }
    }
    std::cerr << files.size() << " messages, " << compared_with_dovecot
              << " compared byte for byte with Dovecot's answers, " << sections_compared
              << " on their section byte ranges\n";
}

TEST(MimeCorpus, EveryPartAndSectionStaysInsideTheBuffer) {
    for (const auto& f : mime_test::corpus_files()) {
        SCOPED_TRACE(f.label);
        std::string data = mime_test::read_file(f.path);
        Message msg = parse_message(data);
        std::vector<const Part*> stack{&msg.root};
        while (!stack.empty()) {
            const Part* p = stack.back();
            stack.pop_back();
            EXPECT_LE(p->header_start, p->header_end);
            EXPECT_LE(p->header_end, p->body_end);
            EXPECT_LE(p->body_end, data.size());
            for (const auto& c : p->children) {
                EXPECT_GE(c.header_start, p->header_end);
                EXPECT_LE(c.body_end, p->body_end);
                stack.push_back(&c);
            }
            if (p->message) {
                EXPECT_EQ(p->message->header_start, p->header_end);
                stack.push_back(p->message.get());
            }
        }
        for (const char* spec : {"", "HEADER", "TEXT", "1", "1.MIME", "2", "2.1", "1.HEADER"}) {
            if (auto r = find_section(msg, spec)) {
                EXPECT_LE(r->start, r->end);
                EXPECT_LE(r->end, data.size());
            }
        }
        ExtractedText t = extract_text(msg);
        EXPECT_LE(t.text.size(), ExtractOptions{}.max_text_bytes);
    }
}
