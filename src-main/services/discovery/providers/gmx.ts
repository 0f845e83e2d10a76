// Thunderbird config-v1.1 settings for this provider, kept as a string module so that every
// runtime (electron-vite, vitest, Playwright's loader) can import it without a file loader.
export default String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- GMX (Germany, Austria, Switzerland): published POP3/IMAP/SMTP settings (hilfe.gmx.net). Access by POP3/IMAP must be switched on once in GMX's web settings. -->
<clientConfig version="1.1">
  <emailProvider id="gmx">
    <domain>gmx.net</domain>
    <domain>gmx.de</domain>
    <domain>gmx.at</domain>
    <domain>gmx.ch</domain>
    <domain>gmx.eu</domain>
    <domain>gmx.biz</domain>
    <domain>gmx.org</domain>
    <domain>gmx.info</domain>
    <displayName>GMX</displayName>
    <displayShortName>GMX</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.gmx.net</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.gmx.net</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>mail.gmx.net</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>mail.gmx.net</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;
