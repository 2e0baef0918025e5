// Worker VMs on a remote host: QEMU started there over the host's SSH connection (one
// exec channel per VM, its stderr streamed back), the image's boot files copied there
// once over SFTP, the guest's SSH reached through a forward on that connection, QEMU's
// own view streamed from the host's /proc, and every VM found again by its pid file.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { RemoteHost } from '../../hosts/remote.js';
import type { ImageManifest } from '../../image/manifest.js';
import { RemoteProcessSampler } from '../../sampling/remoteProcessSampler.js';
import { shellQuote } from '../../ssh/quote.js';
import { ofLiveExperiment } from '../../util/live.js';
import type { AccelChoice } from './accel.js';
import { verdictsDir } from './accel.js';
import { PROBE_TIMEOUT_MS, probeArgs, probeInitrdFile, watchProbe } from './kvmProbe.js';
import { guestTarget, type StopSteps, type VmMachine, type VmProcess } from './machine.js';

/** Kills every QEMU named by a pid file in dir (if it is ours), then removes dir; prints what it killed. */
export function killRecordedScript(dir: string): string {
  const q = shellQuote(dir);
  return [
    `for f in ${q}/*.pid; do [ -f "$f" ] || continue; read -r p < "$f" || continue; if grep -qa versus-qemu- "/proc/$p/cmdline" 2>/dev/null; then kill -9 "$p" && echo "qemu pid $p (\${f##*/})"; fi; done`,
    `rm -rf ${q}`,
  ].join('\n');
}

/** Sends a signal to the QEMU of a pid file, if it is ours. */
const signalScript = (pidFile: string, signal: string) =>
  `read -r p < ${shellQuote(pidFile)} 2>/dev/null && grep -qa versus-qemu- "/proc/$p/cmdline" 2>/dev/null && kill -${signal.replace(/^SIG/, '')} "$p"; true`;

class RemoteVmProcess implements VmProcess {
  private readonly events = new EventEmitter();
  private ended: string | null = null;

  constructor(
    private readonly host: RemoteHost,
    argv: readonly string[],
    private readonly pidFile: string,
  ) {
    host.ssh
      .exec(`exec ${argv.map(shellQuote).join(' ')}`)
      .then((ch) => {
        let status: string | null = null;
        ch.stderr.on('data', (d: Buffer) => this.events.emit('stderr', d.toString()));
        ch.on('data', () => {});
        ch.on('exit', (code: number | null, sig?: string) => {
          status = sig ? `SIG${sig}` : `exit ${code}`;
        });
        ch.on('close', () => this.end(status ?? `the SSH connection to host ${host.name} was lost`));
      })
      .catch((err: Error) => this.end(`could not start over SSH: ${err.message}`));
  }

  private end(how: string): void {
    if (this.ended !== null) return;
    this.ended = how;
    this.events.emit('close', how);
  }

  alive = () => this.ended === null;
  endText = () => this.ended ?? '';
  onStderr(cb: (text: string) => void): void {
    this.events.on('stderr', cb);
  }
  onClose(cb: (end: string) => void): void {
    if (this.ended !== null) cb(this.ended);
    else this.events.once('close', cb);
  }

  async stop(steps: StopSteps): Promise<void> {
    for (const [signal, ms] of steps) {
      if (!this.alive()) return;
      if (signal) await this.host.ssh.run(signalScript(this.pidFile, signal)).catch(() => {});
      const closed = new Promise<boolean>((r) => this.onClose(() => r(true)));
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        closed,
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
      ]);
      clearTimeout(timer);
      if (inTime) return;
    }
  }

  sampler(worker: string, cpus: number, intervalMs: number) {
    return new RemoteProcessSampler(worker, () => this.host.connect(), this.pidFile, cpus, intervalMs, false);
  }
}

/** Under auto, KVM only where the worker kernel's probe guest reaches user space on that host. */
async function remoteAccelerator(
  host: RemoteHost,
  image: ImageManifest,
  kernel: string,
  binary: string,
): Promise<AccelChoice> {
  if ((await host.ssh.run('test -r /dev/kvm && test -w /dev/kvm')).code !== 0)
    return { accel: 'tcg', reason: `host ${host.name}: no usable /dev/kvm: software emulation (TCG)` };
  const local = probeInitrdFile(image.initrd, verdictsDir());
  const dir = `${host.cacheDir}/accel/${path.basename(local, '.img')}`;
  await host.deliverFiles([local], dir);
  const pidFile = `${dir}/probe.pid`;
  const argv = [binary, ...probeArgs(kernel, `${dir}/${path.basename(local)}`)];
  const ch = await host.ssh.exec(
    `sh -c ${shellQuote(`echo $$ > ${shellQuote(pidFile)}; exec ${argv.map(shellQuote).join(' ')}`)}`,
  );
  const outcome = await watchProbe(
    {
      onStdout: (cb) => ch.on('data', (d: Buffer) => cb(d.toString())),
      onStderr: (cb) => ch.stderr.on('data', (d: Buffer) => cb(d.toString())),
      onEnd: (cb) => ch.on('close', () => cb('ended')),
    },
    binary,
    PROBE_TIMEOUT_MS,
  );
  await host.ssh
    .run(`read -r p < ${shellQuote(pidFile)} && kill -9 "$p"; rm -f ${shellQuote(pidFile)}`)
    .catch(() => {});
  ch.close();
  const probedAt = new Date().toISOString();
  return { accel: outcome.ok ? 'kvm' : 'tcg', reason: `host ${host.name}: ${outcome.reason}`, probedAt };
}

export function remoteMachine(host: RemoteHost): VmMachine {
  const run = (command: string) => host.run(command);
  const vmsDir = `${host.cacheDir}/vms`;
  const killRecorded = async (dir: string) => (await run(killRecordedScript(dir))).split('\n').filter(Boolean);
  return {
    where: ` on host ${host.name}`,
    vmsDir,
    serialHere: false,
    async files(image, log) {
      const dir = `${host.cacheDir}/images/${image.hash.slice(0, 16)}/vm`;
      await host.deliverFiles([image.kernel, image.initrd, image.disk], dir, log);
      const at = (f: string) => `${dir}/${path.basename(f)}`;
      return { kernel: at(image.kernel), initrd: at(image.initrd), disk: at(image.disk) };
    },
    chooseAccelerator: async (requested, image, files, binary) =>
      requested === 'auto'
        ? remoteAccelerator(host, image, files.kernel, binary)
        : { accel: requested, reason: 'requested in the config' },
    recordKvmFailure: async () => {}, // remote verdicts are not cached: probed at every experiment
    qemuVersion: async (binary) => (await run(`${shellQuote(binary)} --version`)).split('\n')[0]!.trim(),
    hasBinary: async (binary) => (await host.ssh.run(`command -v ${shellQuote(binary)}`)).code === 0,
    hasVhostNet: async () => (await host.ssh.run('test -c /dev/vhost-net')).code === 0,
    createOverlay: async (base, overlay) => {
      await run(`qemu-img create -q -f qcow2 -F qcow2 -b ${shellQuote(base)} ${shellQuote(overlay)}`);
    },
    // the host's kernel picks nothing for us here: a random port, QEMU says when it is taken
    port: async () => 20_000 + Math.floor(Math.random() * 40_000),
    spawn: (argv, pidFile) => new RemoteVmProcess(host, argv, pidFile),
    // the host's loopback, reached through a forward on its SSH connection
    guestTarget: (port, image) => ({ ...guestTarget(port, image), tunnel: () => host.tunnel(port) }),
    readTail: async (file, chars) =>
      (await run(`tail -c ${chars} ${shellQuote(file)} 2>/dev/null; true`)) || '(no serial output)',
    keepSerial: async (file, localCopy) => {
      fs.mkdirSync(path.dirname(localCopy), { recursive: true });
      fs.writeFileSync(localCopy, await run(`cat ${shellQuote(file)} 2>/dev/null; true`));
    },
    killRecorded,
    async cleanLeftovers(prefix = '', live: readonly string[] = []) {
      const runs = (await run(`ls -1 ${shellQuote(vmsDir)} 2>/dev/null; true`))
        .split('\n')
        .filter((r) => r.length > 0 && r.startsWith(prefix) && !ofLiveExperiment(r, live));
      const out: string[] = [];
      for (const r of runs) out.push(...(await killRecorded(`${vmsDir}/${r}`)), `overlays of ${r}`);
      return out;
    },
    mkdir: async (dir) => {
      await run(`mkdir -p ${shellQuote(dir)}`);
    },
  };
}
