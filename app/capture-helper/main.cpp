// SPDX-License-Identifier: GPL-3.0-or-later
// synscope-capture: the only SynScope binary that needs cap_net_raw,cap_net_admin. It opens one
// network interface (core's openLiveHandle(), shared with synscope-cli, which adapts the GUI's
// Ethernet default filter to the interface's link type and drops every capability right after
// activation), writes a pcap stream on stdout and framed status messages on stderr
// (core/capture/helper_protocol.h). libpcap only, so the privileged code stays small.
//
// Installed 0750 root:synscope with the capabilities (packaging/debian/postinst), it refuses
// libpcap devices that are not network interfaces (nflog, nfqueue, usbmon, Bluetooth, D-Bus,
// netlink monitors) unless given --allow-special-devices, which the GUI never passes.
#include "core/capture/helper_protocol.h"
#include "core/capture/live_handle.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <poll.h>
#include <string>
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

const char kUsage[] =
    "usage: synscope-capture -i IFACE [-f FILTER] [-s SNAPLEN] [-p] [--allow-special-devices]\n"
    "Writes a pcap stream on stdout and framed status messages on stderr.\n"
    "-p: do not put the interface into promiscuous mode.\n"
    "--allow-special-devices: also capture on libpcap devices that are not network interfaces\n"
    "  (nflog, nfqueue, usbmon, Bluetooth, D-Bus, netlink monitors).\n";

// Errors go out framed like every other status: stderr is the GUI's status channel.
int usageError(const std::string& what)
{
    sendMessage(MessageKind::Error, what.empty() ? std::string(kUsage) : what + "\n" + kUsage);
    return synscope::helper::kExitUsage;
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
    synscope::LiveOptions options;
    options.filter.clear();   // the GUI passes its filter; none given: everything
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-i" || a == "-f" || a == "-s") {
            if (i + 1 >= argc)
                return usageError("option " + a + " needs a value");
            const char* v = argv[++i];
            if (a == "-i") {
                options.interface = v;
            } else if (a == "-f") {
                options.filter = v;
            } else {
                char* end = nullptr;
                errno = 0;
                const long n = std::strtol(v, &end, 10);
                if (*v == '\0' || *end != '\0' || errno || n < 64 || n > 262144)
                    return usageError(std::string("bad snaplen '") + v + "': expected 64..262144");
                options.snaplen = static_cast<int>(n);
            }
        } else if (a == "-p") {
            options.promiscuous = false;
        } else if (a == "--allow-special-devices") {
            options.allow_special_devices = true;
        } else if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);   // asked for by a person: plain text
            return synscope::helper::kExitOk;
        } else {
            return usageError("unknown argument '" + a + "'");
        }
    }
    if (options.interface.empty())
        return usageError("no interface given (-i IFACE)");

    // The open socket is all the privilege the capture needs: openLiveHandle() drops every
    // capability right after activation, before the caller's filter is compiled (as dumpcap does).
    options.buffer_timeout_ms = 100;
    options.drop_capabilities = true;
    synscope::LiveOpenError e;
    pcap_t* p = synscope::openLiveHandle(options, &e);
    if (!p) {
        const std::string detail = e.detail.empty() ? std::string() : " (" + e.detail + ")";
        switch (e.kind) {
        case synscope::LiveOpenError::Kind::PermissionDenied:
            // The GUI adds the setcap command for the helper path it runs.
            sendMessage(MessageKind::PermissionDenied, e.message + detail + ".");
            return synscope::helper::kExitPermission;
        case synscope::LiveOpenError::Kind::BadFilter:
            sendMessage(MessageKind::BadFilter, e.detail);
            return synscope::helper::kExitBadFilter;
        default:
            sendMessage(MessageKind::Error, e.message + detail);
            return synscope::helper::kExitError;
        }
    }

    // A reader that went away must end the helper, not kill it mid-write with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    // Whole blocks of packets go out in a few large writes.
    static char outBuffer[1 << 18];
    std::setvbuf(stdout, outBuffer, _IOFBF, sizeof outBuffer);
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
    char err[PCAP_ERRBUF_SIZE] = {};
    const int fd = pcap_get_selectable_fd(p);
    if (fd >= 0 && pcap_setnonblock(p, 1, err) != 0) {
        sendMessage(MessageKind::Error, std::string("Cannot switch to non-blocking reads: ") + err);
        pcap_dump_close(dumper);
        pcap_close(p);
        return synscope::helper::kExitError;
    }

    sendMessage(MessageKind::Started, std::to_string(pcap_datalink(p)) + ' ' + options.interface);

    int exitCode = synscope::helper::kExitOk;
    double lastStats = monotonicSeconds();
    while (!g_stop) {
        // stdout is polled too (no events asked: POLLERR and POLLHUP always come): on a quiet link
        // the helper never writes, so without this it would not notice that its reader is gone.
        pollfd pfds[2] = {{fd, POLLIN, 0}, {STDOUT_FILENO, 0, 0}};
        if (::poll(pfds, 2, 250) < 0 && errno != EINTR) {
            sendMessage(MessageKind::Error, std::string("poll failed: ") + std::strerror(errno));
            exitCode = synscope::helper::kExitError;
            break;
        }
        if (pfds[1].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            // The reader closed the pipe: nothing left to capture for.
            exitCode = synscope::helper::kExitError;
            break;
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
