// Spam subject prefix: where the prefix goes in a header, encoded words kept, no double
// prefix, a missing Subject added; the queue-file reader and the outbound body splice.
#include "mime/subject_prefix.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/fs.h"
#include "core/strings.h"
#include "dkim/key_record.h"
#include "dkim/signer.h"
#include "dkim/verifier.h"
#include "mime/header.h"
#include "mime/rfc2047.h"
#include "outbound/file_body.h"
#include "queue/spam_subject.h"

namespace magpie {
namespace {

std::string prefixed(std::string_view msg, std::string_view prefix, bool whole = true) {
    auto ins = mime::subject_prefix_insertion(msg, prefix, whole);
    if (!ins) return std::string(msg);
    std::string out(msg);
    out.insert(ins->at, ins->text);
    return out;
}

// The decoded Subject of a message, as a mail client shows it.
std::string subject_of(const std::string& msg) {
    auto block = mime::parse_header(msg, 0, 100);
    auto* f = mime::find_field(block.fields, "subject");
    return f ? std::string(trim(mime::decode_rfc2047(f->raw_value))) : "<none>";
}

TEST(SubjectPrefix, PlainSubject) {
    std::string msg = "From: a@b.example\r\nSubject: Hello there\r\n\r\nbody\r\n";
    EXPECT_EQ(prefixed(msg, "***SPAM***"),
              "From: a@b.example\r\nSubject: ***SPAM*** Hello there\r\n\r\nbody\r\n");
}

TEST(SubjectPrefix, NoSpaceAfterColonAndCaseOfTheName) {
    EXPECT_EQ(prefixed("SUBJECT:Hi\r\n\r\n", "[SPAM]"), "SUBJECT: [SPAM] Hi\r\n\r\n");
    EXPECT_EQ(prefixed("Subject :\tHi\r\n\r\n", "[SPAM]"), "Subject :\t[SPAM] Hi\r\n\r\n");
}

TEST(SubjectPrefix, EncodedWordSubjectKeepsItsEncoding) {
    std::string msg = "Subject: =?UTF-8?B?Q2Fmw6k=?=\r\n\r\nx\r\n";
    std::string out = prefixed(msg, "***SPAM***");
    EXPECT_EQ(out, "Subject: ***SPAM*** =?UTF-8?B?Q2Fmw6k=?=\r\n\r\nx\r\n");
    EXPECT_EQ(subject_of(out), "***SPAM*** Caf\xC3\xA9");
}

TEST(SubjectPrefix, FoldedValueStartingOnTheNextLine) {
    std::string msg = "Subject:\r\n =?ISO-8859-1?Q?Caf=E9?=\r\n\r\n";
    std::string out = prefixed(msg, "[SPAM]");
    EXPECT_EQ(out, "Subject:\r\n [SPAM] =?ISO-8859-1?Q?Caf=E9?=\r\n\r\n");
    EXPECT_EQ(subject_of(out), "[SPAM] Caf\xC3\xA9");
}

TEST(SubjectPrefix, AlreadyPrefixedIsLeftAlone) {
    EXPECT_FALSE(
        mime::subject_prefix_insertion("Subject: ***SPAM*** hi\r\n\r\n", "***SPAM***", true));
    // Also when the earlier prefix was written inside an encoded word.
    EXPECT_FALSE(mime::subject_prefix_insertion("Subject: =?UTF-8?Q?***SPAM***_hi?=\r\n\r\n",
                                                "***SPAM***", true));
    EXPECT_FALSE(mime::subject_prefix_insertion("Subject: hi\r\n\r\n", "", true));
}

TEST(SubjectPrefix, MissingSubjectIsAddedAtTheEndOfTheHeader) {
    EXPECT_EQ(prefixed("From: a@b.example\r\n\r\nbody\r\n", "***SPAM***"),
              "From: a@b.example\r\nSubject: ***SPAM***\r\n\r\nbody\r\n");
    EXPECT_EQ(prefixed("\r\nbody\r\n", "X"), "Subject: X\r\n\r\nbody\r\n");
    EXPECT_EQ(prefixed("From: a@b.example\r\n", "X"), "From: a@b.example\r\nSubject: X\r\n");
    // A header cut off before its end may have a Subject further on: nothing then.
    EXPECT_FALSE(mime::subject_prefix_insertion("From: a@b.example\r\nTo: c", "X", false));
}

TEST(SubjectPrefix, EmptySubject) {
    EXPECT_EQ(prefixed("Subject:\r\n\r\n", "X"), "Subject: X\r\n\r\n");
    EXPECT_EQ(prefixed("Subject: \r\n\r\n", "X"), "Subject: X\r\n\r\n");
}

TEST(SubjectPrefix, FirstSubjectOnly) {
    EXPECT_EQ(prefixed("Subject: a\r\nSubject: b\r\n\r\n", "X"),
              "Subject: X a\r\nSubject: b\r\n\r\n");
}

TEST(SubjectPrefix, NonAsciiPrefixIsEncoded) {
    std::string prefix = "[Pourriel \xC3\xA9]";
    std::string out = prefixed("Subject: hi\r\n\r\n", prefix);
    EXPECT_EQ(out, "Subject: =?UTF-8?B?W1BvdXJyaWVsIMOpXQ==?= hi\r\n\r\n");
    EXPECT_EQ(subject_of(out), prefix + " hi");
    // Before an encoded word the separating space goes inside the prefix's word.
    out = prefixed("Subject: =?UTF-8?B?Q2Fmw6k=?=\r\n\r\n", prefix);
    EXPECT_EQ(subject_of(out), prefix + " Caf\xC3\xA9");
    // A second pass finds the prefix.
    EXPECT_EQ(prefixed(out, prefix), out);
    // Long prefixes become several words, none longer than 75 characters.
    std::string longer;
    for (int i = 0; i < 40; ++i) longer += "\xC3\xA9";
    std::string enc = mime::encode_header_words(longer);
    for (size_t pos = 0, sp; pos < enc.size(); pos = sp + 1) {
        sp = enc.find(' ', pos);
        if (sp == std::string::npos) sp = enc.size();
        EXPECT_LE(sp - pos, 75u);
    }
    EXPECT_EQ(mime::decode_rfc2047(enc), longer);
}

TEST(SubjectPrefix, LongLineIsFolded) {
    std::string msg = "Subject: " + std::string(990, 'a') + "\r\n\r\n";
    std::string out = prefixed(msg, "***SPAM***");
    EXPECT_EQ(out.substr(0, 22), "Subject: ***SPAM***\r\n ");
    size_t longest = 0;
    for (size_t pos = 0, nl; pos < out.size(); pos = nl + 2) {
        nl = out.find("\r\n", pos);
        longest = std::max(longest, nl - pos);
    }
    EXPECT_LE(longest, 998u);
}

struct TempFile {
    std::string path;
    TempFile(const std::string& content) {
        char tmpl[] = "/tmp/magpie-subject-test-XXXXXX";
        int fd = ::mkstemp(tmpl);
        path = tmpl;
        ::close(fd);
        fs::write_file_atomic(path, content);
    }
    ~TempFile() { std::filesystem::remove(path); }
};

TEST(SpamSubject, ReadsTheQueuedMessageOnlyForFlaggedSpam) {
    std::string msg = "Received: from x\r\nSubject: offer\r\n\r\nbuy\r\n";
    TempFile f("ENVELOPE" + msg);
    int fd = ::open(f.path.c_str(), O_RDONLY);
    queue::Envelope env;
    env.size = static_cast<int64_t>(msg.size());
    store::Settings s;
    s.spam_subject_prefix = "***SPAM***";
    EXPECT_FALSE(queue::spam_subject_insertion(env, s, fd, 8));  // not flagged
    env.spam = true;
    auto ins = queue::spam_subject_insertion(env, s, fd, 8);
    ASSERT_TRUE(ins);
    EXPECT_EQ(ins->at, msg.find("offer"));
    EXPECT_EQ(ins->text, "***SPAM*** ");
    s.spam_subject_prefix.clear();
    EXPECT_FALSE(queue::spam_subject_insertion(env, s, fd, 8));  // setting off
    ::close(fd);
}

TEST(FileBody, SplicesTheInsertionAcrossChunks) {
    std::string msg = "Subject: " + std::string(300 * 1024, 'a') + "\r\n\r\nbody\r\n";
    TempFile f("XX" + msg);
    mime::HeaderInsertion ins{9, "[SPAM] "};
    std::string expect = msg;
    expect.insert(9, "[SPAM] ");
    EXPECT_EQ(outbound::read_range(f.path, 2, static_cast<int64_t>(msg.size()), &ins), expect);
    // With a DKIM header in front and the insertion at the very start.
    mime::HeaderInsertion top{0, "Subject: X\r\n"};
    outbound::FileBody body(f.path, 2, static_cast<int64_t>(msg.size()), "DKIM: 1\r\n", &top);
    std::string all, chunk;
    for (bool more = true; more;) {
        more = body.next(chunk);
        all += chunk;
    }
    EXPECT_EQ(all, "DKIM: 1\r\nSubject: X\r\n" + msg);
}

// The outbound manager signs what FileBody yields with the insertion, so the signature
// covers the prefixed Subject as sent (and would fail on the message as queued).
TEST(FileBody, DkimSignatureCoversThePrefixedSubject) {
    std::string msg = "From: a@example.org\r\nTo: b@example.net\r\nSubject: offer\r\n\r\nbuy\r\n";
    TempFile f(msg);
    auto ins = mime::subject_prefix_insertion(msg, "***SPAM***", true);
    ASSERT_TRUE(ins);
    auto key = dkim::PrivateKey::generate(dkim::KeyType::Ed25519);
    dkim::Signer signer(dkim::SigningKey{"example.org", "default", key});
    outbound::FileBody body(f.path, 0, static_cast<int64_t>(msg.size()), "", &*ins);
    std::string chunk;
    for (bool more = true; more;) {
        more = body.next(chunk);
        signer.write(chunk);
    }
    std::string sig = signer.finish();
    auto lookup = [&](std::string name) -> std::optional<std::vector<std::string>> {
        if (name != "default._domainkey.example.org") return std::vector<std::string>{};
        return std::vector<std::string>{dkim::key_record_text(key)};
    };
    std::string sent = outbound::read_range(f.path, 0, static_cast<int64_t>(msg.size()), &*ins);
    ASSERT_NE(sent.find("Subject: ***SPAM*** offer"), std::string::npos);
    auto ok = dkim::verify(sig + sent, lookup);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0].verdict, dkim::Verdict::Pass) << ok[0].reason;
    auto bad = dkim::verify(sig + msg, lookup);
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_NE(bad[0].verdict, dkim::Verdict::Pass);
}

}  // namespace
}  // namespace magpie
