// Thunderbird config-v1.1 settings for this provider, kept as a string module so that every
// runtime (electron-vite, vitest, Playwright's loader) can import it without a file loader.
export default String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- AOL Mail: published IMAP/POP/SMTP settings (help.aol.com). Passwords are app passwords. -->
<clientConfig version="1.1">
  <emailProvider id="aol">
    <domain>aol.com</domain>
    <domain>aim.com</domain>
    <domain>aol.co.uk</domain>
    <domain>aol.de</domain>
    <domain>aol.fr</domain>
    <domain>aol.it</domain>
    <domain>aol.es</domain>
    <domain>aol.com.au</domain>
    <domain>netscape.net</domain>
    <domain>cs.com</domain>
    <domain>compuserve.com</domain>
    <displayName>AOL Mail</displayName>
    <displayShortName>AOL</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.aol.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.aol.com</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.aol.com</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.aol.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;
