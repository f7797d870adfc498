// SPDX-License-Identifier: GPL-3.0-or-later
// synscope-capture: the only SynScope binary that needs cap_net_raw,cap_net_admin. It opens one
// interface, applies a BPF filter, writes a pcap stream on stdout and framed status messages on
// stderr (ui/capture/helper_protocol.h). libpcap only, so the privileged code stays small.
#include "core/capture/helper_protocol.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <linux/capability.h>
#include <poll.h>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

using synscope::helper::MessageKind;

pcap_t* g_pcap = nullptr;          // only for the signal handler's pcap_breakloop
volatile sig_atomic_t g_stop = 0;

void onSignal(int)
{
    g_stop = 1;
    if (g_pcap)
        pcap_breakloop(g_pcap);
}

void sendMessage(MessageKind kind, const std::string& payload)
{
    const std::string frame = synscope::helper::encodeMessage(kind, payload);
    size_t done = 0;
    while (done < frame.size()) {
        const ssize_t n = ::write(STDERR_FILENO, frame.data() + done, frame.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        done += static_cast<size_t>(n);
    }
}

void usage(const char* argv0)
{
    std::fprintf(stderr,
                 "usage: %s -i IFACE [-f FILTER] [-s SNAPLEN] [-p]\n"
                 "Writes a pcap stream on stdout and framed status messages on stderr.\n"
                 "-p: do not put the interface into promiscuous mode.\n",
                 argv0);
}

// Clears the effective, permitted and inheritable sets (ambient ones go with permitted).
bool dropCapabilities()
{
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    return ::syscall(SYS_capset, &header, data) == 0;
}

void sendStats(pcap_t* p)
{
    pcap_stat st{};
    if (pcap_stats(p, &st) == 0)
        sendMessage(MessageKind::Drops,
                    synscope::helper::encodeDrops({st.ps_recv, st.ps_drop, st.ps_ifdrop}));
}

double monotonicSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

} // namespace

int main(int argc, char** argv)
{
    std::string iface;
    std::string filter;
    int snaplen = 262144;
    bool promiscuous = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "-i" || a == "-f" || a == "-s") && i + 1 < argc) {
            const char* v = argv[++i];
            if (a == "-i") {
                iface = v;
            } else if (a == "-f") {
                filter = v;
            } else {
                char* end = nullptr;
                const long n = std::strtol(v, &end, 10);
                if (*end != '\0' || n < 64 || n > 262144) {
                    std::fprintf(stderr, "bad snaplen '%s': expected 64..262144\n", v);
                    return synscope::helper::kExitUsage;
                }
                snaplen = static_cast<int>(n);
            }
        } else if (a == "-p") {
            promiscuous = false;
        } else if (a == "-h" || a == "--help") {
            usage(argv[0]);
            return synscope::helper::kExitOk;
        } else {
            usage(argv[0]);
            return synscope::helper::kExitUsage;
        }
    }
    if (iface.empty()) {
        usage(argv[0]);
        return synscope::helper::kExitUsage;
    }

    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_create(iface.c_str(), err);
    if (!p) {
        sendMessage(MessageKind::Error, "Cannot open interface " + iface + ": " + err);
        return synscope::helper::kExitError;
    }
    pcap_set_snaplen(p, snaplen);
    pcap_set_promisc(p, promiscuous ? 1 : 0);
    pcap_set_timeout(p, 100);
    const int rc = pcap_activate(p);
    if (rc < 0) {
        const std::string detail = pcap_geterr(p);
        pcap_close(p);
        if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_PROMISC_PERM_DENIED) {
            // The GUI adds the setcap command for the helper path it runs.
            sendMessage(MessageKind::PermissionDenied,
                        "No permission to capture on " + iface + " (" + detail + ").");
            return synscope::helper::kExitPermission;
        }
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
            sendMessage(MessageKind::Error, "No such interface: " + iface + " (" + detail + ")");
            return synscope::helper::kExitError;
        }
        sendMessage(MessageKind::Error, "Cannot capture on " + iface + ": " + detail);
        return synscope::helper::kExitError;
    }
    // The open socket is all the privilege the capture needs: the caller's filter is compiled,
    // and every packet handled, without any capability (as dumpcap does).
    if (!dropCapabilities()) {
        sendMessage(MessageKind::Error,
                    std::string("Cannot drop capture privileges: ") + std::strerror(errno));
        pcap_close(p);
        return synscope::helper::kExitError;
    }

    if (!filter.empty()) {
        bpf_program prog{};
        if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
            sendMessage(MessageKind::BadFilter, pcap_geterr(p));
            pcap_close(p);
            return synscope::helper::kExitBadFilter;
        }
        const int set = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (set != 0) {
            sendMessage(MessageKind::Error, std::string("Cannot apply the filter: ") + pcap_geterr(p));
            pcap_close(p);
            return synscope::helper::kExitError;
        }
    }

    // A reader that went away must end the helper, not kill it mid-write with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    pcap_dumper_t* dumper = pcap_dump_fopen(p, stdout);
    if (!dumper) {
        sendMessage(MessageKind::Error, std::string("Cannot write the pcap stream: ") + pcap_geterr(p));
        pcap_close(p);
        return synscope::helper::kExitError;
    }
    pcap_dump_flush(dumper);

    g_pcap = p;
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    // Non-blocking reads behind poll(): a blocking pcap_dispatch may not return while the link is
    // quiet (TPACKET_V3 keeps an empty block), and drop counts are due every second regardless.
    const int fd = pcap_get_selectable_fd(p);
    if (fd >= 0 && pcap_setnonblock(p, 1, err) != 0) {
        sendMessage(MessageKind::Error, std::string("Cannot switch to non-blocking reads: ") + err);
        pcap_dump_close(dumper);
        pcap_close(p);
        return synscope::helper::kExitError;
    }

    sendMessage(MessageKind::Started, std::to_string(pcap_datalink(p)) + ' ' + iface);

    int exitCode = synscope::helper::kExitOk;
    double lastStats = monotonicSeconds();
    while (!g_stop) {
        if (fd >= 0) {
            pollfd pfd{fd, POLLIN, 0};
            if (::poll(&pfd, 1, 250) < 0 && errno != EINTR) {
                sendMessage(MessageKind::Error, std::string("poll failed: ") + std::strerror(errno));
                exitCode = synscope::helper::kExitError;
                break;
            }
        }
        const int n = pcap_dispatch(p, -1, pcap_dump, reinterpret_cast<u_char*>(dumper));
        if (n == PCAP_ERROR_BREAK)
            break;
        if (n == PCAP_ERROR) {
            sendMessage(MessageKind::Error, std::string("Capture failed: ") + pcap_geterr(p));
            exitCode = synscope::helper::kExitError;
            break;
        }
        if (n > 0 && pcap_dump_flush(dumper) != 0) {
            // The reader closed the pipe: nothing left to capture for.
            exitCode = synscope::helper::kExitError;
            break;
        }
        const double now = monotonicSeconds();
        if (now - lastStats >= 1.0) {
            sendStats(p);
            lastStats = now;
        }
    }
    g_pcap = nullptr;
    sendStats(p);
    pcap_dump_flush(dumper);
    pcap_dump_close(dumper);   // closes stdout
    pcap_close(p);
    return exitCode;
}
