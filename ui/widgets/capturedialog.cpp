// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/capturedialog.h"

#include "core/capture/packet_source.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <pcap/pcap.h>

namespace synscope {

namespace {
enum InterfaceColumn { NameColumn, StateColumn, AddressColumn, DescriptionColumn };
}

CaptureDialog::CaptureDialog(const QString& lastInterface, const QString& lastFilter, QWidget* parent)
    : QDialog(parent)
    , m_interfaces(new QTreeWidget)
    , m_filter(new QLineEdit)
    , m_filterStatus(new QLabel)
    , m_promiscuous(new QCheckBox(tr("&Promiscuous mode")))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel))
{
    setWindowTitle(tr("Start Capture"));
    m_interfaces->setHeaderLabels({tr("Interface"), tr("State"), tr("Addresses"), tr("Description")});
    m_interfaces->setRootIsDecorated(false);
    m_interfaces->setUniformRowHeights(true);
    m_interfaces->header()->setSectionResizeMode(QHeaderView::ResizeToContents);

    std::string error;
    const std::vector<InterfaceInfo> interfaces = listInterfaces(&error);
    for (const InterfaceInfo& info : interfaces) {
        QStringList state;
        state << (info.up ? tr("up") : tr("down"));
        if (info.running)
            state << tr("running");
        if (info.loopback)
            state << tr("loopback");
        QStringList addresses;
        for (const std::string& a : info.addresses)
            addresses << QString::fromStdString(a);
        auto* item = new QTreeWidgetItem(m_interfaces, {QString::fromStdString(info.name), state.join(QStringLiteral(", ")),
                                                        addresses.join(QStringLiteral(", ")),
                                                        QString::fromStdString(info.description)});
        if (!info.up)
            for (int c = 0; c < m_interfaces->columnCount(); ++c)
                item->setForeground(c, palette().color(QPalette::Disabled, QPalette::Text));
        if (item->text(NameColumn) == lastInterface)
            m_interfaces->setCurrentItem(item);
    }
    if (!m_interfaces->currentItem() && m_interfaces->topLevelItemCount() > 0)
        m_interfaces->setCurrentItem(m_interfaces->topLevelItem(0));

    auto* interfaceError = new QLabel;
    interfaceError->setWordWrap(true);
    if (interfaces.empty())
        interfaceError->setText(error.empty() ? tr("No capture interfaces were found.")
                                              : tr("Cannot list interfaces: %1").arg(QString::fromStdString(error)));
    interfaceError->setVisible(interfaces.empty());

    m_filter->setText(lastFilter.isEmpty() ? QString::fromStdString(defaultLiveFilter()) : lastFilter);
    m_filter->setClearButtonEnabled(true);
    m_filter->setPlaceholderText(tr("Capture filter (BPF syntax); empty captures everything"));
    auto* resetFilter = new QPushButton(tr("&Default"));
    resetFilter->setToolTip(tr("TCP SYN and SYN+ACK, and the FIN, RST, PSH and pure ACK segments connections need, over IPv4, IPv6 and VLAN"));
    m_filterStatus->setWordWrap(true);

    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(resetFilter);
    auto* form = new QFormLayout;
    auto* filterLabel = new QLabel(tr("Capture &filter:"));
    filterLabel->setBuddy(m_filter);   // without a buddy the '&' would show as it is
    form->addRow(filterLabel, filterRow);
    form->addRow(QString(), m_filterStatus);
    form->addRow(QString(), m_promiscuous);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_interfaces, 1);
    layout->addWidget(interfaceError);
    layout->addLayout(form);
    layout->addWidget(m_buttons);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Start"));

    connect(m_filter, &QLineEdit::textChanged, this, &CaptureDialog::updateState);
    connect(m_interfaces, &QTreeWidget::currentItemChanged, this, &CaptureDialog::updateState);
    connect(m_interfaces, &QTreeWidget::itemDoubleClicked, this, [this] {
        if (m_buttons->button(QDialogButtonBox::Ok)->isEnabled())
            accept();
    });
    connect(resetFilter, &QPushButton::clicked, this,
            [this] { m_filter->setText(QString::fromStdString(defaultLiveFilter())); });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(760, 420);
    updateState();
}

QString CaptureDialog::interfaceName() const
{
    const QTreeWidgetItem* item = m_interfaces->currentItem();
    return item ? item->text(NameColumn) : QString();
}

QString CaptureDialog::filter() const { return m_filter->text().trimmed(); }

bool CaptureDialog::promiscuous() const { return m_promiscuous->isChecked(); }

QString CaptureDialog::validateFilter(const QString& filter, int linkType)
{
    pcap_t* dead = pcap_open_dead(linkType, 262144);
    if (!dead)
        return tr("libpcap could not open a handle to check the filter");
    bpf_program program{};
    QString message;
    // Checked as the capture will compile it: the default adapted to the link type.
    const std::string compiled = filterForLinkType(filter.toStdString(), linkType);
    if (pcap_compile(dead, &program, compiled.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
        message = QString::fromLocal8Bit(pcap_geterr(dead));
    else
        pcap_freecode(&program);
    pcap_close(dead);
    return message;
}

void CaptureDialog::updateState()
{
    const QString error = validateFilter(filter(), expectedLinkType(interfaceName().toStdString()));
    m_filterStatus->setText(error.isEmpty() ? tr("Filter is valid.") : tr("Invalid filter: %1").arg(error));
    m_filterStatus->setStyleSheet(error.isEmpty() ? QStringLiteral("color: #2e7d32") : QStringLiteral("color: #c62828"));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty() && !interfaceName().isEmpty());
}

} // namespace synscope
