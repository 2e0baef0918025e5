import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../util/errors.js';
import { run, which } from '../util/exec.js';
import { sha256 } from '../util/hash.js';
import { GUEST_WORKLOADS_DIR } from '../util/paths.js';
import { projectBundle, type WorkloadBundle } from '../workload/bundle.js';
import { type ImageManifest, imageDir, imagesDir, readManifest } from './manifest.js';
import { IMAGE_SPEC, imageHash, mirrorFromAptSources } from './spec.js';

export type Progress = (message: string) => void;

/** Returns the cached image for the current spec, building it when missing (or when forced). */
export async function ensureImage(
  opts: { force?: boolean; progress?: Progress; signal?: AbortSignal } = {},
): Promise<ImageManifest> {
  const hash = imageHash();
  const dir = imageDir(hash);
  const cached = readManifest(dir);
  if (cached && !opts.force) return cached;
  return buildImage(hash, dir, opts.progress ?? (() => {}), opts.signal);
}

async function preflight(): Promise<void> {
  if (process.getuid?.() !== 0) throw new UsageError('image build: debootstrap needs root; run as root (or sudo)');
  for (const tool of ['debootstrap', 'mkfs.ext4', 'qemu-img', 'ssh-keygen', 'tar']) {
    if (!(await which(tool))) {
      throw new UsageError(
        `image build: ${tool} is missing; install it with scripts/setup.sh (or apt-get install debootstrap e2fsprogs qemu-utils openssh-client)`,
      );
    }
  }
  fs.mkdirSync(imagesDir(), { recursive: true });
  const free = fs.statfsSync(imagesDir());
  const freeGiB = (free.bavail * free.bsize) / 2 ** 30;
  if (freeGiB < 4)
    throw new UsageError(`image build: only ${freeGiB.toFixed(1)} GiB free under ${imagesDir()}; 4 GiB are needed`);
}

function hostMirror(): string | null {
  const files = ['/etc/apt/sources.list'];
  const d = '/etc/apt/sources.list.d';
  if (fs.existsSync(d)) for (const f of fs.readdirSync(d)) if (/\.(list|sources)$/.test(f)) files.push(path.join(d, f));
  const texts = files.filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8'));
  return mirrorFromAptSources(texts, IMAGE_SPEC.suite);
}

async function buildImage(hash: string, dir: string, progress: Progress, signal?: AbortSignal): Promise<ImageManifest> {
  await preflight();
  const started = Date.now();
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const rootfs = path.join(tmp, 'rootfs');
  try {
    const mirror = hostMirror();
    progress(
      `debootstrap ${IMAGE_SPEC.suite} (${IMAGE_SPEC.variant}) from ${mirror ? "the host's apt mirror" : "debootstrap's default mirror"}`,
    );
    let packagesDone = 0;
    const args = [
      `--variant=${IMAGE_SPEC.variant}`,
      `--include=${IMAGE_SPEC.packages.join(',')}`,
      IMAGE_SPEC.suite,
      rootfs,
    ];
    if (mirror) args.push(mirror);
    await run('debootstrap', args, {
      timeoutMs: 30 * 60_000,
      signal,
      onStdout: (s) => {
        for (const line of s.split('\n')) {
          if (/^I: (Retrieving|Validating|Unpacking|Configuring) /.test(line) && ++packagesDone % 25 === 0) {
            progress(`debootstrap: ${line.slice(3, 80)}`);
          }
        }
      },
    }).catch((err: Error) => {
      const msg = err.message;
      if (/Failed getting release file|Temporary failure|Could not resolve|unreachable/i.test(msg)) {
        throw new UsageError(
          `image build: the Debian mirror is unreachable (${msg.slice(0, 300)}); check the host's apt sources`,
        );
      }
      throw err;
    });

    progress('configuring the userland (network, sshd, keys, workloads)');
    configure(rootfs);
    const hostKey = await generateHostKey(rootfs);
    const clientKey = path.join(tmp, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'versus-client', '-f', clientKey]);
    fs.chmodSync(clientKey, 0o600);
    const sshDir = path.join(rootfs, 'root/.ssh');
    fs.mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    fs.copyFileSync(`${clientKey}.pub`, path.join(sshDir, 'authorized_keys'));
    fs.chmodSync(path.join(sshDir, 'authorized_keys'), 0o600);
    const workloadsHash = syncWorkloads(rootfs);

    const nodeVersion = (
      await run('chroot', [rootfs, '/usr/bin/node', '--version'], { env: cleanEnv() })
    ).stdout.trim();
    const bootFiles = fs.readdirSync(path.join(rootfs, 'boot'));
    const vmlinuz = bootFiles.find((f) => f.startsWith('vmlinuz-'));
    const initrd = bootFiles.find((f) => f.startsWith('initrd.img-'));
    if (!vmlinuz || !initrd) throw new Error('image build: the kernel or initrd is missing from /boot');
    fs.copyFileSync(path.join(rootfs, 'boot', vmlinuz), path.join(tmp, 'vmlinuz'));
    fs.copyFileSync(path.join(rootfs, 'boot', initrd), path.join(tmp, 'initrd.img'));

    progress('making the VM disk (ext4 from the same tree, qcow2)');
    const usedMiB = Number((await run('du', ['-sm', rootfs])).stdout.split(/\s/)[0]);
    const raw = path.join(tmp, 'disk.raw');
    const sizeMiB = Math.ceil((usedMiB * 1.3 + IMAGE_SPEC.diskFreeMiB) / 64) * 64;
    if (signal?.aborted) throw new Error('image build interrupted');
    await run('mkfs.ext4', ['-q', '-F', '-L', 'versus-root', '-d', rootfs, raw, `${sizeMiB}M`], { signal });
    const disk = path.join(tmp, 'disk.qcow2');
    await run('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, disk]);
    fs.rmSync(raw);

    const final = (p: string) => path.join(dir, path.relative(tmp, p));
    const manifest: ImageManifest = {
      hash,
      dockerTag: `versus/worker:${hash.slice(0, 16)}`,
      createdAt: new Date().toISOString(),
      buildSeconds: 0,
      suite: IMAGE_SPEC.suite,
      packages: [...IMAGE_SPEC.packages],
      nodeVersion,
      kernelVersion: vmlinuz.replace(/^vmlinuz-/, ''),
      kernelCmdline: IMAGE_SPEC.kernelCmdline,
      dir,
      rootfs: final(rootfs),
      kernel: final(path.join(tmp, 'vmlinuz')),
      initrd: final(path.join(tmp, 'initrd.img')),
      disk: final(disk),
      diskBytes: sizeMiB * 2 ** 20,
      clientKey: final(clientKey),
      hostKey,
      workloadsHash,
    };
    manifest.buildSeconds = (Date.now() - started) / 1000;
    fs.writeFileSync(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    progress(`image ${hash.slice(0, 16)} built in ${manifest.buildSeconds.toFixed(0)} s`);
    return manifest;
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function configure(rootfs: string): void {
  const w = (rel: string, text: string, mode = 0o644) => {
    const f = path.join(rootfs, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text, { mode });
  };
  w('etc/hostname', 'versus-worker\n');
  w('etc/hosts', '127.0.0.1 localhost versus-worker\n');
  w('etc/fstab', IMAGE_SPEC.fstab);
  w('etc/systemd/network/20-en.network', IMAGE_SPEC.networkUnit);
  w('etc/systemd/network/10-versus-segment.network', IMAGE_SPEC.segmentUnit);
  w('etc/ssh/sshd_config.d/versus.conf', `${IMAGE_SPEC.sshdConfig}\n`);
  w(IMAGE_SPEC.microvmInit.path.slice(1), IMAGE_SPEC.microvmInit.script, 0o755);
  w(
    'etc/modprobe.d/versus-blacklist.conf',
    IMAGE_SPEC.modprobeBlacklist.map((m) => `blacklist ${m}\ninstall ${m} /bin/true\n`).join(''),
  );
  // An empty machine-id makes every boot of a clone generate its own.
  w('etc/machine-id', '');
  const link = (target: string, at: string) => {
    const f = path.join(rootfs, at);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.rmSync(f, { force: true });
    fs.symlinkSync(target, f);
  };
  // systemctl enable of exactly these, without running systemctl in a chroot: what the
  // packages enabled themselves is dropped
  for (const wants of IMAGE_SPEC.clearedWants)
    fs.rmSync(path.join(rootfs, 'etc/systemd/system', wants), { recursive: true, force: true });
  for (const unit of IMAGE_SPEC.bootServices)
    link(`/lib/systemd/system/${unit}`, `etc/systemd/system/multi-user.target.wants/${unit}`);
  link('/lib/systemd/system/serial-getty@.service', 'etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service');
  for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    const full = path.join(rootfs, d);
    if (!fs.existsSync(full)) continue;
    for (const f of fs.readdirSync(full)) {
      const p = path.join(full, f);
      if (fs.statSync(p).isFile()) fs.rmSync(p);
    }
  }
}

async function generateHostKey(rootfs: string): Promise<ImageManifest['hostKey']> {
  const sshDir = path.join(rootfs, 'etc/ssh');
  for (const f of fs.readdirSync(sshDir)) if (f.startsWith('ssh_host_')) fs.rmSync(path.join(sshDir, f));
  const key = path.join(sshDir, 'ssh_host_ed25519_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'versus-worker', '-f', key]);
  const pub = fs.readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/);
  const blob = Buffer.from(pub[1]!, 'base64');
  return {
    type: pub[0]!,
    fingerprint: `SHA256:${Buffer.from(sha256(blob), 'hex').toString('base64').replace(/=+$/, '')}`,
    publicKeyBase64: pub[1]!,
  };
}

/** Copies the workloads (default: the project's) into the tree when they changed; returns their hash. */
export function syncWorkloads(rootfs: string, bundle: WorkloadBundle = projectBundle()): string {
  const hash = bundle.hash;
  const target = path.join(rootfs, GUEST_WORKLOADS_DIR);
  const stamp = path.join(path.dirname(target), 'workloads.sha256');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === hash) return hash;
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.cpSync(bundle.dir, target, { recursive: true });
  fs.writeFileSync(stamp, `${hash}\n`);
  return hash;
}

/** A minimal environment for processes in the image: nothing of the harness's leaks in. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    TMPDIR: '/tmp',
  };
}

export function removeImage(hash: string): boolean {
  const dir = imageDir(hash);
  if (!fs.existsSync(dir)) return false;
  fs.rmSync(dir, { recursive: true, force: true });
  return true;
}

export const hostArch = os.arch;
