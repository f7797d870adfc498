// SPDX-License-Identifier: GPL-3.0-or-later
// Follows a web server's access log into an AccessLogIndex: read whole when opened (with a
// capture file), or from its start as it grows (poll() from a live capture's loop), across
// truncation and rotation (the path is reopened when it names a new file or shrinks).
#pragma once

#include "core/accesslog/access_log.h"
#include "core/flow/access_log_index.h"

#include <cstdio>
#include <memory>
#include <string>

namespace synscope {

class AccessLogTail {
public:
    // How the log goes with its capture: a capture file's log is read whole by open(), so that
    // every connection finds its line; a live capture's is read as it grows, by poll().
    enum class Reading { Whole, Live };
    // format: a preset name or a format string; empty: detected from the first lines.
    // Returns null with *error set when the file cannot be read or its format is not known.
    static std::unique_ptr<AccessLogTail> open(const std::string& path, const std::string& format,
                                               Reading reading, AccessLogIndex& index,
                                               std::string* error);
    AccessLogTail(const AccessLogTail&) = delete;
    AccessLogTail& operator=(const AccessLogTail&) = delete;
    ~AccessLogTail();

    // Reads what was appended since the last call; at most maxBytes, so a huge log cannot stall
    // a live capture. Returns the entries added.
    size_t poll(size_t maxBytes = 1u << 20);
    // Reads the rest, including a last line without a newline.
    void finish();

    const AccessLogReader& reader() const { return m_reader; }
    const AccessLogFormat& format() const { return m_format; }

private:
    AccessLogTail(std::string path, AccessLogFormat format, AccessLogIndex& index);
    void add(std::vector<AccessLogEntry> entries);

    std::string m_path;
    AccessLogFormat m_format;
    AccessLogReader m_reader;
    AccessLogIndex* m_index;
    std::FILE* m_file = nullptr;
    long long m_offset = 0;
    unsigned long long m_inode = 0;
};

} // namespace synscope
