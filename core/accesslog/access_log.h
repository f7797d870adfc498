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
    std::string request;        // "GET / HTTP/1.1"; empty for "-"
    int status = 0;             // 0 for "-"
    std::string user_agent;     // empty for "-"
    std::string x_forwarded_for;   // when the format logs it ("-" -> empty)
    std::string via;
};

struct AccessLogDiagnostic {
    uint64_t line = 0;
    std::string reason;         // "field $remote_addr: not an IP address: \"example\""
};

// A log line format. Fields the correlator needs: the client address and a time; the rest is
// read when present. Two syntaxes, nginx's when the string has a $variable:
//  - nginx: $remote_addr, $realip_remote_addr, $remote_port, $realip_remote_port, $time_local,
//    $msec, $time_iso8601, $request, $status, $http_user_agent, $http_x_forwarded_for,
//    $http_via; any other $variable or ${variable} is read as text and skipped.
//  - Apache mod_log_config, as a LogFormat line writes it (\" is a quote): %h %a %{c}a
//    %{remote}p %t %{msec}t (and sec, usec, begin:, end:) %r %s %>s %{User-Agent}i
//    %{X-Forwarded-For}i %{Via}i; any other directive is read as text and skipped.
// Text between fields must match exactly, and so must the end of the line. A field between '"'s
// ends at the first '"' not escaped by a backslash (nginx writes '"' as \x22, Apache as \");
// the strings are unescaped. A field elsewhere ends where the following text starts, except the
// local times, which have a fixed width. With several address fields the connection's peer is
// used ($realip_remote_addr over $remote_addr, %{c}a over %a over %h), with several times the
// finest. Note when each server takes the time: nginx when the response is done, Apache's %t and
// %{msec}t when the request arrived; on a kept-alive connection either is after the SYN by up to
// the connection's lifetime.
//
// The recommended formats, the combined ones plus the client port, a millisecond time and the
// proxy headers. nginx.conf (in the http block; then "access_log /var/log/nginx/access.log
// synscope;"):
//   log_format synscope '$remote_addr - $remote_user [$time_local] "$request" $status '
//                       '$body_bytes_sent "$http_referer" "$http_user_agent" $remote_port '
//                       '$msec "$http_x_forwarded_for" "$http_via"';
// httpd.conf (then "CustomLog logs/access_log synscope"):
//   LogFormat "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %{remote}p %{msec}t \"%{X-Forwarded-For}i\" \"%{Via}i\"" synscope
class AccessLogFormat {
public:
    // Named presets: "synscope" and "apache-synscope" (the recommended formats above),
    // "combined" (nginx's default) and "apache-combined"; spec() gives each one's string.
    static std::optional<AccessLogFormat> preset(std::string_view name);
    // A format string in either syntax; nullopt with *error set when it is unusable (no client
    // address, no time, an unterminated quote, two fields with no text between them).
    static std::optional<AccessLogFormat> parse(std::string_view spec, std::string* error);
    // The preset a log's first lines are written in: the one that parses the most of the
    // non-empty lines, the most specific first among equals; nullopt unless it parses more than
    // half of them.
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
// a line longer than kMaxLine (without its "\r\n" or "\n") is one diagnostic and skipped, however
// many calls bring it. Empty lines are counted and ignored; a line that does not fit the format
// is a diagnostic (the first kMaxDiagnostics kept, all counted in badLines()).
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
    void take(std::string_view line, std::vector<AccessLogEntry>& out);
    void reject(AccessLogDiagnostic diagnostic);
    void rejectTooLong();   // the line m_line

    AccessLogFormat m_format;
    std::string m_partial;
    bool m_skipping = false;   // inside an over-long line
    uint64_t m_line = 0;
    uint64_t m_bad = 0;
    std::vector<AccessLogDiagnostic> m_diagnostics;   // the first kMaxDiagnostics, then counted
    static constexpr size_t kMaxDiagnostics = 100;
};

} // namespace synscope
