import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTurnQueue } from './turn-queue.js';
import type { Turn } from './turn-queue.js';

/** A turn that finishes at once, recording its name. */
const instant =
  (ran: string[], name: string): Turn =>
  (done) => {
    ran.push(name);
    done();
  };

test('the turn queue runs one turn per scheduled callback, in order, and drops cancelled turns', () => {
  const pending: (() => void)[] = [];
  const q = createTurnQueue((pump) => pending.push(pump));
  const ran: string[] = [];
  const a = instant(ran, 'a');
  const b = instant(ran, 'b');
  const c = instant(ran, 'c');
  q.enqueue(a);
  q.enqueue(b);
  q.enqueue(a); // already queued: keeps its place
  q.enqueue(c);
  q.cancel(b);
  assert.equal(pending.length, 1, 'one callback scheduled at a time');
  assert.equal(q.size, 2);
  pending.shift()!();
  assert.deepEqual(ran, ['a']);
  assert.equal(pending.length, 1, 'the next turn gets a callback of its own');
  pending.shift()!();
  assert.deepEqual(ran, ['a', 'c']);
  assert.equal(pending.length, 0, 'nothing left, nothing scheduled');
  q.enqueue(b);
  assert.equal(pending.length, 1);
  pending.shift()!();
  assert.deepEqual(ran, ['a', 'c', 'b']);
});

test('the next turn is scheduled only once the running one is done, and done twice counts once', () => {
  const pending: (() => void)[] = [];
  const q = createTurnQueue((pump) => pending.push(pump));
  const ran: string[] = [];
  let finishA: () => void = () => assert.fail('a has not started');
  q.enqueue((done) => {
    ran.push('a');
    finishA = done;
  });
  q.enqueue(instant(ran, 'b'));
  pending.shift()!();
  assert.deepEqual(ran, ['a']);
  assert.equal(pending.length, 0, 'b waits while a is drawing');
  q.enqueue(instant(ran, 'c'));
  assert.equal(pending.length, 0, 'a turn queued meanwhile waits too');
  finishA();
  finishA();
  assert.equal(pending.length, 1, 'one callback for the next turn, however often a says it is done');
  pending.shift()!();
  pending.shift()!();
  assert.deepEqual(ran, ['a', 'b', 'c']);
  assert.equal(pending.length, 0);
});

test('a turn that throws does not stall the queue', () => {
  const pending: (() => void)[] = [];
  const q = createTurnQueue((pump) => pending.push(pump));
  const ran: string[] = [];
  q.enqueue(() => {
    throw new Error('boom');
  });
  q.enqueue(instant(ran, 'next'));
  assert.throws(() => pending.shift()!());
  assert.equal(pending.length, 1);
  pending.shift()!();
  assert.deepEqual(ran, ['next']);
});
