// Fuzzes the admin API core with whole requests: the first line is "METHOD TARGET", the rest
// the body, sent with an admin's token to a service layer in a temporary folder. Every answer
// must be a known status with a JSON body (or none for 204). Must never crash or hang.
#include <unistd.h>

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>

#include "admin/service.h"
#include "api/api.h"
#include "api/target.h"

namespace {

struct World {
    std::string dir = "/tmp/magpie-fuzz-api-" + std::to_string(getpid());
    std::unique_ptr<magpie::admin::Service> svc;
    std::unique_ptr<magpie::api::Api> api;
    std::string token;
    World() {
        std::filesystem::create_directories(dir);
        svc = std::make_unique<magpie::admin::Service>(dir + "/magpie.db");
        api = std::make_unique<magpie::api::Api>(*svc);
        svc->add_admin("root", "pw", "admin");
        token = svc->session_open({"root", "admin", "admin", INT64_MAX / 2}, "fuzz", 0).value;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static World w;
    std::string in(reinterpret_cast<const char*>(data), size);
    (void)magpie::api::parse_target(in);
    auto nl = in.find('\n');
    std::string line = in.substr(0, nl);
    std::string body = nl == std::string::npos ? "" : in.substr(nl + 1);
    auto sp = line.find(' ');
    if (sp == std::string::npos) return 0;
    magpie::api::Request req{line.substr(0, sp), line.substr(sp + 1), "Bearer " + w.token, body,
                             "192.0.2.1"};
    auto res = w.api->handle(req, magpie::api::Limits{}, std::time(nullptr));
    if (res.status < 200 || res.status > 599) __builtin_trap();
    if (res.status != 204) {
        boost::system::error_code ec;
        (void)boost::json::parse(res.body, ec);
        if (ec) __builtin_trap();
    }
    return 0;
}
