// The executable and archive type tables. libmagic names some formats differently across
// versions (PE is application/x-dosexec before file 5.43), so both names are listed.
#include "filter/attachments_types.h"

#include <algorithm>
#include <array>

#include "core/strings.h"

namespace magpie::filter {
namespace {

constexpr std::array kExecutable = {
    "application/x-dosexec",
    "application/vnd.microsoft.portable-executable",
    "application/x-msdownload",
    "application/x-ms-dos-executable",
    "application/x-msdos-program",
    "application/x-msi",
    "application/x-ms-installer",
    "application/x-ms-shortcut",
    "application/x-executable",
    "application/x-pie-executable",
    "application/x-sharedlib",
    "application/x-elf",
    "application/x-mach-binary",
    "application/x-mach-o-executable",
    "application/x-java-applet",
    "application/java-archive",
    "application/x-java-archive",
    "text/x-shellscript",
    "application/x-sh",
    "application/x-shellscript",
    "text/x-msdos-batch",
    "application/x-bat",
    "text/x-powershell",
    "application/x-powershell",
    "text/vbscript",
    "text/x-vbscript",
    "application/x-vbscript",
    "application/javascript",
    "text/javascript",
    "application/x-javascript",
};

constexpr std::array kArchive = {
    "application/zip",
    "application/x-zip-compressed",
    "application/x-rar",
    "application/vnd.rar",
    "application/x-rar-compressed",
    "application/x-7z-compressed",
    "application/x-tar",
    "application/x-gtar",
    "application/x-ustar",
    "application/x-cpio",
    "application/vnd.ms-cab-compressed",
    "application/x-iso9660-image",
    "application/x-archive",
    "application/x-arj",
    "application/x-lha",
    "application/x-lzh-compressed",
    "application/x-xar",
    "application/x-stuffit",
    "application/x-ace-compressed",
    "application/x-rpm",
    "application/vnd.debian.binary-package",
    "application/vnd.android.package-archive",
    "application/epub+zip",
    "application/gzip",
    "application/x-gzip",
    "application/x-bzip2",
    "application/x-xz",
    "application/x-lzma",
    "application/x-lzip",
    "application/zstd",
    "application/x-zstd",
    "application/x-compress",
    "application/x-ms-compress-szdd",
};

// Zip containers with their own libmagic type.
constexpr std::array kZipPrefixes = {
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "application/vnd.ms-word.",
    "application/vnd.ms-excel.sheet.",
    "application/vnd.ms-powerpoint.presentation.",
};

template <size_t N>
bool listed(const std::array<const char*, N>& table, std::string_view type) {
    return std::any_of(table.begin(), table.end(), [&](const char* t) { return type == t; });
}

bool zip_container(std::string_view type) {
    return std::any_of(kZipPrefixes.begin(), kZipPrefixes.end(),
                       [&](const char* p) { return type.starts_with(p); });
}

}  // namespace

std::string_view class_name(AttachmentClass c) {
    switch (c) {
        case AttachmentClass::Executable:
            return "executable";
        case AttachmentClass::Archive:
            return "archive";
        case AttachmentClass::Custom:
            return "blocked type";
    }
    return "";
}

bool is_executable_type(std::string_view type) {
    return listed(kExecutable, type);
}

bool is_archive_type(std::string_view type) {
    return listed(kArchive, type) || zip_container(type);
}

bool can_open_archive(std::string_view type) {
    return is_archive_type(type) || type == "application/java-archive" ||
           type == "application/x-java-archive";
}

bool matches_type_list(std::string_view type, const std::vector<std::string>& patterns) {
    for (const auto& p : patterns) {
        if (p == type) return true;
        if (p.ends_with("/*") && type.starts_with(std::string_view(p).substr(0, p.size() - 1)))
            return true;
    }
    return false;
}

std::vector<std::string> parse_type_list(std::string_view list) {
    std::vector<std::string> out;
    for (auto& item : split_list(to_lower(list), ", \t")) {
        auto slash = item.find('/');
        if (slash == 0 || slash == std::string::npos || slash + 1 == item.size() ||
            item.find('/', slash + 1) != std::string::npos)
            continue;
        if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    }
    return out;
}

}  // namespace magpie::filter
