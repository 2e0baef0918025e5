// Where worker VMs' QEMU processes run: this machine (LocalMachine) or a remote host
// over SSH (remoteMachine.ts). The qemu backend boots, watches and stops VMs through
// this interface alone, so the boot logic (ports, guest death, errors) exists once.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir, type ImageManifest } from '../../image/manifest.js';
import { ProcessSampler } from '../../sampling/processSampler.js';
import type { Sampler } from '../../sampling/types.js';
import type { SshTarget } from '../../ssh/connection.js';
import { run, tail, which } from '../../util/exec.js';
import { ofLiveExperiment } from '../../util/live.js';
import { freePort } from '../../util/ports.js';
import { childAlive, stopChild } from '../../util/process.js';
import { hasVhostNet } from '../segment.js';
import { type AccelChoice, chooseAccelerator, recordKvmFailure } from './accel.js';

export type StopSteps = readonly (readonly [NodeJS.Signals | null, number])[];

/** A running QEMU, here or on a host. */
export interface VmProcess {
  alive(): boolean;
  /** "SIGKILL" or "exit 1", once it ended */
  endText(): string;
  onStderr(cb: (text: string) => void): void;
  onClose(cb: (end: string) => void): void;
  /** each step sends its signal (none: just wait) and waits that long for the end */
  stop(steps: StopSteps): Promise<void>;
  /** the view of QEMU from its host (all its threads), or null */
  sampler(worker: string, cpus: number, intervalMs: number): Sampler | null;
}

/** The worker image's boot files where QEMU reads them. */
export interface VmFiles {
  kernel: string;
  initrd: string;
  disk: string;
}

export interface VmMachine {
  /** "" here; " on host h1" for a remote host (appended to messages) */
  readonly where: string;
  /** per-run folders of overlays, pid files (and, remote, serial logs) */
  readonly vmsDir: string;
  /** QEMU can write the serial console into the results directly (this machine) */
  readonly serialHere: boolean;
  /** makes the image's files available to QEMU (copied once to a remote host) */
  files(image: ImageManifest, log: (m: string) => void): Promise<VmFiles>;
  chooseAccelerator(
    requested: 'auto' | AccelChoice['accel'],
    image: ImageManifest,
    files: VmFiles,
    binary: string,
  ): Promise<AccelChoice>;
  recordKvmFailure(files: VmFiles, binary: string, reason: string): Promise<void>;
  qemuVersion(binary: string): Promise<string>;
  hasBinary(binary: string): Promise<boolean>;
  /** whether QEMU there can hand a NIC's data path to the kernel (/dev/vhost-net) */
  hasVhostNet(): Promise<boolean>;
  createOverlay(base: string, overlay: string): Promise<void>;
  /** a loopback port for the guest's SSH forward that is probably free (QEMU tells when not) */
  port(): Promise<number>;
  /** starts QEMU (argv[0] or a wrapper such as taskset); pidFile: where QEMU records its pid */
  spawn(argv: string[], pidFile: string): VmProcess;
  /** how to reach the guest's forwarded SSH port */
  guestTarget(port: number, image: ImageManifest): SshTarget;
  /** the end of a file QEMU wrote (its serial console) */
  readTail(file: string, chars: number): Promise<string>;
  /** keeps a VM's serial log in the results (remote: fetched from the host) */
  keepSerial(file: string, localCopy: string): Promise<void>;
  /** kills every QEMU named by a pid file in dir (checking it is ours) and removes dir */
  killRecorded(dir: string): Promise<string[]>;
  /** every run folder's VMs (a killed harness leaves them) */
  /** the VMs and overlays of every run, or of the runs whose id starts with prefix, but those of live experiments */
  cleanLeftovers(prefix?: string, live?: readonly string[]): Promise<string[]>;
  mkdir(dir: string): Promise<void>;
}

class LocalVmProcess implements VmProcess {
  constructor(private readonly child: ChildProcess) {}
  alive = () => childAlive(this.child);
  endText = () => this.child.signalCode ?? `exit ${this.child.exitCode}`;
  onStderr(cb: (text: string) => void): void {
    this.child.stderr!.on('data', (d: Buffer) => cb(d.toString()));
  }
  onClose(cb: (end: string) => void): void {
    this.child.once('close', (code, sig) => cb(sig ?? `exit ${code}`));
  }
  stop(steps: StopSteps): Promise<void> {
    return stopChild(this.child, steps);
  }
  sampler(worker: string, cpus: number, intervalMs: number): Sampler | null {
    return this.child.pid ? new ProcessSampler(worker, this.child.pid, cpus, intervalMs) : null;
  }
}

export const localMachine: VmMachine = {
  where: '',
  get vmsDir() {
    return path.join(cacheDir(), 'vms');
  },
  serialHere: true,
  files: async (image) => ({ kernel: image.kernel, initrd: image.initrd, disk: image.disk }),
  chooseAccelerator: (requested, _image, files, binary) =>
    chooseAccelerator(requested, { binary, kernel: files.kernel, initrd: files.initrd }),
  recordKvmFailure: (files, binary, reason) =>
    recordKvmFailure({ binary, kernel: files.kernel, initrd: files.initrd }, reason),
  qemuVersion: async (binary) => (await run(binary, ['--version'])).stdout.split('\n')[0]!.trim(),
  hasBinary: async (binary) => Boolean(await which(binary)),
  hasVhostNet: async () => hasVhostNet(),
  createOverlay: async (base, overlay) => {
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, overlay]);
  },
  port: freePort,
  spawn: (argv) => new LocalVmProcess(spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })),
  guestTarget,
  readTail: async (file, chars) =>
    fs.existsSync(file) ? tail(fs.readFileSync(file, 'utf8'), chars) : '(no serial output)',
  keepSerial: async () => {}, // written into the results already
  killRecorded: async (dir) => killRecordedVms(dir),
  async cleanLeftovers(prefix = '', live: readonly string[] = []) {
    const removed: string[] = [];
    if (!fs.existsSync(this.vmsDir)) return removed;
    const runs = fs.readdirSync(this.vmsDir).filter((r) => r.startsWith(prefix) && !ofLiveExperiment(r, live));
    for (const runId of runs) removed.push(...killRecordedVms(path.join(this.vmsDir, runId)), `overlays of ${runId}`);
    return removed;
  },
  mkdir: async (dir) => {
    fs.mkdirSync(dir, { recursive: true });
  },
};

/** The guest's SSH on a loopback port of QEMU's host, with the image's key pair. */
export function guestTarget(port: number, image: ImageManifest): SshTarget {
  return {
    host: '127.0.0.1',
    port,
    username: 'root',
    privateKey: fs.readFileSync(image.clientKey),
    pinnedHostKey: image.hostKey.publicKeyBase64,
  };
}

/** Kills every QEMU named by a pid file in dir (checking it is ours), then removes dir. */
export function killRecordedVms(dir: string): string[] {
  const killed: string[] = [];
  if (!fs.existsSync(dir)) return killed;
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.pid'))) {
    const pid = Number(fs.readFileSync(path.join(dir, f), 'utf8').trim());
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // already gone
    }
    if (!cmdline.includes('versus-qemu-')) continue; // pid reused by something else
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(`qemu pid ${pid} (${path.basename(dir)}/${f.replace(/\.pid$/, '')})`);
    } catch {
      // ended meanwhile
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return killed;
}
