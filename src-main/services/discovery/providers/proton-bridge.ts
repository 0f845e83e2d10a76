// Thunderbird config-v1.1 settings for this provider, kept as a string module so that every
// runtime (electron-vite, vitest, Playwright's loader) can import it without a file loader.
export default String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- Proton Mail through Proton Mail Bridge, which must run on this computer: Bridge's default ports (IMAP 1143, SMTP 1025, both STARTTLS on 127.0.0.1). The password is the one Bridge shows, not the Proton account password. Bridge presents its own self-signed certificate. -->
<clientConfig version="1.1">
  <emailProvider id="proton-bridge">
    <domain>proton.me</domain>
    <domain>protonmail.com</domain>
    <domain>protonmail.ch</domain>
    <domain>pm.me</domain>
    <displayName>Proton Mail (Bridge)</displayName>
    <displayShortName>Proton</displayShortName>
    <incomingServer type="imap">
      <hostname>127.0.0.1</hostname>
      <port>1143</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>127.0.0.1</hostname>
      <port>1025</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;
