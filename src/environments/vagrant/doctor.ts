// What `versus doctor` says about vagrant, its providers and libvirtd.
import { imageHash } from '../../image/spec.js';
import { versionOf, which } from '../../util/exec.js';
import type { DoctorCheck as Check } from '../descriptor.js';
import { listBoxes, workerBoxName } from './box.js';
import { Libvirt } from './libvirt.js';
import { vagrantInventory, vagrantToolEnv } from './tools.js';

/** vagrant, its plugins, the two providers it is used with, and libvirtd. */
export async function vagrantChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const inventory = await vagrantInventory();
  add(
    'vagrant',
    inventory !== null,
    inventory?.version ?? 'missing: apt-get install vagrant vagrant-libvirt (needed for --env vagrant only)',
  );
  if (inventory === null) return checks;
  const { plugins } = inventory;
  add('vagrant plugins', true, plugins.length ? plugins.map((p) => `${p.name} ${p.version}`).join(', ') : 'none');
  const libvirtPlugin = plugins.some((p) => p.name === 'vagrant-libvirt');
  const box = workerBoxName({ hash: imageHash() });
  const boxes = await listBoxes('vagrant', vagrantToolEnv());
  add(
    'vagrant box',
    true,
    boxes.some((b) => b.name === box)
      ? `${box} (the current worker image) added`
      : `${box} not added yet: versus run --env vagrant adds it (or versus image build --vagrant-box)`,
  );
  const virsh = await which('virsh');
  add(
    'provider libvirt',
    libvirtPlugin && virsh !== null,
    libvirtPlugin
      ? virsh
        ? 'vagrant-libvirt and virsh installed'
        : 'virsh missing: apt-get install libvirt-daemon-system libvirt-clients'
      : 'vagrant-libvirt missing: apt-get install vagrant-libvirt',
  );
  const vbox = await versionOf('VBoxManage', ['--version']);
  add(
    'provider virtualbox',
    vbox !== null,
    vbox
      ? `VirtualBox ${vbox}`
      : 'VirtualBox not installed (not in Debian; --vagrant-provider libvirt works without it)',
  );
  if (virsh) {
    const up = await new Libvirt('qemu:///system').reachable();
    add(
      'libvirtd',
      true,
      up
        ? 'running (qemu:///system answers)'
        : (await which('libvirtd'))
          ? 'not running: versus starts it for a vagrant experiment and stops it after'
          : 'not installed: apt-get install libvirt-daemon-system',
    );
  }
  return checks;
}
