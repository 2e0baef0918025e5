import fs from 'node:fs';
import path from 'node:path';
import type { ImageManifest } from '../../image/manifest.js';
import { run } from '../../util/exec.js';

/** The box name of a worker image: one box per image content hash. */
export function workerBoxName(image: Pick<ImageManifest, 'hash'>): string {
  return `versus/worker-${image.hash.slice(0, 16)}`;
}

export function workerBoxFile(image: Pick<ImageManifest, 'dir'>): string {
  return path.join(image.dir, 'worker-libvirt.box');
}

/** metadata.json of a vagrant-libvirt box in the v2 (disks) format: sizes come from qemu-img. */
export function libvirtBoxMetadata(): Record<string, unknown> {
  return { provider: 'libvirt', format: 'qcow2', disks: [{ path: 'box.img', format: 'qcow2' }] };
}

/** `vagrant box list` lines: "name (provider, version)" (plus an architecture in newer vagrants). */
export function parseBoxList(text: string): { name: string; provider: string; version: string }[] {
  const out: { name: string; provider: string; version: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+\(([^,\s]+),\s*([^,\s)]+).*\)$/.exec(line.trim());
    if (m) out.push({ name: m[1]!, provider: m[2]!, version: m[3]! });
  }
  return out;
}

/** The boxes vagrant has (empty when it cannot say). */
export async function listBoxes(vagrant: string, env: NodeJS.ProcessEnv): Promise<ReturnType<typeof parseBoxList>> {
  return parseBoxList((await run(vagrant, ['box', 'list'], { env, timeoutMs: 120_000, allowFail: true })).stdout);
}

/**
 * Packs the worker image's disk as a libvirt box (an uncompressed tar: the
 * qcow2 is already compact, and gzip would cost a minute for nothing).
 */
export async function buildLibvirtBox(image: ImageManifest): Promise<string> {
  const file = workerBoxFile(image);
  if (fs.existsSync(file)) return file;
  const staging = fs.mkdtempSync(path.join(image.dir, 'box-'));
  try {
    fs.writeFileSync(path.join(staging, 'metadata.json'), `${JSON.stringify(libvirtBoxMetadata())}\n`);
    fs.writeFileSync(
      path.join(staging, 'info.json'),
      `${JSON.stringify({ author: 'versus', image: image.hash, node: image.nodeVersion, kernel: image.kernelVersion })}\n`,
    );
    const tmp = `${file}.tmp`;
    await run('tar', [
      '-cf',
      tmp,
      '-C',
      staging,
      'metadata.json',
      'info.json',
      '-C',
      path.dirname(image.disk),
      '--transform',
      `s,^${path.basename(image.disk)}$,box.img,`,
      path.basename(image.disk),
    ]);
    fs.renameSync(tmp, file);
    return file;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Adds the worker image's box to vagrant unless it is there already; returns the box name. */
export async function ensureLibvirtBox(
  vagrant: string,
  image: ImageManifest,
  env: NodeJS.ProcessEnv,
  log: (m: string) => void,
): Promise<string> {
  const name = workerBoxName(image);
  if ((await listBoxes(vagrant, env)).some((b) => b.name === name && b.provider === 'libvirt')) return name;
  const file = await buildLibvirtBox(image);
  log(`vagrant: adding box ${name} from ${file}`);
  await run(vagrant, ['box', 'add', '--force', '--name', name, file], { env, timeoutMs: 600_000 });
  return name;
}

/** Removes the worker image's box from vagrant, if it is there; true when it was. */
export async function removeLibvirtBox(
  vagrant: string,
  image: Pick<ImageManifest, 'hash'>,
  env: NodeJS.ProcessEnv,
): Promise<boolean> {
  const name = workerBoxName(image);
  if (!(await listBoxes(vagrant, env)).some((b) => b.name === name)) return false;
  await run(vagrant, ['box', 'remove', '--force', '--all', name], { env, timeoutMs: 120_000 });
  return true;
}
