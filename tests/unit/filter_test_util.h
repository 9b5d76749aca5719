// Helpers shared by the attachment and antivirus tests: messages with attachments, archives
// built in memory with libarchive, sample files from the system and clamav-testfiles.
#pragma once
#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/base64.h"

namespace filter_test {

struct Attachment {
    std::string filename;
    std::string content_type;  // declared
    std::string content;
};

inline std::string wrap76(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); i += 76) out += s.substr(i, 76) + "\r\n";
    return out;
}

inline std::string mime_message(const std::vector<Attachment>& atts,
                                const std::string& text = "Hello, see attached.\r\n") {
    std::string m =
        "From: a@example.com\r\nTo: b@example.org\r\nSubject: test\r\n"
        "Message-ID: <t@example.com>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n\r\n"
        "--BOUNDARY\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
        text;
    for (auto& a : atts) {
        m += "--BOUNDARY\r\nContent-Type: " + a.content_type + "; name=\"" + a.filename +
             "\"\r\nContent-Disposition: attachment; filename=\"" + a.filename +
             "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
             wrap76(magpie::base64_encode(a.content));
    }
    return m + "--BOUNDARY--\r\n";
}

// A message carrying `inner` as a message/rfc822 attachment.
inline std::string forward_message(const std::string& inner) {
    return "From: c@example.com\r\nTo: b@example.org\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"OUTER\"\r\n\r\n"
           "--OUTER\r\nContent-Type: text/plain\r\n\r\nForwarded.\r\n"
           "--OUTER\r\nContent-Type: message/rfc822\r\n\r\n" +
           inner + "\r\n--OUTER--\r\n";
}

// An archive in memory: format e.g. ARCHIVE_FORMAT_ZIP, filter e.g. ARCHIVE_FILTER_GZIP.
inline std::string make_archive(int format, int filter,
                                const std::vector<std::pair<std::string, std::string>>& files) {
    std::string out(1 << 20, '\0');
    for (auto& f : files) out.resize(out.size() + f.second.size() + 4096);
    size_t used = 0;
    archive* a = archive_write_new();
    archive_write_set_format(a, format);
    if (filter != ARCHIVE_FILTER_NONE) archive_write_add_filter(a, filter);
    archive_write_set_bytes_in_last_block(a, 1);
    archive_write_open_memory(a, out.data(), out.size(), &used);
    for (auto& [name, data] : files) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_write_header(a, e);
        archive_write_data(a, data.data(), data.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    out.resize(used);
    return out;
}

inline std::string zip(const std::vector<std::pair<std::string, std::string>>& files) {
    return make_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, files);
}

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::filesystem::path clamav_testfiles() {
    return "/usr/share/clamav-testfiles";
}

// The 68-byte EICAR test string (eicar.org), harmless by design; kept in two halves so this
// source file is not itself reported by scanners.
inline std::string eicar() {
    return std::string("X5O!P%@AP[4\\PZX54(P^)7CC)7}$") +
           "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
}

}  // namespace filter_test
