import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDirectoryIdentity } from '../../src/dynamic/readDirectoryIdentity.js';

describe('readDirectoryIdentity', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'credproxy-identity-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is undefined for a path that does not exist, or is a file, or lies below a file', async () => {
    await writeFile(join(root, 'file'), '');

    expect(await readDirectoryIdentity(join(root, 'none'))).toBeUndefined();
    expect(await readDirectoryIdentity(join(root, 'file'))).toBeUndefined();
    expect(await readDirectoryIdentity(join(root, 'file', 'below'))).toBeUndefined();
  });

  it('stays the same while files come and go in the directory', async () => {
    const dir = join(root, 'dynamic');
    await mkdir(dir);
    const before = await readDirectoryIdentity(dir);

    await writeFile(join(dir, 'app.yaml'), 'x');
    await rm(join(dir, 'app.yaml'));

    expect(await readDirectoryIdentity(dir)).toBe(before);
  });

  it('changes when the directory is deleted and created again, even on the same inode', async (context) => {
    const dir = join(root, 'dynamic');
    await mkdir(dir);
    const first = await stat(dir);
    if (first.birthtimeMs === 0) {
      console.warn('SKIPPED: this file system records no birth time');
      context.skip();
    }
    const before = await readDirectoryIdentity(dir);

    // ext4 usually hands the freed inode straight back; try a few times to get that case.
    let sameInode = false;
    for (let attempt = 0; attempt < 20 && !sameInode; attempt++) {
      await rm(dir, { recursive: true });
      await mkdir(dir);
      sameInode = (await stat(dir)).ino === first.ino;
    }
    const after = await readDirectoryIdentity(dir);

    expect(after).not.toBe(before);
    expect(after).toBeDefined();
  });
});
