// Thunderbird config-v1.1 settings for this provider, kept as a string module so that every
// runtime (electron-vite, vitest, Playwright's loader) can import it without a file loader.
export default String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- Microsoft's published settings for Outlook.com (support.microsoft.com: POP, IMAP, and SMTP settings for Outlook.com). Basic (password) authentication was switched off for Outlook.com in September 2024: OAuth2 only. -->
<clientConfig version="1.1">
  <emailProvider id="outlook">
    <domain>outlook.com</domain>
    <domain>hotmail.com</domain>
    <domain>live.com</domain>
    <domain>msn.com</domain>
    <domain>windowslive.com</domain>
    <domain>passport.com</domain>
    <domain>hotmail.co.uk</domain>
    <domain>hotmail.fr</domain>
    <domain>hotmail.de</domain>
    <domain>hotmail.it</domain>
    <domain>hotmail.es</domain>
    <domain>hotmail.nl</domain>
    <domain>hotmail.be</domain>
    <domain>hotmail.ca</domain>
    <domain>hotmail.com.au</domain>
    <domain>hotmail.com.br</domain>
    <domain>hotmail.co.jp</domain>
    <domain>live.co.uk</domain>
    <domain>live.fr</domain>
    <domain>live.de</domain>
    <domain>live.it</domain>
    <domain>live.nl</domain>
    <domain>live.be</domain>
    <domain>live.ca</domain>
    <domain>live.com.au</domain>
    <domain>live.com.mx</domain>
    <domain>outlook.de</domain>
    <domain>outlook.fr</domain>
    <domain>outlook.es</domain>
    <domain>outlook.it</domain>
    <domain>outlook.co.uk</domain>
    <domain>outlook.com.au</domain>
    <domain>outlook.com.br</domain>
    <domain>outlook.jp</domain>
    <displayName>Outlook.com (Microsoft)</displayName>
    <displayShortName>Outlook</displayShortName>
    <incomingServer type="imap">
      <hostname>outlook.office365.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>outlook.office365.com</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp-mail.outlook.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>OAuth2</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <!-- OAuth2 (config-v1.1 <oAuth2>). Endpoints: Microsoft identity platform v2.0, "common" tenant (personal and work
         accounts), as in learn.microsoft.com "Authenticate an IMAP, POP or SMTP connection using OAuth" and Thunderbird's
         OAuth2Providers.sys.mjs entry for login.microsoftonline.com. Scopes: the delegated Exchange Online permissions that
         page names for SMTP AUTH, IMAP and POP, plus offline_access for a refresh token. -->
    <oAuth2>
      <issuer>login.microsoftonline.com</issuer>
      <scope>https://outlook.office.com/SMTP.Send https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/POP.AccessAsUser.All offline_access</scope>
      <authURL>https://login.microsoftonline.com/common/oauth2/v2.0/authorize</authURL>
      <tokenURL>https://login.microsoftonline.com/common/oauth2/v2.0/token</tokenURL>
    </oAuth2>
  </emailProvider>
</clientConfig>
`;
