// Thunderbird config-v1.1 settings for this provider, kept as a string module so that every
// runtime (electron-vite, vitest, Playwright's loader) can import it without a file loader.
export default String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- Fastmail's published server names and ports (fastmail.help: Server names and ports). Passwords are app passwords. -->
<clientConfig version="1.1">
  <emailProvider id="fastmail">
    <domain>fastmail.com</domain>
    <domain>fastmail.fm</domain>
    <domain>fastmail.net</domain>
    <domain>fastmail.org</domain>
    <domain>fastmail.us</domain>
    <domain>fastmail.co.uk</domain>
    <domain>fastmail.com.au</domain>
    <domain>fastmail.de</domain>
    <domain>fastmail.in</domain>
    <domain>fastmail.jp</domain>
    <domain>fastmail.to</domain>
    <domain>fastmail.cn</domain>
    <domain>messagingengine.com</domain>
    <domain>sent.com</domain>
    <domain>eml.cc</domain>
    <displayName>Fastmail</displayName>
    <displayShortName>Fastmail</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.fastmail.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <authentication>OAuth2</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.fastmail.com</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <authentication>OAuth2</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.fastmail.com</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <authentication>OAuth2</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.fastmail.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <authentication>OAuth2</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;
