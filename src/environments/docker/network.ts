// A run's engine network as this machine sees it, for the workers of roles placed on the
// host to join: the bridge versus named at creation and the subnet the engine chose.
import fs from 'node:fs';
import type Docker from 'dockerode';
import { createBridge, type SegmentPort, segmentNames } from '../segment.js';
import { engineCall } from './call.js';
import { runNetworkSpec } from './spec.js';

export async function engineSegmentPort(
  docker: Docker,
  runId: string,
  apiTimeoutS: number,
  env: string,
): Promise<SegmentPort> {
  const name = runNetworkSpec(runId).Name!;
  const info = await engineCall(docker.getNetwork(name).inspect(), apiTimeoutS, 'inspect network');
  const configs = (info as { IPAM?: { Config?: { Subnet?: string }[] } }).IPAM?.Config ?? [];
  const subnet = configs.find((c) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c.Subnet ?? ''))?.Subnet;
  if (!subnet) throw new Error(`${env}: network ${name} has no IPv4 subnet (IPAM: ${JSON.stringify(configs)})`);
  const bridge = segmentNames(runId).engineBridge;
  // Podman's CNI makes the bridge when the first container joins; its bridge plugin takes one that is there
  if (!fs.existsSync(`/sys/class/net/${bridge}`)) await createBridge(runId, bridge);
  return { bridge, subnet };
}
