// libclamav: one-time library initialisation (messages routed to the maillog), engine
// load/compile, and scans of in-memory buffers through a cl_fmap.
#include "filter/antivirus_engine.h"

#include <clamav.h>

#include <mutex>

#include "core/log.h"

namespace magpie::filter {
namespace {

void clamav_message(enum cl_msg severity, const char*, const char* msg, void*) {
    if (severity < CL_MSG_WARN || !msg) return;
    std::string_view text(msg);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    log::info("antivirus", "libclamav: {}", text);
}

bool init_library(std::string* error) {
    static std::once_flag once;
    static cl_error_t status = CL_SUCCESS;
    std::call_once(once, [] {
        cl_set_clcb_msg(clamav_message);
        status = cl_init(CL_INIT_DEFAULT);
    });
    if (status != CL_SUCCESS && error) *error = std::string("cl_init: ") + cl_strerror(status);
    return status == CL_SUCCESS;
}

}  // namespace

std::shared_ptr<const ClamEngine> ClamEngine::load(const std::vector<DbFile>& files,
                                                   const std::string& tmp_dir, std::string* error,
                                                   size_t* bad_file) {
    if (bad_file) *bad_file = files.size();
    if (!init_library(error)) return nullptr;
    std::shared_ptr<ClamEngine> e(new ClamEngine);
    e->engine_ = cl_engine_new();
    if (!e->engine_) {
        if (error) *error = "cl_engine_new failed";
        return nullptr;
    }
    if (!tmp_dir.empty()) {
        cl_error_t r = cl_engine_set_str(e->engine_, CL_ENGINE_TMPDIR, tmp_dir.c_str());
        if (r != CL_SUCCESS) {
            if (error) *error = std::string("temporary folder: ") + cl_strerror(r);
            return nullptr;
        }
    }
    for (size_t i = 0; i < files.size(); ++i) {
        cl_error_t r = cl_load(files[i].path.c_str(), e->engine_, &e->signatures_, CL_DB_STDOPT);
        if (r != CL_SUCCESS) {
            if (error) *error = files[i].path + ": " + cl_strerror(r);
            if (bad_file) *bad_file = i;
            return nullptr;
        }
    }
    cl_error_t r = cl_engine_compile(e->engine_);
    if (r != CL_SUCCESS) {
        if (error) *error = std::string("cl_engine_compile: ") + cl_strerror(r);
        return nullptr;
    }
    return e;
}

ClamEngine::~ClamEngine() {
    if (engine_) cl_engine_free(engine_);
}

ScanResult ClamEngine::scan(std::string_view bytes) const {
    cl_fmap_t* map = cl_fmap_open_memory(bytes.data(), bytes.size());
    if (!map) return {ScanResult::Status::Failed, "cl_fmap_open_memory failed"};
    cl_scan_options options{};
    options.general = CL_SCAN_GENERAL_HEURISTICS;  // clamd's default; no heuristic alert on
    options.parse = ~0u;                           // every parser: mail, archives, PE, OLE2...
    const char* virus = nullptr;
    unsigned long scanned = 0;
    cl_error_t r = cl_scanmap_callback(map, nullptr, &virus, &scanned, engine_, &options, nullptr);
    cl_fmap_close(map);
    if (r == CL_VIRUS) return {ScanResult::Status::Infected, virus ? virus : "unknown"};
    if (r == CL_CLEAN) return {ScanResult::Status::Clean, {}};
    return {ScanResult::Status::Failed, cl_strerror(r)};
}

std::string clamav_version() {
    const char* v = cl_retver();
    return v ? v : "";
}

}  // namespace magpie::filter
