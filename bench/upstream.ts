import { startFakeOpenAI } from '../test/helpers/fake-openai.js';

/**
 * The benchmark's upstream, in its own process so the load generator does not share its event loop.
 * Prints `{"url":…}` on one line once listening; exits on SIGTERM/SIGINT or when stdin closes (parent gone).
 */
const fake = await startFakeOpenAI({ port: Number(process.argv[2] ?? 0), record: false });
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void fake.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
