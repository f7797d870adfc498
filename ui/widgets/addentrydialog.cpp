// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/addentrydialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

QString fingerprintSummary(const DbEntry& e)
{
    return u"IPv%1, TTL %2, window %3, options %4%5"_s.arg(e.fp.ip_version)
        .arg(e.fp.ip_ttl)
        .arg(e.fp.tcp_window_size)
        .arg(QString::fromStdString(e.fp.tcpOptions()))
        .arg(e.fp.ip_df ? u", DF"_s : QString());
}

} // namespace

AddEntryDialog::AddEntryDialog(std::vector<StoredEntry> proposed, const QStringList& classes, QWidget* parent)
    : QDialog(parent), m_proposed(std::move(proposed))
{
    setWindowTitle(m_proposed.size() == 1 ? tr("Add to Database") : tr("Add %n Fingerprints to Database", nullptr, int(m_proposed.size())));
    const StoredEntry* first = m_proposed.empty() ? nullptr : &m_proposed.front();

    auto* form = new QFormLayout;
    m_name = new QLineEdit(first ? first->entry.id : QString());
    m_name->setEnabled(m_proposed.size() == 1);   // several: each keeps its own unique name
    m_os = new QLineEdit(first ? first->entry.label.os_name : QString());
    m_os->setPlaceholderText(tr("e.g. Linux, Windows, macOS"));
    m_class = new QComboBox;
    QStringList choices = classes;
    if (first && !first->entry.label.os_class.isEmpty() && !choices.contains(first->entry.label.os_class))
        choices << first->entry.label.os_class;   // the class the User-Agent names
    m_class->addItem(QString());
    m_class->addItems(choices);
    m_class->setCurrentText(first ? first->entry.label.os_class : QString());
    m_version = new QLineEdit(first ? first->entry.label.version : QString());
    m_device = new QLineEdit(first ? first->entry.label.device : QString());
    m_notes = new QPlainTextEdit;
    m_notes->setTabChangesFocus(true);
    m_notes->setFixedHeight(m_notes->fontMetrics().height() * 4);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&OS:"), m_os);
    form->addRow(tr("C&lass:"), m_class);
    form->addRow(tr("&Version:"), m_version);
    form->addRow(tr("&Device:"), m_device);
    form->addRow(tr("No&tes:"), m_notes);

    auto* fingerprint = new QLabel;
    fingerprint->setWordWrap(true);
    fingerprint->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QStringList lines;
    for (size_t k = 0; k < m_proposed.size() && k < 5; ++k)
        lines << u"%1\n   %2"_s.arg(fingerprintSummary(m_proposed[k].entry), m_proposed[k].entry.label.provenance);
    if (m_proposed.size() > 5)
        lines << tr("… and %n more", nullptr, int(m_proposed.size() - 5));
    fingerprint->setText(lines.join(u'\n'));

    m_status = new QLabel;
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Add"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_os, &QLineEdit::textChanged, this, &AddEntryDialog::updateState);
    connect(m_name, &QLineEdit::textChanged, this, &AddEntryDialog::updateState);
    connect(m_class, &QComboBox::currentTextChanged, this, &AddEntryDialog::updateState);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(fingerprint);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(m_buttons);
    updateState();
}

void AddEntryDialog::updateState()
{
    QString why;
    if (m_proposed.empty())
        why = tr("No fingerprint to add.");
    else if (m_name->isEnabled() && m_name->text().trimmed().isEmpty())
        why = tr("An entry needs a name.");
    else if (m_os->text().trimmed().isEmpty())
        why = tr("Name the OS.");
    else if (m_class->currentText().isEmpty())
        why = tr("Choose a class.");
    m_status->setText(why);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(why.isEmpty());
}

std::vector<StoredEntry> AddEntryDialog::entries() const
{
    std::vector<StoredEntry> out = m_proposed;
    for (StoredEntry& s : out) {
        Label& l = s.entry.label;
        l.os_name = m_os->text().trimmed();
        l.os_class = m_class->currentText();
        l.version = m_version->text().trimmed();
        l.device = m_device->text().trimmed();
        l.notes = m_notes->toPlainText().trimmed();
    }
    if (out.size() == 1)
        out.front().entry.id = m_name->text().trimmed();
    return out;
}

} // namespace synscope
