/** An error caused by the workload's input: reported as one line, exit 2. */
export class WorkloadError extends Error {}
