import { createApplication } from './bootstrap.ts';
import { ConfigError, loadConfig } from './config.ts';

/** `npm start`: read the config once, start everything, stop gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
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
  const { url } = await application.listen();
  const base = config.http.publicUrl.startsWith(`http://localhost:${config.http.port}`) ? url : config.http.publicUrl;
  application.logger.info({ url: base, ms: Date.now() - started }, 'Concierge is ready');

  const lines = [`Concierge is running at ${base}`, `  demo store:   ${base}/`, `  API docs:     ${base}/api/docs`];
  if (!config.mail.smtpUrl && !config.isProduction) lines.push(`  dev outbox:   ${base}/dev/outbox`);
  const demo = application.demo;
  if (demo?.admin) {
    // Printed to the terminal once, on the first start; never written to the log.
    lines.push('', 'Demo store created. Merchant login (shown only now):', `  email:    ${demo.admin.email}`, `  password: ${demo.admin.generated ? demo.admin.password : '(ADMIN_PASSWORD)'}`);
  }
  const first = application.firstStart;
  if (first) {
    // The first owner of an empty database (demo off): printed once, never logged.
    lines.push('', 'First start: created the store "My Store" and its owner (shown only now):', `  email:    ${first.email}`, `  password: ${first.generated ? first.password : '(ADMIN_PASSWORD)'}`);
  }
  process.stdout.write(`\n${lines.join('\n')}\n\n`);

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
}

main().catch((error: unknown) => {
  process.stderr.write(`Concierge failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
