// SPDX-License-Identifier: GPL-3.0-or-later
// Opening a live interface: the one routine every capturing program uses (synscope-cli and the
// GUI's direct capture through PacketSource::openLive, and the capture helper synscope-capture).
// libpcap and the C++ standard library only, no Qt: the helper links this (synscope_capture_base)
// and nothing else of core.
#pragma once

#include <string>

typedef struct pcap pcap_t;

namespace synscope {

// BPF filter for TCP SYN and SYN+ACK (and the FIN, RST and PSH segments the flow stage reads) over IPv4, IPv6 (TCP right after the fixed header) and, on
// Ethernet (link type 1), VLAN-tagged frames. libpcap has no VLAN matching for other link types,
// so openLiveHandle() uses the variant for the interface's link type when given the Ethernet default.
std::string defaultLiveFilter(int linkType = 1);
// The filter to compile on an interface of linkType: the Ethernet default becomes that link
// type's variant, any other filter stays as it is.
std::string filterForLinkType(const std::string& filter, int linkType);
// The link type libpcap will most likely report for an interface, known without opening it (so
// without privileges): from its kernel device type; Ethernet when the type cannot be read.
int expectedLinkType(const std::string& interface);

struct LiveOptions {
    std::string interface;
    std::string filter = defaultLiveFilter();   // empty: capture everything
    int snaplen = 262144;
    bool promiscuous = true;
    int timeout_ms = 250;                       // next() returns Timeout after this long without a packet
    // The kernel hands packets over in blocks, at the latest this long after the first one arrived
    // (no immediate mode: one wakeup per block, not one per packet, which is what kept the capture
    // thread from keeping up at high rates). A quiet link's packet still arrives within this time.
    int buffer_timeout_ms = 100;
    int buffer_bytes = 32 << 20;                // kernel ring buffer (libpcap's default is 2 MiB)
    // nflog, nfqueue, usbmon, Bluetooth, D-Bus, netlink monitors and the like are libpcap devices
    // but not network interfaces (reading netfilter logs, binding a netfilter queue, other users'
    // USB or D-Bus traffic): refused unless this is set.
    bool allow_special_devices = false;
    // Drop every capability of the calling thread right after activation, before the filter is
    // compiled (the helper and the CLI; not the GUI, whose capture thread is one of many).
    bool drop_capabilities = false;
};

struct LiveOpenError {
    enum class Kind {
        None,
        NoInterface,        // options.interface is empty
        SpecialDevice,      // not a network interface (see allow_special_devices)
        NoSuchDevice,
        PermissionDenied,
        NotUp,
        Activate,           // any other activation failure
        Capabilities,       // could not drop capabilities
        BadFilter,          // detail: libpcap's compile message
        SetFilter,
    };
    Kind kind = Kind::None;
    std::string message;    // a sentence naming the interface (permission: without the remedy)
    std::string detail;     // libpcap's own text, may be empty
};

// Why `name` is not a capture interface ("netfilter log", "USB monitor", ...), or nullptr when it
// may be one. Decided on the name alone, before anything is opened.
const char* specialDeviceByName(const std::string& name);
// The same for a link type seen after activation (NFLOG, netlink, USB, Bluetooth, D-Bus).
const char* specialDeviceByLinkType(int linkType);

// Creates, configures and activates a live handle, drops capabilities if asked, checks the
// device, compiles and applies the filter (the Ethernet default adapted to the link type). The
// handle is blocking; nullptr with *error filled on failure.
pcap_t* openLiveHandle(const LiveOptions& options, LiveOpenError* error);

// Clears the calling thread's effective, permitted and inheritable capability sets (ambient ones
// go with the permitted set). False with errno set on failure.
bool dropCapabilities();

// Where synscope-capture is, found as the GUI finds it: $SYNSCOPE_CAPTURE_HELPER, next to the
// running program, ../capture-helper/ (the build tree), then PATH; "synscope-capture" if nowhere.
std::string captureHelperPath();

} // namespace synscope
