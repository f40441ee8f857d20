// Preloaded into credproxy (node --expose-gc --import ./bench/gcProbe.mjs dist/main.js) by the
// memory figure: on a 'measure' message over the IPC channel, collect garbage and report memory.
import { getHeapSpaceStatistics } from 'node:v8';

process.on('message', (message) => {
  if (message !== 'measure') return;
  globalThis.gc?.();
  globalThis.gc?.();
  setTimeout(() => {
    const usage = process.memoryUsage();
    const spaces = Object.fromEntries(
      getHeapSpaceStatistics().map((space) => [space.space_name, space.physical_space_size]),
    );
    process.send?.({ ...usage, spaces });
  }, 200);
});
