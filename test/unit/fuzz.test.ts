import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/compose/config.js';
import { configMapping, parseConfigText } from '../../src/config/load.js';
import { frameToReading } from '../../src/sampling/dockerSampler.js';
import { GuestStreamParser } from '../../src/sampling/guestSampler.js';
import { ParseError, parseMeminfo, parsePidStat, parseProcStat } from '../../src/sampling/procstat.js';
import { UsageError } from '../../src/util/errors.js';
import { parseWorkloadLine } from '../../src/workload/protocol.js';

const runs = { numRuns: 500 };

describe('hostile input never ends in a stack trace', () => {
  it('config file: anything but a mapping at the top level is one UsageError naming the file', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue())),
        (v) => {
          expect(() => configMapping(v, 's.yaml')).toThrow(UsageError);
          expect(() => configMapping(v, 's.yaml')).toThrow(/^s\.yaml: /);
        },
      ),
      runs,
    );
    expect(configMapping({ repetitions: 2 }, 's.yaml')).toEqual({ repetitions: 2 });
  });

  it('config: any JSON value validates or is one UsageError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          validateExperiment(v, 'fuzz.json');
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          expect((err as Error).message.startsWith('fuzz.json: ')).toBe(true);
        }
      }),
      runs,
    );
  });

  it('config: near-valid objects (right keys, wrong values) are UsageErrors naming a field', () => {
    const keys = [
      'name',
      'environments',
      'instances',
      'repetitions',
      'warmup',
      'seed',
      'worker',
      'sampling',
      'timeouts',
      'workload',
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), fc.jsonValue()), (v) => {
        try {
          validateExperiment(v, 'f');
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
        }
      }),
      runs,
    );
  });

  it('config text: any string parses or is one UsageError', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('x.json', 'x.yaml'), (text, file) => {
        try {
          parseConfigText(text, file);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
        }
      }),
      runs,
    );
  });

  it('/proc parsers: any text parses or is a ParseError', () => {
    const procLike = fc.oneof(
      fc.string(),
      fc
        .array(fc.oneof(fc.constant('cpu'), fc.constant('cpu0'), fc.nat().map(String), fc.string({ maxLength: 4 })), {
          maxLength: 14,
        })
        .map((a) => a.join(' ')),
    );
    fc.assert(
      fc.property(procLike, (text) => {
        for (const parse of [parseProcStat, parseMeminfo, parsePidStat]) {
          try {
            parse(text);
          } catch (err) {
            expect(err).toBeInstanceOf(ParseError);
          }
        }
      }),
      runs,
    );
  });

  it('guest stream: any bytes only produce readings or reported errors', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.constant('@@versus\n'),
            fc.constant('cpu  1 2 3 4\n'),
            fc.constant('MemTotal: 5 kB\n'),
          ),
        ),
        (chunks) => {
          const p = new GuestStreamParser(
            1,
            () => {},
            () => {},
          );
          for (const c of chunks) p.push(c);
        },
      ),
      runs,
    );
  });

  it('Docker stats frames and workload lines: any JSON gives a reading, null or an event', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = frameToReading(v as never, 1, Date.now());
        if (r) expect(Number.isFinite(r.cores)).toBe(true);
        parseWorkloadLine(JSON.stringify(v));
      }),
      runs,
    );
  });
});
