// Helpers shared by the attachment and antivirus tests: messages with attachments, archives
// built in memory with libarchive, sample files from the system and clamav-testfiles.
#pragma once
#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
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

// A minimal Compound File (CDF) with the Windows Installer root CLSID and a summary
// information stream naming its creating application: what libmagic calls an MSI.
inline std::string minimal_msi() {
    auto u16 = [](std::string& o, uint16_t v) { o.append({char(v), char(v >> 8)}); };
    auto u32 = [&](std::string& o, uint32_t v) {
        u16(o, uint16_t(v));
        u16(o, uint16_t(v >> 16));
    };
    constexpr uint32_t kEnd = 0xFFFFFFFE, kFree = 0xFFFFFFFF, kNone = 0xFFFFFFFF;
    std::string app = std::string("Windows Installer XML") + '\0';
    std::string prop;
    u32(prop, 0x1E);  // VT_LPSTR
    u32(prop, uint32_t(app.size()));
    prop += app;
    prop.resize((prop.size() + 3) / 4 * 4, '\0');
    std::string ps;
    u16(ps, 0xFFFE);
    u16(ps, 0);
    u32(ps, 0x00020006);
    ps += std::string(16, '\0');
    u32(ps, 1);
    ps += std::string("\xe0\x85\x9f\xf2\xf9\x4f\x68\x10\xab\x91\x08\x00\x2b\x27\xb3\xd9", 16);
    u32(ps, 48);
    u32(ps, uint32_t(16 + prop.size()));
    u32(ps, 1);
    u32(ps, 0x12);  // PIDSI_APPNAME
    u32(ps, 16);
    ps += prop;
    ps.resize(4096, '\0');  // at the mini-stream cutoff, so it lives in regular sectors
    auto entry = [&](const std::string& name, uint8_t type, const std::string& clsid,
                     uint32_t start, uint32_t size, uint32_t child) {
        std::string e;
        for (char c : name) u16(e, uint16_t(c));
        size_t name_bytes = name.empty() ? 0 : e.size() + 2;
        e.resize(64, '\0');
        u16(e, uint16_t(name_bytes));
        e += char(type);
        e += char(1);
        u32(e, kNone);
        u32(e, kNone);
        u32(e, child);
        e += clsid.empty() ? std::string(16, '\0') : clsid;
        e += std::string(20, '\0');
        u32(e, start);
        u32(e, size);
        u32(e, 0);
        return e;
    };
    std::string msi_clsid("\x84\x10\x0c\0\0\0\0\0\xc0\0\0\0\0\0\0\x46", 16);
    std::string out("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
    out += std::string(16, '\0');
    for (uint16_t v : {0x3E, 3, 0xFFFE, 9, 6}) u16(out, v);
    out += std::string(6, '\0');
    for (uint32_t v : {0u, 1u, 1u, 0u, 4096u, kEnd, 0u, kEnd, 0u}) u32(out, v);
    u32(out, 0);  // the FAT is sector 0
    for (int i = 0; i < 108; ++i) u32(out, kFree);
    // FAT: itself, the directory (1), the summary stream (2..9).
    std::vector<uint32_t> fat = {0xFFFFFFFD, kEnd, 3, 4, 5, 6, 7, 8, 9, kEnd};
    fat.resize(128, kFree);
    for (auto v : fat) u32(out, v);
    out += entry("Root Entry", 5, msi_clsid, kEnd, 0, 1);
    out += entry(std::string("\x05SummaryInformation"), 2, "", 2, 4096, kNone);
    out += entry("", 0, "", 0, 0, kNone) + entry("", 0, "", 0, 0, kNone);
    return out + ps;
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
