import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createApplication } from './bootstrap.ts';
import { ConfigError, loadConfig, loadDotEnv } from './config.ts';

/** `npm start`: read the config once, start everything, stop gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const started = Date.now();
  const application = await createApplication(config);
  // Handlers before the server listens: a service manager may stop us as soon as it sees us ready.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    application.logger.info({ signal }, 'shutting down');
    application.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const { url } = await application.listen();
  const base = config.http.publicUrl.startsWith(`http://localhost:${config.http.port}`) ? url : config.http.publicUrl;

  // A login created by this start (demo seed or first owner of an empty database). Never logged.
  const created = application.demo?.admin
    ? { heading: 'Demo store created. Merchant login (shown only now):', ...application.demo.admin }
    : application.firstStart
      ? { heading: 'First start: created the store "My Store" and its owner (shown only now):', ...application.firstStart }
      : undefined;
  const credentials = created && [created.heading, `  email:    ${created.email}`, `  password: ${created.generated ? created.password : '(ADMIN_PASSWORD)'}`];

  if (process.stdout.isTTY) {
    // The human banner: only on a terminal, so a log collector sees JSON lines only.
    const lines = [`Concierge is running at ${base}`];
    if (application.demoPage) lines.push(`  demo store:   ${base}/`);
    lines.push(`  API docs:     ${base}/api/docs`);
    if (config.mail.transport === 'outbox' && !config.isProduction) lines.push(`  dev outbox:   ${base}/dev/outbox`);
    if (credentials) lines.push('', ...credentials);
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
  } else if (created?.generated) {
    // No terminal (a container, a service manager): the generated password goes to a file only its owner reads.
    const file = path.join(config.dataDir, 'first-login.txt');
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, `${credentials!.join('\n')}\n\nDelete this file once you have signed in and changed the password.\n`, { mode: 0o600 });
    application.logger.warn({ file, email: created.email }, 'created a merchant login with a generated password: it is in this file (delete it after signing in)');
  }
  // Ready once everything this start leaves behind (the login file) is in place.
  application.logger.info({ url: base, ms: Date.now() - started }, 'Concierge is ready');
}

main().catch((error: unknown) => {
  process.stderr.write(`Concierge failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
