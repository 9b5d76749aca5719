"""The admin HTTP API (docs/api.md) against the real binary over HTTP on 127.0.0.1 and
over HTTPS: logins, roles, every resource, validation (422), 400/401/403/404/405/409/413,
pagination, the audit trail, throttling, session expiry, slow clients, the connection cap,
the OpenAPI document, the NS8 schema examples, and changes seen by the running SMTP server.
"""
from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from pathlib import Path

import pytest

from conftest import (HOST, PASSWORDS, deliver, files_containing, scaled, standard_directory,
                      wait_until)

NS8 = Path(__file__).resolve().parents[3] / "shared" / "reference" / "ns8-mail-api"
ADMINS = {"root": ("root-secret", "admin"), "postmaster": ("pm-secret", "mailadm"),
          "viewer": ("view-secret", "readonly"), "victim": ("victim-secret", "readonly")}


class Client:
    """One request per connection, JSON in and out."""

    def __init__(self, port: int, tls: bool = False):
        self.port, self.tls = port, tls

    def conn(self) -> http.client.HTTPConnection:
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # the server's self-signed certificate
            return http.client.HTTPSConnection(HOST, self.port, timeout=scaled(20), context=ctx)
        return http.client.HTTPConnection(HOST, self.port, timeout=scaled(20))

    def call(self, method: str, path: str, body=None, token: str | None = None,
             raw: bytes | None = None):
        c = self.conn()
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            c.request(method, path, body=data, headers=headers)
            r = c.getresponse()
            text = r.read()
            return r.status, dict(r.getheaders()), (json.loads(text) if text else None)
        finally:
            c.close()

    def login(self, name: str, password: str, kind: str = "admin") -> str:
        st, _, b = self.call("POST", "/api/v1/login",
                             {"name": name, "password": password, "kind": kind})
        assert st == 200, b
        return b["token"]


def api_directory(m):
    standard_directory(m)
    for name, (pw, role) in ADMINS.items():
        m.cli("admin", "add", name, "--role", role, input=pw + "\n")


@pytest.fixture(scope="module")
def srv(module_factory):
    return module_factory("api", setup=api_directory, api=True)


@pytest.fixture(scope="module")
def api(srv):
    return Client(srv.http_port)


@pytest.fixture(scope="module")
def root(api):
    return api.login("root", ADMINS["root"][0])


@pytest.fixture(scope="module")
def viewer(api):
    return api.login("viewer", ADMINS["viewer"][0])


@pytest.fixture(scope="module")
def pm(api):
    return api.login("postmaster", ADMINS["postmaster"][0])


def cli_json(srv, *args):
    return json.loads(srv.cli(*args, "--json").stdout)


def wait_setting(api, token, key, value):
    """Sets a setting through the API and waits until the running server has loaded the
    configuration generation that change committed (conftest's Magpie.sync())."""
    st, _, b = api.call("PUT", f"/api/v1/settings/{key}", {"value": value}, token)
    assert st == 200, b
    api._srv.sync()


@pytest.fixture(autouse=True)
def _bind(api, srv):
    api._srv = srv


# -- the basics -------------------------------------------------------------------------

def test_openapi_document_lists_the_routes(api):
    st, h, doc = api.call("GET", "/api/v1/openapi.json")
    assert st == 200 and h["Content-Type"] == "application/json"
    assert doc["openapi"].startswith("3.")
    for p in ("/api/v1/login", "/api/v1/users/{name}", "/api/v1/audit", "/api/v1/settings/{key}"):
        assert p in doc["paths"]


def test_login_me_logout_over_http_and_https(srv, api):
    for client in (api, Client(srv.https_port, tls=True)):
        tok = client.login("viewer", ADMINS["viewer"][0])
        st, _, me = client.call("GET", "/api/v1/me", token=tok)
        assert st == 200 and me["name"] == "viewer" and me["role"] == "readonly"
        assert me["kind"] == "admin" and me["expires"] > time.time()
        st, _, _ = client.call("POST", "/api/v1/logout", token=tok)
        assert st == 204
        st, h, b = client.call("GET", "/api/v1/me", token=tok)
        assert st == 401 and b["code"] == "unauthorized"
        assert h["WWW-Authenticate"].startswith("Bearer")


def test_plain_tls_handshake_needed_on_https(srv):
    """A plain HTTP request on the https port gets no HTTP answer (it is not TLS)."""
    with socket.create_connection((HOST, srv.https_port), timeout=scaled(10)) as s:
        s.sendall(b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        try:
            while chunk := s.recv(4096):
                data += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        assert b"HTTP/1.1 200" not in data
    srv.assert_alive()


def test_errors_over_https(srv, root):
    tls = Client(srv.https_port, tls=True)
    st, _, b = tls.call("POST", "/api/v1/users", {"name": "x", "quota": "big"}, token=root)
    assert st == 422 and b["fields"][0]["field"] == "quota"
    st, _, b = tls.call("POST", "/api/v1/users", raw=b"{" + b" " * (1 << 20) + b"}", token=root)
    assert st == 413 and b["code"] == "too_large"
    assert tls.call("GET", "/api/v1/nowhere", token=root)[0] == 404
    srv.assert_alive()


def test_plain_http_only_on_loopback(server_factory):
    m = server_factory("nl", start=False, api=True)
    m.config.write_text(m.config.read_text().replace(
        f'http = "{HOST}:{m.http_port}"', f'http = "0.0.0.0:{m.http_port}"'))
    m._api = False  # only https will say "listening"
    m.start()
    m.wait_log(r"listener http on 0\.0\.0\.0:\d+ is not a loopback address")
    m.wait_log(r"https listening on ")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((HOST, m.http_port), timeout=scaled(5)).close()
    st, _, _ = Client(m.https_port, tls=True).call("GET", "/api/v1/openapi.json")
    assert st == 200


def test_bad_logins_and_missing_tokens(api):
    st, _, b = api.call("POST", "/api/v1/login", {"name": "viewer", "password": "wrong"})
    assert st == 401 and b["code"] == "bad_credentials"
    st, _, b = api.call("POST", "/api/v1/login", {"name": "nobody", "password": "x"})
    assert st == 401 and b["code"] == "bad_credentials"
    assert api.call("GET", "/api/v1/users")[0] == 401
    assert api.call("GET", "/api/v1/users", token="0" * 64)[0] == 401


def test_errors_404_405_400_413_422(srv, api, root):
    st, _, b = api.call("GET", "/api/v1/nowhere", token=root)
    assert st == 404 and b["code"] == "not_found"
    assert api.call("GET", "/index.html")[0] == 404
    assert api.call("GET", "/api/v2/users", token=root)[0] == 404
    assert api.call("GET", "/api/v1/users/..%2F..%2Fetc", token=root)[0] == 404
    assert api.call("GET", "/api/v1/../v1/users", token=root)[0] == 400
    st, h, b = api.call("DELETE", "/api/v1/users", token=root)
    assert st == 405 and h["Allow"] == "GET, POST"
    st, _, b = api.call("POST", "/api/v1/users", raw=b'{"name": "x",', token=root)
    assert st == 400 and b["code"] == "malformed_json"
    st, _, b = api.call("POST", "/api/v1/users", raw=b'["x"]', token=root)
    assert st == 400 and b["code"] == "body_not_object"
    # 422: every bad field listed with a stable key, and nothing created.
    st, _, b = api.call("POST", "/api/v1/users", {"name": 5, "quota": -1, "keep_copy": "yes",
                                                   "forwards": ["a@b.example", 7], "shoe": 43},
                        token=root)
    assert st == 422 and b["code"] == "validation"
    got = {(f["field"], f["error"]) for f in b["fields"]}
    assert got == {("name", "wrong_type"), ("quota", "out_of_range"), ("keep_copy", "wrong_type"),
                   ("forwards[1]", "wrong_type"), ("shoe", "unknown_field")}
    assert all(set(f) == {"field", "value", "error", "message"} for f in b["fields"])
    assert {"field": "shoe", "value": 43} .items() <= next(
        f for f in b["fields"] if f["field"] == "shoe").items()
    st, _, b = api.call("POST", "/api/v1/users", {}, token=root)
    assert st == 422 and b["fields"][0] == {"field": "name", "value": None, "error": "required",
                                            "message": "this field is required"}
    # 413: a body above api_max_body_size (1 MiB) is refused before it is read.
    st, _, b = api.call("POST", "/api/v1/users", raw=b"{" + b" " * (1 << 20) + b"}", token=root)
    assert st == 413 and b["code"] == "too_large"
    srv.assert_alive()


def test_service_errors_keep_their_kind(api, root):
    st, _, b = api.call("POST", "/api/v1/users", {"name": "alice"}, token=root)
    assert st == 409 and b["code"] == "exists"
    st, _, b = api.call("POST", "/api/v1/users", {"name": "-x-"}, token=root)
    assert st == 400 and b["code"] == "invalid"
    st, _, b = api.call("GET", "/api/v1/users/nobody", token=root)
    assert st == 404 and b["code"] == "not_found"
    st, _, b = api.call("POST", "/api/v1/addresses",
                        {"address": "x@nodomain.example", "destinations": ["alice"]}, token=root)
    assert st == 400


# -- roles ------------------------------------------------------------------------------

def routes_by_role(api):
    _, _, doc = api.call("GET", "/api/v1/openapi.json")
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield path, method.upper(), op["x-magpie-role"]


def concrete(path):
    if path.startswith("/api/v1/domains/{name}"):
        path = path.replace("{name}", "example.com")
    return (path.replace("{name}", "alice").replace("{address}", "info@example.com")
            .replace("{key}", "max_message_size").replace("{id}", "1"))


def test_readonly_cannot_change_anything(srv, api, viewer, pm):
    before = {k: cli_json(srv, k, "list") for k in ("user", "domain", "group", "address")}
    settings_before = srv.cli("settings", "list").stdout
    checked = 0
    for path, method, role in routes_by_role(api):
        if method == "GET" or role in ("public", "any", "user"):
            continue
        body = {} if method in ("POST", "PUT", "PATCH") else None
        st, _, b = api.call(method, concrete(path), body, token=viewer)
        assert st == 403 and b["code"] == "forbidden", (method, path, st, b)
        if role == "admin":
            st, _, b = api.call(method, concrete(path), body, token=pm)
            assert st == 403, (method, path, st, b)
        checked += 1
    assert checked >= 20
    after = {k: cli_json(srv, k, "list") for k in ("user", "domain", "group", "address")}
    assert after == before and srv.cli("settings", "list").stdout == settings_before
    # Every read works for readonly.
    for path, method, role in routes_by_role(api):
        if method == "GET" and role in ("readonly", "public"):
            st, _, b = api.call("GET", concrete(path), token=viewer)
            assert st == 200 if "{" not in path else st not in (401, 403), (path, st, b)


def test_mail_user_self_service(srv, api, root):
    tok = api.login("alice", PASSWORDS["alice"], kind="user")
    st, _, me = api.call("GET", "/api/v1/self", token=tok)
    assert st == 200 and me["name"] == "alice"
    assert set(me["quota"]) == {"limit", "custom", "used", "percent"}
    assert isinstance(me["quota"]["used"], int)
    # Nothing of anyone else.
    for path in ("/api/v1/users", "/api/v1/users/bob", "/api/v1/audit", "/api/v1/settings"):
        assert api.call("GET", path, token=tok)[0] == 403
    assert api.call("PATCH", "/api/v1/users/bob", {"disabled": True}, token=tok)[0] == 403
    # An admin token is not a mailbox.
    assert api.call("GET", "/api/v1/self", token=root)[0] == 403
    # A disabled user cannot log in; a wrong password neither.
    st, _, _ = api.call("POST", "/api/v1/login", {"name": "dave", "password": "", "kind": "user"})
    assert st == 401
    # Own password change: the old one must be given; the new one works for IMAP-style logins
    # and the API alike.
    st, _, b = api.call("PUT", "/api/v1/self/password",
                        {"current_password": "nope", "password": "alice-new-1"}, token=tok)
    assert st == 403
    st, _, b = api.call("PUT", "/api/v1/self/password",
                        {"current_password": PASSWORDS["alice"], "password": "alice-new-1"},
                        token=tok)
    assert st == 204, b
    try:
        api.login("alice", "alice-new-1", kind="user")
    finally:
        srv.change("user", "passwd", "alice", input=PASSWORDS["alice"] + "\n")


# -- resources --------------------------------------------------------------------------

def test_domains(srv, api, pm):
    st, _, d = api.call("POST", "/api/v1/domains",
                        {"name": "API.test", "user_addresses": False, "catch_all": ["carol"],
                         "hidden_copy": "audit@example.com"}, token=pm)
    assert st == 201, d
    assert d == {"name": "api.test", "user_addresses": False, "group_addresses": False,
                 "catch_all": ["carol"], "hidden_copy": "audit@example.com", "relay_host": ""}
    assert api.call("GET", "/api/v1/domains/api.test", token=pm)[2] == d
    assert any(x == d for x in cli_json(srv, "domain", "list"))  # the CLI agrees
    st, _, d2 = api.call("PATCH", "/api/v1/domains/api.test",
                         {"catch_all": [], "hidden_copy": ""}, token=pm)
    assert st == 200 and d2["catch_all"] == [] and d2["hidden_copy"] == ""
    assert api.call("POST", "/api/v1/domains", {"name": "api.test"}, token=pm)[0] == 409
    assert api.call("DELETE", "/api/v1/domains/api.test", token=pm)[0] == 204
    assert api.call("GET", "/api/v1/domains/api.test", token=pm)[0] == 404
    assert api.call("DELETE", "/api/v1/domains/api.test", token=pm)[0] == 404


def test_users(srv, api, pm):
    st, _, u = api.call("POST", "/api/v1/users",
                        {"name": "Zed", "password": "zed-pw-1", "forwards": ["z@remote.example"],
                         "keep_copy": False, "quota": 1 << 20, "spam_retention_days": 7},
                        token=pm)
    assert st == 201, u
    assert u == {"name": "zed", "disabled": False, "has_password": True,
                 "forwards": ["z@remote.example"], "keep_copy": False, "quota": 1 << 20,
                 "spam_retention_days": 7}
    assert json.loads(srv.cli("user", "show", "zed", "--json").stdout) == u
    st, _, u = api.call("PATCH", "/api/v1/users/zed",
                        {"disabled": True, "forwards": [], "keep_copy": True, "quota": None,
                         "spam_retention_days": 0}, token=pm)
    assert st == 200 and u["disabled"] and u["forwards"] == [] and u["quota"] is None
    assert u["spam_retention_days"] == 0
    st, _, b = api.call("PATCH", "/api/v1/users/zed", {"spam_retention_days": 99999}, token=pm)
    assert st == 422 and b["fields"][0]["error"] == "out_of_range"
    assert api.call("PUT", "/api/v1/users/zed/password", {"password": None}, token=pm)[0] == 204
    assert api.call("GET", "/api/v1/users/zed", token=pm)[2]["has_password"] is False
    st, _, b = api.call("PUT", "/api/v1/users/zed/password", {"password": ""}, token=pm)
    assert st == 422 and b["fields"][0]["error"] == "empty"
    assert api.call("PUT", "/api/v1/users/zed/password", {"password": "n3w"}, token=pm)[0] == 204
    assert api.call("DELETE", "/api/v1/users/zed", token=pm)[0] == 204
    assert api.call("GET", "/api/v1/users/zed", token=pm)[0] == 404


def test_groups_and_public_mailboxes(srv, api, pm):
    st, _, g = api.call("POST", "/api/v1/groups", {"name": "ops", "members": ["alice"]}, token=pm)
    assert st == 201 and g == {"name": "ops", "members": ["alice"]}
    st, _, g = api.call("PATCH", "/api/v1/groups/ops", {"members": ["bob", "carol"]}, token=pm)
    assert st == 200 and sorted(g["members"]) == ["bob", "carol"]
    assert api.call("PATCH", "/api/v1/groups/ops", {"members": ["nobody"]}, token=pm)[0] == 400
    assert api.call("GET", "/api/v1/groups/ops", token=pm)[2] == g
    assert api.call("DELETE", "/api/v1/groups/ops", token=pm)[0] == 204
    st, _, p = api.call("POST", "/api/v1/public-mailboxes", {"name": "Jobs"}, token=pm)
    assert st == 201 and p == {"name": "jobs"}
    assert {"name": "jobs"} in api.call("GET", "/api/v1/public-mailboxes", token=pm)[2]["items"]
    assert api.call("DELETE", "/api/v1/public-mailboxes/jobs", token=pm)[0] == 204
    assert api.call("DELETE", "/api/v1/public-mailboxes/jobs", token=pm)[0] == 404


def test_addresses(srv, api, pm):
    st, _, a = api.call("POST", "/api/v1/addresses",
                        {"address": "Sales@Example.com", "destinations": ["alice", "public:shared"],
                         "internal": True}, token=pm)
    assert st == 201, a
    assert a == {"address": "sales@example.com", "destinations": ["alice", "public:shared"],
                 "internal": True}
    st, _, a = api.call("PATCH", "/api/v1/addresses/sales@example.com",
                        {"destinations": ["bob"], "internal": False}, token=pm)
    assert st == 200 and a["destinations"] == ["bob"] and a["internal"] is False
    st, _, b = api.call("PATCH", "/api/v1/addresses/sales@example.com", {"destinations": []},
                        token=pm)
    assert st == 422 and b["fields"][0]["error"] == "empty"
    st, _, w = api.call("POST", "/api/v1/addresses", {"address": "apiwild", "destinations": ["bob"]},
                        token=pm)
    assert st == 201 and w["address"] == "apiwild"
    for x in ("sales@example.com", "apiwild"):
        assert api.call("DELETE", "/api/v1/addresses/" + x, token=pm)[0] == 204


def test_settings(srv, api, root, viewer):
    st, _, s = api.call("GET", "/api/v1/settings/max_message_size", token=viewer)
    assert st == 200 and s["type"] == "size" and s["default"] == "20971520"
    st, _, s = api.call("PUT", "/api/v1/settings/smtp_recipient_limit", {"value": 50}, token=root)
    try:
        assert st == 200 and s["value"] == "50" and s["is_default"] is False
        cli = {x["key"]: x for x in cli_json(srv, "settings", "list")}
        assert cli["smtp_recipient_limit"] == s  # the CLI sees the same
        st, _, b = api.call("PUT", "/api/v1/settings/smtp_recipient_limit", {"value": "many"},
                            token=root)
        assert st == 400 and b["code"] == "invalid"
        st, _, b = api.call("PUT", "/api/v1/settings/allow_plaintext_auth", {"value": [1]},
                            token=root)
        assert st == 422 and b["fields"][0]["error"] == "wrong_type"
        assert api.call("PUT", "/api/v1/settings/no_such_key", {"value": 1}, token=root)[0] == 404
    finally:
        st, _, s = api.call("DELETE", "/api/v1/settings/smtp_recipient_limit", token=root)
        assert st == 200 and s["is_default"] is True


def test_admins(srv, api, root):
    st, _, a = api.call("POST", "/api/v1/admins",
                        {"name": "helper", "password": "helper-pw", "role": "readonly"},
                        token=root)
    assert st == 201 and a["name"] == "helper" and a["role"] == "readonly"
    st, _, b = api.call("POST", "/api/v1/admins",
                        {"name": "bad", "password": "x", "role": "superuser"}, token=root)
    assert st == 422 and b["fields"][0]["error"] == "invalid_choice"
    tok = api.login("helper", "helper-pw")
    assert any(x["name"] == "helper" for x in cli_json(srv, "admin", "list"))
    st, _, a = api.call("PATCH", "/api/v1/admins/helper", {"role": "mailadm"}, token=root)
    assert st == 200 and a["role"] == "mailadm"
    assert api.call("GET", "/api/v1/me", token=tok)[0] == 401  # a role change ends sessions
    assert api.call("DELETE", "/api/v1/admins/helper", token=root)[0] == 204
    assert api.call("POST", "/api/v1/login", {"name": "helper", "password": "helper-pw"})[0] == 401


def test_pagination(api, viewer):
    _, _, all_users = api.call("GET", "/api/v1/users?limit=1000", token=viewer)
    total = all_users["total"]
    assert total == len(all_users["items"]) >= 9
    names = []
    for off in range(0, total, 4):
        _, _, page = api.call("GET", f"/api/v1/users?offset={off}&limit=4", token=viewer)
        assert page["offset"] == off and page["limit"] == 4 and page["total"] == total
        names += [u["name"] for u in page["items"]]
    assert names == [u["name"] for u in all_users["items"]]
    st, _, b = api.call("GET", "/api/v1/users?limit=1001", token=viewer)
    assert st == 422 and b["fields"][0]["field"] == "limit"
    st, _, b = api.call("GET", "/api/v1/domains?offset=x", token=viewer)
    assert st == 422 and b["fields"][0]["field"] == "offset"


def test_audit_trail(api, pm, viewer):
    st, _, _ = api.call("POST", "/api/v1/users", {"name": "audited", "password": "s3cret-pw"},
                        token=pm)
    assert st == 201
    api.call("DELETE", "/api/v1/users/audited", token=viewer)  # refused, still audited
    api.call("DELETE", "/api/v1/users/audited", token=pm)
    _, _, log = api.call("GET", "/api/v1/audit?limit=3", token=viewer)
    lines = log["items"]
    assert [(x["actor"], x["method"], x["path"], x["status"]) for x in lines] == [
        ("postmaster", "DELETE", "/api/v1/users/audited", 204),
        ("viewer", "DELETE", "/api/v1/users/audited", 403),
        ("postmaster", "POST", "/api/v1/users", 201)]
    assert all(x["ip"] == "127.0.0.1" and abs(x["time"] - time.time()) < 120 for x in lines)
    assert "s3cret-pw" not in lines[2]["detail"] and '"audited"' in lines[2]["detail"]
    _, _, mine = api.call("GET", "/api/v1/audit?actor=viewer", token=viewer)
    assert mine["total"] >= 1 and all(x["actor"] == "viewer" for x in mine["items"])


def test_dkim(srv, api, pm, viewer):
    st, _, k = api.call("GET", "/api/v1/domains/example.com/dkim", token=viewer)
    assert st == 200 and k["txt_record"].startswith("v=DKIM1; k=rsa; p=")
    assert k["dns_name"] == "default._domainkey.example.com" and k["enabled"] is True
    assert json.loads(srv.cli("dkim", "show", "example.com", "--json").stdout) == k
    assert api.call("GET", "/api/v1/domains/nowhere.test/dkim", token=viewer)[0] in (400, 404)
    st, _, k2 = api.call("PATCH", "/api/v1/domains/example.com/dkim", {"enabled": False}, token=pm)
    try:
        assert st == 200 and k2["enabled"] is False
        assert json.loads(srv.cli("dkim", "show", "example.com", "--json").stdout)["enabled"] is False
        st, _, k3 = api.call("POST", "/api/v1/domains/example.com/dkim/rotate",
                             {"algorithm": "ed25519"}, token=pm)
        assert st == 200 and k3["algorithm"] == "ed25519" and k3["txt_record"] != k["txt_record"]
        st, _, b = api.call("POST", "/api/v1/domains/example.com/dkim/rotate", {"algorithm": "dsa"},
                            token=pm)
        assert st == 422 and b["fields"][0]["error"] == "invalid_choice"
    finally:
        assert api.call("PATCH", "/api/v1/domains/example.com/dkim", {"enabled": True},
                        token=pm)[0] == 200


def test_relay_rules(srv, api, pm):
    st, _, r = api.call("POST", "/api/v1/relay-rules",
                        {"type": "sender", "pattern": "example.com", "host": "smarthost.example",
                         "port": 587, "username": "u1", "password": "p1", "tls_required": True},
                        token=pm)
    assert st == 201, r
    assert "password" not in r and r["has_password"] is True and r["port"] == 587
    rid = r["id"]
    try:
        assert api.call("GET", f"/api/v1/relay-rules/{rid}", token=pm)[2] == r
        assert r in cli_json(srv, "relay", "list")
        st, _, r2 = api.call("PATCH", f"/api/v1/relay-rules/{rid}", {"enabled": False}, token=pm)
        assert st == 200 and r2["enabled"] is False
        st, _, b = api.call("POST", "/api/v1/relay-rules", {"type": "sender", "port": 70000},
                            token=pm)
        assert st == 422
        assert {(f["field"], f["error"]) for f in b["fields"]} == {("host", "required"),
                                                                   ("port", "out_of_range")}
        assert api.call("GET", "/api/v1/relay-rules/abc", token=pm)[0] == 404
        assert api.call("GET", "/api/v1/relay-rules/999999", token=pm)[0] == 404
    finally:
        assert api.call("DELETE", f"/api/v1/relay-rules/{rid}", token=pm)[0] == 204


def queue_remote(srv, rcpt="far.away@remote.example"):
    """Queues one message for a remote host nobody answers for; returns (token, queue ID)."""
    import smtplib
    from conftest import make_message, new_token, queue_id_of
    token = new_token()
    with smtplib.SMTP(HOST, srv.smtp_port, timeout=scaled(30)) as s:
        s.ehlo("client.test")
        s.mail("alice@example.com")
        assert s.rcpt(rcpt)[0] == 250
        code, text = s.data(make_message(token, sender="alice@example.com", to=rcpt))
        assert code == 250
    return token, queue_id_of(text.decode())


def test_queue(srv, api, pm, viewer):
    token, qid = queue_remote(srv)
    # Queued for a remote host nobody answers for: it stays until deleted.
    wait_until(lambda: api.call("GET", "/api/v1/queue?recipient=FAR.AWAY", token=viewer)[2]["total"]
               == 1, scaled(10), what="the message in the queue list")
    _, _, page = api.call("GET", "/api/v1/queue?recipient=far.away@remote.example", token=viewer)
    item = page["items"][0]
    assert item["id"] == qid and item["sender"] == "alice@example.com"
    assert item["recipients"] == ["far.away@remote.example"]
    assert api.call("GET", "/api/v1/queue?sender=nobody-like-this", token=viewer)[2]["total"] == 0
    st, _, b = api.call("GET", "/api/v1/queue?deferred=maybe", token=viewer)
    assert st == 422 and b["fields"][0]["field"] == "deferred"
    st, _, detail = api.call("GET", f"/api/v1/queue/{qid}", token=viewer)
    assert st == 200 and token in detail["text"] and detail["id"] == qid
    assert api.call("POST", f"/api/v1/queue/{qid}/resend", token=viewer)[0] == 403
    assert api.call("POST", f"/api/v1/queue/{qid}/resend", token=pm)[0] == 204
    assert api.call("POST", "/api/v1/queue/resend", token=pm)[0] == 204
    assert api.call("GET", "/api/v1/queue/NOT-AN-ID!", token=viewer)[0] == 400
    assert api.call("DELETE", f"/api/v1/queue/{qid}", token=pm)[0] == 204
    assert api.call("GET", f"/api/v1/queue/{qid}", token=viewer)[0] == 404
    assert qid not in srv.cli("queue", "list").stdout
    st, _, b = api.call("DELETE", "/api/v1/queue", token=pm)
    assert st == 200 and b["deleted"] >= 0


def test_queue_selections(srv, api, pm, viewer):
    ids = [queue_remote(srv, f"sel{i}@remote.example")[1] for i in range(3)]
    wait_until(lambda: {i["id"] for i in api.call("GET", "/api/v1/queue", token=viewer)[2]["items"]}
               >= set(ids), scaled(10), what="three queued messages")
    st, _, b = api.call("POST", "/api/v1/queue/resend-selected",
                        {"ids": [ids[0], "NOSUCHID0"]}, token=pm)
    assert st == 200 and b == {"done": [ids[0]], "missing": ["NOSUCHID0"]}
    st, _, b = api.call("POST", "/api/v1/queue/delete", {"ids": []}, token=pm)
    assert st == 422 and b["fields"][0]["error"] == "empty"
    assert api.call("POST", "/api/v1/queue/delete", {"ids": ids[:2]}, token=viewer)[0] == 403
    st, _, b = api.call("POST", "/api/v1/queue/delete", {"ids": ids[:2]}, token=pm)
    assert st == 200 and b == {"done": ids[:2], "missing": []}
    left = {i["id"] for i in api.call("GET", "/api/v1/queue", token=viewer)[2]["items"]}
    assert ids[2] in left and not set(ids[:2]) & left
    st, _, b = api.call("DELETE", "/api/v1/queue", token=pm)
    assert st == 200 and b["deleted"] >= 1
    assert api.call("GET", "/api/v1/queue", token=viewer)[2]["total"] == 0


def test_spam_classifier(srv, api, pm, viewer):
    from conftest import make_message, new_token
    st, _, before = api.call("GET", "/api/v1/spam/status", token=viewer)
    assert st == 200 and set(before) == {"spam_learned", "ham_learned", "min_spam", "min_ham",
                                         "active", "percent"}
    msg = make_message(new_token(), sender="spammer@remote.example")
    msg = msg.decode() if isinstance(msg, bytes) else msg
    assert api.call("POST", "/api/v1/spam/learn", {"message": msg, "spam": True},
                    token=viewer)[0] == 403
    st, _, r = api.call("POST", "/api/v1/spam/learn", {"message": msg, "spam": True}, token=pm)
    assert st == 200 and r["learned"] == 1 and r["messages"] == 1
    st, _, r = api.call("POST", "/api/v1/spam/learn", {"message": msg, "spam": True}, token=pm)
    assert st == 200 and r["already_known"] == 1 and r["learned"] == 0
    _, _, after = api.call("GET", "/api/v1/spam/status", token=viewer)
    assert after["spam_learned"] == before["spam_learned"] + 1
    assert json.loads(srv.cli("spam", "status", "--json").stdout) == after  # the CLI agrees
    st, _, b = api.call("POST", "/api/v1/spam/learn", {"message": "", "spam": "yes"}, token=pm)
    assert st == 422 and {f["field"] for f in b["fields"]} == {"message", "spam"}
    # Expiry now: the running server takes the request and logs its run.
    assert api.call("POST", "/api/v1/spam/expire", token=pm)[0] == 204
    srv.wait_log(r"Junk expiry \(requested\)")


# -- limits ------------------------------------------------------------------------------

def test_login_throttling(api):
    pw = ADMINS["victim"][0]
    for _ in range(5):  # api_login_max_failures
        st, _, _ = api.call("POST", "/api/v1/login", {"name": "victim", "password": "guess"})
        assert st == 401
    st, h, b = api.call("POST", "/api/v1/login", {"name": "victim", "password": pw})
    assert st == 429 and b["code"] == "throttled" and int(h["Retry-After"]) >= 1
    # The delay passes and the right password works again (Retry-After is the signal).
    deadline = time.monotonic() + scaled(20)
    while True:
        st, h, b = api.call("POST", "/api/v1/login", {"name": "victim", "password": pw})
        if st != 429 or time.monotonic() > deadline:
            break
        time.sleep(min(float(h["Retry-After"]), 6))
    assert st == 200, b


def test_session_expiry(api, root):
    wait_setting(api, root, "api_session_lifetime", 2)
    try:
        st, _, s = api.call("POST", "/api/v1/login",
                            {"name": "viewer", "password": ADMINS["viewer"][0]})
        assert st == 200 and s["expires"] <= time.time() + 3  # the new lifetime applies
        tok = s["token"]
        assert api.call("GET", "/api/v1/me", token=tok)[0] == 200
        wait_until(lambda: api.call("GET", "/api/v1/me", token=tok)[0] == 401, scaled(10),
                   interval=0.25, what="the session to expire")
    finally:
        root2 = api.login("root", ADMINS["root"][0])
        assert api.call("DELETE", "/api/v1/settings/api_session_lifetime", token=root2)[0] == 200


def test_slow_client_is_disconnected(srv, api, root):
    wait_setting(api, root, "api_idle_timeout", 1)
    try:
        with socket.create_connection((HOST, srv.http_port), timeout=scaled(15)) as s:
            s.sendall(b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n")  # never finished
            t0 = time.monotonic()
            assert s.recv(100) == b""  # closed by the server
            assert time.monotonic() - t0 < scaled(10)
    finally:
        api.call("DELETE", "/api/v1/settings/api_idle_timeout", token=root)
    srv.assert_alive()


def test_connection_cap(srv, api, root):
    wait_setting(api, root, "api_max_connections", 2)
    held = []
    try:
        for _ in range(2):  # two kept-alive connections that answered once
            c = api.conn()
            c.request("GET", "/api/v1/openapi.json")
            assert c.getresponse().read()
            held.append(c)
        st, _, b = api.call("GET", "/api/v1/openapi.json")
        assert st == 503 and b["code"] == "busy"
    finally:
        for c in held:
            c.close()
        wait_until(lambda: api.call("GET", "/api/v1/openapi.json")[0] == 200, scaled(10),
                   what="a free connection")
        api.call("DELETE", "/api/v1/settings/api_max_connections", token=root)


# -- the API and the mail servers ----------------------------------------------------------

def test_user_added_by_api_receives_mail(srv, api, pm):
    st, _, _ = api.call("POST", "/api/v1/users", {"name": "newbie", "password": "newbie-pw"},
                        token=pm)
    assert st == 201
    st, _, _ = api.call("POST", "/api/v1/addresses",
                        {"address": "welcome@other.org", "destinations": ["newbie"]}, token=pm)
    assert st == 201
    # The reload loop polls once a second; RCPT answers 550 until then.
    def accepted():
        import smtplib
        with smtplib.SMTP(HOST, srv.smtp_port, timeout=scaled(10)) as s:
            s.ehlo("client.test")
            s.mail("ext@remote.example")
            return s.rcpt("welcome@other.org")[0] == 250
    wait_until(accepted, scaled(5), interval=0.1, what="the new address to be served")
    token, _ = deliver(srv, ["welcome@other.org", "newbie@example.com"])
    assert len(files_containing(srv.maildir("newbie"), token)) == 1
    # Disabled through the API: refused by SMTP.
    assert api.call("PATCH", "/api/v1/users/newbie", {"disabled": True}, token=pm)[0] == 200

    def refused():
        import smtplib
        with smtplib.SMTP(HOST, srv.smtp_port, timeout=scaled(10)) as s:
            s.ehlo("client.test")
            s.mail("ext@remote.example")
            return s.rcpt("newbie@example.com")[0] == 550
    wait_until(refused, scaled(5), interval=0.1, what="the disabled user to be refused")
    assert api.call("DELETE", "/api/v1/users/newbie", token=pm)[0] == 204


# -- NS8 schema examples -----------------------------------------------------------------

def ns8_examples(action):
    return json.loads((NS8 / "actions" / action / "validate-input.json").read_text())["examples"]


@pytest.mark.skipif(not NS8.is_dir(), reason="NS8 reference schemas not present")
def test_ns8_examples(srv, pm):
    """The NS8 examples, translated to Magpie's resources, succeed over HTTPS (docs/api.md
    maps them)."""
    api = Client(srv.https_port, tls=True)
    def dest(d):
        return d.get("name") or d.get("user") or d.get("group")

    for ex in ns8_examples("add-domain"):
        body = {"name": ex["domain"], "user_addresses": ex["addusers"],
                "group_addresses": ex["addgroups"]}
        if ex.get("bccaddr"):
            body["hidden_copy"] = ex["bccaddr"]
        if ex.get("catchall"):
            name = dest(ex["catchall"])
            api.call("POST", "/api/v1/users", {"name": name}, token=pm)
            body["catch_all"] = [name]
        st, _, d = api.call("POST", "/api/v1/domains", body, token=pm)
        assert st == 201, (ex, d)
    for ex in ns8_examples("add-address"):
        for d in ex["destinations"]:
            api.call("POST", "/api/v1/users", {"name": dest(d)}, token=pm)
        api.call("POST", "/api/v1/domains", {"name": ex["domain"]}, token=pm)
        addr = ex["local"] + ("@" + ex["domain"] if ex["atype"] == "domain" else "")
        st, _, a = api.call("POST", "/api/v1/addresses",
                            {"address": addr, "destinations": [dest(d) for d in ex["destinations"]]},
                            token=pm)
        assert st == 201, (ex, a)
    for ex in ns8_examples("add-public-mailbox"):
        st, _, p = api.call("POST", "/api/v1/public-mailboxes", {"name": ex["mailbox"]}, token=pm)
        assert st == 201, (ex, p)
    for ex in ns8_examples("alter-user-mailbox"):
        api.call("POST", "/api/v1/users", {"name": ex["user"]}, token=pm)
        body = {"forwards": [dest(d) for d in ex["forward"]]} if isinstance(ex.get("forward"), list) else {}
        if "quota" in ex:
            body["quota"] = ex["quota"]["limit"] << 20  # NS8 counts MiB, Magpie bytes
        st, _, u = api.call("PATCH", "/api/v1/users/" + ex["user"], body, token=pm)
        assert st == 200 and u["quota"] == ex["quota"]["limit"] << 20, (ex, u)
    ids = []
    try:
        for ex in ns8_examples("add-relay-rule"):
            body = {"type": "default" if ex["rule_type"] == "wildcard" else ex["rule_type"],
                    "host": ex["host"], "port": ex["port"], "tls_required": ex["mandatory_tls"],
                    "username": ex["username"], "password": ex["password"],
                    "enabled": ex["enabled"]}
            if ex["rule_type"] != "wildcard":
                body["pattern"] = ex["rule_subject"]
            st, _, r = api.call("POST", "/api/v1/relay-rules", body, token=pm)
            assert st == 201, (ex, r)
            ids.append(r["id"])
            assert r["host"] == ex["host"] and r["port"] == ex["port"]
    finally:
        for i in ids:
            api.call("DELETE", f"/api/v1/relay-rules/{i}", token=pm)
