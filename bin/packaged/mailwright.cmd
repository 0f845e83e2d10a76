@echo off
rem `mailwright` of the installed app (resources\mailwright.cmd, beside app.asar): runs
rem Mailwright.exe as the command line (--mailwright-cli; see resources/mailwright).
setlocal
set MAILWRIGHT_CLI_PACKAGED=1
"%~dp0..\Mailwright.exe" --mailwright-cli %*
exit /b %ERRORLEVEL%
