// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/match/profile.h"

#include "core/detect/detect.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

constexpr uint32_t kEcnFlags = TcpEce | TcpCwr | TcpAe;
// Quirks scored by the Quirks field: df and ecn have fields of their own.
constexpr uint32_t kQuirkMask = ~static_cast<uint32_t>(QuirkDf | QuirkEcn);

uint32_t requiredKnown(ScoredField f)
{
    switch (f) {
    case ScoredField::IpVersion: return KnownIpVersion;
    case ScoredField::Df: return KnownDf;
    case ScoredField::Mf: return KnownMf;
    case ScoredField::Window: return KnownWindow;
    case ScoredField::WindowMss: return KnownWindow;
    case ScoredField::Flags: return KnownFlags;
    case ScoredField::HeaderLength: return KnownHeaderLength;
    case ScoredField::Mss: return KnownMss;
    case ScoredField::ClassicOptions: return KnownOptions;
    case ScoredField::OptionLayout: return KnownOptions;
    case ScoredField::InitialTtl: return KnownTtl;
    case ScoredField::WindowScale: return KnownWscale;
    case ScoredField::Timestamp: return KnownOptions;
    case ScoredField::Sack: return KnownOptions;
    case ScoredField::Ecn: return KnownFlags;
    case ScoredField::Quirks: return KnownQuirks;
    case ScoredField::Kind: return KnownFlags;
    }
    return 0;
}

QString optional(int v)
{
    return v < 0 ? u"none"_s : QString::number(v);
}

QString yesNo(bool b)
{
    return b ? u"yes"_s : u"no"_s;
}

QString windowText(const Profile::Features& f)
{
    if (f.window_max && f.window > 0)
        return u"%1 (largest multiple of the MSS)"_s.arg(f.window);
    if (f.window_max)
        return u"largest multiple of the MSS"_s;
    if (f.window_multiple > 0 && f.mss > 0)
        return u"%1 (%2\u00d7MSS)"_s.arg(f.window).arg(f.window_multiple);
    if (f.window_multiple > 0)
        return u"%1\u00d7MSS"_s.arg(f.window_multiple);
    return QString::number(f.window);
}

QString valueText(ScoredField field, const Profile::Features& f)
{
    switch (field) {
    case ScoredField::IpVersion: return QString::number(f.ip_version);
    case ScoredField::Df: return f.ip_version == 6 ? u"n/a (IPv6)"_s : QString::number(f.df);
    case ScoredField::Mf: return QString::number(f.mf);
    case ScoredField::Window: return QString::number(f.window);
    case ScoredField::WindowMss: return windowText(f);
    case ScoredField::Flags: return u"0x%1"_s.arg(f.flags, 3, 16, QChar(u'0'));
    case ScoredField::HeaderLength: return QString::number(f.header_length);
    case ScoredField::Mss: return optional(f.mss);
    case ScoredField::ClassicOptions: return QString::fromStdString(f.notation);
    case ScoredField::OptionLayout: return QString::fromStdString(f.layout);
    case ScoredField::InitialTtl:
        return f.ttl != f.initial_ttl ? u"%1 (TTL %2)"_s.arg(f.initial_ttl).arg(f.ttl)
                                      : QString::number(f.initial_ttl);
    case ScoredField::WindowScale: return optional(f.wscale);
    case ScoredField::Timestamp: return yesNo(f.timestamp);
    case ScoredField::Sack: return yesNo(f.sack);
    case ScoredField::Ecn: return yesNo(f.ecn);
    case ScoredField::Quirks: return QString::fromStdString(quirksString(f.quirks));
    case ScoredField::Kind: return f.syn_ack ? u"SYN+ACK"_s : u"SYN"_s;
    }
    return QString();
}

void appendInt(std::string& key, int v)
{
    key += std::to_string(v);
    key += '|';
}

// Below this p0f does not look for window multiples either: tiny MSS values divide too much.
constexpr int kMinWindowUnit = 100;

} // namespace

int largestWindowMultiple(int unit)
{
    return unit > 0 ? 65535 / unit * unit : 0;
}

bool isLargestWindowMultiple(int window, int mss, bool timestamp)
{
    if (window <= 0 || mss < kMinWindowUnit)
        return false;
    if (window == largestWindowMultiple(mss))
        return true;
    const int payload = mss - kTimestampOptionBytes;
    return timestamp && payload >= kMinWindowUnit && window == largestWindowMultiple(payload);
}

QString scoredFieldName(ScoredField f)
{
    switch (f) {
    case ScoredField::IpVersion: return u"ip_version"_s;
    case ScoredField::Df: return u"ip_df"_s;
    case ScoredField::Mf: return u"ip_mf"_s;
    case ScoredField::Window: return u"tcp_window_size"_s;
    case ScoredField::WindowMss: return u"window (or k\u00d7MSS, largest multiple)"_s;
    case ScoredField::Flags: return u"tcp_flags"_s;
    case ScoredField::HeaderLength: return u"tcp_header_length"_s;
    case ScoredField::Mss: return u"tcp_mss"_s;
    case ScoredField::ClassicOptions: return u"tcp_options"_s;
    case ScoredField::OptionLayout: return u"option layout"_s;
    case ScoredField::InitialTtl: return u"initial TTL"_s;
    case ScoredField::WindowScale: return u"tcp_window_scaling"_s;
    case ScoredField::Timestamp: return u"timestamp option"_s;
    case ScoredField::Sack: return u"SACK permitted"_s;
    case ScoredField::Ecn: return u"ECN"_s;
    case ScoredField::Quirks: return u"quirks"_s;
    case ScoredField::Kind: return u"packet kind"_s;
    }
    return QString();
}

Profile::Profile(QString name, QString description, std::vector<FieldWeight> weights,
                 double maxScore, bool normalize)
    : m_name(std::move(name)), m_description(std::move(description)),
      m_weights(std::move(weights)), m_maxScore(maxScore), m_normalize(normalize)
{
    for (const FieldWeight& fw : m_weights) {
        const bool options = fw.field == ScoredField::ClassicOptions;
        const double quarters = (options ? fw.weight * 2.0 / 3.0 : fw.weight) * 4;
        if (fw.weight < 0 || quarters != std::floor(quarters))
            qFatal("profile %s: weight %g of %s is not a multiple of %s", qPrintable(m_name),
                   fw.weight, qPrintable(scoredFieldName(fw.field)), options ? "0.75" : "0.25");
    }
}

const Profile& Profile::classic()
{
    // zardaxt 2021 makeOsGuess: a perfect match scores 10.
    static const Profile p(u"classic"_s,
                           u"zardaxt 2021 scoring: raw field equality, perfect score 10"_s,
                           {{ScoredField::Df, 1.0},
                            {ScoredField::Mf, 1.0},
                            {ScoredField::Window, 1.5},
                            {ScoredField::Flags, 1.0},
                            {ScoredField::HeaderLength, 1.0},
                            {ScoredField::Mss, 1.5},
                            {ScoredField::ClassicOptions, 3.0}},
                           10.0, false);
    return p;
}

const Profile& Profile::synscope()
{
    // Weights chosen and explained in docs/SCORING.md (leave-one-out on the zardaxt database).
    static const Profile p(u"synscope"_s,
                           u"path-independent features, unknown fields not scored, out of 10"_s,
                           {{ScoredField::OptionLayout, 3.0},
                            {ScoredField::WindowMss, 2.0},
                            {ScoredField::WindowScale, 1.5},
                            {ScoredField::InitialTtl, 1.5},
                            {ScoredField::Df, 1.0},
                            {ScoredField::Timestamp, 0.5},
                            {ScoredField::Sack, 0.5},
                            {ScoredField::Ecn, 0.5},
                            {ScoredField::Quirks, 1.0},
                            {ScoredField::Mss, 0.25},
                            {ScoredField::Kind, 1.0}},
                           10.0, true);
    return p;
}

std::vector<const Profile*> Profile::all()
{
    return {&synscope(), &classic()};
}

const Profile* Profile::byName(QStringView name)
{
    for (const Profile* p : all())
        if (name.compare(p->name(), Qt::CaseInsensitive) == 0)
            return p;
    return nullptr;
}

Profile::Features Profile::features(const Fingerprint& fp)
{
    Features f;
    f.ip_version = fp.ip_version;
    f.ttl = fp.ip_ttl;
    f.initial_ttl = estimateHops(fp.ip_ttl).initial_ttl;
    f.df = fp.ip_df;
    f.mf = fp.ip_mf;
    f.window = fp.tcp_window_size;
    if (fp.tcp_mss > 0 && fp.tcp_window_size > 0 && fp.tcp_window_size % fp.tcp_mss == 0)
        f.window_multiple = fp.tcp_window_size / fp.tcp_mss;
    f.window_max = isLargestWindowMultiple(fp.tcp_window_size, fp.tcp_mss, fp.tcp_has_timestamp);
    f.flags = fp.tcp_flags;
    f.syn_ack = fp.isSynAck();
    f.header_length = fp.tcp_header_length;
    f.mss = fp.tcp_mss;
    f.wscale = fp.tcp_window_scaling;
    f.timestamp = fp.tcp_has_timestamp;
    f.sack = fp.tcp_sack_permitted;
    f.ecn = (fp.tcp_flags & kEcnFlags) != 0 || (fp.quirks & QuirkEcn) != 0;
    f.quirks = fp.quirks & kQuirkMask;
    f.notation = fp.tcpOptions();
    f.layout = fp.optionLayout();
    return f;
}

Profile::Features Profile::features(const DbEntry& entry)
{
    Features f = features(entry.fp);
    f.known = entry.known;
    if (entry.window_mss_multiple > 0) {
        f.window_multiple = entry.window_mss_multiple;
        f.window = entry.fp.tcp_mss > 0 ? entry.window_mss_multiple * entry.fp.tcp_mss : 0;
    } else if (entry.window_mss_max) {
        // Only the rule is known: no literal window, no fixed multiple.
        f.window_max = true;
        f.window = 0;
        f.window_multiple = 0;
    }
    if (!(entry.known & KnownIpVersion) && (entry.known & KnownDf))
        f.ip_version = 4;   // DF only exists in IPv4
    return f;
}

double Profile::rawPoints(ScoredField field, double weight, const Features& o,
                          const Features& e) const
{
    switch (field) {
    case ScoredField::IpVersion: return o.ip_version == e.ip_version ? weight : 0;
    case ScoredField::Df: return o.df == e.df ? weight : 0;
    case ScoredField::Mf: return o.mf == e.mf ? weight : 0;
    case ScoredField::Window: return o.window == e.window ? weight : 0;
    case ScoredField::WindowMss:
        if (e.window_multiple > 0 && o.window_multiple == e.window_multiple)
            return weight;
        if (e.window_max && o.window_max)
            return weight;
        return e.window > 0 && o.window == e.window ? weight : 0;
    case ScoredField::Flags: return o.flags == e.flags ? weight : 0;
    case ScoredField::HeaderLength: return o.header_length == e.header_length ? weight : 0;
    case ScoredField::Mss: return o.mss == e.mss ? weight : 0;
    case ScoredField::ClassicOptions:
        if (o.notation == e.notation)
            return weight;
        return o.layout == e.layout ? weight * 2.0 / 3.0 : 0;
    case ScoredField::OptionLayout: return o.layout == e.layout ? weight : 0;
    case ScoredField::InitialTtl: return o.initial_ttl == e.initial_ttl ? weight : 0;
    case ScoredField::WindowScale: return o.wscale == e.wscale ? weight : 0;
    case ScoredField::Timestamp: return o.timestamp == e.timestamp ? weight : 0;
    case ScoredField::Sack: return o.sack == e.sack ? weight : 0;
    case ScoredField::Ecn: return o.ecn == e.ecn ? weight : 0;
    case ScoredField::Quirks: return o.quirks == e.quirks ? weight : 0;
    case ScoredField::Kind: return o.syn_ack == e.syn_ack ? weight : 0;
    }
    return 0;
}

// A field the entry does not know, or (normalized profiles) one that does not apply to this pair:
// DF means nothing when either side is IPv6.
bool Profile::applies(ScoredField f, const Features& o, const Features& e) const
{
    if (!(e.known & requiredKnown(f)))
        return false;
    if (m_normalize && f == ScoredField::Df && (o.ip_version == 6 || e.ip_version == 6))
        return false;
    return true;
}

Profile::Tally Profile::tally(const Features& o, const Features& e) const
{
    Tally t;
    for (const FieldWeight& fw : m_weights) {
        if (!applies(fw.field, o, e))
            continue;
        t.possible += fw.weight;
        t.points += rawPoints(fw.field, fw.weight, o, e);
    }
    return t;
}

double Profile::scaled(const Tally& t) const
{
    if (!m_normalize)
        return t.points;
    return t.possible > 0 ? t.points * m_maxScore / t.possible : 0.0;
}

double Profile::score(const Fingerprint& fp, const DbEntry& entry) const
{
    return score(features(fp), features(entry));
}

std::vector<FieldScore> Profile::explain(const Fingerprint& fp, const DbEntry& entry) const
{
    const Features o = features(fp);
    const Features e = features(entry);
    double possible = 0;
    for (const FieldWeight& fw : m_weights)
        if (applies(fw.field, o, e))
            possible += fw.weight;
    const double scale = !m_normalize ? 1.0 : possible > 0 ? m_maxScore / possible : 0.0;
    std::vector<FieldScore> out;
    out.reserve(m_weights.size());
    for (const FieldWeight& fw : m_weights) {
        FieldScore s;
        s.field = scoredFieldName(fw.field);
        s.observed = valueText(fw.field, o);
        if (!applies(fw.field, o, e)) {
            s.expected = (e.known & requiredKnown(fw.field)) ? valueText(fw.field, e) : u"?"_s;
            s.weight = 0;
            s.points = 0;
        } else {
            s.expected = valueText(fw.field, e);
            s.weight = fw.weight * scale;
            s.points = rawPoints(fw.field, fw.weight, o, e) * scale;
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::string Profile::observationKey(const Features& o) const
{
    std::string key;
    key.reserve(64);
    for (const FieldWeight& fw : m_weights) {
        switch (fw.field) {
        case ScoredField::IpVersion: appendInt(key, o.ip_version); break;
        case ScoredField::Df: appendInt(key, o.df); appendInt(key, o.ip_version); break;
        case ScoredField::Mf: appendInt(key, o.mf); break;
        case ScoredField::Window: appendInt(key, o.window); break;
        case ScoredField::WindowMss:
            appendInt(key, o.window);
            appendInt(key, o.window_multiple);
            appendInt(key, o.window_max);
            break;
        case ScoredField::Flags: appendInt(key, o.flags); break;
        case ScoredField::HeaderLength: appendInt(key, o.header_length); break;
        case ScoredField::Mss: appendInt(key, o.mss); break;
        case ScoredField::ClassicOptions: key += o.notation; key += '|'; break;
        case ScoredField::OptionLayout: key += o.layout; key += '|'; break;
        case ScoredField::InitialTtl: appendInt(key, o.initial_ttl); break;
        case ScoredField::WindowScale: appendInt(key, o.wscale); break;
        case ScoredField::Timestamp: appendInt(key, o.timestamp); break;
        case ScoredField::Sack: appendInt(key, o.sack); break;
        case ScoredField::Ecn: appendInt(key, o.ecn); break;
        case ScoredField::Quirks: appendInt(key, static_cast<int>(o.quirks)); break;
        case ScoredField::Kind: appendInt(key, o.syn_ack); break;
        }
    }
    return key;
}

std::string Profile::entryKey(const Features& e) const
{
    std::string key = observationKey(e);
    appendInt(key, static_cast<int>(e.known));
    return key;
}

} // namespace synscope
