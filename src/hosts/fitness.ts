// Is this host fit to measure on? What careful benchmarkers check first (pyperf's
// `system show`): frequency governor and boost, SMT siblings of the workers' CPUs, THP,
// ASLR, the clocksource, whether the host is itself a VM guest (and its steal), load from
// other processes and memory available. Judged from facts read elsewhere (fitnessFacts.ts);
// a fact the host does not have is "unknown", never an error. Pure.

export type Verdict = 'ok' | 'warn' | 'unknown';

export interface FitnessCheck {
  name: string;
  verdict: Verdict;
  /** what was read */
  value: string;
  /** what to change and why (empty when ok) */
  advice: string;
}

/** The raw facts, each null where the host has no such file. */
export interface HostFacts {
  /** per CPU: its scaling_governor */
  governors: (string | null)[];
  /** intel_pstate/no_turbo ("1": boost off) */
  noTurbo: string | null;
  /** cpufreq/boost ("0": boost off) */
  boost: string | null;
  /** smt/active */
  smtActive: string | null;
  /** per CPU: its thread_siblings_list */
  siblings: (string | null)[];
  /** transparent_hugepage/enabled, e.g. "always [madvise] never" */
  thp: string | null;
  /** kernel/randomize_va_space */
  aslr: string | null;
  clocksource: string | null;
  /** "hypervisor" in /proc/cpuinfo's flags */
  hypervisor: boolean | null;
  /** /dev/kvm exists */
  kvm: boolean;
  /** over a short window before the experiment: busy and steal, % of all CPUs */
  busyPct: number | null;
  stealPct: number | null;
  memAvailableBytes: number | null;
}

export interface FitnessNeeds {
  /** the CPUs the workers get (pinned), or every CPU */
  workerCpus: readonly number[];
  /** memory the experiment's workers are allowed together */
  workerMemoryBytes: number;
}

const selected = (text: string | null) => /\[([^\]]+)\]/.exec(text ?? '')?.[1] ?? text?.trim() ?? null;

/** "0-1", "0,2" as CPU numbers. */
export function parseCpuList(text: string): number[] {
  return text
    .trim()
    .split(',')
    .filter(Boolean)
    .flatMap((part) => {
      const [a, b] = part.split('-').map(Number);
      return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
    });
}

const check = (name: string, verdict: Verdict, value: string, advice = ''): FitnessCheck => ({
  name,
  verdict,
  value,
  advice,
});

function governorCheck(f: HostFacts): FitnessCheck {
  const known = f.governors.filter((g): g is string => g !== null).map((g) => g.trim());
  if (!known.length)
    return check(
      'cpu governor',
      'unknown',
      'no cpufreq',
      'the hypervisor or firmware sets the frequency: nothing to set here',
    );
  const other = [...new Set(known.filter((g) => g !== 'performance'))];
  return other.length
    ? check(
        'cpu governor',
        'warn',
        [...new Set(known)].join(', '),
        'set performance (versus doctor --tune): a governor that follows load changes the clock under the workload',
      )
    : check('cpu governor', 'ok', 'performance');
}

function boostCheck(f: HostFacts): FitnessCheck {
  if (f.noTurbo === null && f.boost === null)
    return check(
      'turbo/boost',
      'unknown',
      'no intel_pstate or cpufreq boost file',
      'the hypervisor or firmware decides',
    );
  const on = f.noTurbo !== null ? f.noTurbo.trim() === '0' : f.boost!.trim() === '1';
  return on
    ? check(
        'turbo/boost',
        'warn',
        'on',
        'turn it off (versus doctor --tune): boost clocks depend on temperature and on how many cores are busy',
      )
    : check('turbo/boost', 'ok', 'off');
}

function smtCheck(f: HostFacts, needs: FitnessNeeds): FitnessCheck {
  if (f.smtActive === null && f.siblings.every((s) => s === null))
    return check('SMT siblings', 'unknown', 'no topology files');
  const shared = needs.workerCpus.filter((cpu) => {
    const list = f.siblings[cpu];
    return list ? parseCpuList(list).some((other) => other !== cpu && needs.workerCpus.includes(other)) : false;
  });
  return shared.length
    ? check(
        'SMT siblings',
        'warn',
        `workers' CPUs ${shared.join(',')} share cores`,
        'two workers on hyper-threads of one core slow each other: pin fewer workers (--pin) or turn SMT off',
      )
    : check('SMT siblings', 'ok', f.smtActive?.trim() === '1' ? "on, none among the workers' CPUs" : 'off');
}

function thpCheck(f: HostFacts): FitnessCheck {
  const mode = selected(f.thp);
  if (mode === null) return check('transparent huge pages', 'unknown', 'no THP file');
  return mode === 'always'
    ? check(
        'transparent huge pages',
        'warn',
        'always',
        'set madvise (versus doctor --tune): khugepaged compacting memory in the background adds noise',
      )
    : check('transparent huge pages', 'ok', mode);
}

function aslrCheck(f: HostFacts): FitnessCheck {
  if (f.aslr === null) return check('ASLR', 'unknown', 'no randomize_va_space');
  // as pyperf: full randomization, and several runs average over layouts
  return f.aslr.trim() === '2'
    ? check('ASLR', 'ok', 'full randomization')
    : check(
        'ASLR',
        'warn',
        `randomize_va_space ${f.aslr.trim()}`,
        'set 2: results of one address layout do not generalise',
      );
}

function clocksourceCheck(f: HostFacts): FitnessCheck {
  const c = f.clocksource?.trim() ?? null;
  if (c === null) return check('clocksource', 'unknown', 'no clocksource file');
  return ['tsc', 'kvm-clock', 'arch_sys_counter', 'hyperv_clocksource_tsc_page'].includes(c)
    ? check('clocksource', 'ok', c)
    : check(
        'clocksource',
        'warn',
        c,
        'a slow clocksource (hpet, acpi_pm) makes every timestamp and sample cost a trap',
      );
}

function guestCheck(f: HostFacts): FitnessCheck {
  if (f.hypervisor === null) return check('VM guest', 'unknown', 'no /proc/cpuinfo flags');
  const steal = f.stealPct === null ? '' : `, steal ${f.stealPct.toFixed(1)}%`;
  const kvm = f.kvm ? '' : ', no /dev/kvm: VMs run under TCG emulation';
  if (!f.hypervisor)
    return check('VM guest', f.kvm ? 'ok' : 'warn', `no${kvm}`, f.kvm ? '' : 'VM results measure an emulator');
  return check(
    'VM guest',
    'warn',
    `yes${steal}${kvm}`,
    'the host is a VM: its neighbours take CPU (steal) and its clock drifts; compare only runs taken together, paired by block',
  );
}

function loadCheck(f: HostFacts): FitnessCheck {
  if (f.busyPct === null) return check('other load', 'unknown', 'no /proc/stat');
  const steal = f.stealPct ?? 0;
  return f.busyPct > 10 || steal > 2
    ? check(
        'other load',
        'warn',
        `${f.busyPct.toFixed(1)}% busy${steal ? `, ${steal.toFixed(1)}% stolen` : ''} before the experiment`,
        'stop what else runs: other work shares the CPUs with the workers',
      )
    : check('other load', 'ok', `${f.busyPct.toFixed(1)}% busy before the experiment`);
}

function memoryCheck(f: HostFacts, needs: FitnessNeeds): FitnessCheck {
  if (f.memAvailableBytes === null) return check('memory available', 'unknown', 'no MemAvailable');
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  const margin = 2 ** 30;
  return f.memAvailableBytes < needs.workerMemoryBytes + margin
    ? check(
        'memory available',
        'warn',
        `${gib(f.memAvailableBytes)} for workers allowed ${gib(needs.workerMemoryBytes)}`,
        'less than the workers may use plus 1 GiB: page cache and swap will be part of the result',
      )
    : check('memory available', 'ok', gib(f.memAvailableBytes));
}

/** Every check, in pyperf's order of importance. */
export function judgeFitness(f: HostFacts, needs: FitnessNeeds): FitnessCheck[] {
  return [
    governorCheck(f),
    boostCheck(f),
    smtCheck(f, needs),
    thpCheck(f),
    aslrCheck(f),
    clocksourceCheck(f),
    guestCheck(f),
    loadCheck(f),
    memoryCheck(f, needs),
  ];
}
