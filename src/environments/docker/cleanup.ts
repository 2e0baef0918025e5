// Removing what versus made on an engine: a run's containers and networks, an
// experiment's, or every leftover but those of live experiments (`versus clean`).
import type Docker from 'dockerode';
import { ofLiveExperiment } from '../../util/live.js';
import { DEFAULT_ENGINE_LIMITS, EngineGate, engineCall } from './call.js';
import { LABEL_OWNER, LABEL_RUN } from './spec.js';

/** Names of every container and network versus created that still exists (a killed harness leaves them). */
export async function labelledContainers(docker: Docker): Promise<string[]> {
  try {
    const filters = { label: [`${LABEL_OWNER}=versus`] };
    const list = await docker.listContainers({ all: true, filters });
    const networks = await docker.listNetworks({ filters });
    return [...list.map((c) => `container ${c.Names[0] ?? c.Id}`), ...networks.map((n) => `network ${n.Name}`)];
  } catch {
    return []; // no engine: nothing of ours can be running there
  }
}

/** Removes every container versus created but those of live experiments; nothing when no engine answers. */
export async function removeLabelled(
  docker: Docker,
  apiTimeoutS: number,
  live: readonly string[] = [],
): Promise<string[]> {
  try {
    await engineCall(docker.ping(), apiTimeoutS, 'ping');
  } catch {
    return [];
  }
  const notLive = (labels: Record<string, string> | undefined) => !ofLiveExperiment(labels?.[LABEL_RUN] ?? '', live);
  const owner = [`${LABEL_OWNER}=versus`];
  const containers = await removeContainers(docker, owner, apiTimeoutS, (c) => notLive(c.Labels));
  const networks = await removeNetworks(docker, owner, apiTimeoutS, (n) => notLive(n.Labels));
  return [...containers.map((c) => `container ${c}`), ...networks];
}

/** Removes versus's networks with these labels (after their containers); returns their names. */
export async function removeNetworks(
  docker: Docker,
  labels: string[],
  apiTimeoutS: number,
  which: (n: Docker.NetworkInspectInfo) => boolean = () => true,
): Promise<string[]> {
  const list = (
    await engineCall(docker.listNetworks({ filters: { label: labels } }), apiTimeoutS, 'list networks')
  ).filter(which);
  for (const n of list)
    await engineCall(docker.getNetwork(n.Id).remove(), apiTimeoutS, 'remove network').catch(
      (err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      },
    );
  return list.map((n) => `network ${n.Name}`);
}

/** Removes versus's containers with these labels, a bounded number at once (through the experiment's gate when given). */
export async function removeContainers(
  docker: Docker,
  labels: string[],
  apiTimeoutS: number,
  which: (c: Docker.ContainerInfo) => boolean = () => true,
  gate = new EngineGate(() => docker.ping(), { ...DEFAULT_ENGINE_LIMITS, apiTimeoutS }),
): Promise<string[]> {
  const list = (
    await engineCall(docker.listContainers({ all: true, filters: { label: labels } }), apiTimeoutS, 'list containers')
  ).filter(which);
  await Promise.all(
    list.map((c) =>
      gate
        .call(() => docker.getContainer(c.Id).remove({ force: true, v: true }), 'remove')
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
        }),
    ),
  );
  return list.map((c) => c.Names[0] ?? c.Id);
}
