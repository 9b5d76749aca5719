// Corpus tests: every real-world and torture message parses, and its BODYSTRUCTURE, BODY
// and ENVELOPE match the checked-in expected output (tests/data/mime/expected/) and the
// answers Debian's Dovecot gave for the same files (tests/data/mime/dovecot_answers.txt,
// written by crosscheck_dovecot.py). MAGPIE_UPDATE_EXPECTED=1 rewrites expected/.
#include <gtest/gtest.h>

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

std::string dump(const std::string& data) {
    Message msg = parse_message(data);
    return "BODYSTRUCTURE " + bodystructure(msg, true) + "\nBODY " + bodystructure(msg, false) +
           "\nENVELOPE " + envelope(msg.root.headers) + "\n";
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
    size_t compared_with_dovecot = 0;
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
        if (it != answers.end() && ours.find("}\r\n") == std::string::npos) {
            EXPECT_EQ(no_space_between_lists(ours), it->second);
            ++compared_with_dovecot;
        }
    }
    std::cerr << files.size() << " messages, " << compared_with_dovecot
              << " compared byte for byte with Dovecot's answers\n";
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
