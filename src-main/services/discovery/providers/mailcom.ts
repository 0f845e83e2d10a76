// Thunderbird config-v1.1 settings for this provider, kept as a string module so that every
// runtime (electron-vite, vitest, Playwright's loader) can import it without a file loader.
export default String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- mail.com: published POP3/IMAP/SMTP settings (support.mail.com). Only the biggest of its many domains are listed; the others are found through their MX. -->
<clientConfig version="1.1">
  <emailProvider id="mailcom">
    <domain>mail.com</domain>
    <domain>email.com</domain>
    <domain>usa.com</domain>
    <domain>post.com</domain>
    <domain>myself.com</domain>
    <domain>consultant.com</domain>
    <domain>engineer.com</domain>
    <domain>dr.com</domain>
    <domain>accountant.com</domain>
    <domain>techie.com</domain>
    <domain>cheerful.com</domain>
    <domain>europe.com</domain>
    <domain>iname.com</domain>
    <domain>writeme.com</domain>
    <displayName>mail.com</displayName>
    <displayShortName>mail.com</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.mail.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.mail.com</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.mail.com</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.mail.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;
