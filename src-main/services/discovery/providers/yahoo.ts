// Thunderbird config-v1.1 settings for this provider, kept as a string module so that every
// runtime (electron-vite, vitest, Playwright's loader) can import it without a file loader.
export default String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- Yahoo's published IMAP/POP/SMTP settings (help.yahoo.com: IMAP server settings for Yahoo Mail). Passwords are app passwords. Yahoo Japan (yahoo.co.jp) is a different company with other servers and is not listed. -->
<clientConfig version="1.1">
  <emailProvider id="yahoo">
    <domain>yahoo.com</domain>
    <domain>ymail.com</domain>
    <domain>rocketmail.com</domain>
    <domain>yahoo.co.uk</domain>
    <domain>yahoo.ca</domain>
    <domain>yahoo.com.au</domain>
    <domain>yahoo.co.in</domain>
    <domain>yahoo.in</domain>
    <domain>yahoo.de</domain>
    <domain>yahoo.fr</domain>
    <domain>yahoo.es</domain>
    <domain>yahoo.it</domain>
    <domain>yahoo.ie</domain>
    <domain>yahoo.com.br</domain>
    <domain>yahoo.com.mx</domain>
    <domain>yahoo.com.ar</domain>
    <domain>yahoo.com.sg</domain>
    <domain>yahoo.com.ph</domain>
    <domain>yahoo.co.nz</domain>
    <domain>yahoo.se</domain>
    <domain>yahoo.dk</domain>
    <domain>yahoo.no</domain>
    <domain>yahoo.gr</domain>
    <displayName>Yahoo Mail</displayName>
    <displayShortName>Yahoo</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.mail.yahoo.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.mail.yahoo.com</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.mail.yahoo.com</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.mail.yahoo.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;
