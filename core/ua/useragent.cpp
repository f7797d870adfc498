// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/ua/useragent.h"

namespace synscope {

namespace {

constexpr size_t npos = std::string_view::npos;

constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c + ('a' - 'A')) : c; }
constexpr bool isDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool isAlnum(char c) { return isDigit(c) || isAlpha(c); }
constexpr bool isSpace(char c) { return c == ' ' || c == '\t'; }

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

bool istartsWith(std::string_view s, std::string_view prefix)
{
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// ASCII case-insensitive search. The needles are short literals, so this stays linear in `s`.
size_t ifind(std::string_view s, std::string_view needle, size_t from = 0)
{
    if (needle.empty() || needle.size() > s.size())
        return npos;
    const char first = lower(needle[0]);
    for (size_t i = from; i + needle.size() <= s.size(); ++i) {
        if (lower(s[i]) != first)
            continue;
        size_t k = 1;
        while (k < needle.size() && lower(s[i + k]) == lower(needle[k]))
            ++k;
        if (k == needle.size())
            return i;
    }
    return npos;
}

bool icontains(std::string_view s, std::string_view needle) { return ifind(s, needle) != npos; }

// `word` standing alone: no letter or digit just before it, no letter just after it. A digit may
// follow ("iPhone14,2", "freebsd13.0"); "WindowsPowerShell" does not contain the word "Windows".
size_t findWord(std::string_view s, std::string_view word, size_t from = 0)
{
    for (size_t at = ifind(s, word, from); at != npos; at = ifind(s, word, at + 1)) {
        const size_t end = at + word.size();
        if ((at == 0 || !isAlnum(s[at - 1])) && (end == s.size() || !isAlpha(s[end])))
            return at;
    }
    return npos;
}

bool hasWord(std::string_view s, std::string_view word) { return findWord(s, word) != npos; }

// The version at the start of `s` ("10_15_7", "17.4", "6.0.1"): digits with single '.' or '_'
// between them. Cut at a separator to at most 15 characters, which keeps it in std::string's
// inline buffer; real OS versions are shorter.
std::string_view versionAt(std::string_view s)
{
    constexpr size_t kMax = 15;
    size_t n = 0;
    size_t lastCut = 0;
    while (n < s.size() && isDigit(s[n])) {
        while (n < s.size() && isDigit(s[n]))
            ++n;
        if (n > kMax)
            return s.substr(0, lastCut);
        lastCut = n;
        if (n + 1 < s.size() && (s[n] == '.' || s[n] == '_') && isDigit(s[n + 1]))
            ++n;
        else
            break;
    }
    return s.substr(0, lastCut);
}

void setVersion(std::string& out, std::string_view v)
{
    out.assign(v);
    for (char& c : out)
        if (c == '_')
            c = '.';
}

// Leading number of a version, capped so that hostile digits cannot overflow.
int leadingNumber(std::string_view v, size_t* used = nullptr)
{
    int n = 0;
    size_t i = 0;
    for (; i < v.size() && isDigit(v[i]); ++i)
        if (n < 100000)
            n = n * 10 + (v[i] - '0');
    if (used)
        *used = i;
    return n;
}

// Windows NT kernel version -> the release's marketing name. 5.2 is XP x64 or Server 2003; 6.4 was
// Windows 10 before its release. Every Windows 10 and 11 browser sends "Windows NT 10.0" (the UA
// is frozen there), so "10" from the UA alone may be Windows 11: only Sec-CH-UA-Platform-Version
// tells them apart.
void setWindowsNt(std::string& out, std::string_view nt)
{
    size_t used = 0;
    const int major = leadingNumber(nt, &used);
    const int minor = used + 1 < nt.size() ? leadingNumber(nt.substr(used + 1)) : 0;
    const char* name = nullptr;
    if (major == 10 && minor == 0)
        name = "10";
    else if (major == 6)
        name = minor == 0 ? "Vista" : minor == 1 ? "7" : minor == 2 ? "8" : minor == 3 ? "8.1"
             : minor == 4 ? "10" : nullptr;
    else if (nt.substr(0, 4) == "5.01")
        name = "2000";   // Windows 2000 SP1
    else if (major == 5)
        name = minor == 0 ? "2000" : minor == 1 || minor == 2 ? "XP" : nullptr;
    if (name)
        out = name;
    else {
        out = "NT ";
        out += nt;
    }
}

// What the comment items and product tokens of one User-Agent said. Views point into the UA.
struct Facts {
    std::string_view other;   // an Other OS's name
    bool iphone = false, ipad = false, ipod = false, iosWord = false, iosLike = false;
    std::string_view iosVersion;
    bool android = false, webview = false;
    std::string_view androidVersion;
    bool chromeos = false;
    bool windows = false, windowsMe = false;
    std::string_view windowsNt;
    const char* windowsName = nullptr;   // "98", "XP", ... when the UA names the release
    bool mac = false, macintosh = false;
    std::string_view macVersion;
    bool freebsd = false, openbsd = false, netbsd = false, solaris = false, linuxOs = false;
    bool chromeProduct = false, chromeFamilyProduct = false, firefoxProduct = false;
    bool webkitProduct = false;
    std::string_view firstComment;
};

// A URL or a contact address (a crawler's "+http://..."): its words are no OS claim.
bool isAddress(std::string_view item)
{
    return item.find("://") != npos || item.find('@') != npos || item.front() == '+' ||
           istartsWith(item, "www.");
}

// "CPU iPhone OS 17_4 like Mac OS X", "iOS 16.4.1", "CPU iPadOS 18_6": the number after "OS ";
// else the first one written with underscores ("CPU iPhone 16_4_1 like Mac OS X").
std::string_view iosVersionIn(std::string_view item)
{
    for (size_t at = item.find("OS "); at != npos; at = item.find("OS ", at + 1))
        if (at + 3 < item.size() && isDigit(item[at + 3]))
            return versionAt(item.substr(at + 3));
    for (size_t at = item.find('_'); at != npos; at = item.find('_', at + 1)) {
        size_t start = at;
        while (start > 0 && isDigit(item[start - 1]))
            --start;
        if (start < at && (start == 0 || !isAlnum(item[start - 1])))
            return versionAt(item.substr(start));
    }
    return {};
}

void setOther(Facts& f, std::string_view name)
{
    if (f.other.empty() || f.other == "PlayStation")
        f.other = name;
}

std::string_view playStationName(std::string_view rest)
{
    if (istartsWith(rest, " 5"))
        return "PlayStation 5";
    if (istartsWith(rest, " 4"))
        return "PlayStation 4";
    if (istartsWith(rest, " 3"))
        return "PlayStation 3";
    if (istartsWith(rest, " Vita"))
        return "PlayStation Vita";
    if (istartsWith(rest, " Portable"))
        return "PlayStation Portable";
    return "PlayStation";
}

// A release named after "Windows " ("Windows 98", "Windows XP"): the name must end there.
const char* windowsRelease(std::string_view rest)
{
    static constexpr const char* kNames[] = {"98", "95", "ME", "XP", "2000", "Vista",
                                             "8.1", "7", "8", "10", "11"};
    for (const char* name : kNames) {
        const std::string_view n(name);
        if (!istartsWith(rest, n))
            continue;
        const size_t end = n.size();
        if (end == rest.size() || !(isAlnum(rest[end]) || rest[end] == '.'))
            return name;
    }
    return nullptr;
}

// One item of a comment: the text between "(", ";", ",", ")" ("Windows NT 10.0", "wv",
// "CPU iPhone OS 17_4 like Mac OS X"). OS names are read only here and from a few product tokens.
void readCommentItem(std::string_view item, Facts& f)
{
    if (item == "wv")
        f.webview = true;

    if (hasWord(item, "Xbox"))
        setOther(f, "Xbox");
    if (hasWord(item, "Windows Phone"))
        setOther(f, "Windows Phone");
    else if (hasWord(item, "Windows CE") || hasWord(item, "Windows Mobile"))
        setOther(f, "Windows Mobile");
    if (const size_t at = findWord(item, "PlayStation"); at != npos)
        setOther(f, playStationName(item.substr(at + 11)));
    if (const size_t at = findWord(item, "Nintendo"); at != npos) {
        size_t end = at + 8;
        if (end + 1 < item.size() && item[end] == ' ' && isAlnum(item[end + 1])) {
            ++end;
            while (end < item.size() && end - at < 24 && isAlnum(item[end]))
                ++end;
        }
        setOther(f, item.substr(at, end - at));
    }
    if (hasWord(item, "KaiOS"))
        setOther(f, "KaiOS");
    if (hasWord(item, "Tizen"))
        setOther(f, "Tizen");
    if (hasWord(item, "Web0S") || hasWord(item, "webOS") || hasWord(item, "hpwOS"))
        setOther(f, "webOS");
    if (hasWord(item, "OpenHarmony"))
        setOther(f, "OpenHarmony");
    if (hasWord(item, "BB10") || hasWord(item, "BlackBerry") || hasWord(item, "RIM Tablet OS"))
        setOther(f, "BlackBerry");
    if (hasWord(item, "Symbian") || hasWord(item, "SymbianOS") || hasWord(item, "Series 60"))
        setOther(f, "Symbian");
    if (hasWord(item, "Fuchsia"))
        setOther(f, "Fuchsia");
    if (hasWord(item, "Apple TV") || hasWord(item, "AppleTV") || hasWord(item, "tvOS"))
        setOther(f, "tvOS");
    if (hasWord(item, "watchOS") || hasWord(item, "Watch OS"))
        setOther(f, "watchOS");
    if (hasWord(item, "Haiku"))   // WebPositive says "Macintosh; Intel Haiku"
        setOther(f, "Haiku");
    if (hasWord(item, "Roku"))
        setOther(f, "Roku");

    f.iphone = f.iphone || hasWord(item, "iPhone");
    f.ipad = f.ipad || hasWord(item, "iPad");
    f.ipod = f.ipod || hasWord(item, "iPod");
    const bool iosLike = icontains(item, "like Mac OS X");
    const bool iosWord = hasWord(item, "iOS") || hasWord(item, "iPadOS") || hasWord(item, "iPhone OS");
    f.iosLike = f.iosLike || iosLike;
    f.iosWord = f.iosWord || iosWord;
    if ((iosLike || iosWord) && f.iosVersion.empty())
        f.iosVersion = iosVersionIn(item);

    if (hasWord(item, "Macintosh")) {
        f.mac = true;
        f.macintosh = true;
    }
    if (!iosLike) {
        if (const size_t at = findWord(item, "Mac OS X"); at != npos) {
            f.mac = true;
            if (f.macVersion.empty() && at + 9 < item.size() && item[at + 8] == ' ')
                f.macVersion = versionAt(item.substr(at + 9));
        }
        if (const size_t at = findWord(item, "macOS"); at != npos) {
            f.mac = true;
            if (f.macVersion.empty() && at + 6 < item.size() && item[at + 5] == ' ')
                f.macVersion = versionAt(item.substr(at + 6));
        }
        f.mac = f.mac || hasWord(item, "Mac_PowerPC");
    }

    if (const size_t at = findWord(item, "Android"); at != npos) {
        f.android = true;
        if (f.androidVersion.empty() && at + 8 < item.size() && item[at + 7] == ' ')
            f.androidVersion = versionAt(item.substr(at + 8));
    }
    f.chromeos = f.chromeos || hasWord(item, "CrOS");

    for (size_t at = findWord(item, "Windows"); at != npos; at = findWord(item, "Windows", at + 7)) {
        f.windows = true;
        const std::string_view rest = item.substr(at + 7);
        if (istartsWith(rest, " NT")) {
            if (f.windowsNt.empty() && rest.size() > 4 && rest[3] == ' ')
                f.windowsNt = versionAt(rest.substr(4));
        } else if (!f.windowsName && rest.size() > 1 && rest[0] == ' ') {
            f.windowsName = windowsRelease(rest.substr(1));
        }
    }
    if (hasWord(item, "Win98")) {
        f.windows = true;
        f.windowsName = "98";
    }
    if (hasWord(item, "Win95")) {
        f.windows = true;
        f.windowsName = "95";
    }
    if (hasWord(item, "Win 9x 4.90"))
        f.windows = f.windowsMe = true;
    f.windows = f.windows || hasWord(item, "WinNT");

    f.freebsd = f.freebsd || hasWord(item, "FreeBSD");
    f.openbsd = f.openbsd || hasWord(item, "OpenBSD");
    f.netbsd = f.netbsd || hasWord(item, "NetBSD");
    f.solaris = f.solaris || hasWord(item, "SunOS") || hasWord(item, "Solaris");
    static constexpr std::string_view kLinux[] = {"Linux",  "Ubuntu", "Fedora",   "Debian",
                                                  "CentOS", "Red Hat", "openSUSE", "SUSE",
                                                  "Gentoo", "Wayland"};
    for (std::string_view word : kLinux)
        f.linuxOs = f.linuxOs || hasWord(item, word);
}

// A product token outside comments ("Chrome/120.0.0.0", "KAIOS/2.5"). Only agents that exist on a
// single OS name it here; a product name that merely contains an OS name ("NotWindows/1") does not.
void readProduct(std::string_view token, Facts& f)
{
    const std::string_view name = token.substr(0, token.find('/'));
    if (iequals(name, "Chrome"))
        f.chromeProduct = true;
    else if (icontains(name, "Chrom"))   // Chromium, HeadlessChrome, Chrome-Lighthouse
        f.chromeFamilyProduct = true;
    else if (iequals(name, "Firefox"))
        f.firefoxProduct = true;
    else if (iequals(name, "AppleWebKit"))
        f.webkitProduct = true;
    else if (iequals(name, "Android"))   // "Android/33" in app UAs is an API level, not a version
        f.android = true;
    else if (iequals(name, "Linux") || iequals(name, "APT-HTTP"))
        f.linuxOs = true;
    else if (iequals(name, "KAIOS"))
        setOther(f, "KaiOS");
    else if (iequals(name, "Tizen"))   // HbbTV on Samsung TVs: "Tizen/6.0"
        setOther(f, "Tizen");
    else if (iequals(name, "watchOS"))
        setOther(f, "watchOS");
    else if (istartsWith(name, "Roku"))   // "Roku/DVP-9.10", "Roku4640X/DVP-7.70"
        setOther(f, "Roku");
    else if (istartsWith(name, "BlackBerry"))
        setOther(f, "BlackBerry");
    else if (iequals(name, "WindowsPowerShell") || iequals(name, "Microsoft-CryptoAPI"))
        f.windows = true;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && isSpace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back()))
        s.remove_suffix(1);
    return s;
}

// Splits the UA into product tokens (outside parentheses, split at blanks) and comment items
// (inside, split at ";", "," and parentheses, nested or not) in one pass.
void scan(std::string_view ua, Facts& f)
{
    size_t depth = 0;
    size_t start = 0;
    size_t commentStart = 0;
    bool firstCommentDone = false;
    for (size_t i = 0; i <= ua.size(); ++i) {
        const bool end = i == ua.size();
        const char c = end ? '\0' : ua[i];
        const bool boundary = end || c == '(' || c == ')' ||
                              (depth == 0 ? isSpace(c) : c == ';' || c == ',');
        if (!boundary)
            continue;
        if (const std::string_view item = trim(ua.substr(start, i - start));
            !item.empty() && !isAddress(item)) {
            if (depth == 0)
                readProduct(item, f);
            else
                readCommentItem(item, f);
        }
        start = i + 1;
        if (c == '(' && !end) {
            if (depth++ == 0)
                commentStart = i + 1;
        } else if (c == ')' && !end && depth > 0) {
            if (--depth == 0 && !firstCommentDone) {
                f.firstComment = ua.substr(commentStart, i - commentStart);
                firstCommentDone = true;
            }
        }
    }
}

// Tor Browser and Firefox with privacy.resistFingerprinting send this on Windows, macOS and Linux
// alike: Windows 10 without the "Win64; x64" a 64-bit Firefox on Windows adds.
bool isPrivacySpoofShape(std::string_view ua)
{
    constexpr std::string_view kHead = "Mozilla/5.0 (Windows NT 10.0; rv:";
    constexpr std::string_view kMiddle = ".0) Gecko/20100101 Firefox/";
    if (ua.substr(0, kHead.size()) != kHead)
        return false;
    ua.remove_prefix(kHead.size());
    size_t n = 0;
    while (n < ua.size() && isDigit(ua[n]))
        ++n;
    const std::string_view rv = ua.substr(0, n);
    ua.remove_prefix(n);
    if (rv.empty() || ua.substr(0, kMiddle.size()) != kMiddle)
        return false;
    ua.remove_prefix(kMiddle.size());
    return ua.size() == rv.size() + 2 && ua.substr(0, rv.size()) == rv &&
           ua.substr(rv.size()) == ".0";
}

// Crawlers, HTTP libraries, command-line and scanning tools. Apps' own HTTP stacks that put the
// app first (CFNetwork, okhttp behind an app name) are apps, but okhttp, Dalvik and Java used as
// the whole UA mean nobody set one.
bool isBot(std::string_view ua)
{
    static constexpr std::string_view kMarkers[] = {
        // crawlers and link previews
        "spider", "crawl", "slurp", "+http", "facebookexternalhit", "ia_archiver", "google-",
        "-google", "googleother", "google favicon", "feedfetcher", "bingpreview", "slackbot",
        "telegrambot",
        // automation, HTTP libraries and command-line tools
        "headlesschrome", "phantomjs", "lighthouse", "curl/", "wget", "python", "aiohttp",
        "httpx", "go-http-client", "okhttp", "java/", "java-http-client", "apache-httpclient",
        "libwww-perl", "lwp::", "httpie", "postmanruntime", "axios/", "node-fetch", "node.js",
        "undici", "got/", "dalvik/", "powershell/", "guzzlehttp", "dart/", "deno/", "bun/",
        "ruby/", "hackney/", "php-soap", "lua-resty-http",
        // Windows and Debian system agents
        "cryptoapi", "windows-update-agent", "delivery-optimization", "microsoft bits", "winhttp",
        "apt-http",
        // scanners
        "nmap", "nikto", "sqlmap", "masscan", "zgrab", "nuclei", "wpscan", "httrack",
    };
    for (std::string_view marker : kMarkers)
        if (icontains(ua, marker))
            return true;
    // "Googlebot/2.1", "bingbot/2.0", "AdsBot-Google", "Better Uptime Bot ": "bot" ending a name,
    // except in the phone maker Cubot ("CUBOT X19").
    for (size_t at = ifind(ua, "bot"); at != npos; at = ifind(ua, "bot", at + 1)) {
        if (at >= 2 && iequals(ua.substr(at - 2, 2), "cu"))
            continue;
        const size_t end = at + 3;
        if (end == ua.size() || ua[end] == '/' || ua[end] == '-' || ua[end] == ';' ||
            ua[end] == ')' || ua[end] == ',' || ua[end] == ' ')
            return true;
    }
    return false;
}

UaOs fromUserAgent(std::string_view ua)
{
    UaOs r;
    Facts f;
    scan(ua, f);
    if (!f.other.empty()) {
        r.os_class = UaClass::Other;
        r.name.assign(f.other);
    } else if (f.iphone || f.ipad || f.ipod || f.iosWord || f.iosLike) {
        r.os_class = UaClass::iOS;
        setVersion(r.version, f.iosVersion);
        r.ipad = f.ipad;
    } else if (f.android) {
        // Chrome's reduced UA says "Android 10; K" whatever the release: "10" may be newer.
        r.os_class = UaClass::Android;
        setVersion(r.version, f.androidVersion);
        r.android_webview = f.webview;
    } else if (f.chromeos) {
        r.os_class = UaClass::ChromeOS;
    } else if (f.windows) {
        r.os_class = UaClass::Windows;
        if (f.windowsMe)
            r.version = "ME";
        else if (!f.windowsNt.empty())
            setWindowsNt(r.version, f.windowsNt);
        else if (f.windowsName)
            r.version = f.windowsName;
    } else if (f.mac) {
        // Safari and Chrome freeze the version at 10_15_7 (Firefox at 10.15) on every later macOS.
        r.os_class = UaClass::macOS;
        setVersion(r.version, f.macVersion);
    } else if (f.freebsd) {
        r.os_class = UaClass::FreeBSD;
    } else if (f.openbsd) {
        r.os_class = UaClass::OpenBSD;
    } else if (f.netbsd) {
        r.os_class = UaClass::NetBSD;
    } else if (f.solaris) {
        r.os_class = UaClass::Solaris;
    } else if (f.linuxOs) {
        r.os_class = UaClass::Linux;
    } else if ((istartsWith(f.firstComment, "Mobile;") || istartsWith(f.firstComment, "Tablet;") ||
                istartsWith(f.firstComment, "TV;")) &&
               icontains(f.firstComment, "rv:")) {
        // Firefox OS names no platform, only the form factor (and at most the device).
        r.os_class = UaClass::Other;
        r.name = "Firefox OS";
    }
    if (r.known())
        r.source = "user-agent";

    // iPadOS Safari asks for desktop sites by default and then sends the Mac UA; Chrome for
    // Android's "Desktop site" sends desktop Linux Chrome's UA unchanged.
    r.desktop_mode_possible =
        (r.os_class == UaClass::macOS && f.macintosh && f.webkitProduct && !f.chromeProduct &&
         !f.chromeFamilyProduct && !f.firefoxProduct) ||
        (r.os_class == UaClass::Linux && f.firstComment == "X11; Linux x86_64" && f.chromeProduct);
    r.privacy_spoof_possible = isPrivacySpoofShape(ua);
    r.bot = isBot(ua);
    return r;
}

std::string_view unquote(std::string_view v)
{
    v = trim(v);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
        v = v.substr(1, v.size() - 2);
    return v;
}

// Sec-CH-UA-Platform values (the Client Hints spec lists "Android", "Chrome OS", "Chromium OS",
// "iOS", "Linux", "macOS", "Windows" and "Unknown"; Chromium also had "Fuchsia").
UaClass hintClass(std::string_view p)
{
    if (iequals(p, "Windows"))
        return UaClass::Windows;
    if (iequals(p, "macOS"))
        return UaClass::macOS;
    if (iequals(p, "Linux"))
        return UaClass::Linux;
    if (iequals(p, "Android"))
        return UaClass::Android;
    if (iequals(p, "Chrome OS") || iequals(p, "Chromium OS"))
        return UaClass::ChromeOS;
    if (iequals(p, "iOS"))
        return UaClass::iOS;
    if (iequals(p, "Fuchsia"))
        return UaClass::Other;
    return UaClass::Unknown;
}

// Sec-CH-UA-Platform-Version for a class, or false when it says nothing usable. Windows sends its
// UniversalApiContract version: 0.1/0.2/0.3 for 7/8/8.1, 1 to 10 for 10, 13 and above for 11.
// Linux sends the kernel and ChromeOS the platform build, neither comparable with a UA version.
bool hintVersion(UaClass c, std::string_view v, std::string& out)
{
    v = unquote(v);
    if (v.empty() || v.size() > 15 || !isDigit(v.front()) || versionAt(v).size() != v.size())
        return false;
    if (c == UaClass::Windows) {
        size_t used = 0;
        const int major = leadingNumber(v, &used);
        if (major >= 13)
            out = "11";
        else if (major >= 1)
            out = "10";
        else {
            const int minor = used + 1 < v.size() ? leadingNumber(v.substr(used + 1)) : 0;
            if (minor < 1 || minor > 3)
                return false;
            out = minor == 1 ? "7" : minor == 2 ? "8" : "8.1";
        }
        return true;
    }
    if (c != UaClass::macOS && c != UaClass::iOS && c != UaClass::Android)
        return false;
    while (v.size() > 2 && v.substr(v.size() - 2) == ".0")   // "14.0.0" -> "14", as a UA says it
        v.remove_suffix(2);
    setVersion(out, v);
    return true;
}

} // namespace

std::string_view uaClassName(UaClass c)
{
    switch (c) {
    case UaClass::Unknown: return "unknown";
    case UaClass::Windows: return "Windows";
    case UaClass::macOS: return "macOS";
    case UaClass::iOS: return "iOS";
    case UaClass::Android: return "Android";
    case UaClass::Linux: return "Linux";
    case UaClass::ChromeOS: return "ChromeOS";
    case UaClass::FreeBSD: return "FreeBSD";
    case UaClass::OpenBSD: return "OpenBSD";
    case UaClass::NetBSD: return "NetBSD";
    case UaClass::Solaris: return "Solaris";
    case UaClass::Other: return "Other";
    }
    return "unknown";
}

std::string UaOs::text() const
{
    if (!known())
        return "unknown";
    std::string out(os_class == UaClass::Other && !name.empty() ? std::string_view(name)
                                                                 : uaClassName(os_class));
    if (!version.empty()) {
        out += ' ';
        out += version;
    }
    return out;
}

UaOs parseUserAgent(std::string_view userAgent, std::string_view platform,
                    std::string_view platformVersion)
{
    UaOs r = fromUserAgent(userAgent);
    const UaClass hinted = hintClass(unquote(platform));
    if (hinted == UaClass::Unknown)
        return r;
    if (hinted != r.os_class) {
        r.os_class = hinted;
        r.version.clear();
        r.name.clear();
        r.ipad = r.ipad && hinted == UaClass::iOS;
        r.android_webview = r.android_webview && hinted == UaClass::Android;
    }
    if (hinted == UaClass::Other)
        r.name = "Fuchsia";
    std::string version;
    if (hintVersion(hinted, platformVersion, version))
        r.version = std::move(version);
    r.source = "client-hints";
    return r;
}

} // namespace synscope
