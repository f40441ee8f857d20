// Reads a token file as fast as it can for <durationMs>, in bursts of 500 reads with a 1 ms
// pause between bursts, and reports every read that was not a whole token: 64 hex characters,
// no newline. A missing file counts as a bad read too.
//
//   node watchTokenFile.mjs <path> <durationMs>
//
// Prints {"reads": n, "tokens": n distinct, "badReads": n, "bad": [...first 5 descriptions]}.
import { readFileSync } from 'node:fs';

const [path, duration] = [process.argv[2], Number(process.argv[3])];
const deadline = Date.now() + duration;
const seen = new Set();
const bad = [];
let reads = 0;
let badReads = 0;

while (Date.now() < deadline) {
  for (let i = 0; i < 500; i++) {
    reads += 1;
    try {
      const text = readFileSync(path, 'utf8');
      if (/^[0-9a-f]{64}$/.test(text)) seen.add(text);
      else {
        badReads += 1;
        if (bad.length < 5) bad.push(`${text.length} characters`);
      }
    } catch (error) {
      badReads += 1;
      if (bad.length < 5) bad.push(error.code);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
}
process.stdout.write(`${JSON.stringify({ reads, tokens: seen.size, badReads, bad })}\n`);
