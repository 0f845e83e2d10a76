/**
 * `mailwright sandbox`: the app's capture server (services/sandbox/capture.ts) alone in the
 * foreground, for developers pointing their own software at it: where it listens, the user name
 * and password of this run, each message as it arrives, until Ctrl-C. --fault rules are given to
 * the server as the app's fault panel gives them (shared/sandbox.ts).
 */
import { join } from 'node:path';
import type { Fault } from '../../shared/sandbox';
import { silentLogger } from '../services/logger';
import { startCaptureServer, type CapturedMessage } from '../services/sandbox/capture';
import type { SandboxCommand } from './args';
import { dataFolder } from './data';
import { EXIT } from './exit-codes';
import { CliFailure, type CliIo } from './io';

export function describeFault(fault: Fault): string {
  const chance = fault.probability < 1 ? ` (probability ${fault.probability})` : '';
  switch (fault.kind) {
    case 'reply':
      return `answer ${fault.code} at ${fault.stage}${fault.recipients ? ` for ${fault.recipients}` : ''}${chance}`;
    case 'drop':
      return `drop the connection ${fault.at.replaceAll('-', ' ')}${chance}`;
    case 'slow':
      return `every reply waits ${fault.delayMs} ms${chance}`;
    case 'tls':
      return `TLS with a certificate no one trusts${chance}`;
  }
}

/** The Subject header of a captured message, for the line printed as it arrives. */
function subjectOf(bytes: Buffer | undefined): string {
  const head = bytes?.subarray(0, 64 * 1024).toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
  const match = /^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head);
  return match ? match[1]!.replace(/\r?\n[ \t]+/g, ' ').trim() : '';
}

export async function runSandbox(cmd: SandboxCommand, io: CliIo): Promise<number> {
  const dir = cmd.dir ?? join(dataFolder(cmd.dataDir, io.env), 'sandbox-cli');
  const emit = (event: object) => io.out(`${JSON.stringify(event)}\n`);
  let server: Awaited<ReturnType<typeof startCaptureServer>>;
  const arrived: CapturedMessage[] = [];
  let announce: (message: CapturedMessage) => void = (m) => arrived.push(m);
  try {
    server = await startCaptureServer({ dir, logger: silentLogger, ...(cmd.port ? { port: cmd.port } : {}), onCaptured: (m) => announce(m) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliFailure(EXIT.USAGE, `Port ${cmd.port} of 127.0.0.1 is already in use: choose another with --port, or leave it out for a free one.`);
    if (code === 'EACCES') throw new CliFailure(EXIT.USAGE, `Port ${cmd.port} needs privileges this user does not have: choose one above 1023.`);
    throw new CliFailure(EXIT.INTERNAL, `The sandbox could not start in ${dir}: ${(error as Error).message}`);
  }
  server.setFaults({ rules: cmd.faults });
  const listening = { host: server.host, port: server.port, user: server.credentials.user, password: server.credentials.pass, dir, faults: cmd.faults };
  if (cmd.json) emit({ event: 'listening', ...listening });
  else
    io.out(
      [
        `Mailwright sandbox listening on ${server.host}:${server.port} (SMTP, AUTH PLAIN or LOGIN required)`,
        `  user:      ${server.credentials.user}`,
        `  password:  ${server.credentials.pass}   (new each run)`,
        `  kept in:   ${dir}`,
        ...(cmd.faults.length ? ['  faults:', ...cmd.faults.map((f) => `    - ${describeFault(f)}`)] : ['  faults:    none']),
        'Each message is printed as it arrives. Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  announce = (message) =>
    void server.read(message.id).then((bytes) => {
      const subject = subjectOf(bytes);
      if (cmd.json) emit({ event: 'captured', id: message.id, receivedAt: message.receivedAt, mailFrom: message.envelope.mailFrom, rcptTo: message.envelope.rcptTo, size: message.size, sha256: message.sha256, subject, file: join(dir, `${message.id}.eml`) });
      else io.out(`${message.receivedAt}  from <${message.envelope.mailFrom}> to ${message.envelope.rcptTo.map((r) => `<${r}>`).join(', ')}  ${message.size} bytes  "${subject}"  ${join(dir, `${message.id}.eml`)}\n`);
    });
  arrived.splice(0).forEach(announce);
  await io.untilInterrupted();
  await server.close();
  if (cmd.json) emit({ event: 'stopped', captured: server.list().length });
  else io.out('Sandbox stopped.\n');
  return EXIT.OK;
}
