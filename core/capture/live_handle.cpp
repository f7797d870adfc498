// SPDX-License-Identifier: GPL-3.0-or-later
#include "live_handle.h"

#include <pcap/pcap.h>

#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace synscope {

namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

bool startsWith(const std::string& s, const char* prefix)
{
    return s.compare(0, std::strlen(prefix), prefix) == 0;
}

bool isExecutableFile(const std::string& path)
{
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string canonical(const std::string& path)
{
    char buf[PATH_MAX];
    return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

} // namespace

std::string defaultLiveFilter(int linkType)
{
    // SYN and SYN+ACK for the fingerprints; FIN, RST, PSH and pure ACKs (no payload) for the
    // flow stage: a client's request and the server's first answer are pushed segments, and the
    // handshake's ACK, which most stacks send alone, times the TCP round trip. Data segments
    // without PSH stay out; the receiver's ACKs of a bulk transfer (about one per two segments)
    // pass.
    // IPv4: tcp[tcpflags] handles IP options and skips non-first fragments; the payload length is
    // the total length less both headers. IPv6: TCP right after the fixed header, flags byte at
    // 40 + 13, data offset at 40 + 12. The same again behind a VLAN tag.
    const std::string syn =
        "(tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst|tcp-push) != 0) or "
        "(tcp[tcpflags] & 0x3f == tcp-ack and ip[2:2] == ((ip[0] & 0x0f) << 2) + ((tcp[12] & 0xf0) >> 2)) or "
        "(ip6[6] == 6 and (ip6[53] & 0x0f != 0 or "
        "(ip6[53] & 0x3f == 0x10 and ip6[4:2] == (ip6[52] & 0xf0) >> 2)))";
    if (linkType != DLT_EN10MB)
        return syn;
    return syn + " or (vlan and (" + syn + "))";
}

std::string filterForLinkType(const std::string& filter, int linkType)
{
    return filter == defaultLiveFilter() ? defaultLiveFilter(linkType) : filter;
}

int expectedLinkType(const std::string& interface)
{
    if (interface == "any")
        return DLT_LINUX_SLL;
    // The ARPHRD_* type the kernel gives the interface, mapped as libpcap's pcap-linux.c does
    // for the common ones; what libpcap cannot map it captures in cooked mode.
    std::string type;
    if (interface.find('/') == std::string::npos) {
        if (FILE* f = std::fopen(("/sys/class/net/" + interface + "/type").c_str(), "r")) {
            char buf[16] = {};
            if (std::fgets(buf, sizeof buf, f))
                type = buf;
            std::fclose(f);
        }
    }
    switch (std::atoi(type.c_str())) {
    case 1:       // ARPHRD_ETHER
    case 6:       // ARPHRD_IEEE802
    case 772:     // ARPHRD_LOOPBACK
        return DLT_EN10MB;
    case 65534:   // ARPHRD_NONE: tun, WireGuard
    case 768:     // ARPHRD_TUNNEL (ipip)
    case 769:     // ARPHRD_TUNNEL6
    case 776:     // ARPHRD_SIT
        return DLT_RAW;
    default:
        return type.empty() ? DLT_EN10MB : DLT_LINUX_SLL;
    }
}

const char* specialDeviceByName(const std::string& name)
{
    // libpcap's Linux device names for what is not a network interface (pcap-netfilter-linux.c,
    // pcap-usb-linux.c, pcap-bt-linux.c, pcap-bt-monitor-linux.c, pcap-dbus.c, pcap-rdmasniff.c).
    static const struct {
        const char* prefix;
        const char* what;
    } kSpecial[] = {
        {"nflog", "a netfilter log (NFLOG) device"},
        {"nfqueue", "a netfilter queue (NFQUEUE) device"},
        {"usbmon", "a USB bus monitor"},
        {"bluetooth", "a Bluetooth device"},
        {"dbus", "a D-Bus bus"},
    };
    for (const auto& s : kSpecial)
        if (startsWith(name, s.prefix))
            return s.what;
    if (name.find("://") != std::string::npos)
        return "a remote or URL capture source";
    return nullptr;
}

const char* specialDeviceByLinkType(int linkType)
{
    switch (linkType) {
    case DLT_NFLOG: return "a netfilter log (NFLOG) device";
    case DLT_NETLINK: return "a netlink monitor";
    case DLT_USB_LINUX:
    case DLT_USB_LINUX_MMAPPED:
    case DLT_USBPCAP: return "a USB bus monitor";
    case DLT_BLUETOOTH_HCI_H4:
    case DLT_BLUETOOTH_HCI_H4_WITH_PHDR:
    case DLT_BLUETOOTH_LINUX_MONITOR:
    case DLT_BLUETOOTH_LE_LL:
    case DLT_BLUETOOTH_LE_LL_WITH_PHDR:
    case DLT_BLUETOOTH_BREDR_BB: return "a Bluetooth device";
    case DLT_DBUS: return "a D-Bus bus";
    default: return nullptr;
    }
}

bool dropCapabilities()
{
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    return ::syscall(SYS_capset, &header, data) == 0;
}

std::string captureHelperPath()
{
    static const char kName[] = "synscope-capture";
    if (const char* env = std::getenv("SYNSCOPE_CAPTURE_HELPER"); env && *env)
        return isExecutableFile(env) ? canonical(env) : std::string(kName);
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        std::string dir(buf, size_t(n));
        dir.erase(dir.rfind('/') + 1);
        // Installed side by side, or the build tree (app/cli or app/gui beside app/capture-helper).
        for (const std::string& candidate : {dir + kName, dir + "../capture-helper/" + kName})
            if (isExecutableFile(candidate))
                return canonical(candidate);
    }
    if (const char* path = std::getenv("PATH")) {
        std::string list = path;
        size_t start = 0;
        while (start <= list.size()) {
            const size_t end = std::min(list.find(':', start), list.size());
            const std::string dir = list.substr(start, end - start);
            if (!dir.empty() && isExecutableFile(dir + '/' + kName))
                return dir + '/' + kName;
            start = end + 1;
        }
    }
    return kName;
}

pcap_t* openLiveHandle(const LiveOptions& options, LiveOpenError* error)
{
    const auto failWith = [&](pcap_t* p, LiveOpenError::Kind kind, const std::string& message,
                              const std::string& detail = {}) -> pcap_t* {
        if (error)
            *error = LiveOpenError{kind, message, detail};
        if (p)
            pcap_close(p);
        return nullptr;
    };
    const std::string itf = quoted(options.interface);
    if (options.interface.empty())
        return failWith(nullptr, LiveOpenError::Kind::NoInterface, "no capture interface given");
    // Refused before anything is opened: nfqueue, for one, binds a queue on activation.
    if (!options.allow_special_devices) {
        if (const char* what = specialDeviceByName(options.interface))
            return failWith(nullptr, LiveOpenError::Kind::SpecialDevice,
                            itf + " is " + what + ", not a network interface; pass "
                                  "--allow-special-devices to capture on it anyway");
    }
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_create(options.interface.c_str(), errbuf);
    if (!p)
        return failWith(nullptr, LiveOpenError::Kind::Activate, "cannot open interface " + itf, errbuf);
    pcap_set_snaplen(p, options.snaplen);
    pcap_set_promisc(p, options.promiscuous ? 1 : 0);
    pcap_set_timeout(p, std::max(1, options.buffer_timeout_ms));
    if (options.buffer_bytes > 0)
        pcap_set_buffer_size(p, options.buffer_bytes);
    const int rc = pcap_activate(p);
    if (rc < 0) {
        const std::string detail = pcap_geterr(p);
        switch (rc) {
        case PCAP_ERROR_PERM_DENIED:
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            return failWith(p, LiveOpenError::Kind::PermissionDenied, "no permission to capture on " + itf, detail);
        case PCAP_ERROR_NO_SUCH_DEVICE:
            return failWith(p, LiveOpenError::Kind::NoSuchDevice, "there is no interface " + itf, detail);
        case PCAP_ERROR_IFACE_NOT_UP:
            return failWith(p, LiveOpenError::Kind::NotUp, "interface " + itf + " is not up", detail);
        default:
            return failWith(p, LiveOpenError::Kind::Activate, "cannot capture on " + itf, detail);
        }
    }
    // The open socket is all the privilege the capture needs: the filter is compiled, and every
    // packet handled, without any capability (as dumpcap does).
    if (options.drop_capabilities && !dropCapabilities())
        return failWith(p, LiveOpenError::Kind::Capabilities, "cannot drop capture privileges",
                        std::strerror(errno));
    const int linkType = pcap_datalink(p);
    if (!options.allow_special_devices) {
        if (const char* what = specialDeviceByLinkType(linkType))
            return failWith(p, LiveOpenError::Kind::SpecialDevice,
                            itf + " is " + what + " (link type " + std::to_string(linkType)
                                + "), not a network interface; pass --allow-special-devices to capture on it anyway");
    }
    std::string filter = options.filter;
    filter = filterForLinkType(filter, linkType);
    if (!filter.empty()) {
        bpf_program prog{};
        if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
            return failWith(p, LiveOpenError::Kind::BadFilter, "invalid capture filter \"" + filter + "\"",
                            pcap_geterr(p));
        const int set = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (set != 0)
            return failWith(p, LiveOpenError::Kind::SetFilter, "cannot apply the capture filter on " + itf,
                            pcap_geterr(p));
    }
    return p;
}

} // namespace synscope
