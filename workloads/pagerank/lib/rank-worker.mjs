import { workerData } from 'node:worker_threads';
import { awaitChange, CTRL, OP, runOp } from './kernel.mjs';

const { state, ctrl, params } = workerData;
let seen = 0;
for (;;) {
  awaitChange(ctrl, CTRL.GEN, seen);
  seen = Atomics.load(ctrl, CTRL.GEN);
  if (Atomics.load(ctrl, CTRL.OP) === OP.EXIT) break;
  runOp(state, ctrl, params);
  Atomics.add(ctrl, CTRL.DONE, 1);
  Atomics.notify(ctrl, CTRL.DONE);
}
