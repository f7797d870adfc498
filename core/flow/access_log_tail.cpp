// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/flow/access_log_tail.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

namespace synscope {

AccessLogTail::AccessLogTail(std::string path, AccessLogFormat format, AccessLogIndex& index)
    : m_path(std::move(path)), m_format(format), m_reader(std::move(format)), m_index(&index)
{
}

AccessLogTail::~AccessLogTail()
{
    if (m_file)
        std::fclose(m_file);
}

std::unique_ptr<AccessLogTail> AccessLogTail::open(const std::string& path, const std::string& format,
                                                 Reading reading, AccessLogIndex& index,
                                                 std::string* error)
{
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        *error = "cannot open access log " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    struct stat st{};
    if (::fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
        std::fclose(f);
        *error = "access log " + path + " is not a file";
        return nullptr;
    }
    std::optional<AccessLogFormat> fmt;
    if (format.empty()) {
        // The first lines decide; an empty log (a server just started) gets the recommended one.
        std::vector<std::string> sample;
        char line[AccessLogReader::kMaxLine];
        while (sample.size() < 20 && std::fgets(line, sizeof line, f))
            sample.emplace_back(line, std::strcspn(line, "\r\n"));
        std::rewind(f);
        std::vector<std::string_view> views(sample.begin(), sample.end());
        fmt = sample.empty() ? AccessLogFormat::preset("synscope") : AccessLogFormat::detect(views);
        if (!fmt) {
            std::fclose(f);
            *error = "access log " + path + ": its lines fit none of the known formats (combined, "
                     "apache-combined, synscope, apache-synscope); give --access-log-format";
            return nullptr;
        }
    } else {
        fmt = AccessLogFormat::preset(format);
        if (!fmt)
            fmt = AccessLogFormat::parse(format, error);
        if (!fmt) {
            std::fclose(f);
            *error = "access log format: " + *error;
            return nullptr;
        }
    }
    std::unique_ptr<AccessLogTail> tail(new AccessLogTail(path, *fmt, index));
    tail->m_file = f;
    tail->m_inode = st.st_ino;
    if (reading == Reading::Whole)
        tail->finish();
    return tail;
}

void AccessLogTail::add(std::vector<AccessLogEntry> entries)
{
    for (AccessLogEntry& e : entries)
        m_index->add(std::move(e));
}

size_t AccessLogTail::poll(size_t maxBytes)
{
    const size_t before = m_index->entries();
    struct stat st{};
    if (::stat(m_path.c_str(), &st) == 0 && (st.st_ino != m_inode || st.st_size < m_offset)) {
        // Rotated or truncated: what the old file still held was read; start the new one.
        if (std::FILE* f = std::fopen(m_path.c_str(), "rb")) {
            add(m_reader.finish());
            std::fclose(m_file);
            m_file = f;
            m_inode = st.st_ino;
            m_offset = 0;
        }
    }
    char buf[64 * 1024];
    size_t total = 0;
    while (total < maxBytes) {
        const size_t n = std::fread(buf, 1, sizeof buf, m_file);
        if (n == 0) {
            std::clearerr(m_file);   // at the end for now: the server may append more
            break;
        }
        total += n;
        m_offset += (long long)n;
        add(m_reader.feed(std::string_view(buf, n)));
    }
    return m_index->entries() - before;
}

void AccessLogTail::finish()
{
    poll(SIZE_MAX);
    add(m_reader.finish());
}

} // namespace synscope
