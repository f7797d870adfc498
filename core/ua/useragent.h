// SPDX-License-Identifier: GPL-3.0-or-later
// What a client says it runs: the OS class and version read from an HTTP User-Agent and, when the
// browser sent them, the Sec-CH-UA-Platform / Sec-CH-UA-Platform-Version client hints. Unknown
// stays unknown: nothing defaults to Windows. tests/ua measures it on a table of real strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace synscope {

// The OS classes a User-Agent can name. The names (uaClassName) are the default database's class
// names where it has the class, so a UA class and a TCP/IP verdict compare as text.
enum class UaClass : uint8_t {
    Unknown,
    Windows,
    macOS,
    iOS,        // iPhone, iPod and iPadOS (an iPad)
    Android,
    Linux,      // desktop/server Linux user-land (X11, Wayland, curl on Linux)
    ChromeOS,
    FreeBSD,
    OpenBSD,
    NetBSD,
    Solaris,
    Other,      // an OS the parser recognises but that has no class above (PlayStation, KaiOS...)
};
std::string_view uaClassName(UaClass c);   // "Windows", "macOS", "iOS", ..., "unknown"

struct UaOs {
    UaClass os_class = UaClass::Unknown;
    std::string version;   // "10", "11", "8.1", "7" (Windows); "14.2" (macOS); "17.4" (iOS);
                           // "14" (Android); empty when the UA does not say
    std::string name;      // Other: what the UA names ("PlayStation 5"); else empty
    // Hints the verdict needs to handle the known benign cases:
    bool ipad = false;               // iPad (iPadOS), not iPhone/iPod
    bool android_webview = false;    // Android WebView ("; wv)")
    bool desktop_mode_possible = false;   // a desktop-class UA a tablet/phone browser sends when
                                          // asked for the desktop site (Safari on iPadOS says
                                          // "Macintosh"; Chrome for Android says "X11; Linux x86_64")
    bool privacy_spoof_possible = false;  // the exact Windows UA that Tor Browser / Firefox
                                          // resistFingerprinting send on every desktop OS
    bool bot = false;                // a crawler, library or command-line tool (curl, Googlebot)
    std::string_view source = "none";     // "user-agent", "client-hints", or "none"

    bool known() const { return os_class != UaClass::Unknown; }
    std::string text() const;   // "Windows 11", "macOS 14.2", "Android 14", "unknown"
};

// userAgent: the header's value. platform / platformVersion: the Sec-CH-UA-Platform and
// Sec-CH-UA-Platform-Version values as sent (quoted, e.g. "\"Windows\""), empty when absent.
// Client hints win over the User-Agent for the class (they are not frozen); Windows 11 is told
// from 10 only by Sec-CH-UA-Platform-Version >= 13.
UaOs parseUserAgent(std::string_view userAgent, std::string_view platform = {},
                    std::string_view platformVersion = {});

} // namespace synscope
