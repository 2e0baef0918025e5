import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ImageManifest {
  hash: string;
  dockerTag: string;
  createdAt: string;
  buildSeconds: number;
  suite: string;
  packages: string[];
  nodeVersion: string;
  kernelVersion: string;
  kernelCmdline: string;
  dir: string;
  rootfs: string;
  kernel: string;
  initrd: string;
  disk: string;
  diskBytes: number;
  clientKey: string; // path of the private key (0600); the key itself is never copied anywhere
  hostKey: { type: string; fingerprint: string; publicKeyBase64: string };
  workloadsHash: string;
}

export function cacheDir(): string {
  return process.env.VERSUS_CACHE ?? path.join(os.homedir(), '.cache', 'versus');
}

export function imagesDir(): string {
  return path.join(cacheDir(), 'images');
}

export function imageDir(hash: string): string {
  return path.join(imagesDir(), hash.slice(0, 16));
}

export function readManifest(dir: string): ImageManifest | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ImageManifest;
  } catch {
    return null;
  }
}

export function listImages(): ImageManifest[] {
  if (!fs.existsSync(imagesDir())) return [];
  return fs
    .readdirSync(imagesDir())
    .filter((d) => !d.includes('.tmp'))
    .map((d) => readManifest(path.join(imagesDir(), d)))
    .filter((m): m is ImageManifest => m !== null);
}
