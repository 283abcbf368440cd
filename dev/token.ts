import { main } from './token-cli.js';

// Entry point of `npm run token` (node dist/dev/token.js). The logic lives in token-cli.ts so
// tests can import it without running it.
try {
  const result = await main(process.argv.slice(2), process.env);
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
} catch (error) {
  // e.g. the data folder is not writable: one readable line rather than a stack trace.
  process.stderr.write(`Could not sign a token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
