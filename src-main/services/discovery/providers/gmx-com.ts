// Thunderbird config-v1.1 settings for this provider, kept as a string module so that every
// runtime (electron-vite, vitest, Playwright's loader) can import it without a file loader.
export default String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- GMX international (gmx.com and its country domains): published settings (support.gmx.com). Same company as gmx.net, other servers. -->
<clientConfig version="1.1">
  <emailProvider id="gmx-com">
    <domain>gmx.com</domain>
    <domain>gmx.us</domain>
    <domain>gmx.co.uk</domain>
    <domain>gmx.fr</domain>
    <domain>gmx.es</domain>
    <domain>gmx.it</domain>
    <domain>gmx.ca</domain>
    <domain>gmx.ie</domain>
    <domain>gmx.pt</domain>
    <domain>gmx.se</domain>
    <domain>gmx.tm</domain>
    <domain>gmx.li</domain>
    <displayName>GMX</displayName>
    <displayShortName>GMX</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.gmx.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.gmx.com</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>mail.gmx.com</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>mail.gmx.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;
