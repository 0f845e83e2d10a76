// Thunderbird config-v1.1 settings for this provider, kept as a string module so that every
// runtime (electron-vite, vitest, Playwright's loader) can import it without a file loader.
export default String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- Apple's published settings (Apple Support: "iCloud Mail server settings for other email client apps"). IMAP takes the name part of the address, SMTP the full address; passwords are app-specific passwords. -->
<clientConfig version="1.1">
  <emailProvider id="icloud">
    <domain>icloud.com</domain>
    <domain>me.com</domain>
    <domain>mac.com</domain>
    <displayName>iCloud Mail</displayName>
    <displayShortName>iCloud</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.mail.me.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILLOCALPART%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.mail.me.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;
