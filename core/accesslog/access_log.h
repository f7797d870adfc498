// SPDX-License-Identifier: GPL-3.0-or-later
// A web server's access log as evidence for HTTPS connections: each request line parsed by a
// format (nginx and Apache "combined", SynScope's recommended one with the client port and a
// millisecond time, or one the user gives) into the client address, port and time the
// correlator matches against SYNs. A bad line is a diagnostic, never the end of the file.
#pragma once

#include "core/fingerprint/fingerprint.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synscope {

struct AccessLogEntry {
    uint64_t line = 0;          // 1-based line number in the log
    IpAddress client{};         // the connection's peer ($remote_addr / %a / %h as an address)
    uint8_t ip_version = 4;
    int client_port = -1;       // $remote_port / %{remote}p; -1 when the format has none
    int64_t ts_ns = 0;          // the request's time, ns since the epoch (UTC)
    int64_t ts_precision_ns = 0;   // 1 s for $time_local / %t, 1 ms for $msec / %{msec}t
    std::string request;        // "GET / HTTP/1.1"
    int status = 0;
    std::string user_agent;     // empty for "-"
    std::string x_forwarded_for;   // when the format logs it ("-" -> empty)
    std::string via;
};

struct AccessLogDiagnostic {
    uint64_t line = 0;
    std::string reason;         // "field $remote_addr: not an IP address: \"example\""
};

// A log line format. Fields the correlator needs: the client address and a time; the rest is
// read when present. The nginx syntax ($remote_addr, $remote_port, $time_local, $msec,
// $time_iso8601, $request, $status, $http_user_agent, $http_x_forwarded_for, $http_via, any other
// $variable skipped) and the Apache syntax (%h %a %{remote}p %t %{msec}t %r %>s %s
// %{User-Agent}i %{X-Forwarded-For}i %{Via}i, other % directives skipped) are both understood.
class AccessLogFormat {
public:
    // Named presets: "combined" (nginx's default), "apache-combined", "synscope" (the
    // recommended nginx format: combined plus $remote_port and $msec), "apache-synscope".
    static std::optional<AccessLogFormat> preset(std::string_view name);
    // A format string in either syntax; nullopt with *error set when it is unusable (no client
    // address, no time, an unterminated quote).
    static std::optional<AccessLogFormat> parse(std::string_view spec, std::string* error);
    // The format a log's first lines are written in, among the presets; nullopt when none parses
    // them.
    static std::optional<AccessLogFormat> detect(const std::vector<std::string_view>& lines);

    // One line (without its newline). nullopt with *diagnostic filled when the line does not fit.
    std::optional<AccessLogEntry> parseLine(std::string_view line, uint64_t lineNumber,
                                            AccessLogDiagnostic* diagnostic) const;
    bool hasPort() const;
    const std::string& spec() const;

    struct Impl;
    std::shared_ptr<const Impl> m_impl;
};

// Reads a log whole or as it grows (live tail): feed() takes any chunk of bytes, keeps a partial
// last line for the next call, and returns the entries of the complete lines. Memory is bounded:
// a line longer than kMaxLine is a diagnostic and skipped.
class AccessLogReader {
public:
    static constexpr size_t kMaxLine = 16 * 1024;
    explicit AccessLogReader(AccessLogFormat format);
    std::vector<AccessLogEntry> feed(std::string_view bytes);
    std::vector<AccessLogEntry> finish();            // the last line without a newline
    const std::vector<AccessLogDiagnostic>& diagnostics() const { return m_diagnostics; }
    uint64_t lines() const { return m_line; }
    uint64_t badLines() const { return m_bad; }

private:
    AccessLogFormat m_format;
    std::string m_partial;
    bool m_skipping = false;   // inside an over-long line
    uint64_t m_line = 0;
    uint64_t m_bad = 0;
    std::vector<AccessLogDiagnostic> m_diagnostics;   // the first kMaxDiagnostics, then counted
    static constexpr size_t kMaxDiagnostics = 100;
};

} // namespace synscope
