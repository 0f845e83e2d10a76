// Thunderbird config-v1.1 settings for this provider, kept as a string module so that every
// runtime (electron-vite, vitest, Playwright's loader) can import it without a file loader.
export default String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- Microsoft's published settings for Microsoft 365 / Exchange Online (learn.microsoft.com: POP, IMAP and SMTP settings). SMTP AUTH with a password works only where the organisation still allows it; OAuth2 is listed first. -->
<clientConfig version="1.1">
  <emailProvider id="microsoft365">
    <domain>office365.com</domain>
    <domain>onmicrosoft.com</domain>
    <displayName>Microsoft 365</displayName>
    <displayShortName>Microsoft 365</displayShortName>
    <incomingServer type="imap">
      <hostname>outlook.office365.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>outlook.office365.com</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.office365.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
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
