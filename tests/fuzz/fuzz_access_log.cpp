// SPDX-License-Identifier: GPL-3.0-or-later
// A web server's access log through AccessLogReader, as a live tail feeds it. Input: byte 0 picks
// the format (one of the four presets, or, for 4 mod 5, a format string: the input's first line,
// refused formats being a valid outcome), byte 1 where the rest is cut into two chunks (a tail
// reads whatever the file grew by), the rest is the log. Also runs the format detection on its
// lines.
#include "fuzz_common.h"

#include "core/accesslog/access_log.h"

#include <string>
#include <string_view>
#include <vector>

using namespace synscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 2)
        return 0;
    std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
    static const char* const presets[] = {"synscope", "apache-synscope", "combined", "apache-combined"};
    std::optional<AccessLogFormat> format;
    if (data[0] % 5 < 4) {
        format = AccessLogFormat::preset(presets[data[0] % 5]);
        FUZZ_CHECK(format.has_value(), "preset %s missing", presets[data[0] % 5]);
    } else {
        const size_t newline = rest.find('\n');
        std::string error;
        format = AccessLogFormat::parse(rest.substr(0, newline), &error);
        if (!format) {
            FUZZ_CHECK(!error.empty(), "a refused format without a reason");
            return 0;
        }
        rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    }

    AccessLogReader reader(*format);
    const size_t cut = rest.empty() ? 0 : data[1] % (rest.size() + 1);
    std::vector<AccessLogEntry> entries = reader.feed(rest.substr(0, cut));
    for (AccessLogEntry& e : reader.feed(rest.substr(cut)))
        entries.push_back(std::move(e));
    for (AccessLogEntry& e : reader.finish())
        entries.push_back(std::move(e));

    uint64_t previous = 0;
    for (const AccessLogEntry& e : entries) {
        FUZZ_CHECK(e.line > previous && e.line <= reader.lines(), "line %llu after %llu of %llu",
                   (unsigned long long)e.line, (unsigned long long)previous, (unsigned long long)reader.lines());
        previous = e.line;
        FUZZ_CHECK(e.client_port >= -1 && e.client_port <= 65535, "port %d", e.client_port);
        FUZZ_CHECK(e.ip_version == 4 || e.ip_version == 6, "ip version %d", e.ip_version);
        FUZZ_CHECK(e.ts_precision_ns > 0, "a time without precision");
        FUZZ_CHECK(e.request.size() <= AccessLogReader::kMaxLine && e.user_agent.size() <= AccessLogReader::kMaxLine,
                   "a field longer than its line");
    }
    FUZZ_CHECK(entries.size() + reader.badLines() <= reader.lines(), "%zu entries and %llu bad of %llu lines",
               entries.size(), (unsigned long long)reader.badLines(), (unsigned long long)reader.lines());
    FUZZ_CHECK(reader.diagnostics().size() <= reader.badLines(), "more diagnostics than bad lines");
    for (const AccessLogDiagnostic& d : reader.diagnostics())
        FUZZ_CHECK(!d.reason.empty() && d.line >= 1 && d.line <= reader.lines(), "diagnostic of line %llu",
                   (unsigned long long)d.line);

    std::vector<std::string_view> lines;
    for (size_t start = 0; start < rest.size() && lines.size() < 64;) {
        const size_t end = rest.find('\n', start);
        lines.push_back(rest.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    if (const std::optional<AccessLogFormat> detected = AccessLogFormat::detect(lines))
        FUZZ_CHECK(!detected->spec().empty(), "a detected format without a spec");
    return 0;
}
