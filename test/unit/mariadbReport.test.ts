// The MariaDB workload's pure parts: sysbench 1.0.20's report (Debian 12's) read into
// metrics, and the server's verdict on its tables after a run.
import { describe, expect, it } from 'vitest';
import { parseReport, verdict } from '../../workloads/mariadb/report.mjs';

const REPORT = `SQL statistics:
    queries performed:
        read:                            7028
        write:                           2003
        other:                           1002
        total:                           10033
    transactions:                        500    (655.80 per sec.)
    queries:                             10033  (13159.33 per sec.)
    ignored errors:                      2      (2.62 per sec.)
    reconnects:                          0      (0.00 per sec.)

General statistics:
    total time:                          0.7600s
    total number of events:              500

Latency (ms):
         min:                                    1.38
         avg:                                    3.02
         max:                                    8.70
         95th percentile:                        4.25
         sum:                                 1509.13
`;

const tables = ['sbtest.sbtest1', 'sbtest.sbtest2'];
const sums = (a: string, b: string) =>
  new Map([
    [tables[0]!, a],
    [tables[1]!, b],
  ]);
const ok = 'sbtest.sbtest1\tcheck\tstatus\tOK\nsbtest.sbtest2\tcheck\tstatus\tOK\n';

describe('the mariadb workload', () => {
  it("reads transactions, rates, retries and latencies from sysbench's report", () => {
    expect(parseReport(REPORT)).toEqual({
      transactions: 500,
      transactionsPerSecond: 655.8,
      queriesPerSecond: 13159.33,
      retries: 2,
      latencyAvgMs: 3.02,
      latencyP95Ms: 4.25,
    });
  });

  it('refuses a report without a number it needs', () => {
    expect(() => parseReport(REPORT.replace(/95th percentile:.*\n/, ''))).toThrow(/95th percentile/);
  });

  it('verifies tables that are checked OK, full and changed; names each problem otherwise', () => {
    expect(verdict(tables, sums('1', '2'), sums('3', '2'), ok, '1000\n1000\n', 1000)).toEqual([]);
    expect(
      verdict(
        tables,
        sums('1', '2'),
        sums('1', '2'),
        'sbtest.sbtest1\tcheck\terror\tCorrupt\nsbtest.sbtest1\tcheck\tstatus\tOperation failed\n',
        '999\n1000\n',
        1000,
      ),
    ).toEqual([
      'CHECK TABLE sbtest.sbtest1: Corrupt',
      'CHECK TABLE sbtest.sbtest1: Operation failed',
      'sbtest.sbtest1 holds 999 rows, not 1000',
      'no table changed: no write arrived',
    ]);
  });
});
