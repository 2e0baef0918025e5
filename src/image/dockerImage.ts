import { spawn } from 'node:child_process';
import type Docker from 'dockerode';
import type { ImageManifest } from './manifest.js';

/** Imports the image's root tree into Docker (no registry), unless the tag exists. */
export async function ensureDockerImage(
  docker: Docker,
  manifest: ImageManifest,
  progress: (m: string) => void = () => {},
): Promise<void> {
  try {
    await docker.getImage(manifest.dockerTag).inspect();
    return;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  progress(
    `importing ${manifest.dockerTag} into Docker (the same tree as the VM disk, without /boot and kernel modules)`,
  );
  const tar = spawn(
    'tar',
    ['-C', manifest.rootfs, '--numeric-owner', '--exclude=./boot', '--exclude=./usr/lib/modules', '-cf', '-', '.'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let tarErr = '';
  tar.stderr.on('data', (d: Buffer) => {
    tarErr += d.toString();
  });
  // the tag inside `repo` (the API allows it): Podman's compatible API ignores a separate `tag`
  const stream = (await docker.importImage(tar.stdout as unknown as string, {
    repo: manifest.dockerTag,
  })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
      const failed = output?.find((o) => o.error);
      if (err || failed) reject(new Error(`docker import failed: ${err?.message ?? failed?.error}`));
      else resolve();
    });
  });
  const code: number | null = await new Promise((r) => (tar.exitCode !== null ? r(tar.exitCode) : tar.on('close', r)));
  if (code !== 0) throw new Error(`tar of ${manifest.rootfs} failed: ${tarErr.slice(0, 300)}`);
  await docker
    .getImage(manifest.dockerTag)
    .inspect()
    .catch(() => {
      throw new Error(`the engine imported the worker image but does not list it as ${manifest.dockerTag}`);
    });
}
