// Thunderbird config-v1.1 settings for this provider, kept as a string module so that every
// runtime (electron-vite, vitest, Playwright's loader) can import it without a file loader.
export default String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- Google's published client settings: IMAP, POP and SMTP for Gmail (Gmail Help: "Read Gmail messages on other email clients using IMAP"). Passwords work only as app passwords (2-Step Verification). -->
<clientConfig version="1.1">
  <emailProvider id="gmail">
    <domain>gmail.com</domain>
    <domain>googlemail.com</domain>
    <displayName>Gmail</displayName>
    <displayShortName>Gmail</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.gmail.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.gmail.com</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.gmail.com</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.gmail.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <!-- OAuth2 (config-v1.1 <oAuth2>). Issuer and endpoints: Google's OpenID Connect discovery document
         (https://accounts.google.com/.well-known/openid-configuration) and "OAuth 2.0 for Mobile & Desktop Apps"
         (developers.google.com/identity/protocols/oauth2/native-app). Scope: https://mail.google.com/, the one scope
         Gmail accepts for IMAP, POP and SMTP (developers.google.com/gmail/imap/xoauth2-protocol). -->
    <oAuth2>
      <issuer>https://accounts.google.com</issuer>
      <scope>https://mail.google.com/</scope>
      <authURL>https://accounts.google.com/o/oauth2/v2/auth</authURL>
      <tokenURL>https://oauth2.googleapis.com/token</tokenURL>
    </oAuth2>
  </emailProvider>
</clientConfig>
`;
