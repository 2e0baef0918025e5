import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureImage } from '../../src/image/build.js';
import { ensureDockerImage } from '../../src/image/dockerImage.js';
import type { ImageManifest } from '../../src/image/manifest.js';
import { docker } from './helpers.js';

async function runInImage(image: ImageManifest, cmd: string[]): Promise<{ code: number; stdout: string }> {
  const c = await docker.createContainer({
    Image: image.dockerTag,
    Cmd: cmd,
    NetworkDisabled: true,
    Labels: { 'versus.owner': 'versus', 'versus.run': 'image-test' },
    HostConfig: { NetworkMode: 'none', Memory: 512 * 2 ** 20, NanoCpus: 1e9 },
  });
  try {
    const stream = await c.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    let stdout = '';
    out.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    docker.modem.demuxStream(stream, out, new PassThrough());
    const waited = c.wait({ condition: 'next-exit' });
    await c.start();
    const { StatusCode } = await waited;
    await new Promise((r) => setTimeout(r, 100));
    return { code: StatusCode, stdout };
  } finally {
    await c.remove({ force: true });
  }
}

describe('the worker image', () => {
  let image: ImageManifest;
  beforeAll(async () => {
    image = await ensureImage();
    await ensureDockerImage(docker, image);
  });

  it('returns from the cache when nothing changed: the same manifest, nothing rebuilt', async () => {
    const manifest = path.join(path.dirname(image.disk), 'manifest.json');
    const before = fs.statSync(manifest).mtimeMs;
    const again = await ensureImage();
    expect(again).toEqual(image);
    expect(fs.statSync(manifest).mtimeMs).toBe(before);
  });

  it("boots VMs into networkd and sshd only: the packages' own daemons, sockets and timers stay off", () => {
    const system = path.join(path.dirname(image.disk), 'rootfs/etc/systemd/system');
    expect(fs.readdirSync(path.join(system, 'multi-user.target.wants')).sort()).toEqual([
      'ssh.service',
      'systemd-networkd.service',
    ]);
    for (const quiet of ['sockets.target.wants', 'timers.target.wants'])
      expect(fs.existsSync(path.join(system, quiet)), quiet).toBe(false);
  });

  it("records the build, the node version, the kernel and the host key's fingerprint", () => {
    expect(image.buildSeconds).toBeGreaterThan(0);
    expect(image.nodeVersion).toMatch(/^v18\./);
    expect(image.hostKey.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    for (const f of [image.kernel, image.initrd, image.disk, image.clientKey]) expect(fs.existsSync(f), f).toBe(true);
    expect(fs.statSync(image.clientKey).mode & 0o777).toBe(0o600);
  });

  it('runs as a Docker image: prints the Node version and runs the tiny preset', async () => {
    const v = await runInImage(image, ['/usr/bin/node', '--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(image.nodeVersion);
    const r = await runInImage(image, [
      '/usr/bin/node',
      '/opt/versus/workloads/pagerank/pagerank.mjs',
      '--preset',
      'tiny',
      '--iterations',
      '5',
    ]);
    expect(r.code).toBe(0);
    const result = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((l) => l.type === 'result');
    expect(result.verified).toBe(true);
  });

  it('leaves /boot and kernel modules out of the container image', async () => {
    const r = await runInImage(image, ['/bin/sh', '-c', 'ls /boot | wc -l; ls /usr/lib/modules 2>/dev/null | wc -l']);
    expect(r.stdout.trim().split('\n')).toEqual(['0', '0']);
  });
});
